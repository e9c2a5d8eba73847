from __future__ import annotations

import cv2
import numpy as np
import pytest
from pixellift.core.imaging.foreground import (
    estimate_foreground,
    fill_from_known,
    sample_field,
    shrink,
)
from pixellift.core.types import Alpha, RgbImage

SIZE = 128


def _scene(backdrop: tuple[int, int, int]) -> tuple[RgbImage, Alpha, np.ndarray]:
    """A soft-edged disc (8-pixel ramp) of a red-to-yellow gradient on a flat backdrop."""
    rows, cols = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    radius = np.hypot(rows - SIZE / 2, cols - SIZE / 2)
    alpha = np.clip((40.0 - radius) / 8.0, 0.0, 1.0).astype(np.float32)
    fg = np.dstack([np.full_like(cols, 230), 40 + cols, np.full_like(cols, 30)])
    bg = np.empty_like(fg)
    bg[:] = backdrop
    rgb = np.clip(alpha[..., None] * fg + (1 - alpha[..., None]) * bg, 0, 255).astype(np.uint8)
    return rgb, alpha, fg


def _composite_error(foreground: np.ndarray, alpha: Alpha, truth: np.ndarray) -> float:
    """Mean error on white over the soft edge, weighted as it shows (by alpha)."""
    edge = (alpha > 0.02) & (alpha < 0.98)
    diff = alpha[..., None] * (foreground.astype(np.float32) - truth)
    return float(np.abs(diff).sum(axis=-1)[edge].mean())


def test_estimate_foreground_removes_the_backdrop_from_a_soft_edge() -> None:
    # GIVEN a soft-edged product on a strong blue backdrop, and its true alpha
    rgb, alpha, truth = _scene((20, 40, 220))
    # WHEN its foreground colours are estimated
    foreground = estimate_foreground(rgb, alpha)
    # THEN composited on white it is several times closer to the truth than the raw pixels
    estimated = _composite_error(foreground, alpha, truth)
    raw = _composite_error(rgb, alpha, truth)
    assert estimated < 0.2 * raw


def test_estimate_foreground_keeps_opaque_and_transparent_pixels() -> None:
    # GIVEN the soft-edged product
    rgb, alpha, _ = _scene((20, 40, 220))
    # WHEN its foreground is estimated
    foreground = estimate_foreground(rgb, alpha)
    # THEN pixels with alpha exactly 0 or 1 are the photo's own
    solid = (alpha == 0.0) | (alpha == 1.0)
    assert np.array_equal(foreground[solid], rgb[solid])
    assert foreground.dtype == np.uint8 and foreground.shape == rgb.shape


def test_estimate_foreground_reduced_fields_match_a_full_size_estimate() -> None:
    # GIVEN the soft-edged product
    rgb, alpha, truth = _scene((20, 40, 220))
    # WHEN the blurred colour fields are computed at a quarter size and at full size
    reduced = estimate_foreground(rgb, alpha, max_side=SIZE // 4)
    full = estimate_foreground(rgb, alpha, max_side=SIZE)
    # THEN both are about equally close to the truth
    assert _composite_error(reduced, alpha, truth) < 1.5 * _composite_error(full, alpha, truth) + 1


def test_fill_from_known_keeps_known_values_and_fills_the_rest_locally() -> None:
    # GIVEN a left half known to be 10 and a right column known to be 90
    values = np.zeros((16, 16, 1), np.float32)
    weights = np.zeros((16, 16), np.float32)
    values[:, :8], weights[:, :8] = 10.0, 1.0
    values[:, 15], weights[:, 15] = 90.0, 1.0
    # WHEN the unknown columns are filled
    filled = fill_from_known(values, weights)[..., 0]
    # THEN known values stay, and filled values lie between their neighbours, rising rightwards
    assert filled[:, :8] == pytest.approx(10.0)
    assert filled[:, 15] == pytest.approx(90.0)
    assert (np.diff(filled[8, 7:]) >= -1e-4).all()
    assert 10.0 < filled[8, 11] < 90.0


def test_fill_from_known_without_known_pixels_gives_zeros() -> None:
    # GIVEN nothing known
    values = np.ones((4, 4, 3), np.float32)
    # WHEN filling
    # THEN the result is all zeros rather than NaNs
    assert (fill_from_known(values, np.zeros((4, 4), np.float32)) == 0).all()


def test_sample_field_takes_a_scale_per_axis() -> None:
    # GIVEN a field that ramps along the columns, a quarter as wide but as tall as the image
    field = np.arange(4, dtype=np.float32).reshape(1, 4, 1).repeat(2, axis=0)
    where = (np.array([0, 1]), np.array([0, 15]))
    # WHEN it is sampled at the image's first and last columns
    values = sample_field(field, where, (1.0, 0.25))[:, 0]
    # THEN the ends of the ramp come back
    assert values.tolist() == pytest.approx([0.0, 3.0])


@pytest.mark.parametrize(
    ("shape", "expected"),
    [((2000, 2000, 3), (1000, 1000, 3)), ((3000, 1500), (1000, 500)), ((600, 400), (600, 400))],
)
def test_shrink_prefers_whole_block_averages(
    shape: tuple[int, ...], expected: tuple[int, ...]
) -> None:
    # GIVEN an image larger or smaller than the limit
    image = np.zeros(shape, np.uint8)
    # WHEN it is shrunk to at most 1024 pixels
    # THEN large ones are divided by a whole factor and small ones are left alone
    assert shrink(image, 1024).shape == expected


def test_shrink_averages_the_pixels() -> None:
    # GIVEN a fine checkerboard of 0 and 200
    board = (np.indices((64, 64)).sum(axis=0) % 2 * 200).astype(np.uint8)
    # WHEN it is shrunk by half
    small = shrink(board, 32)
    # THEN every pixel is the mean grey
    assert (small == 100).all()
    assert cv2.countNonZero(small) == small.size
