"""Badges and insets on the real samples: generated and drawn marks, and product look-alikes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from pixellift.core.guard.badges import find_badges
from pixellift.core.guard.findings import Box, GuardClass
from pixellift.core.guard.insets import find_insets, side_contrast
from pixellift.core.guard.inspect import GuardServices, inspect_photo
from pixellift.core.guard.regions import ProductMap, working_copy
from pixellift.core.guard.synth import SynthKind, synthesize

from tests.unit.guard.conftest import ScriptedOcr, draw_text, font, line, sample

pytestmark = pytest.mark.unit
GRAPHICS = frozenset({"badge", "inset", "text"})


def _iou(a: Box, b: Box) -> float:
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union if union else 0.0


def _found(rgb, alpha, *lines, cls: GuardClass):
    services = GuardServices(ocr=ScriptedOcr(*lines), detectors=GRAPHICS)
    return [f for f in inspect_photo(rgb, alpha, services).findings if f.cls is cls]


def _fonts() -> list[ImageFont.FreeTypeFont]:
    chosen = font(160)
    assert isinstance(chosen, ImageFont.FreeTypeFont)
    return [chosen]


# Seeds picked so that each shape and each inset style is drawn (recorded per case).
@pytest.mark.parametrize(
    ("name", "seed", "style"),
    [
        ("bottle-white-sweep.jpg", 3, "starburst"),
        ("bottle-white-sweep.jpg", 6, "circle"),
        ("mug-on-wooden-table.jpg", 4, "ribbon"),
        ("teddy-bear.heic", 1, "ribbon"),
    ],
)
def test_generated_badges_are_found_whatever_their_colour(name, seed, style):
    # GIVEN a generated badge (any colour, grey and black included) with its word
    rgb, alpha = sample(name)
    marked = synthesize(SynthKind.BADGE, rgb, alpha, np.random.default_rng(seed), _fonts())
    [mark] = marked.marks
    assert mark.style == style

    # WHEN the guard runs without OCR lines (the shape alone must do)
    badges = _found(marked.rgb, alpha, cls=GuardClass.BADGE)

    # THEN one badge covers the drawn one
    assert [round(_iou(b.box, mark.finding.box), 1) >= 0.6 for b in badges] == [True]


def test_a_black_disc_with_white_text_off_corner_is_a_badge():
    # GIVEN a black disc carrying "NEW" in the middle of the bottle's sweep, left of the bottle
    rgb, alpha = sample("bottle-white-sweep.jpg")
    image = Image.fromarray(rgb)
    ImageDraw.Draw(image).ellipse((120, 600, 380, 860), fill=(15, 15, 15))
    rgb, box = draw_text(np.asarray(image).copy(), "NEW", (175, 690), 70, (250, 250, 250))

    # WHEN the guard runs with the OCR line
    badges = _found(rgb, alpha, line("NEW", box), cls=GuardClass.BADGE)

    # THEN the disc is a badge, confidently (it carries the line)
    assert len(badges) == 1
    assert _iou(badges[0].box, (120, 600, 381, 861)) >= 0.8
    assert badges[0].confidence >= 0.8


def test_a_flat_round_product_is_not_a_badge_but_the_same_disc_off_it_is():
    # GIVEN a flat red disc with a word on the bottle's sweep, left of the bottle
    rgb, alpha = sample("bottle-white-sweep.jpg")
    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    draw.ellipse((40, 720, 400, 1080), fill=(200, 30, 40))
    draw.text((150, 870), "ACME", font=font(50), fill=(255, 255, 255))
    photo = np.asarray(image).copy()
    disc = np.zeros(photo.shape[:2], np.float32)
    cv2.circle(disc, (220, 900), 180, 1.0, -1)

    # WHEN the badge detector reads it with the disc in the product's alpha, then without
    small, scale = working_copy(photo)
    as_product = find_badges(small, scale, [], ProductMap.from_alpha(np.maximum(alpha, disc)))
    as_added = find_badges(small, scale, [], ProductMap.from_alpha(alpha))

    # THEN only the pasted disc is a badge
    assert as_product == []
    assert [_iou(b.box, (40, 720, 401, 1081)) >= 0.8 for b in as_added] == [True]


def test_the_backdrop_through_a_ring_is_not_a_badge():
    # GIVEN the ring cut-out on white: its hole shows flat white backdrop, enclosed by product
    rgb, alpha = sample("ring-cutout.png")
    a = alpha[..., None].astype(np.float32)
    on_white = np.rint(rgb * a + 255.0 * (1.0 - a)).astype(np.uint8)

    # WHEN the guard runs / THEN neither badges nor insets are reported
    services = GuardServices(ocr=ScriptedOcr(), detectors=GRAPHICS)
    assert inspect_photo(on_white, alpha, services).findings == ()


def test_a_caption_band_is_overlay_text_not_a_badge_or_an_inset():
    # GIVEN white text on a flat dark band in the sneaker photo's sky of bricks
    rgb, alpha = sample("sneaker-on-brick-paving.jpg")
    rgb[60:170, 60:520] = (20, 30, 60)
    rgb, box = draw_text(rgb, "SALE 50%", (80, 75), 70, (255, 255, 255))

    # WHEN the guard runs with the OCR line
    services = GuardServices(ocr=ScriptedOcr(line("SALE 50%", box)), detectors=GRAPHICS)
    classes = {f.cls for f in inspect_photo(rgb, alpha, services).findings}

    # THEN the caption is overlay text and nothing else
    assert classes == {GuardClass.OVERLAY_TEXT}


@pytest.mark.parametrize(
    ("name", "seed", "style"),
    [
        ("mug-on-wooden-table.jpg", 1, "plain"),
        ("mug-on-wooden-table.jpg", 5, "framed"),
        ("teddy-bear.heic", 7, "plain"),
        ("necklace-on-table.webp", 5, "framed"),
    ],
)
def test_generated_insets_are_found(name, seed, style):
    # GIVEN a crop of another sample pasted near a corner, framed or not
    rgb, alpha = sample(name)
    other, _ = sample("mug-on-wooden-table.jpg" if "necklace" in name else "necklace-on-table.webp")
    marked = synthesize(
        SynthKind.INSET, rgb, alpha, np.random.default_rng(seed), [], inset_source=other
    )
    [mark] = marked.marks
    assert mark.style == style

    # WHEN the guard runs / THEN one inset matches it
    insets = _found(marked.rgb, alpha, cls=GuardClass.INSET)
    assert [_iou(f.box, mark.finding.box) >= 0.7 for f in insets] == [True]


def test_a_picture_printed_on_the_product_is_not_an_inset_but_the_same_picture_off_it_is():
    # GIVEN a crop of the mug photo's wall, read once as printed on the product, once as pasted
    rgb, _ = sample("bottle-white-sweep.jpg")
    detail, _ = sample("mug-on-wooden-table.jpg")
    rgb[700:1000, 480:780] = detail[200:500, 300:600]
    alpha = np.zeros(rgb.shape[:2], np.float32)
    alpha[650:1050, 440:820] = 1.0
    small, scale = working_copy(rgb)

    # WHEN the inset detector reads it with that alpha, then with none
    on_product = find_insets(rgb, small, scale, ProductMap.from_alpha(alpha))
    off_product = find_insets(rgb, small, scale, ProductMap.from_alpha(np.zeros_like(alpha)))

    # THEN only the picture off the product is an inset
    assert on_product == []
    assert [_iou(f.box, (480, 700, 780, 1000)) >= 0.8 for f in off_product] == [True]


def test_side_contrast_tells_a_pasted_picture_from_a_patch_of_the_same_wall():
    # GIVEN the mug photo's brick wall, with a crop of the teddy photo pasted onto it
    rgb, _ = sample("mug-on-wooden-table.jpg")
    detail, _ = sample("teddy-bear.heic")
    small, _ = working_copy(rgb)
    pasted = small.copy()
    pasted[40:140, 60:200] = cv2.resize(detail, (140, 100), interpolation=cv2.INTER_AREA)

    # WHEN the four sides are compared inside and out
    # THEN the picture differs on every side, the same box of bare wall does not
    assert side_contrast(pasted, (60, 40, 200, 140)) > 30
    assert side_contrast(small, (60, 40, 200, 140)) < 15


@pytest.mark.parametrize("seed", [1, 3, 5])
def test_a_frame_round_a_box_shaped_product_is_not_an_inset(seed):
    # GIVEN a generated frame on the carton photo: with the carton's straight edges and the
    # horizon, the frame's inner edge closes rectangles that are not pasted pictures
    rgb, alpha = sample("carton-phone-rotated.jpg")
    framed = synthesize(SynthKind.BORDER, rgb, alpha, np.random.default_rng(seed), [])

    # WHEN the guard runs / THEN no inset is reported
    assert _found(framed.rgb, alpha, cls=GuardClass.INSET) == []


@pytest.mark.parametrize("seed", [7, 10])
def test_the_backdrop_inside_a_logo_ring_is_not_a_badge(seed):
    # GIVEN a semi-transparent ringed logo on the pompom's grey sweep, beside the product
    rgb, alpha = sample("pompom-grey-sweep-cmyk.jpg")
    marked = synthesize(SynthKind.WATERMARK, rgb, alpha, np.random.default_rng(seed), _fonts())
    assert marked.marks[0].style == "logo"

    # WHEN the guard runs / THEN the flat backdrop the ring encloses is not a badge
    assert _found(marked.rgb, alpha, cls=GuardClass.BADGE) == []
