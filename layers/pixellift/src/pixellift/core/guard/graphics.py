"""Graphic additions found without OCR: borders and frames, promo badges, and inset pictures.

All three work on a small copy of the photo (see :func:`working_copy`) and report boxes in the
input's pixels. They lean on how such additions are made: a border is a band of one colour along
an edge that the backdrop does not share; a badge is a compact shape of one flat, saturated
colour (a starburst, a circle, a ribbon) carrying text or sitting near a corner; an inset is a
rectangle of photo-like content with straight, unbroken sides, not surrounded by the product.
"""

from __future__ import annotations

from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.guard.findings import Box, GuardClass, GuardFinding
from pixellift.core.guard.regions import ProductMap, make_finding, overlap, scale_box, working_copy
from pixellift.core.types import RgbImage

_BAND_MAX: Final = 0.15  # a band wider than this share of the side is backdrop, not a border
_BAND_FLAT: Final = 10.0
_BAND_STEP: Final = 12.0
_BAND_CONTRAST: Final = 28.0
_STEP_LEVELS: Final = 10.0  # a frame's edge changes brightness by at least this much
_STEP_AGREEMENT: Final = 0.8  # share of the side that must step the same way
_EDGE_BAND: Final = 6
"""Pixels inside a step that tell a product's edge from a frame's."""
_EDGE_PRODUCT: Final = 0.4
"""Product share of that band above which the step is the product's edge."""
_FRAME_SIDES: Final = 3
_BADGE_AREA: Final = (0.002, 0.1)
_BADGE_FLAT: Final = 0.6
_BADGE_SOLIDITY: Final = 0.6
_INSET_AREA: Final = (0.015, 0.4)
_INSET_EDGES: Final = 0.85
_INSET_TEXTURE: Final = 18.0
_INSET_RING: Final = 0.7

FloatImage = npt.NDArray[np.float32]


def _lines(rgb: RgbImage, side: str, depth: int) -> FloatImage:
    """Luma of the ``depth`` lines nearest one edge, outermost first, every few pixels along it."""
    strip = {
        "top": rgb[:depth],
        "bottom": rgb[::-1][:depth],
        "left": rgb[:, :depth].transpose(1, 0, 2),
        "right": rgb[:, ::-1][:, :depth].transpose(1, 0, 2),
    }[side]
    step = max(1, strip.shape[1] // 600)
    sampled = strip[:, ::step].astype(np.float32)
    luma: FloatImage = sampled @ np.array([0.299, 0.587, 0.114], np.float32)
    return luma


def _steps(lines: FloatImage) -> list[int]:
    """Depths where the whole side steps in brightness in one direction (a frame's edge)."""
    if len(lines) < 3:  # noqa: PLR2004
        return []
    jump = np.clip((lines[2:] - lines[:-2]) / _STEP_LEVELS, -1.0, 1.0).mean(axis=1)
    strength = np.abs(jump)
    found: list[int] = []
    for depth in np.flatnonzero(strength >= _STEP_AGREEMENT).tolist():
        if found and depth - found[-1] <= 2:  # noqa: PLR2004
            if strength[depth] > strength[found[-1]]:
                found[-1] = depth
            continue
        found.append(depth)
    return [d + 1 for d in found]


def _at_product_edge(product: ProductMap, side: str, depth: int, rgb: RgbImage) -> bool:
    """Whether the band just inside a step is mostly product (the product's edge, not a frame).

    A box-shaped product photographed head-on steps the brightness of most of each side at one
    depth too; a frame's inside is the photo's margin, which is backdrop.
    """
    rows, cols = rgb.shape[:2]
    inner = depth + _EDGE_BAND
    box = {
        "top": (0, depth, cols, inner),
        "bottom": (0, rows - inner, cols, rows - depth),
        "left": (depth, 0, inner, rows),
        "right": (cols - inner, 0, cols - depth, rows),
    }[side]
    return product.coverage(box) >= _EDGE_PRODUCT


def _flat_band(lines: FloatImage, limit: int, backdrop: float | None) -> int:
    """Width of a flat band along the edge that differs from what lies beyond it, else 0."""
    means, spread = lines.mean(axis=1), lines.std(axis=1)
    width = 0
    while (
        width < len(lines)
        and spread[width] <= _BAND_FLAT
        and abs(means[width] - means[0]) <= _BAND_STEP
    ):
        width += 1
    if width < 2 or width >= limit:  # noqa: PLR2004
        return 0
    band = float(means[:width].mean())
    beyond = float(means[width : width + max(3, width // 2)].mean())
    unlike = backdrop is None or abs(band - backdrop) > _BAND_CONTRAST
    return width if abs(band - beyond) > _BAND_CONTRAST and unlike else 0


def _backdrop(rgb: RgbImage, product: ProductMap) -> float | None:
    """Median luma of the backdrop away from the edges (``None`` when the product fills it)."""
    small, _ = working_copy(rgb, 160)
    rows, cols = small.shape[:2]
    mask = cv2.resize(product.mask.astype(np.uint8), (cols, rows), cv2.INTER_NEAREST) == 0  # type: ignore[call-overload]
    pad_r, pad_c = round(rows * _BAND_MAX), round(cols * _BAND_MAX)
    inner = np.zeros_like(mask)
    inner[pad_r : rows - pad_r, pad_c : cols - pad_c] = True
    pixels = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)[mask & inner]
    return float(np.median(pixels)) if len(pixels) > 64 else None  # noqa: PLR2004


def _frame_width(steps: dict[str, list[int]]) -> tuple[int, int] | None:
    """The step depth most sides share (within a tolerance), and how many sides share it."""
    best: tuple[int, int] | None = None
    for depths in steps.values():
        for depth in depths:
            tolerance = max(2, round(0.2 * depth))
            sides = sum(any(abs(d - depth) <= tolerance for d in ds) for ds in steps.values())
            if sides >= _FRAME_SIDES and (best is None or sides > best[1]):
                best = (depth, sides)
    return best


def find_borders(rgb: RgbImage, product: ProductMap) -> list[GuardFinding]:
    """A frame or border: steps at one depth on most sides, or flat bands unlike the backdrop.

    ``rgb`` is the full-size photo (only its edge strips are read, every few pixels along each
    edge). A frame drawn semi-transparently over a busy photo still steps the brightness of the
    whole side in one direction, which texture and backdrop edges do not. One finding covers
    every side found.

    Examples
    --------
    >>> photo = np.full((200, 300, 3), 250, np.uint8)
    >>> photo[60:140, 100:200] = (40, 90, 160)
    >>> framed = photo.copy()
    >>> framed[:12], framed[-12:], framed[:, :12], framed[:, -12:] = 0, 0, 0, 0
    >>> alpha = np.zeros((200, 300), np.float32)
    >>> alpha[60:140, 100:200] = 1
    >>> product = ProductMap.from_alpha(alpha)
    >>> [(f.cls.value, f.box) for f in find_borders(framed, product)]
    [('border', (0, 0, 300, 200))]
    >>> find_borders(photo, product)
    []

    A box photographed head-on, filling most of the frame, steps every side too; it is the
    product's edge, not a frame:

    >>> carton = np.full((200, 200, 3), 255, np.uint8)
    >>> carton[13:187, 13:187] = (150, 90, 40)
    >>> box_alpha = np.zeros((200, 200), np.float32)
    >>> box_alpha[13:187, 13:187] = 1
    >>> find_borders(carton, ProductMap.from_alpha(box_alpha))
    []
    """
    rows, cols = rgb.shape[:2]
    backdrop = _backdrop(rgb, product)
    steps: dict[str, list[int]] = {}
    bands: dict[str, int] = {}
    for side in ("top", "bottom", "left", "right"):
        length = rows if side in ("top", "bottom") else cols
        limit = max(3, int(length * _BAND_MAX))
        lines = _lines(rgb, side, limit + 4)
        steps[side] = [
            d for d in _steps(lines) if d < limit and not _at_product_edge(product, side, d, rgb)
        ]
        width = _flat_band(lines, limit, backdrop)
        if width and not _at_product_edge(product, side, width, rgb):
            bands[side] = width
    frame = _frame_width(steps)
    if frame is not None:
        confidence = 0.75 + 0.1 * (frame[1] - _FRAME_SIDES)
    elif bands:
        confidence = 0.5 + 0.1 * len(bands)
    else:
        return []
    found = bands if frame is None else dict.fromkeys(("top", "bottom", "left", "right"), frame[0])
    box = (
        0 if {"left", "top", "bottom"} & set(found) else cols - found["right"],
        0 if {"top", "left", "right"} & set(found) else rows - found["bottom"],
        cols if {"right", "top", "bottom"} & set(found) else found["left"],
        rows if {"bottom", "left", "right"} & set(found) else found["top"],
    )
    return [
        make_finding(
            cls=GuardClass.BORDER,
            box=box,
            confidence=round(min(confidence, 0.95), 4),
            detector="border",
        )
    ]


def find_badges(
    small: RgbImage, scale: float, text_boxes: list[Box], product: ProductMap
) -> list[GuardFinding]:
    """Compact shapes of one flat saturated colour that carry text or sit near a corner.

    ``small`` is the working copy (``scale`` working pixels per input pixel); ``text_boxes``
    are OCR line boxes in input pixels.
    """
    rows, cols = small.shape[:2]
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    saturated = ((hsv[..., 1] > 115) & (hsv[..., 2] > 90)).astype(np.uint8)  # noqa: PLR2004
    saturated = cv2.morphologyEx(saturated, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))  # type: ignore[assignment]
    contours, _ = cv2.findContours(saturated, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    findings = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if not _BADGE_AREA[0] <= area / (rows * cols) <= _BADGE_AREA[1]:
            continue
        x, y, w, h = cv2.boundingRect(contour)
        hull = cv2.contourArea(cv2.convexHull(contour))
        if hull <= 0 or area / hull < _BADGE_SOLIDITY or max(w, h) > 4 * min(w, h):
            continue
        region = np.zeros((rows, cols), np.uint8)
        cv2.drawContours(region, [contour], -1, 1, thickness=-1)
        colours = small[(region > 0) & (hsv[..., 1] > 115)].astype(np.int16)  # noqa: PLR2004
        if len(colours) == 0:
            continue
        flat = float((np.abs(colours - np.median(colours, axis=0)).max(axis=1) <= 15).mean())  # noqa: PLR2004
        if flat < _BADGE_FLAT:
            continue
        box = scale_box((x, y, x + w, y + h), 1.0 / scale)
        if any(overlap(box, t) >= 0.5 for t in text_boxes):  # noqa: PLR2004
            continue  # coloured letters of a line of text, not a shape behind them
        texted = any(overlap(t, box) >= 0.8 for t in text_boxes)  # noqa: PLR2004
        cx, cy = (x + w / 2) / cols, (y + h / 2) / rows
        cornered = min(cx, 1 - cx) < 0.3 and min(cy, 1 - cy) < 0.3  # noqa: PLR2004
        if not (texted or cornered):
            continue
        confidence = 0.45 + 0.25 * texted + 0.15 * cornered + 0.1 * (flat >= 0.85)  # noqa: PLR2004
        findings.append(
            make_finding(
                cls=GuardClass.BADGE,
                box=box,
                confidence=round(min(confidence, 0.95), 4),
                polygon=tuple(
                    (round(px / scale), round(py / scale)) for px, py in contour[:, 0].tolist()
                ),
                detector="badge",
            )
        )
    del product
    return findings


def _sides_edged(edges: npt.NDArray[np.uint8], x: int, y: int, w: int, h: int) -> float:
    near = cv2.dilate(edges, np.ones((5, 5), np.uint8)) > 0
    sides = (
        near[y, x : x + w],
        near[y + h - 1, x : x + w],
        near[y : y + h, x],
        near[y : y + h, x + w - 1],
    )
    return min(float(s.mean()) for s in sides)


def find_insets(small: RgbImage, scale: float, product: ProductMap) -> list[GuardFinding]:
    """Rectangles of photo-like content with straight sides, inside the frame, off the product."""
    rows, cols = small.shape[:2]
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(gray, 50, 150)
    # Only long straight edge runs: the sides of a pasted picture, not the content inside it.
    run = max(9, round(0.04 * min(rows, cols)))
    edges = cv2.morphologyEx(edges, cv2.MORPH_OPEN, np.ones((1, run), np.uint8)) | cv2.morphologyEx(  # type: ignore[operator]
        edges, cv2.MORPH_OPEN, np.ones((run, 1), np.uint8)
    )
    closed = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(closed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    kept: list[tuple[Box, float]] = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        share = w * h / (rows * cols)
        if not _INSET_AREA[0] <= share <= _INSET_AREA[1] or max(w, h) > 4 * min(w, h):
            continue
        if x <= 2 or y <= 2 or x + w >= cols - 2 or y + h >= rows - 2:  # noqa: PLR2004
            continue
        edged = _sides_edged(edges, x, y, w, h)
        inner = gray[y + 3 : y + h - 3, x + 3 : x + w - 3]
        if edged < _INSET_EDGES or inner.size == 0 or float(inner.std()) < _INSET_TEXTURE:
            continue
        box = scale_box((x, y, x + w, y + h), 1.0 / scale)
        margin = max(3, round(0.05 * min(box[2] - box[0], box[3] - box[1])))
        if product.ring_coverage(box, margin) >= _INSET_RING:
            continue
        if any(overlap(box, other) > 0.8 and overlap(other, box) > 0.8 for other, _ in kept):  # noqa: PLR2004
            continue
        kept.append((box, 0.6 + 0.35 * (edged - _INSET_EDGES) / (1 - _INSET_EDGES)))
    return [
        make_finding(
            cls=GuardClass.INSET, box=box, confidence=round(min(c, 0.95), 4), detector="inset"
        )
        for box, c in kept
    ]
