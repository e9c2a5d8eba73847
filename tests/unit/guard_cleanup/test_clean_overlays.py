"""Cleanup on real sample photos: marks go, the product stays exact, bad repairs roll back."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import ImageFont
from pixellift.core.errors import InvalidImageArrayError
from pixellift.core.guard.cleanup import RepairStatus, clean_overlays
from pixellift.core.guard.findings import Box, GuardFinding
from pixellift.core.guard.synth import SynthKind, synthesize
from pixellift.core.types import Alpha, RgbImage

pytestmark = pytest.mark.unit

Photo = tuple[RgbImage, Alpha]


def _finding(cls: str, box: Box) -> GuardFinding:
    return GuardFinding.model_validate({"class": cls, "box": box, "confidence": 0.9})


def _off_product(alpha: Alpha, boxes: list[Box]) -> np.ndarray:
    region = np.zeros(alpha.shape, bool)
    for x0, y0, x1, y1 in boxes:
        region[y0:y1, x0:x1] = True
    return region & (alpha == 0)


def _error(a: RgbImage, b: RgbImage, region: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16))[region].mean())


def _distance(a: RgbImage, b: RgbImage) -> np.ndarray:
    return np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2)


def _strokes(marked: RgbImage, photo: RgbImage, region: np.ndarray) -> np.ndarray:
    """The drawn stroke pixels: where the marked photo differs from the unmarked one by > 60."""
    return region & (_distance(marked, photo) > 60)


def _mark_left(result: RgbImage, marked: RgbImage, photo: RgbImage, strokes: np.ndarray) -> float:
    """Share of stroke pixels still closer to the mark's colour than to the unmarked photo."""
    return float((_distance(result, marked) < _distance(result, photo))[strokes].mean())


@pytest.mark.parametrize("seed", [3, 11])
def test_clean_overlays_removes_captions_from_textured_photo(
    sneaker: Photo, fonts: list[ImageFont.FreeTypeFont], seed: int
) -> None:
    # GIVEN captions drawn on a photo of a sneaker on brick paving
    photo, alpha = sneaker
    marked = synthesize(SynthKind.OVERLAY_TEXT, photo, alpha, np.random.default_rng(seed), fonts)
    region = _off_product(alpha, [f.box for f in marked.truth])
    strokes = _strokes(marked.rgb, photo, region)
    assert strokes.sum() > 500

    # WHEN they are cleaned with their boxes
    result = clean_overlays(marked.rgb, alpha, marked.truth)

    # THEN every caption is cleaned, hardly any stroke pixel keeps the mark's colour, and the
    # region is closer to the unmarked photo than before
    assert {r.status for r in result.repairs} == {RepairStatus.CLEANED}
    assert _mark_left(result.rgb, marked.rgb, photo, strokes) < 0.02
    assert _error(result.rgb, photo, region) < 0.5 * _error(marked.rgb, photo, region)


def test_clean_overlays_removes_border_bands_from_white_sweep(bottle: Photo) -> None:
    # GIVEN a solid frame drawn round a studio photo
    photo, alpha = bottle
    marked = photo.copy()
    bands: list[Box] = [(0, 0, 600, 14), (0, 786, 600, 800), (0, 0, 14, 800), (586, 0, 600, 800)]
    for x0, y0, x1, y1 in bands:
        marked[y0:y1, x0:x1] = (20, 20, 120)

    # WHEN the four bands are cleaned
    result = clean_overlays(marked, alpha, [_finding("border", b) for b in bands])

    # THEN all four are filled from the sweep just inside them
    region = _off_product(alpha, bands)
    assert [r.method for r in result.repairs] == ["mirror"] * 4
    assert _error(result.rgb, photo, region) < 4.0


@pytest.mark.parametrize("seed", [4, 9])
def test_clean_overlays_removes_a_frame_reported_as_one_box(
    sneaker: Photo, fonts: list[ImageFont.FreeTypeFont], seed: int
) -> None:
    # GIVEN a frame reported the way the border detector does, by its outer edge only
    photo, alpha = sneaker
    marked = synthesize(SynthKind.BORDER, photo, alpha, np.random.default_rng(seed), fonts)
    (frame,) = marked.truth
    changed = np.any(marked.rgb != photo, axis=2)

    # WHEN it is cleaned
    result = clean_overlays(marked.rgb, alpha, [frame])

    # THEN the bands are found and mirrored away: every drawn pixel is repaired and the frame's
    # colour cast is gone (the mirrored paving has the unmarked band's mean colour)
    repair = result.repairs[0]
    assert (repair.status, repair.method) == (RepairStatus.CLEANED, "mirror")
    assert result.changed[changed].mean() > 0.95
    truth = photo[changed].mean(axis=0)
    cast = np.linalg.norm(marked.rgb[changed].mean(axis=0) - truth)
    assert np.linalg.norm(result.rgb[changed].mean(axis=0) - truth) < 0.25 * cast


def test_clean_overlays_never_changes_product_pixels(bottle: Photo) -> None:
    # GIVEN a price band drawn across the product's edge
    photo, alpha = bottle
    rows = np.flatnonzero((alpha > 0).any(axis=1))
    top = int(rows[len(rows) // 2])
    box: Box = (0, top, 600, top + 40)
    marked = photo.copy()
    marked[top : top + 40, :] = (230, 30, 30)

    # WHEN it is cleaned with the product protected
    result = clean_overlays(marked, alpha, [_finding("overlay_text", box)])

    # THEN every pixel under the alpha is exactly as it was, and the band off the product went
    product = alpha > 0
    assert np.array_equal(result.rgb[product], marked[product])
    assert result.repairs[0].status is RepairStatus.CLEANED
    strokes = _strokes(marked, photo, _off_product(alpha, [box]))
    assert _mark_left(result.rgb, marked, photo, strokes) < 0.01
    assert not result.changed[product].any()


def test_clean_overlays_repairs_product_pixels_when_allowed(bottle: Photo) -> None:
    # GIVEN a small sticker on the product
    photo, alpha = bottle
    rows, cols = np.nonzero(alpha >= 1.0)
    r, c = int(np.median(rows)), int(np.median(cols))
    box: Box = (c - 10, r - 10, c + 10, r + 10)
    marked = photo.copy()
    marked[r - 10 : r + 10, c - 10 : c + 10] = 255

    # WHEN protection is on, then off
    kept = clean_overlays(marked, alpha, [_finding("badge", box)])
    freed = clean_overlays(marked, alpha, [_finding("badge", box)], protect_product=False)

    # THEN only the unprotected run touches it
    assert kept.repairs[0].reason == "on the product"
    assert np.array_equal(kept.rgb, marked)
    assert freed.changed[r - 10 : r + 10, c - 10 : c + 10].all()


def test_clean_overlays_rolls_back_a_large_box_across_two_backdrops(carton: Photo) -> None:
    # GIVEN a large flat graphic over both the brick wall and the table below it
    photo, alpha = carton
    box: Box = (0, 200, 250, 500)
    marked = photo.copy()
    marked[200:500, 0:250] = (200, 40, 40)

    # WHEN it is cleaned
    result = clean_overlays(marked, alpha, [_finding("inset", box)])

    # THEN no single fill suits both backdrops: the check rejects it and the region is put back
    repair = result.repairs[0]
    assert repair.status is RepairStatus.ROLLED_BACK
    assert repair.reason.startswith("surroundings too varied")
    assert np.array_equal(result.rgb, marked)
    assert not result.changed.any()


def test_clean_overlays_cleans_a_large_box_over_one_textured_backdrop(sneaker: Photo) -> None:
    # GIVEN a large flat graphic over the brick paving only
    photo, alpha = sneaker
    box: Box = (100, 20, 700, 160)
    marked = photo.copy()
    marked[20:160, 100:700] = (200, 40, 40)

    # WHEN it is cleaned
    result = clean_overlays(marked, alpha, [_finding("inset", box)])

    # THEN it is filled with texture borrowed from the paving and passes the check
    repair = result.repairs[0]
    assert (repair.status, repair.method) == (RepairStatus.CLEANED, "smooth+texture")
    assert repair.texture_ratio is not None and 0.6 < repair.texture_ratio < 2.5


def test_clean_overlays_rolls_back_a_box_over_a_quarter_of_the_photo(sneaker: Photo) -> None:
    photo, alpha = sneaker
    result = clean_overlays(photo, alpha, [_finding("watermark", (0, 0, 750, 562))])
    assert result.repairs[0].status is RepairStatus.ROLLED_BACK
    assert np.array_equal(result.rgb, photo)


def test_clean_overlays_leaves_its_input_untouched(
    sneaker: Photo, fonts: list[ImageFont.FreeTypeFont]
) -> None:
    photo, alpha = sneaker
    marked = synthesize(SynthKind.BADGE, photo, alpha, np.random.default_rng(5), fonts)
    before = marked.rgb.copy()
    result = clean_overlays(marked.rgb, alpha, marked.truth)
    assert np.array_equal(marked.rgb, before)
    assert result.rgb is not marked.rgb
    assert result.changed.any()


def test_clean_overlays_keeps_packaging_text_people_and_codes_on_the_product(
    bottle: Photo,
) -> None:
    # GIVEN findings the cleanup must not remove
    photo, alpha = bottle
    rows, cols = np.nonzero(alpha >= 1.0)
    on_product: Box = (int(cols.min()), int(rows.min()), int(cols.max()), int(rows.max()))
    findings = [
        _finding("packaging_text", on_product),
        _finding("person", (10, 10, 100, 200)),
        _finding("qr_code", on_product),
    ]

    # WHEN cleaned
    result = clean_overlays(photo, alpha, findings)

    # THEN nothing changes and each says why
    assert [r.status for r in result.repairs] == [RepairStatus.KEPT] * 3
    assert [r.reason for r in result.repairs] == [
        "not removable",
        "not removable",
        "on the product",
    ]
    assert not result.changed.any()


def test_clean_overlays_names_a_mismatched_alpha(bottle: Photo) -> None:
    photo, alpha = bottle
    with pytest.raises(InvalidImageArrayError, match=r"alpha \(10, 10\) does not match"):
        clean_overlays(photo, alpha[:10, :10], [])


def test_clean_overlays_follows_a_polygon_outline(bottle: Photo) -> None:
    # GIVEN a triangular sticker on the sweep, reported with its outline
    photo, alpha = bottle
    marked = photo.copy()
    outline = ((40, 60), (200, 60), (40, 220))
    cv2.fillPoly(marked, [np.asarray(outline, np.int32)], (250, 200, 0))
    sticker = GuardFinding.model_validate(
        {"class": "badge", "box": (40, 60, 201, 221), "confidence": 0.9, "polygon": outline}
    )

    # WHEN it is cleaned
    result = clean_overlays(marked, alpha, [sticker])

    # THEN the triangle is gone and the box's far corner, outside the outline, is untouched
    assert result.repairs[0].status is RepairStatus.CLEANED
    triangle = np.zeros(alpha.shape, np.uint8)
    cv2.fillPoly(triangle, [np.asarray(outline, np.int32)], 1)
    assert _error(result.rgb, photo, triangle > 0) < 4.0
    assert not result.changed[180:221, 160:201].any()
