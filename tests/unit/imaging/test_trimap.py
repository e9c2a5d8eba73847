from __future__ import annotations

import cv2
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pixellift.core.imaging.trimap import (
    BACKGROUND,
    FOREGROUND,
    UNKNOWN,
    build_trimap,
    contour_distance,
    edge_complexity_map,
    edge_cues,
    unsure_zone,
)
from pixellift.core.types import Alpha, RgbImage

SIZE = 128


def _square_coarse(blur: float = 0.0) -> Alpha:
    coarse = np.zeros((SIZE, SIZE), np.float32)
    coarse[32:96, 32:96] = 1.0
    return np.asarray(cv2.GaussianBlur(coarse, (0, 0), blur), np.float32) if blur else coarse


def _square_photo(backdrop: RgbImage | None = None) -> RgbImage:
    rgb = np.full((SIZE, SIZE, 3), (60, 150, 90), np.uint8) if backdrop is None else backdrop
    rgb = rgb.copy()
    rgb[32:96, 32:96] = (200, 80, 40)
    return rgb


def _contour(coarse: Alpha) -> np.ndarray:
    solid = (coarse >= 0.5).astype(np.uint8)
    return np.asarray((solid > 0) & (cv2.erode(solid, np.ones((3, 3), np.uint8)) == 0), bool)


def test_contour_distance_measures_from_the_half_level() -> None:
    # GIVEN a step from 0 to 1 between columns 3 and 4
    coarse = np.zeros((5, 9), np.float32)
    coarse[:, 4:] = 1.0
    # WHEN distances to the contour are measured
    distance = contour_distance(coarse)
    # THEN both neighbours of the step are half a pixel away and it grows by one per column
    assert distance[2].tolist() == [3.5, 2.5, 1.5, 0.5, 0.5, 1.5, 2.5, 3.5, 4.5]


def test_build_trimap_marks_a_band_of_the_given_half_width() -> None:
    # GIVEN a hard square
    coarse = _square_coarse()
    # WHEN a trimap with a 3-pixel band is built
    trimap = build_trimap(coarse, 3.0)
    # THEN a row through the square reads 0, three unknown each side of each edge, then 255
    row = trimap[64]
    assert row[28] == BACKGROUND and row[29:35].tolist() == [UNKNOWN] * 6
    assert row[35] == FOREGROUND and row[92] == FOREGROUND
    assert row[93:99].tolist() == [UNKNOWN] * 6 and row[99] == BACKGROUND


def test_build_trimap_follows_a_per_pixel_band_width() -> None:
    # GIVEN a hard square and a band map that is wide on the left half only
    coarse = _square_coarse()
    band = np.full(coarse.shape, 2.0, np.float32)
    band[:, :64] = 8.0
    # WHEN the trimap is built
    trimap = build_trimap(coarse, band)
    # THEN the left edge's band is four times as wide as the right edge's
    row = trimap[64]
    assert int((row[:64] == UNKNOWN).sum()) == 16
    assert int((row[64:] == UNKNOWN).sum()) == 4


def test_build_trimap_marks_unsure_pixels_unknown_whatever_their_distance() -> None:
    # GIVEN a hard square and an unsure patch deep inside it
    coarse = _square_coarse()
    unsure = np.zeros(coarse.shape, bool)
    unsure[60:64, 60:64] = True
    # WHEN the trimap is built with that patch
    trimap = build_trimap(coarse, 2.0, unsure=unsure)
    # THEN the patch is unknown and its surroundings stay foreground
    assert (trimap[60:64, 60:64] == UNKNOWN).all()
    assert trimap[58, 58] == FOREGROUND


def test_build_trimap_keeps_the_middle_of_a_part_thinner_than_the_band() -> None:
    # GIVEN a strap 5 pixels wide, thinner than a band of 4 on each side
    coarse = np.zeros((32, 32), np.float32)
    coarse[:, 14:19] = 1.0
    # WHEN the trimap is built
    trimap = build_trimap(coarse, 4.0)
    # THEN the strap's middle column stays foreground and its sides are unknown
    assert (trimap[:, 16] == FOREGROUND).all()
    assert (trimap[:, 14] == UNKNOWN).all() and (trimap[:, 18] == UNKNOWN).all()


def test_build_trimap_without_a_contour_has_no_band() -> None:
    # GIVEN an empty and a full coarse map
    empty, full = np.zeros((16, 16), np.float32), np.ones((16, 16), np.float32)
    # WHEN trimaps are built with a wide band
    # THEN they are pure background and pure foreground
    assert (build_trimap(empty, 8.0) == BACKGROUND).all()
    assert (build_trimap(full, 8.0) == FOREGROUND).all()


def test_edge_complexity_map_is_low_on_a_blurred_hard_edge() -> None:
    # GIVEN a hard square photo with a mildly blurred coarse map
    coarse = _square_coarse(blur=1.5)
    # WHEN its complexity is measured
    complexity = edge_complexity_map(_square_photo(), coarse)
    # THEN it stays near zero along the contour and is zero far away
    assert float(complexity[_contour(coarse)].mean()) < 0.15
    assert complexity[0, 0] == 0.0 and complexity[64, 64] == 0.0


def test_edge_complexity_map_rises_with_the_coarse_maps_transition_width() -> None:
    # GIVEN the same square with a sharp and with a very wide coarse transition
    sharp, wide = _square_coarse(blur=1.0), _square_coarse(blur=8.0)
    # WHEN complexity is measured on both
    low = edge_complexity_map(_square_photo(), sharp)[_contour(sharp)].mean()
    high = edge_complexity_map(_square_photo(), wide)[_contour(wide)].mean()
    # THEN the wide transition scores much higher
    assert high > low + 0.4


def _strands(rgb: RgbImage, rows: slice, step: int) -> RgbImage:
    out = rgb.copy()
    for col in range(34, 94, step):
        cv2.line(out, (col, rows.start), (col + 3, rows.stop), (30, 20, 10), 1)
    return out


def test_edge_cues_find_strands_crossing_the_contour() -> None:
    # GIVEN a square with dark one-pixel strands crossing its top edge, and a plain square
    coarse = _square_coarse(blur=1.0)
    plain = _square_photo(np.full((SIZE, SIZE, 3), 225, np.uint8))
    hairy = _strands(plain, slice(18, 46), 3)
    # WHEN the strand cue is measured along the top edge
    top = _contour(coarse) & (np.arange(SIZE)[:, None] < 40)
    with_hair = edge_cues(hairy, coarse).strands[top].mean()
    without = edge_cues(plain, coarse).strands[top].mean()
    # THEN only the hairy edge scores
    assert with_hair > 0.5
    assert without < 0.05


def test_edge_cues_do_not_take_a_textured_backdrop_for_strands() -> None:
    # GIVEN a square on a backdrop of fine stripes (texture everywhere, not just at the edge)
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    stripes = (128 + 60 * np.sign(np.sin(cols / 1.5 + rows / 4.0))).astype(np.uint8)
    rgb = _square_photo(np.dstack([stripes] * 3))
    coarse = _square_coarse(blur=1.0)
    # WHEN the strand cue is measured
    strands = edge_cues(rgb, coarse).strands
    # THEN the backdrop's texture is discounted
    assert float(strands[_contour(coarse)].mean()) < 0.2


def test_unsure_zone_needs_a_complex_edge_nearby() -> None:
    # GIVEN a soft plateau inside a square, and a complexity map that is high only on the left
    coarse = _square_coarse()
    coarse[40:88, 40:88] = 0.8
    complexity = np.zeros(coarse.shape, np.float32)
    complexity[:, 30:34] = 1.0
    # WHEN the unsure zone is taken with a reach of 12 pixels
    zone = unsure_zone(coarse, complexity, reach_px=12)
    # THEN soft pixels near the complex edge are unsure and those far from it are not
    assert zone[64, 42] and not zone[64, 80]
    assert not zone[64, 20]


@settings(max_examples=25, deadline=None)
@given(
    coarse=arrays(
        np.float32,
        st.tuples(st.integers(1, 40), st.integers(1, 40)),
        elements=st.floats(0.0, 1.0, width=32),
    ),
    band=st.floats(0.0, 20.0),
)
def test_build_trimap_holds_only_three_values(coarse: Alpha, band: float) -> None:
    # GIVEN any coarse map and band width
    # WHEN a trimap is built
    trimap = build_trimap(coarse, band)
    # THEN it is uint8 of the same shape with only background, unknown and foreground
    assert trimap.dtype == np.uint8 and trimap.shape == coarse.shape
    assert set(np.unique(trimap)) <= {BACKGROUND, UNKNOWN, FOREGROUND}
