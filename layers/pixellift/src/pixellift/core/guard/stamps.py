"""Seal-like stamps: a few letters inside a ring, the usual shape of a logo watermark.

A photographer's or shop's logo is often a circle with initials in it, laid semi-transparently
over the photo. OCR reads the initials as a short line; the ring around them is what tells a
stamp from a caption. :func:`ringed` looks for it in polar coordinates about the line's centre:
a ring is a radius at which, all the way round, the photo is brighter (or darker) than just
inside and just outside it, which texture and a backdrop's edges are not.
"""

from __future__ import annotations

from typing import Final

import cv2
import numpy as np

from pixellift.core.guard.findings import Box
from pixellift.core.guard.regions import clip_box
from pixellift.core.types import RgbImage

_RADII: Final = (0.9, 3.2)  # ring radius searched, in line heights
_BINS: Final = 96  # radial samples over the outer radius
_ANGLES: Final = 90
_STEP: Final = 3.0  # levels by which the ring differs from either side, at one angle
_AROUND: Final = 0.8  # share of angles that must agree for a ring
_WIDTHS: Final = (2, 4, 7)  # ring half-widths tried, in radial samples


def ring_share(rgb: RgbImage, box: Box) -> float:
    """The largest share of directions in which one radius about ``box``'s centre stands out.

    Examples
    --------
    >>> import cv2
    >>> rng = np.random.default_rng(0)
    >>> photo = rng.integers(100, 160, (300, 300, 3)).astype(np.uint8)
    >>> plain = photo.copy()
    >>> _ = cv2.circle(photo, (150, 150), 70, (235, 235, 235), 6)
    >>> box = (130, 135, 170, 165)
    >>> ring_share(photo, box) >= 0.8, ring_share(plain, box) < 0.5
    (True, True)
    """
    rows, cols = rgb.shape[:2]
    x0, y0, x1, y1 = box
    height = max(1, y1 - y0)
    reach = _RADII[1] * height
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    wx0, wy0, wx1, wy1 = clip_box(
        (int(cx - reach) - 1, int(cy - reach) - 1, int(cx + reach) + 2, int(cy + reach) + 2),
        rows,
        cols,
    )
    if wx1 - wx0 < 8 or wy1 - wy0 < 8:  # noqa: PLR2004
        return 0.0
    gray = cv2.cvtColor(np.ascontiguousarray(rgb[wy0:wy1, wx0:wx1]), cv2.COLOR_RGB2GRAY)
    polar = cv2.warpPolar(
        gray, (_BINS, _ANGLES), (cx - wx0, cy - wy0), reach, cv2.WARP_POLAR_LINEAR
    ).astype(np.float32)
    first = int(_BINS * _RADII[0] / _RADII[1])
    best = 0.0
    for width in _WIDTHS:
        inner, ring, outer = (
            polar[:, first - width : _BINS - 2 * width],
            polar[:, first : _BINS - width],
            polar[:, first + width : _BINS],
        )
        size = min(inner.shape[1], ring.shape[1], outer.shape[1])
        if size <= 0:
            continue
        inner, ring, outer = inner[:, :size], ring[:, :size], outer[:, :size]
        brighter = ((ring - inner >= _STEP) & (ring - outer >= _STEP)).mean(axis=0)
        darker = ((inner - ring >= _STEP) & (outer - ring >= _STEP)).mean(axis=0)
        best = max(best, float(brighter.max()), float(darker.max()))
    return best


def ringed(rgb: RgbImage, box: Box) -> bool:
    """Whether a ring runs round the line in ``box`` (a stamp's outline)."""
    return ring_share(rgb, box) >= _AROUND
