"""Inset pictures: rectangles pasted into the photo, found from the straight steps around them.

A picture pasted into a photo is bounded by four axis-aligned straight lines across which the
colour jumps at (nearly) every point: the pasted pixels continue nothing outside them. A photo's
own texture has steps too, but they wander. :mod:`pixellift.core.guard.steps` finds the
rectangles whose four sides are nearly unbroken steps; a candidate is an inset when its inside
differs from the strip outside on every side, its sides stop at its corners (a frame, a horizon
or a box-shaped product's edges are longer lines), and the product alpha neither covers it (a
label's picture) nor surrounds it. Its sides are then placed on the full-size photo's steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import cv2
import numpy as np

from pixellift.core.guard.findings import Box, GuardClass, GuardFinding
from pixellift.core.guard.regions import ProductMap, make_finding, overlap, scale_box
from pixellift.core.guard.steps import SIDE, along, open_ended, rectangles, step_maps
from pixellift.core.types import RgbImage

_RUN: Final = 0.07  # shortest side, share of the working copy's long side
_AREA: Final = (0.01, 0.4)  # an inset's share of the image
_ASPECT: Final = 4.0
_RING: Final = 0.7  # product share of the ring around the box above which it is the product's
_NESTED: Final = 0.6  # share of a box inside a kept one that makes it part of that one
_MARGIN: Final = 2  # working pixels kept clear of the image's edge
_GUARD: Final = 2
_DEPTH: Final = 4  # working pixels of the strips compared across each side
_CONTRAST: Final = 30.0  # how much every side's inside must differ from its outside
_ON_PRODUCT: Final = 0.6  # product share of the box above which it is a picture on the product
_TEXTURE: Final = 4.0  # median luma deviation below which the inside is a flat panel
_CAPTION: Final = 0.3  # share of a flat panel under OCR lines that makes it a caption band


def side_contrast(small: RgbImage, box: tuple[int, int, int, int]) -> float:
    """The least, over the four sides, of how much the strip inside differs from the one outside.

    Each side compares the mean colour and the spread of a strip a few pixels deep on either
    side of it; a pasted picture differs from what lies around it on every side, while a patch
    of the photo's own surface cut out by lines that happen to meet differs on one or two.

    Examples
    --------
    >>> rgb = np.full((60, 60, 3), 200, np.uint8)
    >>> rgb[10:40, 10:40] = (40, 90, 160)
    >>> side_contrast(rgb, (10, 10, 40, 40)) > 50, side_contrast(rgb, (10, 10, 40, 50)) < 5
    (True, True)
    """
    x0, y0, x1, y1 = box
    depth = _DEPTH
    img = small.astype(np.float32)
    rows, cols = img.shape[:2]
    g = _GUARD  # a resized boundary straddles a pixel or two: compare beyond them
    pairs = (
        (img[y0 + g : y0 + g + depth, x0:x1], img[max(0, y0 - g - depth) : max(0, y0 - g), x0:x1]),
        (img[y1 - g - depth : y1 - g, x0:x1], img[y1 + g : min(rows, y1 + g + depth), x0:x1]),
        (img[y0:y1, x0 + g : x0 + g + depth], img[y0:y1, max(0, x0 - g - depth) : max(0, x0 - g)]),
        (img[y0:y1, x1 - g - depth : x1 - g], img[y0:y1, x1 + g : min(cols, x1 + g + depth)]),
    )
    least = float("inf")
    for inside, outside in pairs:
        if inside.size == 0 or outside.size == 0:
            return 0.0
        a, b = inside.reshape(-1, 3), outside.reshape(-1, 3)
        mean = float(np.linalg.norm(a.mean(axis=0) - b.mean(axis=0)))
        spread = float(abs(a.std(axis=0).mean() - b.std(axis=0).mean()))
        least = min(least, mean + spread)
    return least


def _edge(rgb: RgbImage, near: int, span: tuple[int, int], reach: int, rows: bool) -> int:
    """The exact boundary near ``near``: the line before which the colour jumps most along ``span``.

    ``rows`` searches row boundaries (a top or bottom side) over columns ``span``; otherwise
    column boundaries over rows ``span``. Returns the index of the first line after the jump.
    """
    limit = rgb.shape[0] if rows else rgb.shape[1]
    lo, hi = max(1, near - reach), min(limit - 1, near + reach)
    a, b = span
    step = max(1, (b - a) // 200)
    if hi <= lo or b <= a:
        return near
    lines = (
        rgb[lo - 1 : hi + 1, a:b:step]
        if rows
        else rgb[a:b:step, lo - 1 : hi + 1].transpose(1, 0, 2)
    )
    lines = lines.astype(np.int16)
    jump = np.abs(lines[1:] - lines[:-1]).max(axis=2).mean(axis=1)
    return lo + int(np.argmax(jump))


def refine_box(rgb: RgbImage, box: Box, reach: int) -> Box:
    """``box`` with each side moved (by up to ``reach`` pixels) onto the full-size step.

    Examples
    --------
    >>> rgb = np.full((100, 100, 3), 200, np.uint8)
    >>> rgb[21:63, 30:81] = 40
    >>> refine_box(rgb, (28, 23, 79, 60), 4)
    (30, 21, 81, 63)
    """
    x0, y0, x1, y1 = box
    inner_x, inner_y = (
        (x0 + (x1 - x0) // 8, x1 - (x1 - x0) // 8),
        (y0 + (y1 - y0) // 8, y1 - (y1 - y0) // 8),
    )
    return (
        _edge(rgb, x0, inner_y, reach, rows=False),
        _edge(rgb, y0, inner_x, reach, rows=True),
        _edge(rgb, x1, inner_y, reach, rows=False),
        _edge(rgb, y1, inner_x, reach, rows=True),
    )


def _area(box: Box) -> int:
    return max(0, box[2] - box[0]) * max(0, box[3] - box[1])


def find_insets(
    rgb: RgbImage,
    small: RgbImage,
    scale: float,
    product: ProductMap,
    text_boxes: Sequence[Box] = (),
) -> list[GuardFinding]:
    """Pasted pictures: rectangles bounded by unbroken straight steps, off the product.

    ``rgb`` is the photo and ``small`` its working copy (``scale`` working pixels per input
    pixel), where the sides are found before they are placed on ``rgb``'s pixels; ``text_boxes``
    are OCR line boxes in input pixels (a flat panel carrying a line is a caption band, which
    the text detectors report). Boxes come back in input pixels, outermost first.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> photo = np.full((300, 400, 3), 235, np.uint8)
    >>> tiles = rng.integers(0, 255, (10, 12, 3)).astype(np.uint8)
    >>> photo[20:120, 260:380] = cv2.resize(tiles, (120, 100), interpolation=cv2.INTER_NEAREST)
    >>> alpha = np.zeros((300, 400), np.float32)
    >>> alpha[150:280, 100:250] = 1.0
    >>> [f.box for f in find_insets(photo, photo, 1.0, ProductMap.from_alpha(alpha))]
    [(260, 20, 380, 120)]

    The product's own picture (a label on a carton) is not an inset:

    >>> label = np.pad(np.ones((110, 130)), ((15, 175), (255, 15)))
    >>> find_insets(photo, photo, 1.0, ProductMap.from_alpha(label))
    []
    """
    rows, cols = small.shape[:2]
    rows_marks, cols_marks = step_maps(small)
    length = max(9, round(_RUN * max(rows, cols)))
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    kept: list[tuple[Box, float]] = []
    across_rows, across_cols = along(rows_marks, True), along(cols_marks, False)
    candidates = sorted(
        rectangles(rows_marks, cols_marks, length, across_rows, across_cols),
        key=lambda r: -(r[0][2] - r[0][0]) * (r[0][3] - r[0][1]),
    )
    for (x0, y0, x1, y1), support in candidates:
        w, h = x1 - x0, y1 - y0
        if not _AREA[0] <= w * h / (rows * cols) <= _AREA[1] or max(w, h) > _ASPECT * min(w, h):
            continue
        if x0 < _MARGIN or y0 < _MARGIN or x1 > cols - _MARGIN or y1 > rows - _MARGIN:
            continue
        box = scale_box((x0, y0, x1, y1), 1.0 / scale)
        if any(overlap(box, other) > _NESTED for other, _ in kept):
            continue  # the inner edge of a frame, or a line inside the picture
        if open_ended(across_rows, across_cols, (x0, y0, x1, y1), length):
            continue
        if side_contrast(small, (x0, y0, x1, y1)) < _CONTRAST:
            continue
        if product.coverage(box) >= _ON_PRODUCT:
            continue
        margin = max(3, round(0.05 * min(box[2] - box[0], box[3] - box[1])))
        if product.ring_coverage(box, margin) >= _RING:
            continue
        inside = gray[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2].astype(np.float32)
        flat = float(np.median(np.abs(inside - np.median(inside)))) < _TEXTURE
        worded = sum(_area(t) * overlap(t, box) for t in text_boxes) / max(1, _area(box))
        if flat and worded >= _CAPTION:
            continue  # a caption on a band: the text detectors report it
        box = refine_box(rgb, box, round(_GUARD / scale) + 2)
        kept.append((box, 0.6 + 0.35 * (support - SIDE) / (1 - SIDE)))
    return [
        make_finding(
            cls=GuardClass.INSET, box=box, confidence=round(min(c, 0.95), 4), detector="inset"
        )
        for box, c in kept
    ]
