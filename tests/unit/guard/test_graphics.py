"""Borders, badges and insets drawn on the real samples; none reported on the clean samples."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from pixellift.core.guard.findings import GuardClass
from pixellift.core.guard.inspect import GuardServices, inspect_photo

from tests.unit.guard.conftest import PHOTOS, ScriptedOcr, draw_text, line, sample

pytestmark = pytest.mark.unit
GRAPHICS = frozenset({"border", "badge", "inset"})


def _found(rgb, alpha, *lines):
    services = GuardServices(ocr=ScriptedOcr(*lines), detectors=GRAPHICS | {"text"})
    return inspect_photo(rgb, alpha, services).findings


@pytest.mark.parametrize("name", PHOTOS)
def test_clean_samples_have_no_graphic_findings(name):
    # GIVEN a sample photo with nothing added
    rgb, alpha = sample(name)

    # WHEN the graphics detectors run / THEN nothing is reported
    assert _found(rgb, alpha) == ()


@pytest.mark.parametrize("name", ["bottle-white-sweep.jpg", "mug-on-wooden-table.jpg"])
def test_a_solid_frame_is_one_border(name):
    # GIVEN a black frame 2.5% wide around the photo
    rgb, alpha = sample(name)
    w = round(0.025 * min(rgb.shape[:2]))
    rgb[:w], rgb[-w:], rgb[:, :w], rgb[:, -w:] = 0, 0, 0, 0

    # WHEN the detectors run / THEN one border covering the frame is found
    borders = [f for f in _found(rgb, alpha) if f.cls is GuardClass.BORDER]
    assert [(f.box, f.confidence >= 0.7) for f in borders] == [
        ((0, 0, rgb.shape[1], rgb.shape[0]), True)
    ]


@pytest.mark.parametrize("opacity", [0.3, 0.5])
def test_a_semi_transparent_frame_over_a_busy_photo_is_a_border(opacity):
    # GIVEN a dark frame blended at 30-50% over the brick and wood of the mug photo
    rgb, alpha = sample("mug-on-wooden-table.jpg")
    frame = np.zeros(rgb.shape[:2], bool)
    w = 36
    frame[:w], frame[-w:], frame[:, :w], frame[:, -w:] = True, True, True, True
    rgb[frame] = (rgb[frame] * (1 - opacity)).astype(np.uint8)

    # WHEN the detectors run / THEN the border is found
    assert GuardClass.BORDER in {f.cls for f in _found(rgb, alpha)}


def test_a_bottom_caption_strip_is_a_border():
    # GIVEN a flat dark strip along the bottom of the bottle photo only
    rgb, alpha = sample("bottle-white-sweep.jpg")
    rgb[-90:] = (30, 30, 90)

    # WHEN the detectors run / THEN a border is reported over the strip
    borders = [f for f in _found(rgb, alpha) if f.cls is GuardClass.BORDER]
    assert [f.box for f in borders] == [(0, rgb.shape[0] - 90, rgb.shape[1], rgb.shape[0])]


def test_a_round_sale_badge_in_a_corner_is_a_badge():
    # GIVEN a red disc with white "SALE" in the bottle photo's top-right corner
    rgb, alpha = sample("bottle-white-sweep.jpg")
    image = Image.fromarray(rgb)
    ImageDraw.Draw(image).ellipse((880, 80, 1130, 330), fill=(230, 30, 40))
    rgb, text_box = draw_text(np.asarray(image).copy(), "SALE", (925, 170), 60, (255, 255, 255))

    # WHEN the detectors run with the OCR line
    found = _found(rgb, alpha, line("SALE", text_box))

    # THEN the disc is a badge and its word is overlay text
    badges = [f for f in found if f.cls is GuardClass.BADGE]
    assert len(badges) == 1
    assert abs(badges[0].box[0] - 880) <= 6 and abs(badges[0].box[3] - 330) <= 6
    assert badges[0].confidence >= 0.8
    assert (GuardClass.OVERLAY_TEXT, "SALE") in {(f.cls, f.text) for f in found}


def test_coloured_caption_letters_are_not_a_badge():
    # GIVEN red caption text (its letters are saturated shapes too)
    rgb, alpha = sample("bottle-white-sweep.jpg")
    rgb, box = draw_text(rgb, "FREE SHIPPING", (60, 60), 60, (200, 20, 20))

    # WHEN the detectors run / THEN no badge is reported
    assert GuardClass.BADGE not in {f.cls for f in _found(rgb, alpha, line("FREE SHIPPING", box))}


def test_a_pasted_detail_photo_is_an_inset():
    # GIVEN a crop of the sneaker photo pasted with a white frame onto the bottle's sweep
    rgb, alpha = sample("bottle-white-sweep.jpg")
    detail, _ = sample("sneaker-on-brick-paving.jpg")
    rgb[1100:1460, 840:1160] = 255
    rgb[1108:1452, 848:1152] = detail[300:644, 500:804]

    # WHEN the detectors run
    insets = [f for f in _found(rgb, alpha) if f.cls is GuardClass.INSET]

    # THEN one inset is reported around the pasted picture
    assert len(insets) == 1
    x0, y0, x1, y1 = insets[0].box
    assert (
        abs(x0 - 848) <= 12
        and abs(y0 - 1108) <= 12
        and abs(x1 - 1152) <= 12
        and abs(y1 - 1452) <= 12
    )
