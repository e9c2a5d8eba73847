"""Graphic marks for :mod:`pixellift.core.guard.synth`: promo badges, borders, watermarks, insets.

Each drawer paints onto a float canvas in place and returns one :class:`SynthMark` per mark, its
truth box the bounding box of the mark's non-zero coverage. A border is reported the way a
frame is removed, one band per side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
from PIL import ImageFont

from pixellift.core.errors import InvalidImageArrayError
from pixellift.core.guard.findings import Box, GuardClass, GuardFinding
from pixellift.core.guard.synth_layers import (
    F32,
    LIGHT,
    Colour,
    Layer,
    contrasting,
    free_spot,
    luma,
    paint,
    rotated,
    scaled,
    shape_layer,
    stacked,
    text_coverage,
)
from pixellift.core.types import Alpha, RgbImage

BADGE_WORDS: Final = ("SALE", "NEW", "-20%", "HOT", "TOP", "50%", "BEST", "$9", "FREE", "DEAL")
WATERMARK_WORDS: Final = ("SAMPLE", "(c) ACME", "shop.example", "PROOF", "NORDIC GOODS", "DEMO")
_HALF: Final = 0.5
_FRAMED: Final = 0.3  # share of borders drawn inside a margin rather than at the image's edge
_DARK_ON_LIGHT: Final = 60.0  # watermarks turn dark above this much brighter than LIGHT


@dataclass(frozen=True)
class SynthMark:
    """One drawn mark: the finding it should produce and how it was drawn."""

    finding: GuardFinding
    style: str
    opacity: float
    cap_height: float | None = None
    """Cap height of text marks in the photo's pixels; ``None`` for marks without text."""


def truth(cls: GuardClass, box: Box, text: str | None = None) -> GuardFinding:
    """The ground-truth finding of a drawn mark (confidence 1, detector ``synth``).

    Examples
    --------
    >>> truth(GuardClass.BADGE, (1, 2, 3, 4)).model_dump(by_alias=True)["class"]
    <GuardClass.BADGE: 'badge'>
    """
    fields = {"class": cls, "box": box, "confidence": 1.0, "text": text, "detector": "synth"}
    return GuardFinding.model_validate(fields)


def badge(
    rng: np.random.Generator, canvas: F32, alpha: Alpha, fonts: Sequence[ImageFont.FreeTypeFont]
) -> list[SynthMark]:
    """A promo badge (starburst, circle or ribbon) with a word on it, mostly off the product."""
    rows, cols = alpha.shape
    radius = float(rng.uniform(0.06, 0.14)) * min(rows, cols)
    style = str(rng.choice(["starburst", "circle", "ribbon"]))
    shape = shape_layer(style, radius, float(rng.uniform(-25.0, 25.0)), rng)
    colour = contrasting(rng, luma(canvas))
    word = str(rng.choice(BADGE_WORDS))
    font = fonts[int(rng.integers(len(fonts)))]
    text_colour = contrasting(rng, luma(np.array(colour, np.float32)))
    fill, _ = text_coverage(word, font, radius * (0.45 if style == "ribbon" else 0.5))
    if fill.shape[1] > 0.8 * shape.shape[1]:
        fill = scaled(fill, 0.8 * shape.shape[1] / fill.shape[1])
    spot = free_spot(rng, alpha.shape, shape.shape, [], alpha)
    if spot is None:
        return []
    top, left = spot
    text_top = top + (shape.shape[0] - fill.shape[0]) // 2
    text_left = left + (shape.shape[1] - fill.shape[1]) // 2
    box = paint(
        canvas,
        [Layer(shape, colour, top, left, 1.0), Layer(fill, text_colour, text_top, text_left, 1.0)],
    )
    return [SynthMark(truth(GuardClass.BADGE, box, word), style, 1.0)]


def border(rng: np.random.Generator, canvas: F32, alpha: Alpha) -> list[SynthMark]:
    """A frame (solid, double line or coloured) at or near the image's edge.

    One mark covers the whole frame, its box the frame's outer edge, as the border detector
    reports it; the style names the kind and the band's thickness (``double-24px``).
    """
    rows, cols = alpha.shape
    short = min(rows, cols)
    width = max(3, round(float(rng.uniform(0.01, 0.06)) * short))
    margin = round(float(rng.uniform(0.005, 0.03)) * short) if rng.random() < _FRAMED else 0
    style = str(rng.choice(["solid", "double", "coloured"]))
    edge = np.concatenate([canvas[:width].reshape(-1, 3), canvas[-width:].reshape(-1, 3)])
    colour = contrasting(rng, luma(edge))
    if style != "coloured" and rng.random() < _HALF:
        colour = (0.0, 0.0, 0.0) if luma(edge) > LIGHT else (255.0, 255.0, 255.0)
    opacity = 1.0 if rng.random() < _HALF else float(rng.uniform(0.15, 1.0))
    profile = np.ones(width, np.float32)
    if style == "double":
        third = max(1, width // 3)
        profile[third : width - third] = 0.0
    inner_r, inner_c = rows - 2 * margin, cols - 2 * margin
    sides = {
        "top": (np.repeat(profile[:, None], inner_c, axis=1), margin, margin),
        "bottom": (np.repeat(profile[::-1, None], inner_c, axis=1), rows - margin - width, margin),
        "left": (np.repeat(profile[None, :], inner_r, axis=0), margin, margin),
        "right": (np.repeat(profile[None, ::-1], inner_r, axis=0), margin, cols - margin - width),
    }
    frame = np.zeros((rows, cols), np.float32)
    for cover, top, left in sides.values():
        Layer(cover, colour, top, left, 1.0).stamp_max(frame)
    box = paint(canvas, [Layer(frame, colour, 0, 0, opacity)])
    return [SynthMark(truth(GuardClass.BORDER, box), f"{style}-{width}px", opacity)]


def watermark(
    rng: np.random.Generator, canvas: F32, alpha: Alpha, fonts: Sequence[ImageFont.FreeTypeFont]
) -> list[SynthMark]:
    """A semi-transparent word or logo, once or tiled over the whole photo (product included)."""
    rows, cols = alpha.shape
    style = str(rng.choice(["single", "tiled", "logo"]))
    word = str(rng.choice(WATERMARK_WORDS))
    font = fonts[int(rng.integers(len(fonts)))]
    opacity = float(rng.uniform(0.15, 0.6))
    colour: Colour = (
        (255.0, 255.0, 255.0) if luma(canvas) < LIGHT + _DARK_ON_LIGHT else (40.0, 40.0, 40.0)
    )
    angle = float(rng.uniform(-35.0, 35.0))
    if style == "logo":
        mark = shape_layer("ring", float(rng.uniform(0.08, 0.18)) * min(rows, cols), 0.0, rng)
        initials, _ = text_coverage(word[:2].upper(), font, mark.shape[0] * 0.3)
        mark = stacked(
            [Layer(mark, colour, 0, 0, 1.0), Layer(initials, colour, 0, 0, 1.0)], centre=True
        )
    else:
        cap = float(rng.uniform(0.04, 0.1) if style == "tiled" else rng.uniform(0.06, 0.16)) * rows
        mark = rotated(text_coverage(word, font, cap)[0], angle)
    if style == "tiled":
        tile = np.zeros((rows, cols), np.float32)
        step_r, step_c = int(mark.shape[0] * 1.6), int(mark.shape[1] * 1.3)
        shift = int(rng.integers(0, step_c))
        for top in range(-mark.shape[0] // 2, rows, max(1, step_r)):
            for left in range(-shift, cols, max(1, step_c)):
                Layer(mark, colour, top, left, 1.0).stamp_max(tile)
        box = paint(canvas, [Layer(tile, colour, 0, 0, opacity)])
    else:
        spot = free_spot(rng, alpha.shape, mark.shape, [], np.zeros_like(alpha))
        if spot is None:
            return []
        box = paint(canvas, [Layer(mark, colour, spot[0], spot[1], opacity)])
    return [SynthMark(truth(GuardClass.WATERMARK, box, word), style, opacity)]


def inset(
    rng: np.random.Generator, canvas: F32, alpha: Alpha, source: RgbImage | None
) -> list[SynthMark]:
    """A crop of another photo pasted near a corner, with or without a frame.

    Raises
    ------
    InvalidImageArrayError
        If no ``source`` photo is given.
    """
    if source is None:
        msg = "an inset needs a second photo (inset_source) to cut the picture from"
        raise InvalidImageArrayError(msg)
    rows, cols = alpha.shape
    side = float(rng.uniform(0.15, 0.3)) * max(rows, cols)
    height = int(min(side * rng.uniform(0.75, 1.33), 0.45 * rows))
    width = int(min(side, 0.45 * cols))
    crop_h = min(source.shape[0], int(height * rng.uniform(1.0, 2.5)))
    crop_w = min(source.shape[1], int(crop_h * width / height))
    top0, left0 = (
        rng.integers(0, source.shape[0] - crop_h + 1),
        rng.integers(0, source.shape[1] - crop_w + 1),
    )
    picture = cv2.resize(
        source[top0 : top0 + crop_h, left0 : left0 + crop_w],
        (width, height),
        interpolation=cv2.INTER_AREA,
    ).astype(np.float32)
    frame = int(rng.choice([0, 0, 3, 6, 10]))
    style = "framed" if frame else "plain"
    margin = int(rng.uniform(0.01, 0.05) * min(rows, cols))
    corners = [(margin, margin), (margin, cols - width - 2 * frame - margin),
               (rows - height - 2 * frame - margin, margin),
               (rows - height - 2 * frame - margin, cols - width - 2 * frame - margin)]  # fmt: skip
    top, left = min(
        corners,
        key=lambda c: (
            float(alpha[c[0] : c[0] + height, c[1] : c[1] + width].mean()) + rng.random() * 0.1
        ),
    )
    layers = []
    if frame:
        cover = np.ones((height + 2 * frame, width + 2 * frame), np.float32)
        layers.append(Layer(cover, contrasting(rng, luma(picture)), top, left, 1.0))
    layers.append(
        Layer(np.ones((height, width), np.float32), picture, top + frame, left + frame, 1.0)
    )
    box = paint(canvas, layers)
    return [SynthMark(truth(GuardClass.INSET, box), style, 1.0)]
