"""Caption bands: flat, axis-aligned blocks of one colour laid over the backdrop.

A caption is often set on a band (a filled rectangle behind the words). When the words are
printed in a colour close to the band's, OCR may not read them, yet the band alone is an
addition to the photo: a rectangle with straight sides, filled with one flat colour that
differs from everything around it, wider than tall, standing on the backdrop rather than the
product. Pasted pictures (insets) are rectangles too but are textured inside; a product's label
is a flat block as well, which is why bands on the product are left to the OCR classifier.
"""

from __future__ import annotations

from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.guard.findings import GuardClass, GuardFinding
from pixellift.core.guard.regions import ProductMap, make_finding, overlap, scale_box
from pixellift.core.types import RgbImage

DETECTOR: Final = "band"
_GROW: Final = 2
_FLAT: Final = 3.0  # a pixel is flat when its 5x5 neighbourhood varies less than this (levels)
_COLOUR: Final = 10.0  # pixels within this distance (levels) of the band's colour belong to it
_HEIGHT: Final = (0.02, 0.15)  # band height as a share of the working copy's short side
_ASPECT: Final = (1.3, 14.0)  # width over height
_FILLED: Final = 0.7  # share of the bounding rectangle the band's colour fills
_STRAIGHT: Final = 0.9  # share of each side that runs along the band's edge
_STEP: Final = 40.0  # the band differs from the ring around it by at least this (worst channel)
_RING_OUT: Final = 0.3  # ring width in band heights
_RECURS: Final = 0.1  # share of the surroundings in the band's colour that makes it texture
_ON_PRODUCT: Final = 0.5  # a block mostly on the product is left to the text classifier
_ON_BAND: Final = 0.6  # share of a line's box on a band for the line to sit on it


def _trim(
    member: npt.NDArray[np.bool_], rect: tuple[int, int, int, int]
) -> tuple[int, int, int, int]:
    """``rect`` with outer lines dropped while under half of them is the band's colour.

    The flat area is grown back by the filter's reach, which can overshoot a side by a pixel
    or two where the band meets a backdrop of a similar flatness.
    """
    x, y, w, h = rect
    for _ in range(_GROW):
        if h > 2 and member[y, x : x + w].mean() < 0.5:  # noqa: PLR2004
            y, h = y + 1, h - 1
        if h > 2 and member[y + h - 1, x : x + w].mean() < 0.5:  # noqa: PLR2004
            h -= 1
        if w > 2 and member[y : y + h, x].mean() < 0.5:  # noqa: PLR2004
            x, w = x + 1, w - 1
        if w > 2 and member[y : y + h, x + w - 1].mean() < 0.5:  # noqa: PLR2004
            w -= 1
    return x, y, w, h


def _sides_straight(member: npt.NDArray[np.bool_], x: int, y: int, w: int, h: int) -> float:
    """Share of the weakest side of the rectangle (one pixel in) that belongs to the band."""
    inset = 1
    sides = (
        member[y + inset, x : x + w],
        member[y + h - 1 - inset, x : x + w],
        member[y : y + h, x + inset],
        member[y : y + h, x + w - 1 - inset],
    )
    return min(float(s.mean()) for s in sides)


def _common(
    pixels: npt.NDArray[np.float32],
    colour: npt.NDArray[np.float32],
    rect: tuple[int, int, int, int],
) -> bool:
    """Whether the band's colour recurs around it (a brick or a tile among many, not a band)."""
    x, y, w, h = rect
    rows, cols = pixels.shape[:2]
    y0, y1, x0, x1 = max(0, y - h), min(rows, y + 2 * h), max(0, x - h), min(cols, x + w + h)
    near = np.ones((y1 - y0, x1 - x0), bool)
    pad = max(2, round(_RING_OUT * h))
    near[max(0, y - pad - y0) : y + h + pad - y0, max(0, x - pad - x0) : x + w + pad - x0] = False
    alike = np.abs(pixels[y0:y1, x0:x1] - colour).max(axis=2) <= _COLOUR
    return bool(near.any()) and float(alike[near].mean()) >= _RECURS


def find_caption_bands(small: RgbImage, scale: float, product: ProductMap) -> list[GuardFinding]:
    """Flat rectangular blocks off the product, reported as ``overlay_text`` without text.

    ``small`` is the working copy (``scale`` working pixels per input pixel); boxes are in
    input pixels. :func:`on_bands` merges them with the OCR lines.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> photo = rng.integers(90, 160, (300, 400, 3)).astype(np.uint8)
    >>> photo[40:70, 50:250] = (30, 20, 40)
    >>> photo[50:60, 60:240:6] = (45, 35, 55)
    >>> product = ProductMap.from_alpha(np.zeros((300, 400), np.float32))
    >>> [(f.cls.value, f.box) for f in find_caption_bands(photo, 1.0, product)]
    [('overlay_text', (50, 40, 250, 70))]
    """
    rows, cols = small.shape[:2]
    pixels = small.astype(np.float32)
    mean = cv2.blur(pixels, (5, 5))
    spread = np.sqrt(np.maximum(cv2.blur(pixels * pixels, (5, 5)) - mean * mean, 0.0)).max(axis=2)
    flat = (spread < _FLAT).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(flat, connectivity=4)
    short = min(rows, cols)
    findings: list[GuardFinding] = []
    for label in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[label])
        # The 5x5 window eats two pixels off each side of a flat area: give them back.
        x, y = max(0, x - _GROW), max(0, y - _GROW)
        w, h = min(cols - x, w + 2 * _GROW), min(rows - y, h + 2 * _GROW)
        if not _HEIGHT[0] * short <= h <= _HEIGHT[1] * short:
            continue
        if not _ASPECT[0] <= w / h <= _ASPECT[1] or area < _FILLED * 0.5 * w * h:
            continue
        if x <= 1 or y <= 1 or x + w >= cols - 1 or y + h >= rows - 1:
            continue  # touching the frame: a border or the backdrop, not a band
        colour = np.median(pixels[labels == label], axis=0)
        window = pixels[y : y + h, x : x + w]
        member = np.zeros((rows, cols), bool)
        member[y : y + h, x : x + w] = np.abs(window - colour).max(axis=2) <= _COLOUR
        x, y, w, h = _trim(member, (x, y, w, h))
        if member[y : y + h, x : x + w].mean() < _FILLED:
            continue
        if _sides_straight(member, x, y, w, h) < _STRAIGHT:
            continue
        pad = max(2, round(_RING_OUT * h))
        y0, y1, x0, x1 = (
            max(0, y - pad),
            min(rows, y + h + pad),
            max(0, x - pad),
            min(cols, x + w + pad),
        )
        ring = np.ones((y1 - y0, x1 - x0), bool)
        ring[y - y0 : y - y0 + h, x - x0 : x - x0 + w] = False
        outside = np.median(pixels[y0:y1, x0:x1][ring], axis=0)
        if float(np.abs(outside - colour).max()) < _STEP or _common(pixels, colour, (x, y, w, h)):
            continue
        box = scale_box((x, y, x + w, y + h), 1.0 / scale)
        if product.coverage(box) >= _ON_PRODUCT:
            continue
        findings.append(
            make_finding(cls=GuardClass.OVERLAY_TEXT, box=box, confidence=0.6, detector=DETECTOR)
        )
    return findings


def on_bands(text: list[GuardFinding], bands: list[GuardFinding]) -> list[GuardFinding]:
    """Text findings with the bands they sit on, and the bands no OCR line was read on.

    A line on a caption band is a caption, however faint its glyphs look against the band (a
    watermark is not set on a band of its own); a band that carries a read line is that line's
    background and is not reported again.

    Examples
    --------
    >>> line = make_finding(GuardClass.WATERMARK, (12, 12, 90, 28), 0.7, text="SALE")
    >>> band = make_finding(GuardClass.OVERLAY_TEXT, (10, 10, 100, 30), 0.6)
    >>> empty = make_finding(GuardClass.OVERLAY_TEXT, (10, 200, 100, 220), 0.6)
    >>> [(f.cls.value, f.text) for f in on_bands([line], [band, empty])]
    [('overlay_text', 'SALE'), ('overlay_text', None)]
    """
    out = []
    for f in text:
        banded = any(overlap(f.box, b.box) >= _ON_BAND for b in bands)
        if banded and f.cls is GuardClass.WATERMARK:
            out.append(f.model_copy(update={"cls": GuardClass.OVERLAY_TEXT}))
        else:
            out.append(f)
    read = [f.box for f in text]
    out.extend(b for b in bands if not any(overlap(t, b.box) >= _ON_BAND for t in read))
    return out
