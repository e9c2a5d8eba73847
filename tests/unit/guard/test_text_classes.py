"""Overlay text vs packaging text vs watermark on the real bottle photo, OCR scripted."""

from __future__ import annotations

import numpy as np
import pytest
from pixellift.core.guard.findings import GuardClass
from pixellift.core.guard.inspect import GuardServices, inspect_photo

from tests.unit.guard.conftest import ScriptedOcr, draw_text, line, printed_text

pytestmark = pytest.mark.unit
TEXT_ONLY = frozenset({"text"})


def _classes(rgb, alpha, *lines):
    services = GuardServices(ocr=ScriptedOcr(*lines), detectors=TEXT_ONLY)
    report = inspect_photo(rgb, alpha, services)
    return [(f.cls, f.text) for f in report.findings]


def test_text_on_the_background_is_overlay_text(bottle):
    # GIVEN a caption drawn on the white sweep beside the bottle
    rgb, alpha = bottle
    rgb, box = draw_text(rgb, "FREE SHIPPING", (60, 60), 60, (200, 20, 20))

    # WHEN the line is classified / THEN it is overlay text
    assert _classes(rgb, alpha, line("FREE SHIPPING", box)) == [
        (GuardClass.OVERLAY_TEXT, "FREE SHIPPING")
    ]


def test_text_printed_inside_the_product_is_packaging_text(bottle):
    # GIVEN text printed (soft, noisy) well inside the bottle's body
    rgb, alpha = bottle
    rgb, box = printed_text(rgb, "ESPRESSO", (545, 700), 34)

    # WHEN it is classified / THEN it stays packaging text
    assert _classes(rgb, alpha, line("ESPRESSO", box)) == [(GuardClass.PACKAGING_TEXT, "ESPRESSO")]


def test_text_across_the_product_edge_is_overlay_text(bottle):
    # GIVEN a line starting on the sweep and running onto the bottle
    rgb, alpha = bottle
    rgb, box = draw_text(rgb, "BEST SELLER", (250, 600), 56, (0, 0, 0))

    # WHEN it is classified / THEN it is overlay text
    assert _classes(rgb, alpha, line("BEST SELLER", box))[0][0] is GuardClass.OVERLAY_TEXT


def test_a_crisp_caption_block_on_the_product_is_overlay_text(bottle):
    # GIVEN a flat yellow caption box with black type laid over the bottle
    rgb, alpha = bottle
    rgb[850:930, 520:790] = (255, 220, 0)
    rgb, box = draw_text(rgb, "NEW 2x", (540, 860), 56, (0, 0, 0))

    # WHEN it is classified / THEN it is overlay text, not packaging
    assert _classes(rgb, alpha, line("NEW 2x", box))[0][0] is GuardClass.OVERLAY_TEXT


def test_faint_text_is_a_watermark(bottle):
    # GIVEN black text at 20% opacity over the sweep
    rgb, alpha = bottle
    marked, box = draw_text(rgb, "SAMPLE", (80, 1450), 90, (0, 0, 0))
    faint = (rgb * 0.8 + marked * 0.2).astype(np.uint8)

    # WHEN it is classified / THEN it is a watermark
    assert _classes(faint, alpha, line("SAMPLE", box))[0][0] is GuardClass.WATERMARK


def _flat_product() -> tuple[np.ndarray, np.ndarray]:
    """A plain grey box (1000 x 600 px) on a white sweep, 1600 px tall: nothing printed on it."""
    rng = np.random.default_rng(1)
    rgb = np.full((1600, 1200, 3), 250, np.uint8)
    rgb[300:1300, 300:900] = np.clip(rng.normal(150, 3, (1000, 600, 3)), 0, 255).astype(np.uint8)
    alpha = np.zeros((1600, 1200), np.float32)
    alpha[300:1300, 300:900] = 1.0
    return rgb, alpha


def _faint(rgb: np.ndarray, word: str, xy: tuple[int, int], size: int):
    marked, box = draw_text(rgb, word, xy, size, (0, 0, 0))
    return (rgb * 0.8 + marked * 0.2).astype(np.uint8), box


def test_faint_label_sized_text_wholly_on_the_product_is_packaging():
    # GIVEN small text in a subtle shade (20% black) printed on the product, 25 px tall
    rgb, alpha = _flat_product()
    subtle, box = _faint(rgb, "ESPRESSO", (400, 700), 34)

    # WHEN it is classified / THEN it is packaging text, not a watermark
    assert _classes(subtle, alpha, line("ESPRESSO", box))[0][0] is GuardClass.PACKAGING_TEXT


def test_faint_large_text_over_the_product_is_a_watermark():
    # GIVEN the same shade in a word taller than 5% of the photo, laid over the product
    rgb, alpha = _flat_product()
    faint, box = _faint(rgb, "SEAL", (420, 800), 110)
    assert box[3] - box[1] > 0.05 * rgb.shape[0]

    # WHEN it is classified / THEN it is a watermark
    assert _classes(faint, alpha, line("SEAL", box))[0][0] is GuardClass.WATERMARK


def test_text_repeated_across_the_photo_is_a_watermark(bottle):
    # GIVEN the same word in three places
    rgb, alpha = bottle
    boxes = []
    for xy in ((60, 100), (60, 700), (900, 1300)):
        rgb, box = draw_text(rgb, "PROOF", xy, 48, (90, 90, 90))
        boxes.append(box)

    # WHEN classified / THEN every copy is a watermark
    found = _classes(rgb, alpha, *(line("PROOF", b) for b in boxes))
    assert {cls for cls, _ in found} == {GuardClass.WATERMARK}


def test_contact_details_are_reported_beside_their_line(bottle):
    # GIVEN a web address drawn below the bottle
    rgb, alpha = bottle
    rgb, box = draw_text(rgb, "www.bestshop.com", (60, 1450), 48, (0, 0, 0))

    # WHEN classified / THEN the line is overlay text and the address a url
    assert _classes(rgb, alpha, line("www.bestshop.com", box)) == [
        (GuardClass.OVERLAY_TEXT, "www.bestshop.com"),
        (GuardClass.URL, "www.bestshop.com"),
    ]


def test_single_characters_are_not_reported(bottle):
    # GIVEN OCR reading a lone "O" (a chain link, a ring)
    rgb, alpha = bottle

    # WHEN classified / THEN nothing is reported
    assert _classes(rgb, alpha, line("O", (100, 100, 130, 140))) == []


def test_ocr_runs_once_per_photo(bottle):
    # GIVEN a scripted OCR
    rgb, alpha = bottle
    ocr = ScriptedOcr()

    # WHEN the whole guard runs
    inspect_photo(rgb, alpha, GuardServices(ocr=ocr))

    # THEN OCR was called once
    assert ocr.calls == 1
