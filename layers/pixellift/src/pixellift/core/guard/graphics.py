"""Borders and frames: bands along the photo's edges that the backdrop does not share.

A frame steps the brightness of (nearly) the whole of three or four sides at one depth, even
when drawn semi-transparently over a busy photo; a caption strip or a coloured band is flat and
unlike the backdrop. Boxes are in the input's pixels. Badges are found by
:mod:`pixellift.core.guard.badges` and inset pictures by :mod:`pixellift.core.guard.insets`.
"""

from __future__ import annotations

from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.guard.findings import GuardClass, GuardFinding
from pixellift.core.guard.regions import ProductMap, make_finding, working_copy
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
