"""The composition root chooses the remote segmentation endpoint from configuration."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pixellift.adapters.bootstrap import build_fix_services, build_ocr_reader
from pixellift.adapters.endpoint.clients import RemoteMatter, RemoteOcrReader, RemoteSegmenter
from pixellift.adapters.endpoint.inference import MattingModel, SegmentationModel
from pixellift.adapters.endpoint.tensor_client import TensorSegmenter
from pixellift.adapters.local.edge_matter import EdgeMatter
from pixellift.adapters.local.onnx_models import OnnxSegmenter
from pixellift.adapters.local.rapid_ocr import RapidOcrReader
from pixellift.adapters.settings import Settings
from pixellift.core.imaging.segmentation import U2NETP_SPEC
from pixellift.core.pipeline.autofix import fix_photo
from pixellift.core.pipeline.preset_schema import SegmentationSettings, SizeSettings
from pixellift.core.pipeline.presets import load_preset


def _settings(tmp_path: Path, endpoint: str, model: str = "identity") -> Settings:
    env = {
        "HOME": str(tmp_path),
        "PIXELLIFT_SEGMENTATION_ENDPOINT": endpoint,
        "PIXELLIFT_SEGMENTATION_MODEL": model,
        "PIXELLIFT_MODEL_DIR": str(tmp_path / "no-models"),
    }
    return Settings.from_env(env)


def test_settings_read_a_bare_endpoint_name_as_sagemaker(tmp_path: Path) -> None:
    # GIVEN the endpoint name as CDK sets it / WHEN parsed / THEN it is a SageMaker target
    settings = _settings(tmp_path, "pixellift-dev-segmentation")
    assert settings.segmentation_endpoint == "sagemaker:pixellift-dev-segmentation"


@pytest.mark.parametrize("profile", ["arrays", "tensor"])
def test_fix_runs_through_the_configured_http_endpoint(serve, identity_model, tmp_path, profile):
    # GIVEN settings naming a running segmentation server, and no local model at all: a model
    # the registry knows (u2netp's spec) gets tensors, one it does not know gets the photo
    name = "u2netp" if profile == "tensor" else "identity"
    served = OnnxSegmenter(identity_model, U2NETP_SPEC, name=name, threads=1)
    server = serve(SegmentationModel(served), None)
    settings = _settings(tmp_path, server.url, model=name)
    services = build_fix_services(settings)
    kind = TensorSegmenter if profile == "tensor" else RemoteSegmenter
    assert isinstance(services.segmenter, kind)

    # WHEN a photo on a busy background (so the model path is taken) is fixed
    rng = np.random.default_rng(7)  # fixed seed: a textured backdrop the classical path refuses
    rgb = rng.integers(0, 255, (240, 320, 3), dtype=np.uint8)
    rgb[60:180, 100:220] = (250, 250, 250)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    preset = load_preset("amazon-main").model_copy(
        update={
            "size": SizeSettings(width=300, height=300),
            "segmentation": SegmentationSettings(mode="model"),
        }
    )
    try:
        result = fix_photo(buf.getvalue(), "busy.png", preset, services)
    finally:
        build_fix_services.cache_clear()
        services.segmenter._invoker.transport.close()  # the keep-alive connection of this test

    # THEN the segment step used the remote model and the output has the preset's size
    segment = next(s for s in result.step_log.steps if s.name == "segment")
    assert segment.results["method"] == f"model:{services.segmenter.name}"
    assert (result.output.rows, result.output.cols) == (300, 300)


def test_settings_read_matting_and_ocr_endpoints(tmp_path: Path) -> None:
    # GIVEN the names CDK sets for the matting and OCR endpoints, and a local URL
    env = {
        "HOME": str(tmp_path),
        "PIXELLIFT_MATTING_ENDPOINT": "pixellift-dev-matting",
        "PIXELLIFT_OCR_ENDPOINT": "http://127.0.0.1:8081",
    }
    # WHEN parsed
    settings = Settings.from_env(env)
    # THEN the bare name is SageMaker's, the URL is kept, and unset means in-process
    assert settings.matting_endpoint == "sagemaker:pixellift-dev-matting"
    assert settings.ocr_endpoint == "http://127.0.0.1:8081"
    assert Settings.from_env({"HOME": str(tmp_path)}).matting_endpoint is None


def test_ocr_reader_is_in_process_unless_an_endpoint_is_configured(tmp_path: Path) -> None:
    # GIVEN settings without and with an OCR endpoint
    local = Settings.from_env({"HOME": str(tmp_path)})
    remote = Settings.from_env({"HOME": str(tmp_path), "PIXELLIFT_OCR_ENDPOINT": "ocr-ep"})
    try:
        # WHEN the composition root builds the reader / THEN RapidOCR runs locally, else remote
        assert isinstance(build_ocr_reader(local), RapidOcrReader)
        assert isinstance(build_ocr_reader(remote), RemoteOcrReader)
    finally:
        build_ocr_reader.cache_clear()


def test_fix_refines_edges_on_the_configured_matting_endpoint(serve, segmentation_server, tmp_path):
    # GIVEN segmentation and matting servers (the matting one with the in-process edge refiner)
    matting_server = serve(MattingModel(EdgeMatter(), None), None)
    env = {
        "HOME": str(tmp_path),
        "PIXELLIFT_SEGMENTATION_ENDPOINT": segmentation_server.url,
        "PIXELLIFT_MATTING_ENDPOINT": matting_server.url,
        "PIXELLIFT_MODEL_DIR": str(tmp_path / "no-models"),
    }
    settings = Settings.from_env(env)
    services = build_fix_services(settings)
    assert isinstance(services.matter, RemoteMatter)
    rgb = np.full((500, 600, 3), 250, dtype=np.uint8)
    rgb[100:400, 150:450] = (40, 90, 160)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    preset = load_preset("amazon-main").model_copy(
        update={"size": SizeSettings(width=300, height=300)}
    )
    try:
        # WHEN the photo is fixed
        result = fix_photo(buf.getvalue(), "block.png", preset, services)
    finally:
        build_fix_services.cache_clear()
        services.segmenter._invoker.transport.close()
        services.matter._invoker.transport.close()

    # THEN the edges step ran on the endpoint and the product is still there, framed
    edges = next(s for s in result.step_log.steps if s.name == "edges")
    assert edges.params == {"matter": services.matter.name}
    assert (result.output.rows, result.output.cols) == (300, 300)
    out = np.asarray(Image.open(io.BytesIO(result.output.data)).convert("RGB"))
    assert tuple(out[150, 150]) != (255, 255, 255)
    assert tuple(out[2, 2]) == (255, 255, 255)
