"""Marked-up photos with known ground truth, for measuring the guard's detectors and cleanup.

:func:`synthesize` draws one kind of mark onto a real photo (overlay text, promo badges, a
border, a watermark, an inset picture, or text printed on the product itself) at seeded random
positions, sizes, fonts, colours and opacities, and returns the new pixels together with the
:class:`~pixellift.core.guard.findings.GuardFinding` each mark should produce.

Marks are painted as coverage layers: ``out = photo * (1 - a) + colour * a`` with ``a`` the
layer's coverage times its opacity, so a pixel changes only where a mark covers it, and each
truth box is the bounding box of its mark's non-zero coverage. Fonts come in as Pillow font
objects (the core opens no files); text is rendered at the font's own size and scaled to the
drawn cap height, so pass fonts at about 160 px for crisp large text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import cv2
import numpy as np
from PIL import ImageFont

from pixellift.core.errors import InvalidImageArrayError
from pixellift.core.guard.findings import Box, GuardClass, GuardFinding
from pixellift.core.guard.synth_layers import (
    F32,
    Layer,
    contrasting,
    free_spot,
    luma,
    paint,
    stacked,
    text_coverage,
)
from pixellift.core.guard.synth_marks import SynthMark, badge, border, inset, truth, watermark
from pixellift.core.types import Alpha, RgbImage

CAPTIONS: Final = (
    "FREE SHIPPING", "SALE", "50% OFF", "$19.99", "BEST SELLER", "NEW ARRIVAL", "Limited Edition",
    "Buy 2 Get 1 Free", "Only today", "100% Organic", "Made in USA", "Order now", "HOT DEAL",
    "2-Year Warranty", "Gift idea", "Premium Quality", "Waterproof", "EUR 24,90", "-30%", "TOP 10",
)  # fmt: skip
PACKAGING_WORDS: Final = (
    "ORGANIC", "NET WT 500 g", "Premium", "MADE IN ITALY", "Pure Oil", "Model X2", "Since 1984",
    "100 ml", "Dark Roast", "Hand made",
)  # fmt: skip

_CAP_RANGE: Final = (16.0, 120.0)  # overlay text cap height, px at the photo's size
_PACKAGING_CAP: Final = (12.0, 48.0)
_SOLID_ALPHA: Final = 0.99
_BAND_PAD: Final = 0.35  # band margin around text, in cap heights
_LABEL_MARGIN: Final = 4  # packaging text keeps this many px inside the opaque product
_SHRINK: Final = 0.7  # a label that finds no room is tried again this much smaller
_LABEL_TRIES: Final = 4
_LABEL_HEIGHTS: Final = 8.0  # labels' cap height: at most 1/8 of the product's height


class SynthKind(StrEnum):
    """What :func:`synthesize` draws."""

    OVERLAY_TEXT = "overlay_text"
    BADGE = "badge"
    BORDER = "border"
    WATERMARK = "watermark"
    INSET = "inset"
    PACKAGING_TEXT = "packaging_text"
    CLEAN = "clean"


@dataclass(frozen=True)
class SynthImage:
    """A marked-up photo and its ground truth."""

    rgb: RgbImage
    marks: tuple[SynthMark, ...]

    @property
    def truth(self) -> tuple[GuardFinding, ...]:
        """The ground-truth findings, one per mark."""
        return tuple(mark.finding for mark in self.marks)


def _caption_layers(
    rng: np.random.Generator, canvas: F32, font: ImageFont.FreeTypeFont, text: str, cap: float
) -> tuple[list[Layer], str, float]:
    """Layers for one caption (unplaced), its style and opacity."""
    style = str(rng.choice(["plain", "outline", "band"]))
    fill, outline = text_coverage(text, font, cap, stroke=0.12 if style == "outline" else 0.0)
    behind = luma(canvas)
    colour = contrasting(rng, behind)
    layers = []
    if style == "band":
        pad = max(2, round(_BAND_PAD * cap))
        band_colour = contrasting(rng, luma(np.array(colour, np.float32)))  # unlike the text
        band = np.ones((fill.shape[0] + 2 * pad, fill.shape[1] + 2 * pad), np.float32)
        layers.append(Layer(band, band_colour, 0, 0, float(rng.uniform(0.6, 1.0))))
        layers.append(Layer(fill, colour, pad, pad, 1.0))
    elif style == "outline":
        layers.append(Layer(outline, contrasting(rng, 255.0 - behind), 0, 0, 1.0))
        layers.append(Layer(fill, colour, 0, 0, 1.0))
    else:
        layers.append(Layer(fill, colour, 0, 0, 1.0))
    return layers, style, 1.0


def _overlay_text(
    rng: np.random.Generator, canvas: F32, alpha: Alpha, fonts: Sequence[ImageFont.FreeTypeFont]
) -> list[SynthMark]:
    marks: list[SynthMark] = []
    taken: list[Box] = []
    for _ in range(int(rng.integers(1, 4))):
        cap = float(np.exp(rng.uniform(*np.log(_CAP_RANGE))))
        text = str(rng.choice(CAPTIONS))
        font = fonts[int(rng.integers(len(fonts)))]
        layers, style, opacity = _caption_layers(rng, canvas, font, text, cap)
        spot = free_spot(rng, alpha.shape, stacked(layers).shape, taken, alpha)
        if spot is None:
            continue
        box = paint(canvas, [layer.at(*spot) for layer in layers])
        taken.append(box)
        marks.append(SynthMark(truth(GuardClass.OVERLAY_TEXT, box, text), style, opacity, cap))
    return marks


def _packaging_text(
    rng: np.random.Generator, canvas: F32, alpha: Alpha, fonts: Sequence[ImageFont.FreeTypeFont]
) -> list[SynthMark]:
    solid = (alpha >= _SOLID_ALPHA).astype(np.uint8)
    rows = np.flatnonzero(solid.any(axis=1))
    if rows.size == 0:
        return []
    tallest = max(_PACKAGING_CAP[0] + 1.0, rows.size / _LABEL_HEIGHTS)
    cap = float(rng.uniform(_PACKAGING_CAP[0], min(_PACKAGING_CAP[1], tallest)))
    text = str(rng.choice(PACKAGING_WORDS))
    font = fonts[int(rng.integers(len(fonts)))]
    margin = _LABEL_MARGIN
    for _ in range(_LABEL_TRIES):
        fill, _ = text_coverage(text, font, cap)
        height, width = fill.shape
        kernel = np.ones((height + 2 * margin, width + 2 * margin), np.uint8)
        fits = cv2.erode(solid, kernel, anchor=(0, 0), borderValue=0)
        room = fits[: alpha.shape[0] - height - 2 * margin, : alpha.shape[1] - width - 2 * margin]
        spots = np.argwhere(room > 0)
        if len(spots):
            top, left = (int(v) + margin for v in spots[int(rng.integers(len(spots)))])
            product = canvas[top : top + height, left : left + width]
            cover = fill * alpha[top : top + height, left : left + width]
            colour = contrasting(rng, luma(product))
            box = paint(canvas, [Layer(cover, colour, top, left, 1.0)])
            return [SynthMark(truth(GuardClass.PACKAGING_TEXT, box, text), "label", 1.0, cap)]
        cap *= _SHRINK
    return []


def synthesize(
    kind: SynthKind,
    photo: RgbImage,
    alpha: Alpha,
    rng: np.random.Generator,
    fonts: Sequence[ImageFont.FreeTypeFont],
    *,
    inset_source: RgbImage | None = None,
) -> SynthImage:
    """Draw one kind of mark on a copy of ``photo`` and return it with its ground truth.

    Parameters
    ----------
    kind
        What to draw; :attr:`SynthKind.CLEAN` returns the photo unchanged with no truth.
    photo
        ``(rows, cols, 3)`` uint8; never modified.
    alpha
        The product's alpha at the photo's size: overlays are kept mostly off it, packaging
        text inside its opaque part (and fades with it).
    rng
        The only source of randomness: the same seed gives the same image and truth.
    fonts
        Pillow fonts to draw text with (sized about 160 px for crisp large text).
    inset_source
        Another photo to cut inset pictures from (needed for :attr:`SynthKind.INSET`).

    Returns
    -------
    SynthImage
        The marked-up photo and one :class:`SynthMark` per mark drawn (a mark that found no
        room is left out, so the truth can be empty).

    Raises
    ------
    InvalidImageArrayError
        If the photo or alpha have the wrong shape, no fonts are given for a text kind, or an
        inset is asked for without ``inset_source``.

    Examples
    --------
    >>> photo = np.full((300, 400, 3), 230, np.uint8)
    >>> alpha = np.zeros((300, 400), np.float32)
    >>> out = synthesize(SynthKind.BORDER, photo, alpha, np.random.default_rng(1), [])
    >>> [(m.finding.cls.value, m.finding.box, m.style) for m in out.marks]
    [('border', (0, 0, 400, 300), 'solid-11px')]
    >>> out.rgb[5, 200].tolist() != [230, 230, 230], out.rgb[20, 200].tolist(), int(photo.max())
    (True, [230, 230, 230], 230)
    """
    if photo.ndim != 3 or photo.shape[2] != 3 or photo.dtype != np.uint8:  # noqa: PLR2004
        msg = f"synthesize needs an RGB uint8 photo, got {photo.dtype} {photo.shape}"
        raise InvalidImageArrayError(msg)
    if alpha.shape != photo.shape[:2]:
        msg = f"alpha {alpha.shape} does not match the photo {photo.shape[:2]}"
        raise InvalidImageArrayError(msg)
    text_kinds = {
        SynthKind.OVERLAY_TEXT,
        SynthKind.BADGE,
        SynthKind.WATERMARK,
        SynthKind.PACKAGING_TEXT,
    }
    if kind in text_kinds and not fonts:
        msg = f"{kind.value} marks need at least one font"
        raise InvalidImageArrayError(msg)
    canvas = photo.astype(np.float32)
    draw: dict[SynthKind, Callable[[], list[SynthMark]]] = {
        SynthKind.OVERLAY_TEXT: lambda: _overlay_text(rng, canvas, alpha, fonts),
        SynthKind.BADGE: lambda: badge(rng, canvas, alpha, fonts),
        SynthKind.BORDER: lambda: border(rng, canvas, alpha),
        SynthKind.WATERMARK: lambda: watermark(rng, canvas, alpha, fonts),
        SynthKind.INSET: lambda: inset(rng, canvas, alpha, inset_source),
        SynthKind.PACKAGING_TEXT: lambda: _packaging_text(rng, canvas, alpha, fonts),
        SynthKind.CLEAN: lambda: [],
    }
    marks = draw[kind]()
    rgb = np.clip(np.rint(canvas), 0, 255).astype(np.uint8)
    return SynthImage(rgb=rgb, marks=tuple(marks))


__all__ = ["SynthImage", "SynthKind", "SynthMark", "synthesize"]
