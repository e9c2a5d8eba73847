from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image
from pixellift.core.imaging.segmentation import (
    BIREFNET_SPEC,
    ISNET_SPEC,
    U2NETP_SPEC,
    ModelInputSpec,
    mask_confidence,
    postprocess_mask,
    preprocess_for_segmentation,
)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
PLAIN = ModelInputSpec(rows=4, cols=4, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0))


def _disc_map(size: int, *, blur: float = 0.0) -> np.ndarray:
    prob = np.zeros((size, size), np.float32)
    cv2.circle(prob, (size // 2, size // 2), size // 4, 1.0, -1)
    return cv2.GaussianBlur(prob, (0, 0), blur) if blur else prob


@pytest.mark.parametrize(
    ("spec", "rows", "mean", "std", "sigmoid"),
    [
        (U2NETP_SPEC, 320, IMAGENET_MEAN, IMAGENET_STD, False),
        (ISNET_SPEC, 1024, (0.5, 0.5, 0.5), (1.0, 1.0, 1.0), False),
        (BIREFNET_SPEC, 1024, IMAGENET_MEAN, IMAGENET_STD, True),
    ],
)
def test_model_specs_match_the_published_preprocessing(spec, rows, mean, std, sigmoid):
    # GIVEN the constants for the three supported model families
    # WHEN / THEN they carry the input size, normalisation and output activation of each
    assert (spec.rows, spec.cols) == (rows, rows)
    assert spec.mean == mean
    assert spec.std == std
    assert spec.sigmoid is sigmoid
    assert spec.divide_by_max is True


def test_preprocess_for_segmentation_returns_a_float32_nchw_tensor_at_model_size():
    # GIVEN a small non-square photo
    rgb = np.zeros((30, 50, 3), np.uint8)

    # WHEN it is prepared for U2-Net-p
    tensor = preprocess_for_segmentation(rgb, U2NETP_SPEC)

    # THEN it is one 3 x 320 x 320 float32 image
    assert tensor.shape == (1, 3, 320, 320)
    assert tensor.dtype == np.float32


def test_preprocess_for_segmentation_divides_by_the_image_maximum_then_normalises():
    # GIVEN a flat image whose brightest value is 100 (not 255)
    rgb = np.full((8, 8, 3), 100, np.uint8)

    # WHEN it is prepared with ImageNet statistics
    tensor = preprocess_for_segmentation(rgb, U2NETP_SPEC)

    # THEN each channel holds (100 / 100 - mean) / std, as rembg computes it
    expected = [(1.0 - m) / s for m, s in zip(IMAGENET_MEAN, IMAGENET_STD, strict=True)]
    np.testing.assert_allclose(tensor[0, :, 0, 0], expected, rtol=1e-6)


def test_preprocess_for_segmentation_scales_by_255_when_not_dividing_by_max():
    # GIVEN a spec that scales by the full 8-bit range
    spec = replace(PLAIN, mean=(0.5, 0.5, 0.5), divide_by_max=False)

    # WHEN a flat 51-grey image is prepared
    tensor = preprocess_for_segmentation(np.full((4, 4, 3), 51, np.uint8), spec)

    # THEN values are 51 / 255 - 0.5
    np.testing.assert_allclose(tensor, np.full((1, 3, 4, 4), 0.2 - 0.5), atol=1e-6)


def test_preprocess_for_segmentation_keeps_channel_order_in_nhwc_layout():
    # GIVEN a pure red image and a channels-last spec
    spec = ModelInputSpec(rows=4, cols=6, mean=(0, 0, 0), std=(1, 1, 1), input_layout="NHWC")
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[..., 0] = 255

    # WHEN it is prepared
    tensor = preprocess_for_segmentation(rgb, spec)

    # THEN the tensor is (1, rows, cols, 3) with red in channel 0 only
    assert tensor.shape == (1, 4, 6, 3)
    assert tensor[..., 0].min() == 1.0
    assert tensor[..., 1:].max() == 0.0


@pytest.mark.parametrize(
    "bad",
    [np.zeros((8, 8), np.uint8), np.zeros((8, 8, 4), np.uint8), np.zeros((8, 8, 3), np.float32)],
)
def test_preprocess_for_segmentation_rejects_anything_but_rgb_uint8(bad):
    # GIVEN an array that is not an RGB uint8 image
    # WHEN / THEN preparing it fails with a clear message
    with pytest.raises(ValueError, match=r"expected a \(rows, cols, 3\) uint8 image"):
        preprocess_for_segmentation(bad, U2NETP_SPEC)


def test_postprocess_mask_min_max_normalises_and_resizes_to_the_photo():
    # GIVEN a raw NCHW model output with an arbitrary range
    raw = np.linspace(-3.0, 5.0, 16, dtype=np.float32).reshape(1, 1, 4, 4)

    # WHEN it is turned into a mask for a 30 x 20 photo
    mask = postprocess_mask(raw, (30, 20), U2NETP_SPEC)

    # THEN it is float32 at the photo's size and spans exactly [0, 1]
    assert mask.shape == (30, 20)
    assert mask.dtype == np.float32
    assert mask.min() == 0.0
    assert mask.max() == 1.0


def test_postprocess_mask_stores_the_lanczos_path_in_8_bit_steps_like_rembg():
    # GIVEN a smooth raw output
    raw = np.linspace(0.0, 1.0, 64, dtype=np.float32).reshape(1, 1, 8, 8)

    # WHEN it is resized with the rembg-compatible LANCZOS path
    mask = postprocess_mask(raw, (16, 16), U2NETP_SPEC)

    # THEN every value is a whole number of 1/255 steps
    steps = mask * 255.0
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-4)


def test_postprocess_mask_applies_the_sigmoid_before_normalising():
    # GIVEN logits 0, 1 and 4
    raw = np.array([[[[0.0, 1.0, 4.0]]]], np.float32)
    spec = ModelInputSpec(rows=1, cols=3, mean=(0, 0, 0), std=(1, 1, 1), resample="bilinear")
    with_sigmoid = replace(spec, sigmoid=True)

    # WHEN they are post-processed with and without the sigmoid
    plain = postprocess_mask(raw, (1, 3), spec)
    squashed = postprocess_mask(raw, (1, 3), with_sigmoid)

    # THEN the middle value moves from 0.25 to the sigmoid's relative position
    sig = 1.0 / (1.0 + np.exp(-np.array([0.0, 1.0, 4.0])))
    assert plain[0, 1] == pytest.approx(0.25, abs=1e-6)
    assert squashed[0, 1] == pytest.approx((sig[1] - sig[0]) / (sig[2] - sig[0]), abs=1e-6)


def test_postprocess_mask_reads_channel_zero_of_an_nhwc_output():
    # GIVEN an NHWC output whose channel 0 holds the mask and channel 1 noise
    raw = np.zeros((1, 2, 2, 2), np.float32)
    raw[0, :, :, 0] = [[0.0, 2.0], [1.0, 2.0]]
    raw[0, :, :, 1] = 99.0
    spec = replace(PLAIN, rows=2, cols=2, output_layout="NHWC", resample="bilinear")

    # WHEN it is post-processed at its own size
    mask = postprocess_mask(raw, (2, 2), spec)

    # THEN channel 0 is used
    assert mask.tolist() == [[0.0, 1.0], [0.5, 1.0]]


def test_postprocess_mask_returns_zeros_for_a_constant_output():
    # GIVEN a model output with no contrast at all
    raw = np.full((1, 1, 4, 4), 0.7, np.float32)

    # WHEN it is post-processed
    mask = postprocess_mask(raw, (5, 6), U2NETP_SPEC)

    # THEN there is no foreground (rather than a division by zero)
    assert mask.shape == (5, 6)
    assert not mask.any()


def test_postprocess_mask_rejects_an_unreadable_output_shape():
    # GIVEN a 1-D output
    # WHEN / THEN post-processing refuses it
    with pytest.raises(ValueError, match="cannot read a mask"):
        postprocess_mask(np.zeros(10, np.float32), (4, 4), U2NETP_SPEC)


def test_mask_confidence_is_one_for_a_binary_map():
    # GIVEN a crisp disc
    # WHEN / THEN the map is fully decisive
    assert mask_confidence(_disc_map(64)) == 1.0


def test_mask_confidence_is_zero_for_an_undecided_map():
    # GIVEN a map that is 0.5 everywhere
    # WHEN / THEN nothing is decided
    assert mask_confidence(np.full((32, 32), 0.5, np.float32)) == 0.0


def test_mask_confidence_drops_as_the_outline_gets_mushier():
    # GIVEN the same disc with a soft and a very soft outline
    soft = mask_confidence(_disc_map(200, blur=1.0))
    mushy = mask_confidence(_disc_map(200, blur=2.5))

    # WHEN / THEN the mushier outline scores lower, and both below a crisp one
    assert 1.0 > soft > mushy > 0.0


def test_mask_confidence_is_about_the_same_at_any_resolution():
    # GIVEN the same soft disc drawn at 256 px and at 1024 px (blur scaled alike)
    small = mask_confidence(_disc_map(256, blur=1.0))
    large = mask_confidence(_disc_map(1024, blur=4.0))

    # WHEN / THEN the confidences agree closely
    assert large == pytest.approx(small, abs=0.05)


@settings(max_examples=25, deadline=None)
@given(arrays(np.float32, (12, 9), elements=st.floats(0.0, 1.0, width=32)))
def test_mask_confidence_stays_in_the_unit_interval(prob):
    # GIVEN any probability map
    # WHEN its confidence is measured
    value = mask_confidence(prob)

    # THEN it is a fraction
    assert 0.0 <= value <= 1.0


def test_preprocess_for_segmentation_resizes_with_pillow_lanczos_like_rembg():
    # GIVEN a noisy photo (any resampling difference shows up on noise)
    rgb = np.random.default_rng(7).integers(0, 256, (37, 53, 3), dtype=np.uint8)

    # WHEN it is prepared for U2-Net-p
    tensor = preprocess_for_segmentation(rgb, U2NETP_SPEC)

    # THEN it equals rembg's recipe: Pillow LANCZOS to 320 x 320, / max, - mean, / std
    resized = np.asarray(Image.fromarray(rgb).resize((320, 320), Image.Resampling.LANCZOS))
    scaled = resized / resized.max()
    expected = ((scaled - IMAGENET_MEAN) / IMAGENET_STD).transpose(2, 0, 1)[None]
    np.testing.assert_array_equal(tensor, expected.astype(np.float32))
