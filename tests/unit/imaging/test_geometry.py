from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pixellift.core.imaging.geometry import Box, bounding_box


@st.composite
def boxes(draw: st.DrawFn, low: int = -50, high: int = 50) -> Box:
    top = draw(st.integers(low, high))
    left = draw(st.integers(low, high))
    rows = draw(st.integers(1, 40))
    cols = draw(st.integers(1, 40))
    return Box(top, left, top + rows, left + cols)


def test_box_exposes_size_area_and_centre() -> None:
    # GIVEN a box 20 rows by 40 columns
    box = Box(10, 20, 30, 60)
    # WHEN its derived properties are read
    # THEN they follow the half-open convention
    assert (box.rows, box.cols, box.area) == (20, 40, 800)
    assert box.center == (20.0, 40.0)
    assert box.aspect == 2.0


def test_box_rejects_empty_extent() -> None:
    # GIVEN a bottom edge equal to the top edge
    # WHEN the box is built
    # THEN it is refused
    with pytest.raises(ValueError, match="non-empty"):
        Box(5, 0, 5, 10)


def test_box_rejects_non_integer_coordinates() -> None:
    # GIVEN a fractional coordinate
    # WHEN the box is built
    # THEN it is refused
    with pytest.raises(ValueError, match="Box.left must be an integer"):
        Box(0, 1.5, 4, 4)  # type: ignore[arg-type]


def test_box_stores_numpy_integers_as_python_int() -> None:
    # GIVEN numpy integer coordinates (as returned by array reductions)
    box = Box(np.int64(1), np.int32(2), np.int64(3), np.int16(4))  # type: ignore[arg-type]
    # WHEN a coordinate is read
    # THEN it is a plain int, so the box compares equal to a plainly built one
    assert type(box.top) is int
    assert box == Box(1, 2, 3, 4)


def test_box_slices_index_the_box() -> None:
    # GIVEN an image and a box inside it
    image = np.arange(30).reshape(5, 6)
    # WHEN the image is indexed with the box's slices
    crop = image[Box(1, 2, 3, 5).slices()]
    # THEN the crop is exactly the box
    assert crop.tolist() == [[8, 9, 10], [14, 15, 16]]


def test_box_slices_refuse_negative_start() -> None:
    # GIVEN a box starting above the image
    # WHEN slices are requested
    # THEN numpy's wrap-around is prevented
    with pytest.raises(ValueError, match="clip it first"):
        Box(-1, 0, 3, 3).slices()


@pytest.mark.parametrize("factor", [0.0, -1.0, math.inf, math.nan])
def test_box_scaled_rejects_invalid_factor(factor: float) -> None:
    # GIVEN a factor that is not a positive finite number
    # WHEN the box is scaled
    # THEN it is refused
    with pytest.raises(ValueError, match="positive and finite"):
        Box(0, 0, 4, 4).scaled(factor)


def test_box_clipped_returns_none_outside_the_image() -> None:
    # GIVEN a box entirely right of a 10x10 image
    # WHEN it is clipped to the image
    # THEN nothing remains
    assert Box(0, 10, 5, 15).clipped(10, 10) is None


def test_bounding_box_finds_the_true_pixels() -> None:
    # GIVEN a mask with two separate blobs
    mask = np.zeros((20, 30), bool)
    mask[2:5, 3:6] = True
    mask[10:12, 20:25] = True
    # WHEN its bounding box is taken
    # THEN it spans both blobs exactly
    assert bounding_box(mask) == Box(2, 3, 12, 25)


def test_bounding_box_of_empty_mask_is_none() -> None:
    # GIVEN an all-false mask
    # WHEN its bounding box is taken
    # THEN there is none
    assert bounding_box(np.zeros((4, 4), bool)) is None


def test_bounding_box_rejects_non_2d_mask() -> None:
    # GIVEN a 3-D array
    # WHEN its bounding box is taken
    # THEN it is refused
    with pytest.raises(ValueError, match="2-D"):
        bounding_box(np.zeros((4, 4, 3), bool))


def test_bounding_box_rejects_a_fraction_above_one() -> None:
    # GIVEN a minimum component fraction above one
    # WHEN the bounding box is taken
    # THEN it is refused
    with pytest.raises(ValueError, match="min_component_fraction"):
        bounding_box(np.ones((4, 4), bool), min_component_fraction=1.5)


@settings(deadline=None)
@given(boxes(), boxes())
def test_box_intersect_is_symmetric_and_inside_both(a: Box, b: Box) -> None:
    # GIVEN two arbitrary boxes
    # WHEN they are intersected both ways
    both = a.intersect(b)
    # THEN the order does not matter and the overlap lies in each box
    assert both == b.intersect(a)
    if both is not None:
        assert a.contains(both)
        assert b.contains(both)


@settings(deadline=None)
@given(boxes(), boxes())
def test_box_intersect_matches_pixel_overlap(a: Box, b: Box) -> None:
    # GIVEN two boxes painted as masks on a common grid
    grid = np.zeros((2, 200, 200), bool)
    grid[0][a.translated(60, 60).slices()] = True
    grid[1][b.translated(60, 60).slices()] = True
    overlap = grid[0] & grid[1]
    # WHEN they are intersected
    both = a.intersect(b)
    # THEN the result covers exactly the shared pixels
    if both is None:
        assert not overlap.any()
    else:
        assert both.area == int(overlap.sum())
        assert bounding_box(overlap) == both.translated(60, 60)


@settings(deadline=None)
@given(boxes(), boxes())
def test_box_union_is_the_smallest_cover(a: Box, b: Box) -> None:
    # GIVEN two arbitrary boxes
    # WHEN they are united
    cover = a.union(b)
    # THEN the union contains both and each of its edges belongs to one of them
    assert cover.contains(a)
    assert cover.contains(b)
    assert cover.top in (a.top, b.top)
    assert cover.left in (a.left, b.left)
    assert cover.bottom in (a.bottom, b.bottom)
    assert cover.right in (a.right, b.right)


@settings(deadline=None)
@given(boxes(0, 500), st.floats(0.05, 8.0, allow_nan=False))
def test_box_scaled_covers_the_exact_extent_within_one_pixel(box: Box, factor: float) -> None:
    # GIVEN a box and a resize factor
    # WHEN the box is scaled
    scaled = box.scaled(factor)
    # THEN it covers the exact scaled extent and exceeds it by less than a pixel per edge
    assert scaled.top <= box.top * factor + 1e-6
    assert scaled.bottom >= box.bottom * factor - 1e-6
    assert scaled.left <= box.left * factor + 1e-6
    assert scaled.right >= box.right * factor - 1e-6
    assert box.top * factor - scaled.top < 1
    assert scaled.bottom - box.bottom * factor < 1


@settings(deadline=None)
@given(boxes(), st.integers(-100, 100), st.integers(-100, 100))
def test_box_translated_keeps_its_size(box: Box, d_rows: int, d_cols: int) -> None:
    # GIVEN a box and an offset
    # WHEN it is moved
    moved = box.translated(d_rows, d_cols)
    # THEN it has the same size at the offset position
    assert (moved.rows, moved.cols) == (box.rows, box.cols)
    assert (moved.top - box.top, moved.left - box.left) == (d_rows, d_cols)


@settings(deadline=None)
@given(boxes(), st.integers(1, 60), st.integers(1, 60))
def test_box_clipped_stays_inside_the_image(box: Box, rows: int, cols: int) -> None:
    # GIVEN a box that may reach outside a rows x cols image
    # WHEN it is clipped
    clipped = box.clipped(rows, cols)
    # THEN what remains is inside both the image and the box
    if clipped is not None:
        assert Box.of_shape(rows, cols).contains(clipped)
        assert box.contains(clipped)
