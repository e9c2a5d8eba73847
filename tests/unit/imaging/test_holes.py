from __future__ import annotations

import cv2
import numpy as np
import pytest
from pixellift.core.imaging.holes import (
    BackgroundModel,
    fill_interior,
    fit_background_model,
    open_enclosed_holes,
)
from pixellift.core.types import Alpha, RgbImage

SIZE = 128
BACKDROP = (236, 236, 232)
PRODUCT = (40, 60, 170)


def _noisy(rgb: np.ndarray, seed: int, sigma: float = 3.0) -> RgbImage:
    noise = np.random.default_rng(seed).normal(0, sigma, rgb.shape)  # fixed seed: noise only
    return np.clip(rgb + noise, 0, 255).astype(np.uint8)


def _ring(hole_colour: tuple[int, int, int] = BACKDROP) -> tuple[RgbImage, Alpha]:
    """A ring whose hole shows ``hole_colour``, and a solid-disc alpha that covers the hole."""
    rgb = np.full((SIZE, SIZE, 3), BACKDROP, np.float32)
    cv2.circle(rgb, (64, 64), 40, PRODUCT, -1)
    cv2.circle(rgb, (64, 64), 18, hole_colour, -1)
    alpha = np.zeros((SIZE, SIZE), np.float32)
    cv2.circle(alpha, (64, 64), 40, 1.0, -1)
    return _noisy(rgb, 3), alpha


def _product_with_highlight() -> tuple[RgbImage, Alpha]:
    """A square with a soft highlight that fades to the backdrop's pale grey at its centre."""
    rows, cols = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    glow = np.exp(-((rows - 64) ** 2 + (cols - 64) ** 2) / (2 * 9.0**2))[..., None]
    rgb = np.full((SIZE, SIZE, 3), BACKDROP, np.float32)
    square = np.full((SIZE, SIZE, 3), (150, 110, 70), np.float32) * (1 - glow) + 236 * glow
    rgb[24:104, 24:104] = square[24:104, 24:104]
    alpha = np.zeros((SIZE, SIZE), np.float32)
    alpha[24:104, 24:104] = 1.0
    return _noisy(rgb, 4), alpha


def test_fit_background_model_interpolates_the_backdrop_behind_the_product() -> None:
    # GIVEN a backdrop that darkens from left to right, with a product in the middle
    ramp = np.linspace(250, 150, SIZE, dtype=np.float32)
    rgb = np.repeat(np.repeat(ramp[None, :, None], SIZE, axis=0), 3, axis=2)
    rgb[40:88, 40:88] = (200, 30, 30)
    alpha = np.zeros((SIZE, SIZE), np.float32)
    alpha[40:88, 40:88] = 1.0
    # WHEN the backdrop is modelled
    model = fit_background_model(rgb.astype(np.uint8), alpha)
    # THEN behind the product's centre it is the ramp's value there, not the product's colour
    assert model.colour[64, 64] == pytest.approx([ramp[64]] * 3, abs=12)


def test_fit_background_model_tolerance_follows_the_backdrop_noise() -> None:
    # GIVEN the same scene on a clean and on a grainy backdrop
    clean, alpha = _ring()
    grainy = _noisy(clean.astype(np.float32), 5, sigma=10.0)
    # WHEN both backdrops are modelled
    # THEN the grainy one tolerates larger colour differences
    assert (
        fit_background_model(grainy, alpha).tolerance > fit_background_model(clean, alpha).tolerance
    )


def test_fit_background_model_without_backdrop_matches_nothing() -> None:
    # GIVEN a product that fills the whole frame
    rgb = np.full((16, 16, 3), 200, np.uint8)
    # WHEN the backdrop is modelled
    model = fit_background_model(rgb, np.ones((16, 16), np.float32))
    # THEN its tolerance is zero and no hole can be opened with it
    assert model.tolerance == 0.0
    assert open_enclosed_holes(np.ones((16, 16), np.float32), rgb, model).count == 0


def test_open_enclosed_holes_opens_a_hole_showing_the_backdrop() -> None:
    # GIVEN a ring whose hole the alpha covers
    rgb, alpha = _ring()
    # WHEN enclosed holes are opened
    opened = open_enclosed_holes(alpha, rgb, fit_background_model(rgb, alpha))
    # THEN the hole is transparent, the ring stays opaque, and one region is reported
    assert opened.count == 1
    assert opened.alpha[60:68, 60:68].max() == 0.0
    assert opened.alpha[64, 34] == 1.0
    assert opened.mask[64, 64] and not opened.mask[64, 34]


def test_open_enclosed_holes_leaves_a_hole_of_another_colour() -> None:
    # GIVEN a ring whose "hole" is a dark inlay, not the backdrop
    rgb, alpha = _ring(hole_colour=(30, 30, 30))
    # WHEN enclosed holes are opened
    opened = open_enclosed_holes(alpha, rgb, fit_background_model(rgb, alpha))
    # THEN nothing changes
    assert opened.count == 0
    assert np.array_equal(opened.alpha, alpha)


def test_open_enclosed_holes_keeps_a_highlight_that_fades_into_the_product() -> None:
    # GIVEN a product with a soft highlight as pale as the backdrop
    rgb, alpha = _product_with_highlight()
    model = fit_background_model(rgb, alpha)
    assert model.distance(rgb)[64, 64] < model.tolerance
    # WHEN enclosed holes are opened
    opened = open_enclosed_holes(alpha, rgb, model)
    # THEN the highlight has no crisp border and stays opaque
    assert opened.count == 0
    assert opened.alpha[64, 64] == 1.0


def test_open_enclosed_holes_closes_a_highlight_the_model_half_opened() -> None:
    # GIVEN the highlighted product whose alpha dips to 0.3 where the highlight is palest
    rgb, alpha = _product_with_highlight()
    model = fit_background_model(rgb, alpha)
    core = (model.distance(rgb) < model.tolerance) & (alpha == 1.0)
    alpha[core] = 0.3
    # WHEN enclosed holes are opened
    opened = open_enclosed_holes(alpha, rgb, model)
    # THEN the dip is reported as false transparency and made opaque
    assert opened.count == 0
    assert opened.filled[64, 64] and not opened.mask.any()
    assert opened.alpha[core].min() == 1.0


def test_open_enclosed_holes_keeps_an_opened_hole_of_another_colour() -> None:
    # GIVEN a ring whose dark inlay the alpha already leaves transparent
    rgb, alpha = _ring(hole_colour=(30, 30, 30))
    cv2.circle(alpha, (64, 64), 18, 0.0, -1)
    # WHEN enclosed holes are opened
    opened = open_enclosed_holes(alpha, rgb, fit_background_model(rgb, alpha))
    # THEN the model's decision stands: nothing is opened or filled
    assert not opened.filled.any() and opened.count == 0
    assert np.array_equal(opened.alpha, alpha)


def test_open_enclosed_holes_ignores_backdrop_reaching_in_from_outside() -> None:
    # GIVEN a square whose alpha is two pixels too generous all around
    rgb = np.full((SIZE, SIZE, 3), BACKDROP, np.uint8)
    rgb[32:96, 32:96] = PRODUCT
    alpha = np.zeros((SIZE, SIZE), np.float32)
    alpha[30:98, 30:98] = 1.0
    # WHEN enclosed holes are opened
    opened = open_enclosed_holes(alpha, rgb, fit_background_model(rgb, alpha))
    # THEN the backdrop-coloured rim is left to the edge solver, not opened as a hole
    assert opened.count == 0


def _outlined(body: int) -> tuple[RgbImage, Alpha]:
    """A square of grey ``body`` outlined in dark blue on a near-white backdrop."""
    rgb = np.full((SIZE, SIZE, 3), 250, np.float32)
    rgb[30:98, 30:98] = body
    cv2.rectangle(rgb, (30, 30), (97, 97), PRODUCT, 3)
    alpha = np.zeros((SIZE, SIZE), np.float32)
    alpha[30:98, 30:98] = 1.0
    return _noisy(rgb, 6, sigma=2.0), alpha


def test_open_enclosed_holes_keeps_a_white_product_on_white() -> None:
    # GIVEN an off-white product body, close to the backdrop but not the backdrop itself
    rgb, alpha = _outlined(body=243)
    model = BackgroundModel(np.full((SIZE, SIZE, 3), 250, np.float32), 14.0)
    assert model.distance(rgb)[64, 64] < model.tolerance
    # WHEN enclosed holes are opened
    opened = open_enclosed_holes(alpha, rgb, model)
    # THEN the body, most of the product, is not mistaken for a hole
    assert opened.count == 0


def test_open_enclosed_holes_opens_a_loop_larger_than_its_frame() -> None:
    # GIVEN a thin loop (a necklace) whose inside is the backdrop itself
    rgb, alpha = _outlined(body=250)
    model = BackgroundModel(np.full((SIZE, SIZE, 3), 250, np.float32), 14.0)
    # WHEN enclosed holes are opened
    opened = open_enclosed_holes(alpha, rgb, model)
    # THEN the inside, though most of the silhouette, is opened
    assert opened.count == 1
    assert opened.alpha[64, 64] == 0.0 and opened.alpha[31, 64] == 1.0


def test_fill_interior_makes_deep_dips_opaque() -> None:
    # GIVEN a solid square whose alpha dips to 0.6 in the middle
    alpha = np.zeros((SIZE, SIZE), np.float32)
    alpha[24:104, 24:104] = 1.0
    alpha[54:74, 54:74] = 0.6
    # WHEN the interior is filled
    filled = fill_interior(alpha, edge_px=8)
    # THEN the dip is gone and the input is untouched
    assert filled[54:74, 54:74].min() == 1.0
    assert alpha[64, 64] == pytest.approx(0.6)


def test_fill_interior_leaves_the_edge_zone_alone() -> None:
    # GIVEN a square with a soft rim 4 pixels wide
    alpha = np.zeros((SIZE, SIZE), np.float32)
    alpha[24:104, 24:104] = 0.7
    alpha[28:100, 28:100] = 1.0
    # WHEN the interior is filled with an 8-pixel edge zone
    filled = fill_interior(alpha, edge_px=8)
    # THEN the rim keeps its values
    assert filled[64, 25] == pytest.approx(0.7)
    assert np.array_equal(filled[:30], alpha[:30])
