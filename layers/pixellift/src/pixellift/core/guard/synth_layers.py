"""Drawing primitives for :mod:`pixellift.core.guard.synth`: coverage layers, text and colours.

A layer is a float32 coverage map in 0..1 with a colour (one RGB triple, or a picture of the
layer's size), an offset in the photo and an opacity.
"""

from __future__ import annotations

import colorsys
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from pixellift.core.guard.findings import Box
from pixellift.core.types import Alpha, Mask, RgbImage

F32 = npt.NDArray[np.float32]
Colour = tuple[float, float, float]

LIGHT: Final = 140.0  # luminance above which a backdrop counts as light
_ON_PRODUCT_MAX: Final = 0.5  # overlay boxes lie mostly off the product, else they read as labels
_PLACEMENT_TRIES: Final = 30

_STAR_INNER: Final = (0.72, 0.86)  # starburst inner radius, share of the outer one
_STAR_SPIKES: Final = (12, 26)
_RING_WIDTH: Final = 0.12  # logo ring thickness, share of its radius
_SUPERSAMPLE: Final = 4


@dataclass(frozen=True)
class Layer:
    """Coverage ``cover`` with ``colour`` at ``(top, left)`` in the photo, scaled by ``opacity``."""

    cover: F32
    colour: tuple[float, float, float] | F32
    top: int
    left: int
    opacity: float

    def at(self, top: int, left: int) -> Layer:
        """The same layer moved by ``(top, left)``."""
        return replace(self, top=self.top + top, left=self.left + left)

    def window(self, shape: tuple[int, ...]) -> tuple[slice, slice, slice, slice] | None:
        """``(canvas rows, canvas cols, layer rows, layer cols)`` slices of the overlap, if any."""
        height, width = self.cover.shape
        r0, c0 = max(0, self.top), max(0, self.left)
        r1, c1 = min(shape[0], self.top + height), min(shape[1], self.left + width)
        if r0 >= r1 or c0 >= c1:
            return None
        return (
            slice(r0, r1),
            slice(c0, c1),
            slice(r0 - self.top, r1 - self.top),
            slice(c0 - self.left, c1 - self.left),
        )

    def stamp_max(self, canvas: F32) -> None:
        """Merge the coverage into a ``(rows, cols)`` map by maximum (in place)."""
        win = self.window(canvas.shape)
        if win is not None:
            rows, cols, lrows, lcols = win
            np.maximum(canvas[rows, cols], self.cover[lrows, lcols], out=canvas[rows, cols])


def bounding_box(mask: Mask) -> Box | None:
    """``(x0, y0, x1, y1)`` of the true pixels (exclusive ends), or ``None`` if there are none.

    Examples
    --------
    >>> m = np.zeros((5, 6), bool)
    >>> m[1:3, 2:5] = True
    >>> bounding_box(m)
    (2, 1, 5, 3)
    """
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)


def union_box(boxes: Sequence[Box]) -> Box:
    """The smallest box holding every box.

    Examples
    --------
    >>> union_box([(0, 5, 10, 8), (4, 2, 6, 20)])
    (0, 2, 10, 20)
    """
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def paint(canvas: F32, layers: Sequence[Layer]) -> Box:
    """Composite the layers over a float ``(rows, cols, 3)`` canvas in order; their union box.

    Raises
    ------
    ValueError
        If no layer covers any pixel of the canvas.

    Examples
    --------
    >>> canvas = np.zeros((10, 10, 3), np.float32)
    >>> paint(canvas, [Layer(np.ones((2, 3), np.float32), (255.0, 0.0, 0.0), 4, 5, 0.5)])
    (5, 4, 8, 6)
    >>> canvas[4, 5].tolist()
    [127.5, 0.0, 0.0]
    """
    boxes = []
    for layer in layers:
        win = layer.window(canvas.shape)
        if win is None:
            continue
        rows, cols, lrows, lcols = win
        cover = layer.cover[lrows, lcols]
        weight = (cover * layer.opacity)[..., None]
        colour = (
            np.asarray(layer.colour, np.float32)[lrows, lcols]
            if isinstance(layer.colour, np.ndarray)
            else np.asarray(layer.colour, np.float32)
        )
        canvas[rows, cols] = canvas[rows, cols] * (1.0 - weight) + colour * weight
        box = bounding_box(cover > 0)
        if box is not None:
            boxes.append(
                (box[0] + cols.start, box[1] + rows.start, box[2] + cols.start, box[3] + rows.start)
            )
    if not boxes:
        msg = "no layer covers the canvas"
        raise ValueError(msg)
    return union_box(boxes)


def stacked(layers: Sequence[Layer], *, centre: bool = False) -> F32:
    """The layers' coverage merged by maximum into one map (each centred when ``centre``).

    Examples
    --------
    >>> a = Layer(np.ones((2, 2), np.float32), (0.0, 0.0, 0.0), 0, 0, 1.0)
    >>> stacked([a, a.at(3, 1)]).shape
    (5, 3)
    """
    height = max(layer.top + layer.cover.shape[0] for layer in layers)
    width = max(layer.left + layer.cover.shape[1] for layer in layers)
    out = np.zeros((height, width), np.float32)
    for layer in layers:
        if centre:
            layer = replace(  # noqa: PLW2901
                layer,
                top=(height - layer.cover.shape[0]) // 2,
                left=(width - layer.cover.shape[1]) // 2,
            )
        layer.stamp_max(out)
    return out


def scaled(cover: F32, factor: float) -> F32:
    """Resize a coverage map by ``factor`` (area averaging when shrinking).

    Examples
    --------
    >>> scaled(np.ones((10, 20), np.float32), 0.5).shape
    (5, 10)
    """
    width = max(1, round(cover.shape[1] * factor))
    height = max(1, round(cover.shape[0] * factor))
    method = cv2.INTER_AREA if factor < 1.0 else cv2.INTER_CUBIC
    return np.clip(cv2.resize(cover, (width, height), interpolation=method), 0.0, 1.0)


def rotated(cover: F32, degrees: float) -> F32:
    """Rotate a coverage map about its centre, growing the map so nothing is cut off.

    Examples
    --------
    >>> rotated(np.ones((10, 40), np.float32), 90.0).shape
    (42, 12)
    """
    height, width = cover.shape
    turn = math.radians(degrees)
    new_w = int(abs(width * math.cos(turn)) + abs(height * math.sin(turn))) + 2
    new_h = int(abs(width * math.sin(turn)) + abs(height * math.cos(turn))) + 2
    matrix = cv2.getRotationMatrix2D((width / 2.0, height / 2.0), degrees, 1.0)
    matrix[0, 2] += (new_w - width) / 2.0
    matrix[1, 2] += (new_h - height) / 2.0
    out = cv2.warpAffine(cover, matrix, (new_w, new_h), flags=cv2.INTER_LINEAR, borderValue=0.0)
    out[out < 1.0 / 512.0] = 0.0
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def _outline(style: str, radius: float, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """Outline points of a badge shape, centred on the origin."""
    if style == "starburst":
        spikes = int(rng.integers(*_STAR_SPIKES))
        inner = float(rng.uniform(*_STAR_INNER))
        angles = np.arange(2 * spikes) * math.pi / spikes
        radii = np.where(np.arange(2 * spikes) % 2 == 0, radius, radius * inner)
        return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)
    if style == "ribbon":
        half_w, half_h, notch = radius * 1.3, radius * 0.38, radius * 0.25
        return np.array(
            [(-half_w, -half_h), (half_w, -half_h), (half_w - notch, 0.0), (half_w, half_h),
             (-half_w, half_h), (-half_w + notch, 0.0)]
        )  # fmt: skip
    angles = np.linspace(0.0, 2 * math.pi, 96, endpoint=False)
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)


def shape_layer(style: str, radius: float, degrees: float, rng: np.random.Generator) -> F32:
    """Anti-aliased coverage of a badge shape: ``starburst``, ``circle``, ``ribbon`` or ``ring``.

    Examples
    --------
    >>> disc = shape_layer("circle", 20.0, 0.0, np.random.default_rng(0))
    >>> disc.shape, round(float(disc.sum()) / (np.pi * 20.0**2), 1)
    ((43, 43), 1.0)
    """
    outline = _outline("circle" if style == "ring" else style, radius, rng)
    turn = math.radians(degrees)
    rot = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    outline = outline @ rot.T
    size = int(2 * np.abs(outline).max()) + 3
    big = np.zeros((size * _SUPERSAMPLE, size * _SUPERSAMPLE), np.uint8)
    points = np.rint((outline + size / 2.0) * _SUPERSAMPLE).astype(np.int32)
    cv2.fillPoly(big, [points], 255)
    if style == "ring":
        hole = np.rint((outline * (1.0 - _RING_WIDTH) + size / 2.0) * _SUPERSAMPLE).astype(np.int32)
        cv2.fillPoly(big, [hole], 0)
    small = cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)
    return (small.astype(np.float32) / 255.0).astype(np.float32)


def luma(rgb: RgbImage | F32) -> float:
    """Mean luminance (Rec. 601 weights, 0..255) of an RGB array or colour.

    Examples
    --------
    >>> round(luma(np.array([255.0, 255.0, 255.0], np.float32)))
    255
    """
    mean = np.asarray(rgb, np.float32).reshape(-1, 3).mean(axis=0)
    return float(0.299 * mean[0] + 0.587 * mean[1] + 0.114 * mean[2])


def contrasting(rng: np.random.Generator, behind: float) -> Colour:
    """A random colour whose brightness is far from ``behind`` (a luminance, 0..255).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> luma(np.array(contrasting(rng, 240.0), np.float32)) < 80
    True
    """
    hue, sat = float(rng.random()), float(rng.choice([0.0, rng.uniform(0.5, 1.0)]))
    value = rng.uniform(0.0, 0.3) if behind > LIGHT else rng.uniform(0.85, 1.0)
    red, green, blue = colorsys.hsv_to_rgb(hue, sat, value)
    return (red * 255.0, green * 255.0, blue * 255.0)


def text_coverage(
    text: str, font: ImageFont.FreeTypeFont, cap_height: float, *, stroke: float = 0.0
) -> tuple[F32, F32]:
    """Render ``text`` as ``(fill, outline)`` coverage in 0..1 at the given cap height.

    ``outline`` is the fill grown by ``stroke`` cap heights (all zeros when ``stroke`` is 0).

    Examples
    --------
    >>> fill, outline = text_coverage("HI", ImageFont.load_default(40), 20.0, stroke=0.1)
    >>> fill.shape == outline.shape, 18 <= int((fill.max(axis=1) > 0.5).sum()) <= 22
    (True, True)
    """
    left, top, right, bottom = font.getbbox("H")
    scale = cap_height / max(1.0, float(bottom - top))
    width = max(1, round(stroke * cap_height / scale))
    left, top, right, bottom = font.getbbox(text, stroke_width=width)
    size = (int(right - left) + 2, int(bottom - top) + 2)
    layers = []
    for outer in (0, width) if stroke > 0 else (0,):
        canvas = Image.new("L", size, 0)
        ImageDraw.Draw(canvas).text(
            (1 - left, 1 - top), text, font=font, fill=255, stroke_width=outer, stroke_fill=255
        )
        layers.append(scaled(np.asarray(canvas, np.float32) / 255.0, scale))
    return layers[0], layers[-1] if stroke > 0 else np.zeros_like(layers[0])


def free_spot(
    rng: np.random.Generator,
    shape: tuple[int, int],
    size: tuple[int, int],
    taken: list[Box],
    alpha: Alpha,
) -> tuple[int, int] | None:
    """A top-left corner where a ``size`` box fits, clear of ``taken`` and mostly off-product.

    Examples
    --------
    >>> alpha = np.zeros((100, 100), np.float32)
    >>> top, left = free_spot(np.random.default_rng(0), (100, 100), (20, 30), [], alpha)
    >>> 0 <= top <= 80 and 0 <= left <= 70
    True
    >>> free_spot(np.random.default_rng(0), (100, 100), (120, 30), [], alpha) is None
    True
    """
    rows, cols = shape
    height, width = size
    if height >= rows or width >= cols:
        return None
    for _ in range(_PLACEMENT_TRIES):
        top, left = int(rng.integers(0, rows - height)), int(rng.integers(0, cols - width))
        box = (left, top, left + width, top + height)
        clear = all(
            b[2] <= box[0] or box[2] <= b[0] or b[3] <= box[1] or box[3] <= b[1] for b in taken
        )
        if clear and float(alpha[top : top + height, left : left + width].mean()) < _ON_PRODUCT_MAX:
            return top, left
    return None
