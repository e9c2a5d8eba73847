"""Caption bands found without OCR, and logo stamps told from captions by their ring."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from pixellift.core.guard.bands import find_caption_bands
from pixellift.core.guard.findings import GuardClass
from pixellift.core.guard.inspect import GuardServices, inspect_photo
from pixellift.core.guard.regions import ProductMap, working_copy

from tests.unit.guard.conftest import PHOTOS, ScriptedOcr, draw_text, line, sample

pytestmark = pytest.mark.unit
TEXT_ONLY = frozenset({"text"})


def _bands(rgb, alpha):
    small, scale = working_copy(rgb)
    return find_caption_bands(small, scale, ProductMap.from_alpha(alpha))


def test_a_band_whose_words_ocr_cannot_read_is_overlay_text(bottle):
    # GIVEN a dark caption band on the sweep, its words a shade off its colour (unreadable)
    rgb, alpha = bottle
    rgb[1450:1530, 60:420] = (35, 25, 45)
    rgb, _ = draw_text(rgb, "-30% TODAY", (80, 1460), 56, (30, 21, 40))

    # WHEN the guard runs with an OCR that reads nothing
    report = inspect_photo(rgb, alpha, GuardServices(ocr=ScriptedOcr(), detectors=TEXT_ONLY))

    # THEN the band itself is reported as overlay text, where it is
    found = [f for f in report.findings if f.cls is GuardClass.OVERLAY_TEXT]
    assert len(found) == 1
    x0, y0, x1, y1 = found[0].box
    assert abs(x0 - 60) <= 8 and abs(y0 - 1450) <= 8 and abs(x1 - 420) <= 8 and abs(y1 - 1530) <= 8


def test_a_faint_line_on_a_band_is_a_caption_not_a_watermark(bottle):
    # GIVEN a band whose words are barely darker than it, and OCR reading them
    rgb, alpha = bottle
    rgb[1450:1530, 60:420] = (60, 60, 70)
    rgb, box = draw_text(rgb, "SALE", (90, 1460), 56, (35, 35, 45))

    # WHEN classified / THEN the line is overlay text and the band is not reported again
    report = inspect_photo(
        rgb, alpha, GuardServices(ocr=ScriptedOcr(line("SALE", box)), detectors=TEXT_ONLY)
    )
    assert [(f.cls, f.text) for f in report.findings] == [(GuardClass.OVERLAY_TEXT, "SALE")]


@pytest.mark.parametrize("name", PHOTOS)
def test_unmarked_sample_photos_have_no_bands(name):
    # GIVEN a sample photo as shot (bricks, boards, cartons, a phone screen)
    rgb, alpha = sample(name)
    if rgb.ndim == 3 and rgb.shape[2] == 3:
        # WHEN bands are looked for / THEN none is found
        assert _bands(rgb, alpha) == []


def _stamp(rgb, centre, radius, opacity):
    marked = rgb.copy()
    cv2.circle(marked, centre, radius, (255, 255, 255), max(3, radius // 8))
    marked, box = draw_text(
        marked,
        "PR",
        (centre[0] - radius // 2, centre[1] - radius // 4),
        radius // 2,
        (255, 255, 255),
    )
    out = (rgb * (1 - opacity) + marked * opacity).astype(np.uint8)
    return out, box


def test_initials_in_a_ring_are_a_logo_watermark():
    # GIVEN a white ring with initials at 40% opacity over the wooden table
    rgb, alpha = sample("mug-on-wooden-table.jpg")
    stamped, box = _stamp(rgb, (220, 260), 150, 0.4)

    # WHEN OCR reads the initials / THEN they are a watermark, not a caption
    found = inspect_photo(
        stamped, alpha, GuardServices(ocr=ScriptedOcr(line("PR", box)), detectors=TEXT_ONLY)
    ).findings
    assert [(f.cls, f.text) for f in found] == [(GuardClass.WATERMARK, "PR")]


def test_the_same_initials_without_a_ring_stay_overlay_text():
    # GIVEN the initials alone, opaque, on the same spot
    rgb, alpha = sample("mug-on-wooden-table.jpg")
    rgb, box = draw_text(rgb, "PR", (145, 222), 75, (255, 255, 255))

    # WHEN classified / THEN they are overlay text
    found = inspect_photo(
        rgb, alpha, GuardServices(ocr=ScriptedOcr(line("PR", box)), detectors=TEXT_ONLY)
    ).findings
    assert [(f.cls, f.text) for f in found] == [(GuardClass.OVERLAY_TEXT, "PR")]
