"""Promo badges and stickers: compact shapes of one flat colour, unlike what lies around them.

A badge is painted, not photographed: its fill is one colour, flat to a level or two, while a
photo's surfaces (backdrop texture, shaded product, grain) change from pixel to pixel. The
detector finds the flat regions of the working copy, joins the pieces of one fill that its own
lettering cuts apart (a word across a ribbon), and keeps the pieces that make a compact closed
shape (a disc, a starburst, a ribbon) of a colour that stands out from the backdrop around it.
An upright rectangle is left to the text and inset detectors (a caption band, a flat picture).
The product alpha rules out the product's own flat faces and backdrop seen through a hole in
the product (the inside of a ring); a shape carrying lettering (marks of a contrasting colour
inside the fill, or an OCR line) or near a corner is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.guard.findings import Box, GuardClass, GuardFinding
from pixellift.core.guard.regions import ProductMap, make_finding, overlap, scale_box
from pixellift.core.types import Mask, RgbImage

_FLAT: Final = 3  # a pixel is flat when its 3x3 neighbourhood spans at most this many levels
_SPREAD: Final = 3.0  # 95th percentile colour distance from the piece's median
_MIN_PIECE: Final = 0.0004  # share of the image below which a flat piece is ignored
_AREA: Final = (0.002, 0.12)  # a badge's share of the image
_SAME: Final = 6  # levels within which two pieces have the same fill
_FILLED: Final = 0.45  # share of the outline the flat fill covers (the rest is lettering)
_SOLIDITY: Final = 0.7
_ASPECT: Final = 4.0
_CONTRAST: Final = 36.0  # colour distance between the fill and the ring outside it
_RING: Final = 4  # working pixels of the ring outside a shape, at least
_RING_SHARE: Final = 0.15  # and as a share of the shape's short side
_ON_PRODUCT: Final = 0.6  # share of the shape, or of its ring, above which it is product
_EDGE_TOUCH: Final = 0.05  # share of the outline on the image's edge (a cut backdrop piece)
_LETTERED: Final = 0.015  # share of the outline taken by marks inside the fill
_JOIN: Final = 0.3  # gaps closed between pieces of one fill, share of the shape's short side
_PANEL: Final = 0.93  # share of its upright bounding box that an upright rectangle fills
_GAP: Final = 0.03  # pieces of one fill lie this close (share of the long side)
_ON_SHAPE: Final = 0.8  # share of an OCR line on a shape that makes the shape carry it
_CORNER: Final = 0.3  # a shape centred this near two edges (share of each side) is cornered
_BACKDROP: Final = 0.2  # share of backdrop in the ring from which the shape is judged against it
_INK: Final = 60.0  # colour distance from the fill at which a mark inside it is lettering
_PART: Final = 0.3  # share of a shape's box inside a larger one's that makes it part of it
_IN_LINE: Final = 0.8  # a "shape" this much inside an OCR line is its letters, not a badge


@dataclass(frozen=True)
class _Piece:
    label: int
    colour: npt.NDArray[np.float32]
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in working pixels


def flat_mask(small: RgbImage, tolerance: int = _FLAT) -> Mask:
    """Pixels whose 3x3 neighbourhood spans at most ``tolerance`` levels in every channel.

    Examples
    --------
    >>> rgb = np.random.default_rng(0).integers(0, 255, (20, 20, 3)).astype(np.uint8)
    >>> rgb[5:15, 5:15] = (200, 30, 30)
    >>> mask = flat_mask(rgb)
    >>> bool(mask[6:14, 6:14].all()), bool(mask[:4].any())
    (True, False)
    """
    kernel = np.ones((3, 3), np.uint8)
    span = cv2.dilate(small, kernel).astype(np.int16) - cv2.erode(small, kernel)
    out: Mask = span.max(axis=2) <= tolerance
    return out


def _pieces(
    small: RgbImage, labels: npt.NDArray[np.int32], stats: npt.NDArray[np.int32]
) -> list[_Piece]:
    """Flat components large enough to matter and of one colour throughout."""
    rows, cols = small.shape[:2]
    pieces = []
    for label in np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= _MIN_PIECE * rows * cols).tolist():
        if label == 0:
            continue
        x, y, w, h, area = (int(v) for v in stats[label])
        if area > _AREA[1] * rows * cols:
            continue
        window = small[y : y + h, x : x + w]
        colours = window[labels[y : y + h, x : x + w] == label].astype(np.float32)
        median = np.median(colours, axis=0)
        if float(np.percentile(np.abs(colours - median).max(axis=1), 95)) > _SPREAD:
            continue
        pieces.append(_Piece(label, median.astype(np.float32), (x, y, x + w, y + h)))
    return pieces


def _groups(pieces: list[_Piece], gap: int) -> list[list[_Piece]]:
    """Pieces of the same colour whose boxes lie within ``gap`` pixels of each other."""
    parent = list(range(len(pieces)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(pieces):
        for j in range(i + 1, len(pieces)):
            b = pieces[j]
            near = (
                a.box[0] - gap <= b.box[2]
                and b.box[0] - gap <= a.box[2]
                and a.box[1] - gap <= b.box[3]
                and b.box[1] - gap <= a.box[3]
            )
            if near and float(np.abs(a.colour - b.colour).max()) <= _SAME:
                parent[root(j)] = root(i)
    groups: dict[int, list[_Piece]] = {}
    for i, piece in enumerate(pieces):
        groups.setdefault(root(i), []).append(piece)
    return list(groups.values())


@dataclass(frozen=True)
class _Shape:
    outline: npt.NDArray[np.int32]
    box: tuple[int, int, int, int]
    lettered: float
    contrast: float


def _shape(
    small: RgbImage, labels: npt.NDArray[np.int32], group: list[_Piece], product_mask: Mask
) -> _Shape | None:
    """The closed shape a group of flat pieces fills, if it looks like a badge."""
    rows, cols = small.shape[:2]
    gx0, gy0 = min(p.box[0] for p in group), min(p.box[1] for p in group)
    gx1, gy1 = max(p.box[2] for p in group), max(p.box[3] for p in group)
    pad = max(_RING, round(_RING_SHARE * min(gx1 - gx0, gy1 - gy0))) + 3
    x0, y0, x1, y1 = (
        max(0, gx0 - pad),
        max(0, gy0 - pad),
        min(cols, gx1 + pad),
        min(rows, gy1 + pad),
    )
    sub = labels[y0:y1, x0:x1]
    fill = np.isin(sub, [p.label for p in group]).astype(np.uint8)
    # Lettering can cut a fill in two (a word across a ribbon): close gaps up to a letter's size.
    reach = max(5, round(_JOIN * min(x1 - x0, y1 - y0))) | 1  # odd: closing must not shift
    padded = cv2.copyMakeBorder(fill, reach, reach, reach, reach, cv2.BORDER_CONSTANT, value=0)
    closed = cv2.morphologyEx(padded, cv2.MORPH_CLOSE, np.ones((reach, reach), np.uint8))
    joined = np.ascontiguousarray(closed[reach:-reach, reach:-reach])
    contours, _ = cv2.findContours(joined, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    solid = np.zeros_like(fill)
    cv2.drawContours(solid, [outline], -1, 1, thickness=-1)
    area = int(solid.sum())
    hull = float(cv2.contourArea(cv2.convexHull(outline)))
    if not _AREA[0] * rows * cols <= area <= _AREA[1] * rows * cols or hull <= 0:
        return None
    (_, _), (w, h), _ = cv2.minAreaRect(outline)
    if area / hull < _SOLIDITY or max(w, h) > _ASPECT * max(1.0, min(w, h)):
        return None
    bx, by, bw, bh = cv2.boundingRect(outline)
    if area >= _PANEL * bw * bh:
        return None  # an upright rectangle: a caption band or a flat picture, not a badge
    filled = float((fill & solid).sum()) / area
    if filled < _FILLED:
        return None
    # The flat fill stops a pixel or two short of the shape's (anti-aliased) outline.
    shape = np.asarray(cv2.dilate(solid, np.ones((5, 5), np.uint8)))
    bx, by, bw, bh = cv2.boundingRect(shape)
    box = (bx + x0, by + y0, bx + x0 + bw, by + y0 + bh)
    on_edge = (
        np.concatenate([solid[0], solid[-1], solid[:, 0], solid[:, -1]])
        if (box[0] == 0 or box[1] == 0 or box[2] == cols or box[3] == rows)
        else np.zeros(1, np.uint8)
    )
    if float(on_edge.sum()) > _EDGE_TOUCH * 2 * (bw + bh):
        return None
    # The ring is wide enough to see past a thin outline round the shape (a logo's circle).
    width = max(_RING, round(_RING_SHARE * min(bw, bh)))
    grown = np.asarray(cv2.dilate(shape, np.ones((2 * width + 1, 2 * width + 1), np.uint8)))
    ring = grown.astype(bool) & ~shape.astype(bool)
    window_product = product_mask[y0:y1, x0:x1]
    if (
        window_product[solid > 0].mean() > _ON_PRODUCT
        or window_product[ring > 0].mean() > _ON_PRODUCT
    ):
        return None
    colour = np.median(small[y0:y1, x0:x1][fill > 0].astype(np.float32), axis=0)
    # Judged against the backdrop around it: a fill the colour of the backdrop beside a product
    # is backdrop seen through a thin outline (a logo's ring) or past the product's edge.
    backdrop = ring & ~window_product
    if backdrop.sum() >= _BACKDROP * ring.sum():
        ring = backdrop
    around = small[y0:y1, x0:x1][ring].astype(np.float32)
    contrast = float(np.median(np.linalg.norm(around - colour, axis=1)))
    if contrast < _CONTRAST:
        return None
    inner = np.asarray(cv2.erode(solid, np.ones((5, 5), np.uint8))).astype(bool)
    marks = inner & (fill == 0)
    # Lettering stands out from the fill (a word in a contrasting colour); a product's shading
    # and highlights drift from it by a few tens of levels.
    distance = np.abs(small[y0:y1, x0:x1][marks].astype(np.float32) - colour).max(axis=1)
    lettered = float((distance >= _INK).sum()) / area
    shifted = np.asarray(outline, np.int32) + np.array([x0, y0], np.int32)
    return _Shape(shifted, box, lettered, contrast)


def _merged(found: list[tuple[Box, float, tuple[tuple[int, int], ...]]]) -> list[GuardFinding]:
    """One finding per badge: pieces of one cut apart (a product crossing it) join the largest."""
    kept: list[tuple[Box, float, tuple[tuple[int, int], ...]]] = []
    for box, confidence, polygon in sorted(found, key=lambda f: -_area(f[0])):
        for i, (other, other_confidence, other_polygon) in enumerate(kept):
            if overlap(box, other) >= _PART:
                union = (
                    min(box[0], other[0]),
                    min(box[1], other[1]),
                    max(box[2], other[2]),
                    max(box[3], other[3]),
                )
                kept[i] = (union, max(confidence, other_confidence), other_polygon)
                break
        else:
            kept.append((box, confidence, polygon))
    return [
        make_finding(
            cls=GuardClass.BADGE,
            box=box,
            confidence=round(min(confidence, 0.95), 4),
            polygon=polygon,
            detector="badge",
        )
        for box, confidence, polygon in kept
    ]


def _area(box: Box) -> int:
    return max(0, box[2] - box[0]) * max(0, box[3] - box[1])


def find_badges(
    small: RgbImage, scale: float, text_boxes: list[Box], product: ProductMap
) -> list[GuardFinding]:
    """Compact shapes of one flat colour, unlike their surroundings, that carry lettering.

    ``small`` is the working copy (``scale`` working pixels per input pixel); ``text_boxes``
    are OCR line boxes in input pixels. A shape carrying a line, or lettering of its own (marks
    inside its fill), or sitting near a corner is reported; the product alpha rules out the
    product's own flat faces and backdrop seen through a hole in the product.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> photo = rng.normal(150, 12, (300, 400, 3)).clip(0, 255).astype(np.uint8)
    >>> _ = cv2.circle(photo, (320, 70), 50, (20, 20, 20), -1)
    >>> _ = cv2.putText(photo, "NEW", (288, 80), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (255,) * 3, 2)
    >>> empty = ProductMap.from_alpha(np.zeros((300, 400), np.float32))
    >>> [(f.box, f.confidence) for f in find_badges(photo, 1.0, [], empty)]
    [((270, 20, 371, 121), 0.7)]

    The same disc as the product (a round tin seen from above) is not a badge:

    >>> tin = np.zeros((300, 400), np.float32)
    >>> _ = cv2.circle(tin, (320, 70), 52, 1.0, -1)
    >>> find_badges(photo, 1.0, [], ProductMap.from_alpha(tin))
    []
    """
    rows, cols = small.shape[:2]
    flat = flat_mask(small).astype(np.uint8)
    _, found, table, _ = cv2.connectedComponentsWithStats(flat, connectivity=4)
    labels = np.asarray(found, np.int32)
    pieces = _pieces(small, labels, np.asarray(table, np.int32))
    product_mask = cv2.resize(
        product.mask.astype(np.uint8), (cols, rows), interpolation=cv2.INTER_NEAREST
    ).astype(bool)
    shapes: list[tuple[Box, float, tuple[tuple[int, int], ...]]] = []
    for group in _groups(pieces, max(3, round(_GAP * max(rows, cols)))):
        shape = _shape(small, labels, group, product_mask)
        if shape is None:
            continue
        box = scale_box(shape.box, 1.0 / scale)
        if any(overlap(box, t) >= _IN_LINE for t in text_boxes):
            continue  # a caption's letters or band, not a shape behind a word
        texted = any(overlap(t, box) >= _ON_SHAPE for t in text_boxes)
        lettered = shape.lettered >= _LETTERED
        x, y = (shape.box[0] + shape.box[2]) / 2 / cols, (shape.box[1] + shape.box[3]) / 2 / rows
        cornered = min(x, 1 - x) < _CORNER and min(y, 1 - y) < _CORNER
        if not (texted or lettered or cornered):
            continue
        confidence = 0.45 + 0.25 * texted + 0.15 * lettered + 0.1 * cornered
        outline = tuple(
            (round(px / scale), round(py / scale)) for px, py in shape.outline[:, 0].tolist()
        )
        shapes.append((box, confidence, outline))
    return _merged(shapes)
