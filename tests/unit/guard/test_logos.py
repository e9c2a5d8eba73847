"""Ringed logo stamps found without OCR, and round products that are not stamps."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from pixellift.core.guard.findings import GuardClass
from pixellift.core.guard.inspect import GuardServices, inspect_photo
from pixellift.core.guard.logos import find_logo_stamps
from pixellift.core.guard.regions import ProductMap, working_copy
from pixellift.core.types import Alpha, RgbImage

from tests.unit.guard.conftest import PHOTOS, ScriptedOcr, font, line, sample

pytestmark = pytest.mark.unit
TEXT_ONLY = frozenset({"text"})


def stamp(
    rgb: RgbImage,
    centre: tuple[int, int],
    radius: int,
    initials: str,
    *,
    colour: tuple[int, int, int],
    opacity: float,
) -> tuple[RgbImage, tuple[int, int, int, int], tuple[int, int, int, int]]:
    """A ring with initials, laid over ``rgb`` at ``opacity``; the ring's and the text's boxes."""
    layer = Image.new("L", (rgb.shape[1], rgb.shape[0]), 0)
    draw = ImageDraw.Draw(layer)
    col, row = centre
    ring = (col - radius, row - radius, col + radius, row + radius)
    draw.ellipse(ring, outline=255, width=max(3, radius // 8))
    letters = font(int(radius * 0.6))
    draw.text((col, row), initials, font=letters, fill=255, anchor="mm")
    text = draw.textbbox((col, row), initials, font=letters, anchor="mm")
    cover = np.asarray(layer, np.float32)[..., None] / 255.0 * opacity
    out = rgb.astype(np.float32) * (1.0 - cover) + np.array(colour, np.float32) * cover
    return np.rint(out).astype(np.uint8), ring, (text[0], text[1], text[2], text[3])


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def _logos(rgb: RgbImage, alpha: Alpha) -> list[tuple[int, int, int, int]]:
    small, scale = working_copy(rgb)
    return [f.box for f in find_logo_stamps(small, scale, ProductMap.from_alpha(alpha))]


@pytest.mark.parametrize(
    ("name", "where", "colour", "opacity"),
    [
        ("bottle-white-sweep.jpg", (0.2, 0.75), (40, 40, 40), 0.35),
        ("mug-on-wooden-table.jpg", (0.8, 0.25), (255, 255, 255), 0.4),
        ("sneaker-on-brick-paving.jpg", (0.15, 0.2), (255, 255, 255), 0.5),
        ("pompom-grey-sweep-cmyk.jpg", (0.5, 0.5), (40, 40, 40), 0.3),
    ],
)
def test_a_faint_logo_stamp_is_a_watermark_though_ocr_reads_nothing(name, where, colour, opacity):
    # GIVEN a semi-transparent ring with initials on a real photo (the last one on the product)
    rgb, alpha = sample(name)
    rows, cols = rgb.shape[:2]
    centre = (int(where[0] * cols), int(where[1] * rows))
    rgb, ring, _ = stamp(
        rgb, centre, int(0.1 * min(rows, cols)), "SA", colour=colour, opacity=opacity
    )

    # WHEN the guard runs with an OCR that reads nothing
    report = inspect_photo(rgb, alpha, GuardServices(ocr=ScriptedOcr(), detectors=TEXT_ONLY))

    # THEN one watermark is reported, on the stamp
    found = report.of(GuardClass.WATERMARK)
    assert len(found) == 1
    assert found[0].detector == "logo"
    assert _iou(found[0].box, ring) >= 0.6


def test_initials_read_inside_a_stamp_are_part_of_it(bottle):
    # GIVEN a stamp whose initials OCR reads as a short line
    rgb, alpha = bottle
    rgb, ring, text = stamp(rgb, (300, 1500), 160, "NG", colour=(40, 40, 40), opacity=0.4)
    ocr = ScriptedOcr(line("NG", text))

    # WHEN inspected / THEN the photo has one watermark (the stamp) and no overlay text
    report = inspect_photo(rgb, alpha, GuardServices(ocr=ocr, detectors=TEXT_ONLY))
    assert [f.cls for f in report.findings] == [GuardClass.WATERMARK]
    assert _iou(report.findings[0].box, ring) >= 0.6


@pytest.mark.parametrize("name", PHOTOS)
def test_unmarked_sample_photos_have_no_logo_stamps(name):
    # GIVEN a sample photo as shot (a mug's rim, a ring, a pendant, a pompom, bricks)
    rgb, alpha = sample(name)
    if rgb.ndim == 3 and rgb.shape[2] == 3:
        # WHEN stamps are looked for / THEN none is found
        assert _logos(rgb, alpha) == []


def test_a_ring_shaped_product_is_not_a_stamp(bottle):
    # GIVEN a dark ring-shaped product on the sweep, with something printed inside it,
    # and an alpha that follows its outline
    rgb, _ = bottle
    rows, cols = rgb.shape[:2]
    outline = Image.new("L", (cols, rows), 0)
    draw = ImageDraw.Draw(outline)
    draw.ellipse((150, 1300, 450, 1600), outline=255, width=30)
    mask = np.asarray(outline) > 0
    rgb[mask] = (60, 50, 45)
    alpha = mask.astype(np.float32)
    assert _logos(rgb, np.zeros_like(alpha)) != []  # the same ring alone would be a stamp

    # WHEN stamps are looked for with the product's alpha / THEN none is found
    assert _logos(rgb, alpha) == []


def test_a_letter_o_inside_an_ocr_line_is_left_to_the_text_classifier(bottle):
    # GIVEN a ring drawn inside a line of text OCR read
    rgb, alpha = bottle
    rgb, ring, _ = stamp(rgb, (300, 1500), 120, "", colour=(40, 40, 40), opacity=0.5)
    small, scale = working_copy(rgb)
    product = ProductMap.from_alpha(alpha)
    assert find_logo_stamps(small, scale, product) != []
    around = (ring[0] - 200, ring[1] - 10, ring[2] + 200, ring[3] + 10)

    # WHEN stamps are looked for with that line / THEN the ring is not reported as a stamp
    assert find_logo_stamps(small, scale, product, [around]) == []
