"""The benchmark image generator: seeded, truthful boxes, packaging text on the product."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import ImageFont
from pixellift.core.errors import InvalidImageArrayError
from pixellift.core.guard.findings import GuardClass
from pixellift.core.guard.synth import SynthImage, SynthKind, synthesize
from pixellift.core.guard.synth_layers import bounding_box
from pixellift.core.types import Alpha, RgbImage

pytestmark = pytest.mark.unit

Photo = tuple[RgbImage, Alpha]
MARKED = [k for k in SynthKind if k is not SynthKind.CLEAN]


def _draw(
    kind: SynthKind, photo: Photo, fonts: list[ImageFont.FreeTypeFont], seed: int
) -> SynthImage:
    rgb, alpha = photo
    source = np.ascontiguousarray(rgb[::-1, ::-1])
    return synthesize(kind, rgb, alpha, np.random.default_rng(seed), fonts, inset_source=source)


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


@pytest.mark.parametrize("kind", list(SynthKind))
def test_synthesize_is_reproducible_from_its_seed(
    kind: SynthKind, sneaker: Photo, fonts: list[ImageFont.FreeTypeFont]
) -> None:
    first, again = _draw(kind, sneaker, fonts, 7), _draw(kind, sneaker, fonts, 7)
    assert np.array_equal(first.rgb, again.rgb)
    assert first.marks == again.marks
    if kind is not SynthKind.CLEAN:
        assert not np.array_equal(first.rgb, _draw(kind, sneaker, fonts, 8).rgb)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("kind", MARKED)
def test_synthesize_truth_boxes_frame_the_changed_pixels(
    kind: SynthKind, seed: int, bottle: Photo, fonts: list[ImageFont.FreeTypeFont]
) -> None:
    # GIVEN a marked-up photo
    photo, _ = bottle
    out = _draw(kind, bottle, fonts, seed)
    assert out.marks, f"{kind} drew nothing"
    changed = np.any(out.rgb != photo, axis=2)

    # THEN every changed pixel lies in some truth box, and each box is (nearly) the bounding
    # box of the changes inside it
    inside = np.zeros(changed.shape, bool)
    for finding in out.truth:
        x0, y0, x1, y1 = finding.box
        inside[y0:y1, x0:x1] = True
        local = bounding_box(changed[y0:y1, x0:x1])
        assert local is not None
        drawn = (local[0] + x0, local[1] + y0, local[2] + x0, local[3] + y0)
        assert _iou(drawn, finding.box) > 0.9
    assert not (changed & ~inside).any()


def test_synthesize_puts_packaging_text_inside_the_product(
    bottle: Photo, fonts: list[ImageFont.FreeTypeFont]
) -> None:
    photo, alpha = bottle
    for seed in range(4):
        out = _draw(SynthKind.PACKAGING_TEXT, bottle, fonts, seed)
        changed = np.any(out.rgb != photo, axis=2)
        assert [f.cls for f in out.truth] == [GuardClass.PACKAGING_TEXT]
        assert (alpha[changed] > 0).all()


def test_synthesize_keeps_overlay_text_mostly_off_the_product(
    sneaker: Photo, fonts: list[ImageFont.FreeTypeFont]
) -> None:
    _, alpha = sneaker
    for seed in range(4):
        out = _draw(SynthKind.OVERLAY_TEXT, sneaker, fonts, seed)
        for mark in out.marks:
            x0, y0, x1, y1 = mark.finding.box
            assert float(alpha[y0:y1, x0:x1].mean()) < 0.5
            assert mark.cap_height is not None and 16 <= mark.cap_height <= 120
            assert mark.finding.text


def test_synthesize_reports_a_border_as_one_frame(
    bottle: Photo, fonts: list[ImageFont.FreeTypeFont]
) -> None:
    photo, _ = bottle
    out = _draw(SynthKind.BORDER, bottle, fonts, 4)
    (mark,) = out.marks
    x0, y0, x1, y1 = mark.finding.box
    thickness = int(mark.style.rsplit("-", 1)[1].removesuffix("px"))
    changed = np.any(out.rgb != photo, axis=2)
    assert changed[y0:y1, x0 : x0 + thickness].mean() > 0.3
    assert not changed[
        y0 + thickness + 1 : y1 - thickness - 1, x0 + thickness + 1 : x1 - thickness - 1
    ].any()


def test_synthesize_leaves_the_photo_untouched(
    sneaker: Photo, fonts: list[ImageFont.FreeTypeFont]
) -> None:
    photo, _ = sneaker
    before = photo.copy()
    clean = _draw(SynthKind.CLEAN, sneaker, fonts, 1)
    _draw(SynthKind.WATERMARK, sneaker, fonts, 1)
    assert np.array_equal(photo, before)
    assert np.array_equal(clean.rgb, photo)
    assert clean.truth == ()


def test_synthesize_names_what_is_missing(bottle: Photo) -> None:
    photo, alpha = bottle
    rng = np.random.default_rng(0)
    with pytest.raises(InvalidImageArrayError, match="overlay_text marks need at least one font"):
        synthesize(SynthKind.OVERLAY_TEXT, photo, alpha, rng, [])
    with pytest.raises(InvalidImageArrayError, match="inset needs a second photo"):
        synthesize(SynthKind.INSET, photo, alpha, rng, [])
    with pytest.raises(InvalidImageArrayError, match=r"alpha \(5, 5\) does not match"):
        synthesize(SynthKind.BORDER, photo, alpha[:5, :5], rng, [])
