from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pixellift.core.imaging.background import ShadowSpec, composite, contact_shadow
from pixellift.core.imaging.framing import Margins
from pixellift.core.imaging.quality import (
    background_purity,
    fill_ratio,
    longest_side_fill,
    margins,
    pixel_delta,
)

WHITE = (255, 255, 255)


def _product_on(background: int, rows: int = 60, cols: int = 80) -> tuple[np.ndarray, np.ndarray]:
    rgb = np.full((rows, cols, 3), background, np.uint8)
    rgb[20:40, 30:50] = (40, 80, 120)
    alpha = np.zeros((rows, cols), np.float32)
    alpha[20:40, 30:50] = 1.0
    return rgb, alpha


def test_background_purity_is_one_on_pure_white() -> None:
    # GIVEN a product on pure white
    rgb, alpha = _product_on(255)
    # WHEN the purity is measured with and without the alpha
    # THEN the background is entirely pure and the product is not judged
    assert background_purity(rgb, alpha) == 1.0
    assert background_purity(rgb, None) == 1.0


def test_background_purity_counts_off_colour_background_pixels() -> None:
    # GIVEN 400 pixels of a 4400-pixel background that are slightly off-white
    rgb, alpha = _product_on(255)
    rgb[:5, :80] = 252
    # WHEN the purity is measured exactly, then with a tolerance
    exact = background_purity(rgb, alpha)
    tolerant = background_purity(rgb, alpha, tolerance=3)
    # THEN the off pixels count against exact purity only
    assert exact == pytest.approx(1 - 400 / 4400)
    assert tolerant == 1.0


def test_background_purity_checks_a_brand_colour() -> None:
    # GIVEN a product on a brand colour
    rgb, alpha = _product_on(0)
    rgb[alpha == 0] = (245, 245, 220)
    # WHEN the purity is measured against that colour and against white
    # THEN it is pure for the brand colour and not at all for white
    assert background_purity(rgb, alpha, (245, 245, 220)) == 1.0
    assert background_purity(rgb, alpha, WHITE) == 0.0


def test_background_purity_without_alpha_scores_a_grey_sweep_low() -> None:
    # GIVEN a product on a light grey studio background
    rgb, _ = _product_on(240)
    # WHEN the purity is measured from the border, exactly and with tolerance
    # THEN the grey fails exact purity and passes a tolerance that admits it
    assert background_purity(rgb, None) == 0.0
    assert background_purity(rgb, None, tolerance=15) == 1.0


def test_background_purity_without_alpha_scores_a_dark_background_zero() -> None:
    # GIVEN a product on mid grey, far from white (no flood region at all)
    rgb, _ = _product_on(128)
    # WHEN the purity is measured from the border
    # THEN the border alone shows the background is not white
    assert background_purity(rgb, None) == 0.0


def test_background_purity_without_alpha_ignores_the_product_edge() -> None:
    # GIVEN a product whose edge is anti-aliased into the white background
    rgb, _ = _product_on(255)
    rgb[19, 30:50] = 245
    rgb[40, 30:50] = 250
    # WHEN the purity is measured from the border
    # THEN the edge pixels are not judged as background
    assert background_purity(rgb, None) == 1.0


def test_background_purity_excludes_an_intended_shadow() -> None:
    # GIVEN a white composite with a contact shadow under the product
    _, alpha = _product_on(255)
    spec = ShadowSpec(opacity=0.3, height=0.3)
    rgb = composite(np.zeros((60, 80, 3), np.uint8), alpha, WHITE, shadow=spec)
    shadow = contact_shadow(alpha, spec) > 0
    # WHEN the purity is measured with and without excluding the shadow
    # THEN only the shadow made it impure
    assert background_purity(rgb, alpha) < 1.0
    assert background_purity(rgb, alpha, exclude=shadow) == 1.0


def test_background_purity_of_a_composite_with_haze_is_one() -> None:
    # GIVEN a matte with faint haze below the background floor
    _, alpha = _product_on(255)
    alpha[10:50, 10:70] = np.maximum(alpha[10:50, 10:70], 0.015)
    # WHEN the product is composited on white and measured at the defaults
    rgb = composite(np.zeros((60, 80, 3), np.uint8), alpha, WHITE)
    # THEN compositing and measuring agree: the background is pure
    assert background_purity(rgb, alpha) == 1.0


def test_background_purity_rejects_a_mismatched_alpha() -> None:
    # GIVEN an alpha of another size
    rgb, _ = _product_on(255)
    # WHEN the purity is measured
    # THEN it is refused
    with pytest.raises(ValueError, match="does not match"):
        background_purity(rgb, np.zeros((3, 3), np.float32))


def test_background_purity_is_one_without_background() -> None:
    # GIVEN an image that is product everywhere
    rgb = np.zeros((4, 4, 3), np.uint8)
    # WHEN its background purity is measured
    # THEN there is nothing impure to count
    assert background_purity(rgb, np.ones((4, 4), np.float32)) == 1.0


@pytest.mark.parametrize(
    ("rgb", "exclude", "message"),
    [
        (np.zeros((4, 4), np.uint8), None, "uint8"),
        (np.zeros((4, 4, 3), np.uint8), np.zeros((2, 2), bool), "exclude"),
    ],
)
def test_background_purity_rejects_bad_arrays(
    rgb: np.ndarray, exclude: np.ndarray | None, message: str
) -> None:
    # GIVEN a non-RGB image or an exclusion mask of another size
    # WHEN the purity is measured
    # THEN it is refused
    with pytest.raises(ValueError, match=message):
        background_purity(rgb, None, exclude=exclude)


def test_fill_ratio_is_the_covered_area_fraction() -> None:
    # GIVEN a 20 x 20 product on a 60 x 80 canvas, with a faint rim under the threshold
    _, alpha = _product_on(255)
    alpha[19, 30:50] = 0.3
    # WHEN the fill ratio is measured
    # THEN it counts only the product pixels
    assert fill_ratio(alpha) == 400 / 4800
    assert fill_ratio(alpha, threshold=0.2) == 420 / 4800


def test_longest_side_fill_uses_the_limiting_axis() -> None:
    # GIVEN a product 20 of 60 rows tall and 20 of 80 columns wide
    _, alpha = _product_on(255)
    # WHEN the longest-side fill is measured
    # THEN the vertical axis limits it
    assert longest_side_fill(alpha) == pytest.approx(20 / 60)


def test_longest_side_fill_ignores_dust_and_empty_canvases() -> None:
    # GIVEN a product with a far dust speck, and an empty canvas
    alpha = np.zeros((200, 200), np.float32)
    alpha[50:150, 40:140] = 1.0
    alpha[195, 195] = 1.0
    # WHEN the longest-side fill is measured
    # THEN the speck is ignored and the empty canvas scores zero
    assert longest_side_fill(alpha) == pytest.approx(100 / 200)
    assert longest_side_fill(np.zeros((5, 5), np.float32)) == 0.0


def test_longest_side_fill_rejects_a_non_2d_alpha() -> None:
    # GIVEN a 3-D alpha
    # WHEN the fill is measured
    # THEN it is refused
    with pytest.raises(ValueError, match="2-D"):
        longest_side_fill(np.zeros((4, 4, 1), np.float32))


def test_margins_measure_each_edge() -> None:
    # GIVEN a product at rows 20..40 and columns 30..50 of a 60 x 80 canvas
    _, alpha = _product_on(255)
    # WHEN the margins are measured
    # THEN each is the gap over that side
    assert margins(alpha) == Margins(top=20 / 60, right=30 / 80, bottom=20 / 60, left=30 / 80)


def test_margins_are_none_without_a_product() -> None:
    # GIVEN an empty alpha
    # WHEN the margins are measured
    # THEN there are none
    assert margins(np.zeros((5, 5), np.float32)) is None


def test_pixel_delta_is_the_mean_absolute_change() -> None:
    # GIVEN two images differing by 255 in a quarter of their values
    before = np.zeros((4, 4, 3), np.uint8)
    after = before.copy()
    after[:2, :2] = 255
    # WHEN the delta is measured both ways
    # THEN it is a quarter, symmetric, and zero for identical images
    assert pixel_delta(before, after) == 0.25
    assert pixel_delta(after, before) == 0.25
    assert pixel_delta(before, before.copy()) == 0.0


@pytest.mark.parametrize(("shape", "message"), [((4, 5, 3), "one shape"), ((0, 4, 3), "empty")])
def test_pixel_delta_rejects_unusable_pairs(shape: tuple[int, ...], message: str) -> None:
    # GIVEN images of different sizes, or empty ones
    before = np.zeros((0, 4, 3) if message == "empty" else (4, 4, 3), np.uint8)
    # WHEN the delta is measured
    # THEN it is refused
    with pytest.raises(ValueError, match=message):
        pixel_delta(before, np.zeros(shape, np.uint8))


def test_fill_ratio_rejects_an_empty_alpha() -> None:
    # GIVEN an alpha with no pixels
    # WHEN the fill ratio is measured
    # THEN it is refused
    with pytest.raises(ValueError, match="empty"):
        fill_ratio(np.zeros((0, 4), np.float32))


@settings(deadline=None)
@given(
    arrays(
        np.float32,
        st.tuples(st.integers(1, 30), st.integers(1, 30)),
        elements=st.floats(0.0, 1.0, width=32),
    ),
    st.floats(0.0, 1.0),
)
def test_fill_metrics_are_fractions(alpha: np.ndarray, threshold: float) -> None:
    # GIVEN any alpha and threshold
    # WHEN the fill metrics are measured
    ratio = fill_ratio(alpha, threshold)
    extent = longest_side_fill(alpha, threshold)
    # THEN both lie in [0, 1] and a covered area implies a non-zero extent
    assert 0.0 <= ratio <= 1.0
    assert 0.0 <= extent <= 1.0
    assert (ratio > 0) == (extent > 0)
