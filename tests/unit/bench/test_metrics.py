"""The benchmark's quality metrics, checked on small hand-built alphas."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from bench.metrics import (
    background_purity,
    fill_error,
    iou,
    longest_side_fill,
    mae,
    product_pixels,
    sad_in_band,
    summarise,
    unknown_band,
)


def _disc_gt(size: int = 32, radius: float = 10.0) -> npt.NDArray[np.float32]:
    rows, cols = np.mgrid[0:size, 0:size]
    dist = np.hypot(rows - size / 2, cols - size / 2)
    # A one-pixel linear ramp: fractional values only on the rim, like an anti-aliased edge.
    return np.asarray(np.clip(radius - dist + 0.5, 0.0, 1.0), np.float32)


def test_iou_of_identical_alphas_is_one() -> None:
    # GIVEN a ground truth with a soft rim
    gt = _disc_gt()
    # WHEN it is compared with itself
    score = iou(gt, gt)
    # THEN the overlap is perfect
    assert score == 1.0


def test_iou_counts_half_overlap() -> None:
    # GIVEN a 4x4 square and a prediction covering its left half plus nothing else
    gt = np.zeros((8, 8), np.float32)
    gt[2:6, 2:6] = 1.0
    alpha = np.zeros_like(gt)
    alpha[2:6, 2:4] = 1.0
    # WHEN the IoU is computed
    score = iou(alpha, gt)
    # THEN it is 8 shared pixels over a union of 16
    assert score == pytest.approx(0.5)


def test_iou_thresholds_at_one_half() -> None:
    # GIVEN a prediction that is 0.5 everywhere the truth is 1
    gt = np.ones((4, 4), np.float32)
    alpha = np.full_like(gt, 0.5)
    # WHEN the IoU is computed
    score = iou(alpha, gt)
    # THEN 0.5 is not foreground (strictly above the threshold counts)
    assert score == 0.0


def test_iou_of_two_empty_masks_is_one() -> None:
    # GIVEN an all-background truth and prediction
    empty = np.zeros((4, 4), np.float32)
    # WHEN the IoU is computed
    score = iou(empty, empty)
    # THEN there is nothing to disagree about
    assert score == 1.0


def test_iou_rejects_mismatched_shapes() -> None:
    # GIVEN alphas of different sizes
    # WHEN / THEN the comparison refuses them
    with pytest.raises(ValueError, match="must be equal 2-D shapes"):
        iou(np.zeros((4, 4)), np.zeros((4, 5)))


def test_mae_averages_absolute_error() -> None:
    # GIVEN a truth of ones and a prediction off by 0.2 on a quarter of the pixels
    gt = np.ones((4, 4), np.float32)
    alpha = gt.copy()
    alpha[:2, :2] = 0.8
    # WHEN the MAE is computed
    score = mae(alpha, gt)
    # THEN it is 0.2 * 4 / 16
    assert score == pytest.approx(0.05, abs=1e-6)


def test_unknown_band_marks_only_fractional_pixels_at_radius_zero() -> None:
    # GIVEN a truth with one fractional pixel amid hard 0 and 1 pixels
    gt = np.array([[0.0, 0.0, 0.3, 1.0, 1.0]], np.float32)
    # WHEN the band is taken without dilation
    band = unknown_band(gt, radius=0)
    # THEN only that pixel is in it
    assert band.tolist() == [[False, False, True, False, False]]


def test_unknown_band_dilates_by_radius() -> None:
    # GIVEN a single fractional pixel in the middle of a 9x9 image
    gt = np.zeros((9, 9), np.float32)
    gt[4, 4] = 0.5
    # WHEN the band is dilated by 2 px
    band = unknown_band(gt, radius=2)
    # THEN it spans 2 px either side along the axes but not the far corners of the square
    assert band[4, 2:7].all()
    assert not band[4, 1]
    assert not band[2, 2]


def test_unknown_band_rejects_negative_radius() -> None:
    # GIVEN / WHEN / THEN a negative radius is refused
    with pytest.raises(ValueError, match="radius must be >= 0"):
        unknown_band(np.zeros((3, 3)), radius=-1)


def test_sad_in_band_ignores_errors_outside_the_band() -> None:
    # GIVEN a disc truth and a prediction wrong only far from the rim (a corner pixel)
    gt = _disc_gt()
    alpha = gt.copy()
    alpha[0, 0] = 1.0
    # WHEN SAD is measured in the band
    score = sad_in_band(alpha, gt, radius=3)
    # THEN the far-away error does not count, though the MAE sees it
    assert score == 0.0
    assert mae(alpha, gt) > 0.0


def test_sad_in_band_sums_errors_on_the_rim_in_thousands() -> None:
    # GIVEN a disc truth and a hard (binary) prediction of it
    gt = _disc_gt()
    alpha = (gt > 0.5).astype(np.float32)
    # WHEN SAD is measured in the band
    score = sad_in_band(alpha, gt, radius=3)
    # THEN it equals the summed rim error divided by 1000
    expected = float(np.abs(alpha - gt).sum()) / 1000.0
    assert score == pytest.approx(expected)
    assert score > 0.0


def test_background_purity_counts_exact_target_colour_only() -> None:
    # GIVEN a composite whose background holds one pure white, one off-white and one grey pixel
    gt = np.array([[0.0, 0.0, 0.0, 1.0]], np.float32)
    comp = np.array([[[255, 255, 255], [255, 255, 254], [128, 128, 128], [0, 0, 0]]], np.uint8)
    # WHEN purity is measured against white
    purity = background_purity(comp, gt)
    # THEN only the exact white pixel counts, and the product pixel is not considered
    assert purity == pytest.approx(1 / 3)


def test_background_purity_excludes_fractional_edge_pixels() -> None:
    # GIVEN a composite whose only non-white pixel sits on a fractional truth pixel
    gt = np.array([[0.0, 0.4, 1.0]], np.float32)
    comp = np.array([[[255, 255, 255], [200, 200, 200], [0, 0, 0]]], np.uint8)
    # WHEN purity is measured
    purity = background_purity(comp, gt)
    # THEN the background is pure
    assert purity == 1.0


def test_background_purity_honours_a_brand_colour() -> None:
    # GIVEN a background filled with a brand grey
    gt = np.zeros((2, 2), np.float32)
    comp = np.full((2, 2, 3), 240, np.uint8)
    # WHEN purity is measured against that grey and against white
    # THEN it is pure for the grey and impure for white
    assert background_purity(comp, gt, (240, 240, 240)) == 1.0
    assert background_purity(comp, gt) == 0.0


def test_background_purity_needs_background_pixels() -> None:
    # GIVEN a truth that is product everywhere
    gt = np.ones((2, 2), np.float32)
    # WHEN / THEN purity is undefined and refused
    with pytest.raises(ValueError, match="no background pixels"):
        background_purity(np.zeros((2, 2, 3), np.uint8), gt)


def test_longest_side_fill_takes_the_larger_fraction() -> None:
    # GIVEN a 100x200 canvas with a product box of 50 rows by 150 columns
    mask = np.zeros((100, 200), bool)
    mask[10:60, 20:170] = True
    # WHEN the fill is measured
    fill = longest_side_fill(mask)
    # THEN the columns (150/200) beat the rows (50/100)
    assert fill == pytest.approx(0.75)


def test_longest_side_fill_of_empty_canvas_is_zero() -> None:
    # GIVEN no product pixels
    # WHEN / THEN the fill is zero
    assert longest_side_fill(np.zeros((5, 5), bool)) == 0.0


def test_product_pixels_ignore_near_white_noise() -> None:
    # GIVEN a white canvas with JPEG-like noise of 10 levels and a real product pixel
    rgb = np.full((1, 3, 3), 255, np.uint8)
    rgb[0, 0] = (245, 250, 255)
    rgb[0, 1] = (90, 40, 20)
    # WHEN product pixels are found with the default tolerance
    found = product_pixels(rgb)
    # THEN only the product pixel is found
    assert found.tolist() == [[False, True, False]]


def test_fill_error_is_symmetric() -> None:
    # GIVEN fills either side of the target
    # WHEN / THEN the error is the same distance
    assert fill_error(0.80, 0.85) == pytest.approx(fill_error(0.90, 0.85))
    assert fill_error(0.80, 0.85) == pytest.approx(0.05)


def test_summarise_reports_median_and_extremes() -> None:
    # GIVEN five values
    values = [0.1, 0.5, 0.2, 0.9, 0.3]
    # WHEN they are summarised
    summary = summarise(values)
    # THEN the statistics match numpy's
    assert summary["median"] == pytest.approx(0.3)
    assert summary["min"] == pytest.approx(0.1)
    assert summary["max"] == pytest.approx(0.9)
    assert summary["n"] == 5


def test_summarise_rejects_no_values() -> None:
    # GIVEN / WHEN / THEN an empty list has no summary
    with pytest.raises(ValueError, match="no values"):
        summarise([])
