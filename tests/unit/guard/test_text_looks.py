"""What a line's look says: opaque or blended glyphs, caption bands, tilt, repetition, texture."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pixellift.core.contracts.ocr_reading import OcrLine, PixelBox, Point
from pixellift.core.guard.findings import GuardClass
from pixellift.core.guard.inspect import GuardServices, inspect_photo
from pixellift.core.guard.regions import ProductMap
from pixellift.core.guard.text import look

from tests.unit.guard.conftest import ScriptedOcr, draw_text, line, sample

pytestmark = pytest.mark.unit


def _classes(rgb, alpha, *lines):
    services = GuardServices(ocr=ScriptedOcr(*lines), detectors=frozenset({"text"}))
    return [(f.cls, f.text) for f in inspect_photo(rgb, alpha, services).findings]


def _tilted(text: str, centre: tuple[float, float], length: float, height: float, degrees: float):
    """An OCR line whose quad runs ``degrees`` off level."""
    cx, cy = centre
    dx, dy = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    hx, hy = -dy * height / 2, dx * height / 2
    corners = [
        (cx - dx * length / 2 - hx, cy - dy * length / 2 - hy),
        (cx + dx * length / 2 - hx, cy + dy * length / 2 - hy),
        (cx + dx * length / 2 + hx, cy + dy * length / 2 + hy),
        (cx - dx * length / 2 + hx, cy - dy * length / 2 + hy),
    ]
    xs, ys = [round(x) for x, _ in corners], [round(y) for _, y in corners]
    return OcrLine(
        text=text,
        confidence=0.9,
        quad=tuple(Point(row=y, col=x) for x, y in zip(xs, ys, strict=True)),
        box=PixelBox(top=min(ys), left=min(xs), bottom=max(ys), right=max(xs)),
    )


def test_the_same_caption_at_two_sizes_is_overlay_text_not_a_watermark(bottle):
    # GIVEN "SALE" drawn twice on the sweep, small and large
    rgb, alpha = bottle
    rgb, small = draw_text(rgb, "SALE", (60, 80), 40, (200, 0, 0))
    rgb, large = draw_text(rgb, "SALE", (60, 1450), 90, (200, 0, 0))

    # WHEN classified / THEN both are captions (a tiled mark repeats at one size)
    found = _classes(rgb, alpha, line("SALE", small), line("SALE", large))
    assert {cls for cls, _ in found} == {GuardClass.OVERLAY_TEXT}


def test_opaque_low_contrast_caption_on_a_busy_backdrop_is_overlay_text():
    # GIVEN a caption painted a little darker than the brick paving, off the sneaker
    rgb, alpha = sample("sneaker-on-brick-paving.jpg")
    patch = rgb[40:140, 40:600].reshape(-1, 3)
    colour = tuple(max(0, int(v) - 45) for v in np.median(patch, axis=0))
    rgb, box = draw_text(rgb, "BEST SELLER", (60, 60), 56, colour)
    text_look = look(rgb, line("BEST SELLER", box))

    # WHEN classified / THEN flat glyphs over texture read as painted, not blended
    assert text_look.opaque
    assert _classes(rgb, alpha, line("BEST SELLER", box))[0][0] is not GuardClass.WATERMARK


def test_blended_text_on_a_busy_backdrop_is_not_opaque():
    # GIVEN white text at 35% opacity over the brick paving
    rgb, alpha = sample("sneaker-on-brick-paving.jpg")
    marked, box = draw_text(rgb, "SAMPLE", (60, 60), 90, (255, 255, 255))
    faint = (rgb * 0.65 + marked * 0.35).astype(np.uint8)

    # WHEN measured / THEN its glyphs carry the bricks' texture
    assert not look(faint, line("SAMPLE", box), ProductMap.from_alpha(alpha)).opaque


def test_text_tilted_over_the_backdrop_is_a_watermark(bottle):
    # GIVEN a line read 8 degrees off level on the sweep
    rgb, alpha = bottle
    tilted = _tilted("shop.example", (250.0, 200.0), 300.0, 50.0, 8.0)

    # WHEN classified / THEN it is a stamped mark, not a caption
    assert _classes(rgb, alpha, tilted)[0][0] is GuardClass.WATERMARK


def test_a_tilted_run_of_one_or_two_symbols_is_texture():
    # GIVEN OCR reading the brick paving at an angle as "80800" and "11111"
    rgb, alpha = sample("sneaker-on-brick-paving.jpg")
    lines = (
        _tilted("80800", (300.0, 300.0), 300.0, 120.0, 30.0),
        _tilted("11111", (500.0, 600.0), 300.0, 120.0, 20.0),
    )

    # WHEN classified / THEN neither is reported
    assert _classes(rgb, alpha, *lines) == []
