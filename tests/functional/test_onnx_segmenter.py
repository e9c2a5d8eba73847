from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from pixellift.adapters.local.model_cache import ModelCache
from pixellift.adapters.local.onnx_models import (
    MODEL_REGISTRY,
    OnnxSegmenter,
    infer_spec,
    load_segmenter,
)
from pixellift.adapters.settings import Settings
from pixellift.core.errors import InvalidModelError, ModelNotFoundError
from pixellift.core.imaging.segmentation import (
    BIREFNET_SPEC,
    ISNET_SPEC,
    U2NETP_SPEC,
    mask_confidence,
)

from tests.fakes.onnx_models import identity_model


def bright_disc(rows: int = 90, cols: int = 120) -> tuple[np.ndarray, np.ndarray]:
    rr, cc = np.mgrid[0:rows, 0:cols]
    disc = (rr - rows / 2) ** 2 + (cc - cols / 2) ** 2 <= (rows / 4) ** 2
    photo = np.zeros((rows, cols, 3), np.uint8)
    photo[disc] = (250, 40, 40)
    return photo, disc


@pytest.fixture
def cache(tmp_path: Path) -> ModelCache:
    return ModelCache(tmp_path / "models")


def test_infer_spec_reads_u2net_and_isnet_styles_from_the_input_size(tmp_path):
    # GIVEN operator models with 320 x 320 and 1024 x 1024 inputs
    small = identity_model(tmp_path / "small.onnx", [1, 3, 320, 320])
    large = identity_model(tmp_path / "large.onnx", [1, 3, 1024, 1024])

    # WHEN / THEN their specs are inferred
    assert infer_spec(small) == U2NETP_SPEC
    assert infer_spec(large) == ISNET_SPEC


def test_load_segmenter_refuses_to_guess_a_dynamic_input_size(tmp_path, cache):
    # GIVEN a model whose spatial size is symbolic
    model = identity_model(tmp_path / "dynamic.onnx", [1, 3, "height", "width"])

    # WHEN / THEN loading it without a spec asks for one
    with pytest.raises(InvalidModelError, match="pass an explicit spec"):
        load_segmenter(str(model), cache, threads=1)


def test_load_segmenter_runs_an_operator_model_from_a_path(tmp_path, cache):
    # GIVEN an operator-supplied 1024 x 1024 model and a photo of a red disc on black
    model = identity_model(tmp_path / "operator-isnet.onnx", [1, 3, 1024, 1024])
    photo, disc = bright_disc()

    # WHEN it is loaded by path and asked for a mask
    segmenter = load_segmenter(str(model), cache, threads=1)
    alpha = segmenter.predict(photo)

    # THEN the IS-Net spec is used and the mask (the red channel, normalised) finds the disc
    assert segmenter.name == "operator-isnet"
    assert segmenter.spec == ISNET_SPEC
    assert alpha.shape == (90, 120)
    assert alpha.dtype == np.float32
    assert ((alpha >= 0.5) == disc).mean() > 0.99


def test_load_segmenter_uses_an_explicit_spec_for_a_dynamic_model(tmp_path, cache):
    # GIVEN a dynamic-size model and the spec an operator says it needs
    model = identity_model(tmp_path / "birefnet.onnx", [1, 3, "height", "width"])
    photo, disc = bright_disc()

    # WHEN it is loaded with that spec
    segmenter = load_segmenter(str(model), cache, threads=1, spec=BIREFNET_SPEC)

    # THEN predictions go through the BiRefNet pre/post-processing and still find the disc
    assert segmenter.spec is BIREFNET_SPEC
    assert ((segmenter.predict(photo) >= 0.5) == disc).mean() > 0.99


def test_load_segmenter_finds_a_registered_operator_model_by_name(tmp_path, cache):
    # GIVEN an IS-Net file registered in the cache under its registry name
    source = identity_model(tmp_path / "isnet.onnx", [1, 3, 1024, 1024])
    cache.register_file("isnet-general-use", source)

    # WHEN it is loaded by name
    segmenter = load_segmenter("isnet-general-use", cache, threads=1)

    # THEN the registry's spec and name apply
    assert segmenter.name == "isnet-general-use"
    assert segmenter.spec == MODEL_REGISTRY["isnet-general-use"].spec
    assert segmenter.predict(bright_disc()[0]).shape == (90, 120)


def test_load_segmenter_explains_a_registry_model_that_is_not_installed(cache):
    # GIVEN an empty cache
    # WHEN / THEN loading BiRefNet by name says it must be registered
    with pytest.raises(ModelNotFoundError, match="register the operator-supplied file"):
        load_segmenter("birefnet-general", cache, threads=1)


def test_load_segmenter_rejects_an_unknown_name(cache):
    # GIVEN a name that is neither registered nor a file
    # WHEN / THEN the error lists the known models
    with pytest.raises(ModelNotFoundError, match="neither a known model .*u2netp"):
        load_segmenter("u2net-huge", cache, threads=1)


def test_load_segmenter_reports_a_file_that_is_not_onnx(tmp_path, cache):
    # GIVEN a corrupt .onnx file
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"\x00\x01 definitely not protobuf")

    # WHEN / THEN it is reported as an unloadable model
    with pytest.raises(InvalidModelError, match="not a loadable ONNX model"):
        load_segmenter(str(garbage), cache, threads=1)


def test_onnx_segmenter_reports_a_spec_that_does_not_fit_the_model(tmp_path):
    # GIVEN a 320 x 320 model configured with the 1024 x 1024 IS-Net spec
    model = identity_model(tmp_path / "small.onnx", [1, 3, 320, 320])
    segmenter = OnnxSegmenter(model, ISNET_SPEC, name="mismatch", threads=1)

    # WHEN / THEN the first prediction explains the mismatch
    with pytest.raises(InvalidModelError, match="expects input .*320, 320.*pass the matching spec"):
        segmenter.predict(bright_disc()[0])


def test_onnx_segmenter_reports_a_missing_file(tmp_path):
    # GIVEN a segmenter pointing at a file that is gone
    segmenter = OnnxSegmenter(tmp_path / "gone.onnx", U2NETP_SPEC, name="gone")

    # WHEN / THEN the first prediction says so
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        segmenter.predict(bright_disc()[0])


def test_onnx_segmenter_creates_one_session_lazily_and_reuses_it(tmp_path):
    # GIVEN a segmenter that has not predicted yet
    model = identity_model(tmp_path / "small.onnx", [1, 3, 320, 320])
    segmenter = OnnxSegmenter(model, U2NETP_SPEC, name="small", threads=2)

    # WHEN its session is requested twice
    first = segmenter.session()
    second = segmenter.session()

    # THEN it is the same CPU session with the configured threads
    assert first is second
    assert first.get_providers() == ["CPUExecutionProvider"]
    assert first.get_session_options().intra_op_num_threads == 2


def _installed_u2netp() -> OnnxSegmenter:
    cache = ModelCache(Settings.from_env(os.environ).model_dir)
    try:
        return load_segmenter("u2netp", cache, threads=0)
    except ModelNotFoundError as exc:
        pytest.skip(f"U2-Net-p is not in the model cache ({exc})")


@pytest.fixture(scope="module")
def u2netp() -> OnnxSegmenter:
    return _installed_u2netp()


def _box(shape: tuple[int, int], top: int, left: int, bottom: int, right: int) -> np.ndarray:
    region = np.zeros(shape, dtype=np.bool_)
    region[top:bottom, left:right] = True
    return region


def _iou(alpha: np.ndarray, expected: np.ndarray) -> float:
    found = alpha >= 0.5
    return float((found & expected).sum() / (found | expected).sum())


@pytest.mark.model
def test_u2netp_finds_the_astronaut(u2netp):
    # GIVEN the astronaut portrait (512 x 512): a person in front of a flag and a model rocket
    photo = skimage.data.astronaut()

    # WHEN U2-Net-p segments it
    alpha = u2netp.predict(photo)

    # THEN face and torso are foreground, the top corners background, and the mask covers
    # roughly the head-and-shoulders region
    assert alpha.shape == (512, 512)
    assert alpha.dtype == np.float32
    assert alpha[120, 225] > 0.9
    assert alpha[380, 200] > 0.9
    assert alpha[10, 10] < 0.1
    assert alpha[10, 500] < 0.1
    person = _box((512, 512), 15, 150, 190, 300) | _box((512, 512), 150, 15, 512, 500)
    assert _iou(alpha, person) > 0.7


@pytest.fixture(scope="module")
def coffee_alpha(u2netp: OnnxSegmenter) -> np.ndarray:
    return u2netp.predict(skimage.data.coffee())


@pytest.mark.model
def test_u2netp_finds_the_cup_and_saucer(coffee_alpha):
    # GIVEN a cup of coffee on a saucer on a wooden table (400 x 600)
    # WHEN U2-Net-p segments it
    alpha = coffee_alpha

    # THEN the saucer's ellipse is the subject and the table is not
    rr, cc = np.mgrid[0:400, 0:600]
    saucer = ((rr - 200) / 185.0) ** 2 + ((cc - 280) / 205.0) ** 2 <= 1.0
    assert alpha[150, 290] > 0.9
    assert alpha[10, 590] < 0.1
    assert alpha[390, 590] < 0.1
    assert _iou(alpha, saucer) > 0.85
    assert mask_confidence(alpha) > 0.7


@pytest.mark.model
def test_u2netp_finds_the_cat(u2netp):
    # GIVEN a close-up of a cat (300 x 451)
    photo = skimage.data.chelsea()

    # WHEN U2-Net-p segments it
    alpha = u2netp.predict(photo)

    # THEN the face is foreground and the background at the right edge is not
    assert alpha[150, 200] > 0.9
    assert alpha[150, 445] < 0.1
    assert 0.4 < (alpha >= 0.5).mean() < 0.9


@pytest.mark.model
def test_u2netp_is_deterministic(u2netp, coffee_alpha):
    # GIVEN a photo segmented once already
    # WHEN it is segmented again
    again = u2netp.predict(skimage.data.coffee())

    # THEN the masks are identical
    np.testing.assert_array_equal(again, coffee_alpha)


def test_execution_providers_are_configuration(tmp_path, cache):
    # GIVEN an operator model, asked for on the CPU, and on CUDA in this CPU-only build
    model = identity_model(tmp_path / "operator-isnet.onnx", [1, 3, 1024, 1024])
    on_cpu = load_segmenter(str(model), cache, threads=1, providers=["CPUExecutionProvider"])
    spec = ISNET_SPEC

    # WHEN their sessions open
    cuda = OnnxSegmenter(model, spec, name="gpu", threads=1, providers=["CUDAExecutionProvider"])

    # THEN the CPU one runs on the CPU, and the CUDA one says what this build has instead
    assert on_cpu.session().get_providers() == ["CPUExecutionProvider"]
    with pytest.raises(InvalidModelError, match="install onnxruntime-gpu for CUDA"):
        cuda.session()
