"""Adaptive trimaps: an unknown band that is tight on hard edges and wide on hair and fur.

A coarse probability map (a segmentation model's output upsampled to the photo, or a classical
segmenter's mask) says roughly where the product ends. The trimap marks what it can trust:
certain background (0), certain foreground (255) and an unknown band (128) around the contour
where the alpha solver decides. How wide that band is matters: a band narrower than the coarse
map's error cuts hair off, a band much wider than needed lets the solver invent transparency
on a clean product edge. So the band width is chosen per pixel from an edge complexity map.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, TypeAlias

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.types import Alpha, Mask, RgbImage

FloatMap: TypeAlias = npt.NDArray[np.float32]
"""``(rows, cols)`` float32 map."""

Trimap: TypeAlias = npt.NDArray[np.uint8]
"""``(rows, cols)`` uint8 holding only ``BACKGROUND``, ``UNKNOWN`` and ``FOREGROUND``."""

BACKGROUND: Final = 0
UNKNOWN: Final = 128
FOREGROUND: Final = 255

CONTOUR: Final = 0.5  # the coarse map's level that separates product from backdrop

# A coarse value inside (SOFT_LOW, SOFT_HIGH) counts as "the model was unsure here".
SOFT_LOW: Final = 0.05
SOFT_HIGH: Final = 0.95
# Complexity from which an edge is treated as hair rather than a blurred hard edge.
COMPLEX: Final = 0.3
# Canny thresholds on 8-bit luminance: low enough for blond hair on white, high enough that
# JPEG noise on a plain background does not count as texture.
_CANNY_LOW: Final = 20
_CANNY_HIGH: Final = 50
# Image edge pixels just outside the contour per contour pixel, above what the background
# further out would give: a hard edge adds about one (itself), hair adds two per strand crossing.
_STRANDS_START: Final = 1.5
_STRANDS_FULL: Final = 5.0
_REDUCE_FROM: Final = 256  # photos at least this size get their edge statistics at half size
_SEEN: Final = 1e-3  # a window with less of a ring than this has not seen that ring
_TINY: Final = 1e-6


def contour_distance(coarse: Alpha) -> FloatMap:
    """Distance in pixels from each pixel to the coarse map's 0.5 contour.

    Pixels on either side of the contour next to it get 0.5; a map without any contour gets a
    large constant.

    Parameters
    ----------
    coarse
        Coarse foreground probability, float32 in ``[0, 1]``.

    Returns
    -------
    FloatMap
        Non-negative float32 distances, same shape as ``coarse``.

    Examples
    --------
    >>> coarse = np.array([[0, 0, 0, 1, 1, 1]], dtype=np.float32)
    >>> contour_distance(coarse).round(1).tolist()
    [[2.5, 1.5, 0.5, 0.5, 1.5, 2.5]]
    """
    solid = (coarse >= CONTOUR).astype(np.uint8)
    if solid.all() or not solid.any():
        return np.full(coarse.shape, np.float32(max(coarse.shape) * 2), dtype=np.float32)
    d_in = cv2.distanceTransform(solid, cv2.DIST_L2, 5)
    d_out = cv2.distanceTransform(1 - solid, cv2.DIST_L2, 5)
    return (np.where(solid == 1, d_in, d_out) - 0.5).astype(np.float32)


def build_trimap(coarse: Alpha, band_px: float | FloatMap, *, unsure: Mask | None = None) -> Trimap:
    """Split a coarse map into certain background, certain foreground and an unknown band.

    Parameters
    ----------
    coarse
        Coarse foreground probability, float32 in ``[0, 1]``; 0.5 is the contour.
    band_px
        Half-width of the unknown band in pixels, either one value or a per-pixel map (wide
        where the edge is complex). A pixel is unknown when its distance to the contour is
        below the band half-width at that pixel, unless it lies on the middle line of a part
        thinner than the band (a chain, a strap, a gap): those stay known, so that every part
        keeps some certain pixels to solve from.
    unsure
        Extra pixels to mark unknown whatever their distance (where the coarse map hesitates,
        see :func:`unsure_zone`); the middle lines of thin parts stay known here too.

    Returns
    -------
    Trimap
        uint8 with ``0`` background, ``128`` unknown, ``255`` foreground.

    Examples
    --------
    >>> coarse = np.array([[0, 0, 0, 0.4, 0.7, 1, 1, 1]], dtype=np.float32)
    >>> build_trimap(coarse, 1.0).tolist()
    [[0, 0, 0, 128, 128, 255, 255, 255]]
    >>> build_trimap(coarse, 2.0).tolist()
    [[0, 0, 128, 128, 128, 128, 255, 255]]
    """
    solid = coarse >= CONTOUR
    trimap = np.where(solid, np.uint8(FOREGROUND), np.uint8(BACKGROUND)).astype(np.uint8)
    distance = contour_distance(coarse)
    band = np.asarray(band_px, dtype=np.float32)
    reach = 2 * int(np.ceil(float(band.max()))) + 1 if band.size else 1
    ridge = np.zeros(coarse.shape, bool)
    for side in (solid, ~solid):
        depth = np.where(side, distance, np.float32(0.0))
        deepest = cv2.dilate(depth, np.ones((reach, reach), np.uint8))
        ridge |= side & (depth >= deepest)
    within = distance < band
    ridge &= within  # only parts thinner than the band need their middle kept
    unknown = within if unsure is None else within | unsure
    trimap[unknown & ~ridge] = UNKNOWN
    return trimap


def unsure_zone(coarse: Alpha, complexity: FloatMap, *, reach_px: float) -> Mask:
    """Pixels where the coarse map hesitates (soft values) near the contour or complex edges.

    A segmentation model returns soft values where it is unsure: a few pixels of blur on a
    hard edge, a wide plateau of 0.7-0.9 over hair or fur, a haze over a thin chain. Those
    pixels need solving, not trusting, even where they reach deeper than the band.

    Parameters
    ----------
    coarse
        Coarse foreground probability.
    complexity
        Edge complexity (from :func:`edge_cues`); soft pixels within ``reach_px`` of a complex
        edge (above ``COMPLEX``) count whatever their distance to the contour.
    reach_px
        How far from the contour, or from a complex edge, soft pixels count.

    Returns
    -------
    Mask

    Examples
    --------
    >>> coarse = np.array([[0.0, 0.3, 0.8, 1.0, 1.0, 0.8]], np.float32)
    >>> complexity = np.zeros_like(coarse)
    >>> unsure_zone(coarse, complexity, reach_px=2).tolist()
    [[False, True, True, False, False, False]]
    >>> complexity[0, 3] = 1.0
    >>> unsure_zone(coarse, complexity, reach_px=2).tolist()
    [[False, True, True, False, False, True]]
    """
    soft = (coarse > SOFT_LOW) & (coarse < SOFT_HIGH)
    near = contour_distance(coarse) < reach_px
    complex_edges = (complexity >= COMPLEX).astype(np.uint8)
    if complex_edges.any():
        size = 2 * max(1, round(reach_px)) + 1
        near |= cv2.dilate(complex_edges, np.ones((size, size), np.uint8)) > 0
    return np.asarray(soft & near, dtype=bool)


@dataclass(frozen=True)
class EdgeCues:
    """The two measurements behind edge complexity, each float32 in ``[0, 1]``.

    Attributes
    ----------
    width
        How wide the coarse map's soft transition is: 0 at ``hard_px`` half-width or less,
        1 at ``soft_px`` or more. A blurred hard edge and hair both score here.
    strands
        How many fine image edges (strands) lie along the contour beyond what the texture
        away from it explains. Only hair and fur score here.
    """

    width: FloatMap
    strands: FloatMap

    @property
    def complexity(self) -> FloatMap:
        """The larger of the two cues."""
        return np.maximum(self.width, self.strands)


def edge_cues(
    rgb: RgbImage, coarse: Alpha, *, hard_px: float = 2.0, soft_px: float = 16.0
) -> EdgeCues:
    """Measure both edge cues in windows of radius ``soft_px`` around every pixel.

    Parameters
    ----------
    rgb
        The photo, uint8 ``(rows, cols, 3)``.
    coarse
        Coarse foreground probability at the same size.
    hard_px, soft_px
        Band half-widths that a cue of 0 and 1 stand for; ``soft_px`` is also the window.

    Returns
    -------
    EdgeCues
        Both cues; pixels farther than ``soft_px`` from the contour score 0.
        :func:`edge_complexity_map` explains them.

    Examples
    --------
    A square whose coarse map fades over 10 pixels, on a photo without any strands:

    >>> coarse = np.clip((24 - np.abs(np.arange(64) - 32)) / 10, 0, 1).astype(np.float32)
    >>> coarse = np.minimum.outer(coarse, coarse)
    >>> cues = edge_cues(np.full((64, 64, 3), 90, np.uint8), coarse, soft_px=8)
    >>> bool(cues.width.max() > 0.4), float(cues.strands.max())
    (True, 0.0)
    """
    rows, cols = coarse.shape
    solid = coarse >= CONTOUR
    luma = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    # Indicators are found at full size (strands are a pixel wide), but every statistic is a
    # density over a window, so it is gathered on a grid half as fine, four times cheaper.
    factor = 2 if min(rows, cols) >= _REDUCE_FROM else 1
    contour = _reduce((solid & ~_erode(solid)).astype(np.float32), factor)
    soft = _reduce(((coarse > SOFT_LOW) & (coarse < SOFT_HIGH)).astype(np.float32), factor)
    edges = cv2.Canny(luma, _CANNY_LOW, _CANNY_HIGH, L2gradient=True)
    edges_r = _reduce((edges > 0).astype(np.float32), factor)
    coarse_r = _reduce(coarse, factor)
    radius = soft_px / factor
    window = 2 * max(1, round(radius)) + 1

    contour_density = _box(contour, window)
    near = contour_density > 0
    half_width = 0.5 * _box(soft, window) / np.maximum(contour_density, 1e-6)
    width = np.clip((half_width - hard_px) / max(soft_px - hard_px, 1e-6), 0.0, 1.0)
    strands = _strand_score(edges_r, coarse_r, contour_density, radius, window)
    # A second, smaller box pass rounds off the square footprint of the first.
    smooth = (window // 2) | 1
    maps = []
    for cue in (width, strands):
        smoothed = np.where(near, _box(np.where(near, cue, 0.0).astype(np.float32), smooth), 0.0)
        if factor > 1:
            smoothed = cv2.resize(
                smoothed.astype(np.float32), (cols, rows), interpolation=cv2.INTER_LINEAR
            )
        maps.append(np.clip(smoothed, 0.0, 1.0).astype(np.float32))
    return EdgeCues(width=maps[0], strands=maps[1])


def edge_complexity_map(
    rgb: RgbImage, coarse: Alpha, *, hard_px: float = 2.0, soft_px: float = 16.0
) -> FloatMap:
    """Per-pixel edge complexity near the contour: 0 for a hard edge, 1 for hair or fur.

    Two cues, each measured in a window of radius ``soft_px`` around every pixel
    (:class:`EdgeCues`):

    * how wide the coarse map's soft transition is (soft pixels per contour pixel): a model
      is unsure over a wide strip where hair thins out, and only over its own blur on a hard
      edge. A half-width of ``hard_px`` or less scores 0, ``soft_px`` or more scores 1;
    * how many fine image edges (strands) lie along the contour, above the density of edges
      deeper inside and further outside (so a patterned product or a textured backdrop is not
      taken for hair).

    The larger cue wins. Pixels farther than ``soft_px`` from any contour score 0.

    Parameters
    ----------
    rgb
        The photo, uint8 ``(rows, cols, 3)``.
    coarse
        Coarse foreground probability at the same size.
    hard_px, soft_px
        Band half-widths that complexity 0 and 1 stand for.

    Returns
    -------
    FloatMap
        float32 in ``[0, 1]``, same rows and columns as ``coarse``.

    Examples
    --------
    >>> rgb = np.zeros((32, 32, 3), np.uint8)
    >>> coarse = np.zeros((32, 32), np.float32)
    >>> coarse[8:24, 8:24] = 1.0
    >>> rgb[8:24, 8:24] = 200
    >>> round(float(edge_complexity_map(rgb, coarse, soft_px=8).max()), 1)
    0.0
    """
    return edge_cues(rgb, coarse, hard_px=hard_px, soft_px=soft_px).complexity


def _strand_score(
    edges: FloatMap,
    coarse: Alpha,
    contour_density: FloatMap,
    radius: float,
    window: int,
) -> FloatMap:
    """Fine image edges near the contour, per contour pixel, above what texture away from it gives.

    Hair and fur put many strand edges in a strip along the contour; a patterned product or a
    textured backdrop puts them everywhere, so the density of edges deeper inside and further
    outside (the reference) is subtracted.
    """
    distance = contour_distance(coarse)
    inside = coarse >= CONTOUR
    near = (distance <= radius).astype(np.float32)
    far_window = 3 * window
    expected = np.zeros_like(distance)
    for side in (inside, ~inside):
        ring_near = near * side
        ring_far = ((distance > 1.5 * radius) & (distance <= 3.0 * radius) & side).astype(
            np.float32
        )
        far_count = _box(ring_far, far_window)
        # Where that side shows no far ring (the product fills the frame), assume it is plain.
        seen = far_count > _SEEN
        far_density = np.where(seen, _box(edges * ring_far, far_window) / (far_count + _TINY), 0.0)
        expected += far_density * _box(ring_near, window)
    excess = _box(edges * near, window) - expected
    per_contour = excess / np.maximum(contour_density, 1e-6)
    span = _STRANDS_FULL - _STRANDS_START
    return np.clip((per_contour - _STRANDS_START) / span, 0.0, 1.0).astype(np.float32)


def _reduce(image: FloatMap, factor: int) -> FloatMap:
    if factor == 1:
        return image.astype(np.float32)
    rows, cols = image.shape
    size = (max(1, cols // factor), max(1, rows // factor))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.float32)


def _erode(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    kernel = np.ones((3, 3), np.uint8)
    eroded = cv2.erode(mask.astype(np.uint8), kernel, borderType=cv2.BORDER_REPLICATE)
    return eroded.astype(bool)


def _box(image: FloatMap, size: int) -> FloatMap:
    out = cv2.boxFilter(image, cv2.CV_32F, (size, size), borderType=cv2.BORDER_REFLECT)
    return np.asarray(out, dtype=np.float32)
