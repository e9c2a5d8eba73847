"""Logo stamps found without OCR: a thin ring, all the way round, with marks inside it.

A shop's logo watermark is often a circle with initials in it, laid semi-transparently over the
photo. OCR misses the initials when they are faint or stylised, so this detector looks for the
ring itself. Candidate circles come from a Hough transform on the smoothed working copy; each
is kept only if, in polar coordinates about its centre, one radius is brighter (or darker) than
just inside and just outside it in nearly every direction (a ring of even width, which a disc's
edge, texture or a backdrop's lines are not), something is drawn inside it (initials, unlike a
letter O or a hole), and it does not follow the product's outline (a round product, a mug's
rim, a pendant).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.guard.findings import Box, GuardClass, GuardFinding
from pixellift.core.guard.regions import ProductMap, clip_box, make_finding, overlap
from pixellift.core.types import RgbImage

DETECTOR: Final = "logo"
_SMOOTH: Final = 1.5  # Gaussian sigma on the working copy, in pixels
_RADII: Final = (0.06, 0.3)  # circle radii searched, share of the working copy's short side
_SPACING: Final = 0.05  # least distance between candidate centres, share of the short side
_EDGE: Final = 40  # Canny's upper threshold for the Hough transform
_ROUND: Final = 0.6  # how perfect a Hough circle must be (HOUGH_GRADIENT_ALT's param2)
_ANGLES: Final = 120
_REACH: Final = 1.4  # polar window, in candidate radii
_SEARCH: Final = (0.7, 1.2)  # radii tried for the ring, in candidate radii
_WIDTHS: Final = (0.06, 0.1, 0.15)  # ring half-widths tried, in candidate radii
_STEP: Final = 3.0  # levels by which the ring differs from either side, at one angle
_AROUND: Final = 0.75  # share of directions in which the ring must stand out
_PERFECT: Final = 0.9  # a ring this complete needs no evidence inside
_INSIDE: Final = 0.8  # detail inside the ring against detail just outside it
_OUTLINE: Final = 0.7  # share of directions where the product's edge runs along the ring
_SAME: Final = 0.5  # candidates whose centres are closer than this many radii are one stamp
_IN_LINE: Final = 0.5  # a ring this much inside an OCR line is one of its letters


@dataclass(frozen=True)
class Ring:
    """A ring found on the working copy: centre, radius, half-width, how complete it is."""

    col: float
    row: float
    radius: float
    width: int
    share: float


def _polar(
    image: npt.NDArray[np.float32], col: float, row: float, reach: float
) -> npt.NDArray[np.float32]:
    """``image`` about ``(col, row)`` in polar form, its edge rows repeated past the border."""
    pad = int(reach) + 2
    x0, y0 = int(col) - pad, int(row) - pad
    rows, cols = image.shape[:2]
    window = image[max(0, y0) : max(0, y0 + 2 * pad + 1), max(0, x0) : max(0, x0 + 2 * pad + 1)]
    if window.size == 0:
        window = np.zeros((1, 1), np.float32)
    padded = cv2.copyMakeBorder(
        window,
        max(0, -y0),
        max(0, y0 + 2 * pad + 1 - rows),
        max(0, -x0),
        max(0, x0 + 2 * pad + 1 - cols),
        cv2.BORDER_REPLICATE,
    )
    bins = max(16, int(reach))
    centre = (col - x0, row - y0)
    polar = cv2.warpPolar(padded, (bins, _ANGLES), centre, reach, cv2.WARP_POLAR_LINEAR)
    return polar.astype(np.float32)


def ring_at(gray: npt.NDArray[np.float32], col: float, row: float, radius: float) -> Ring:
    """The most complete ring about ``(col, row)`` near ``radius`` (working-copy pixels).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> photo = rng.normal(150, 4, (300, 300)).astype(np.float32)
    >>> plain = photo.copy()
    >>> _ = cv2.circle(photo, (150, 150), 60, 200.0, 6)
    >>> ring_at(photo, 150, 150, 62).share >= 0.9, ring_at(plain, 150, 150, 62).share < 0.5
    (True, True)
    """
    reach = _REACH * radius
    polar = _polar(gray, col, row, reach)
    bins = polar.shape[1]
    lo, hi = int(bins * _SEARCH[0] / _REACH), int(bins * _SEARCH[1] / _REACH)
    best = Ring(col, row, radius, 0, 0.0)
    for width in sorted({max(2, round(f * radius)) for f in _WIDTHS}):
        if lo - width < 0 or hi + width > bins:
            continue
        ring, inner, outer = (
            polar[:, lo:hi],
            polar[:, lo - width : hi - width],
            polar[:, lo + width : hi + width],
        )
        brighter = ((ring - inner >= _STEP) & (ring - outer >= _STEP)).mean(axis=0)
        darker = ((inner - ring >= _STEP) & (outer - ring >= _STEP)).mean(axis=0)
        for shares in (brighter, darker):
            at = int(shares.argmax())
            if shares[at] > best.share:
                found = (lo + at) * reach / bins
                best = Ring(col, row, found, width, float(shares[at]))
    return best


def _detail(gray: npt.NDArray[np.float32], ring: Ring) -> float:
    """Fine detail inside the ring against that just outside it (90th percentiles)."""
    reach = _REACH * ring.radius
    x0, y0, x1, y1 = clip_box(
        (
            int(ring.col - reach),
            int(ring.row - reach),
            int(ring.col + reach) + 1,
            int(ring.row + reach) + 1,
        ),
        gray.shape[0],
        gray.shape[1],
    )
    window = gray[y0:y1, x0:x1]
    high = np.abs(window - cv2.GaussianBlur(window, (0, 0), max(2.0, ring.radius / 8.0)))
    rows, cols = np.ogrid[y0:y1, x0:x1]
    far = np.hypot(cols - ring.col, rows - ring.row)
    inside = high[far < ring.radius - 2 * ring.width]
    outside = high[(far > ring.radius + 2 * ring.width) & (far < reach)]
    if inside.size == 0:
        return 0.0
    around = float(np.percentile(outside, 90)) if outside.size else 0.0
    return float(np.percentile(inside, 90)) / max(around, 1.0)


def _outline(product: ProductMap, ring: Ring, scale: float) -> float:
    """Share of directions in which the product's edge lies on the ring (a round product)."""
    factor = product.scale / scale
    mask = product.mask.astype(np.float32)
    reach = _REACH * ring.radius * factor
    polar = _polar(mask, ring.col * factor, ring.row * factor, reach)
    bins = polar.shape[1]
    at = int(ring.radius * factor * bins / reach)
    band = max(2, round(2 * ring.width * factor)) + 2
    near = polar[:, max(0, at - band) : at + band + 1] > 0.5  # noqa: PLR2004
    return float((near.any(axis=1) & ~near.all(axis=1)).mean())


def _candidates(gray: npt.NDArray[np.uint8]) -> list[tuple[float, float, float]]:
    short = min(gray.shape)
    circles = cv2.HoughCircles(
        gray,
        cv2.HOUGH_GRADIENT_ALT,
        1.5,
        minDist=_SPACING * short,
        param1=_EDGE,
        param2=_ROUND,
        minRadius=int(_RADII[0] * short),
        maxRadius=int(_RADII[1] * short),
    )
    if circles is None:
        return []
    return [(float(c), float(r), float(s)) for c, r, s in circles[0]]


def find_logo_stamps(
    small: RgbImage, scale: float, product: ProductMap, text_boxes: list[Box] | None = None
) -> list[GuardFinding]:
    """Ringed logo stamps on the working copy ``small`` (``scale`` times the input).

    Rings lying inside one OCR line (a letter O of a word) are left to the text classifier.
    Boxes are in input pixels.

    Examples
    --------
    >>> photo = np.full((480, 640, 3), 235, np.uint8)
    >>> layer = photo.copy()
    >>> _ = cv2.circle(layer, (400, 200), 70, (40, 40, 40), 9)
    >>> _ = cv2.putText(layer, "AB", (350, 225), cv2.FONT_HERSHEY_SIMPLEX, 2.2, (40, 40, 40), 7)
    >>> stamped = cv2.addWeighted(photo, 0.6, layer, 0.4, 0)
    >>> product = ProductMap.from_alpha(np.zeros((480, 640), np.float32))
    >>> [f.box for f in find_logo_stamps(stamped, 1.0, product)]
    [(322, 123, 476, 276)]
    >>> find_logo_stamps(photo, 1.0, product)
    []
    """
    blurred: npt.NDArray[np.uint8] = cv2.GaussianBlur(
        cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (0, 0), _SMOOTH
    ).astype(np.uint8)
    gray = blurred.astype(np.float32)
    rings: list[Ring] = []
    for col, row, radius in _candidates(blurred):
        ring = ring_at(gray, col, row, radius)
        if ring.share < _AROUND:
            continue
        if ring.share < _PERFECT and _detail(gray, ring) < _INSIDE:
            continue
        if _outline(product, ring, scale) >= _OUTLINE:
            continue
        rings.append(ring)
    rings.sort(key=lambda r: -r.share)
    kept: list[Ring] = []
    for ring in rings:
        if all(np.hypot(ring.col - k.col, ring.row - k.row) > _SAME * k.radius for k in kept):
            kept.append(ring)
    rows, cols = round(small.shape[0] / scale), round(small.shape[1] / scale)
    findings = []
    for ring in kept:
        outer = (ring.radius + ring.width) / scale
        box = clip_box(
            (
                int(ring.col / scale - outer),
                int(ring.row / scale - outer),
                int(np.ceil(ring.col / scale + outer)),
                int(np.ceil(ring.row / scale + outer)),
            ),
            rows,
            cols,
        )
        if any(overlap(box, t) >= _IN_LINE for t in text_boxes or []):
            continue
        findings.append(
            make_finding(GuardClass.WATERMARK, box, round(0.9 * ring.share, 4), detector=DETECTOR)
        )
    return findings
