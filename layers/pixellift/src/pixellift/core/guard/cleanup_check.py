"""Does a repaired region look like its surroundings? The check behind cleanup's rollback.

A repair passes when the repaired pixels match a ring of untouched pixels around them in mean
colour (within a tolerance that grows with how varied the ring is), in texture (gradient energy
neither much lower, as when a fill smears over a patterned surface, nor much higher, as when it
leaves artefacts), and when the edge of the repair carries no seam stronger than the ring's own
detail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.types import Mask, RgbImage

F32 = npt.NDArray[np.float32]

_COLOUR_TOLERANCE: Final = 14.0  # RGB distance between mean colours accepted on a flat ring
_COLOUR_SPREAD: Final = 0.5  # plus this share of the ring's own colour spread
_FLAT_GRADIENT: Final = 8.0  # gradient energy of sensor noise; damps ratios on flat areas
_TEXTURE_RANGE: Final = (0.6, 2.5)
_SEAM_MAX: Final = 2.5
_MIN_RING: Final = 50  # pixels
_EDGE_BAND: Final = 6  # px each side of the repair's edge compared per direction
_SECTORS: Final = 8
_MIN_SECTOR: Final = 20  # pixels
_SECTOR_SHARE: Final = 0.05  # of the edge band; smaller sectors say too little to judge
_EDGE_TOLERANCE: Final = 24.0
_DEEP: Final = 40.0  # px from the hole's edge: deeper holes need one backdrop all round
_VARIETY: Final = 50.0  # RGB distance between the ring's directions that makes two backdrops
_SEAM_WIDTH: Final = 2
_CORE_EROSION: Final = 2


@dataclass(frozen=True)
class RepairCheck:
    """How a repaired region compares with the ring around it.

    Attributes
    ----------
    passed
        Whether the repair is kept.
    reason
        Why it failed (empty when it passed).
    colour_delta
        RGB distance between the mean colours of the region and the ring.
    texture_ratio
        Gradient energy of the region over that of the ring (both damped by sensor noise).
    seam_ratio
        Gradient energy along the region's edge over that of the ring.
    """

    passed: bool
    reason: str
    colour_delta: float
    texture_ratio: float
    seam_ratio: float


def _disc(radius: int) -> npt.NDArray[np.uint8]:
    size = 2 * radius + 1
    return np.asarray(cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)), np.uint8)


def grow(mask: Mask, radius: int) -> Mask:
    """``mask`` dilated by a disc of ``radius`` pixels (unchanged when ``radius`` is 0).

    Examples
    --------
    >>> m = np.zeros((5, 5), bool)
    >>> m[2, 2] = True
    >>> int(grow(m, 1).sum())
    5
    """
    if radius <= 0:
        return mask.copy()
    return cv2.dilate(mask.astype(np.uint8), _disc(radius)) > 0


def ring_around(region: Mask, width: int, exclude: Mask) -> Mask:
    """Pixels within ``width`` of ``region``, outside it and outside ``exclude``.

    Examples
    --------
    >>> region = np.zeros((9, 9), bool)
    >>> region[4, 4] = True
    >>> int(ring_around(region, 2, np.zeros_like(region)).sum())
    16
    """
    return grow(region, width) & ~region & ~exclude


def gradient_energy(rgb: RgbImage) -> F32:
    """Per-pixel gradient magnitude of the luminance (Sobel, 3 x 3).

    Examples
    --------
    >>> step = np.zeros((5, 6, 3), np.uint8)
    >>> step[:, 3:] = 100
    >>> gradient_energy(step)[2].round().tolist()
    [0.0, 0.0, 400.0, 400.0, 0.0, 0.0]
    """
    luma = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gx = cv2.Sobel(luma, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(luma, cv2.CV_32F, 0, 1, ksize=3)
    return np.asarray(cv2.magnitude(gx, gy), np.float32)


def _sectors(region: Mask) -> npt.NDArray[np.int32]:
    """Each pixel's direction from the region's centre, as one of :data:`_SECTORS` sectors."""
    rows, cols = np.nonzero(region)
    grid_r, grid_c = np.indices(region.shape, dtype=np.float32)
    angle = np.arctan2(grid_r - float(rows.mean()), grid_c - float(cols.mean()))
    sectors = ((angle + np.pi) / (2 * np.pi) * _SECTORS).astype(np.int32) % _SECTORS
    return np.asarray(sectors, np.int32)


def ring_variety(repaired: RgbImage, region: Mask, ring: Mask) -> float:
    """Largest RGB distance between the ring's mean colours in different directions.

    A ring that is one backdrop all round (a wall, a paper sweep) scores low; one that spans a
    horizon or a table's edge scores high, and no single fill makes a deep hole there look right.

    Examples
    --------
    >>> window = np.full((40, 40, 3), 200, np.uint8)
    >>> window[:20] = 90
    >>> region = np.zeros((40, 40), bool)
    >>> region[10:30, 10:30] = True
    >>> ring = ring_around(region, 8, np.zeros_like(region))
    >>> round(ring_variety(window, region, ring))
    191
    """
    sector = _sectors(region)
    pixels = repaired.astype(np.float32)
    least = max(_MIN_SECTOR, _SECTOR_SHARE * int(ring.sum()))
    means = [
        pixels[ring & (sector == k)].mean(axis=0)
        for k in range(_SECTORS)
        if int((ring & (sector == k)).sum()) >= least
    ]
    if len(means) < 2:  # noqa: PLR2004
        return 0.0
    stacked = np.stack(means)
    return float(np.linalg.norm(stacked[:, None] - stacked[None, :], axis=2).max())


def edge_break(repaired: RgbImage, region: Mask, ring: Mask, ignore: Mask | None = None) -> float:
    """Largest colour step across the region's edge, per direction, beyond what the ring allows.

    The edge is cut into sectors by direction from the region's centre; in each, the mean colour
    of the region's outer band is compared with that of the ring just outside, and the step is
    reduced by the tolerance that sector's spread allows. A positive result is a break.

    Examples
    --------
    >>> window = np.full((60, 60, 3), 150, np.uint8)
    >>> region = np.zeros((60, 60), bool)
    >>> region[20:40, 20:40] = True
    >>> ring = ring_around(region, 10, np.zeros_like(region))
    >>> edge_break(window, region, ring) < 0
    True
    >>> window[20:40, 20:40] = 60
    >>> edge_break(window, region, ring) > 0
    True
    """
    band = region & ~(cv2.erode(region.astype(np.uint8), _disc(_EDGE_BAND)) > 0)
    if ignore is not None:
        band &= ~grow(ignore, 2 * _EDGE_BAND)
    outside = ring & grow(region, _EDGE_BAND)
    sector = _sectors(region)
    pixels = repaired.astype(np.float32)
    worst = -np.inf
    least = max(_MIN_SECTOR, _SECTOR_SHARE * int(band.sum()))
    for k in range(_SECTORS):
        inner, outer = band & (sector == k), outside & (sector == k)
        if int(inner.sum()) < least or int(outer.sum()) < least:
            continue
        step = float(np.linalg.norm(pixels[inner].mean(axis=0) - pixels[outer].mean(axis=0)))
        spread = float(np.linalg.norm(pixels[outer].std(axis=0)))
        worst = max(worst, step - (_EDGE_TOLERANCE + _COLOUR_SPREAD * spread))
    return float(worst) if np.isfinite(worst) else 0.0


def check_repair(
    repaired: RgbImage, region: Mask, ring: Mask, ignore: Mask | None = None
) -> RepairCheck:
    """Compare the repaired ``region`` of ``repaired`` with the untouched ``ring`` around it.

    Parameters
    ----------
    repaired
        ``(rows, cols, 3)`` uint8 window of the image after the repair.
    region
        The pixels the repair changed (or may have changed).
    ring
        Untouched pixels around the region to compare with.
    ignore
        Pixels whose edge with the region is not a seam of the repair's making (the protected
        product, which may still carry part of the mark).

    Returns
    -------
    RepairCheck
        The measures, and whether they are all within bounds.

    Examples
    --------
    >>> rng = np.random.default_rng(0)  # fixed seed: sensor-like noise only
    >>> window = np.clip(rng.normal(200, 3, (60, 60, 3)), 0, 255).astype(np.uint8)
    >>> region = np.zeros((60, 60), bool)
    >>> region[20:40, 20:40] = True
    >>> ring = ring_around(region, 10, np.zeros_like(region))
    >>> check_repair(window, region, ring).passed
    True
    >>> window[region] = 120
    >>> check_repair(window, region, ring).reason
    'colour differs from the surroundings (138 > 17)'
    """
    if int(ring.sum()) < _MIN_RING or not region.any():
        return RepairCheck(False, "no untouched surroundings to compare with", 0.0, 0.0, 0.0)
    pixels = repaired.astype(np.float32)
    ring_px = pixels[ring]
    delta = float(np.linalg.norm(pixels[region].mean(axis=0) - ring_px.mean(axis=0)))
    tolerance = _COLOUR_TOLERANCE + _COLOUR_SPREAD * float(np.linalg.norm(ring_px.std(axis=0)))
    energy = gradient_energy(repaired)
    core = cv2.erode(region.astype(np.uint8), _disc(_CORE_EROSION)) > 0
    inner = core if core.any() else region
    ring_energy = float(energy[ring].mean()) + _FLAT_GRADIENT
    texture = (float(energy[inner].mean()) + _FLAT_GRADIENT) / ring_energy
    edge = grow(region, _SEAM_WIDTH) & ~core
    if ignore is not None:
        edge &= ~grow(ignore, 2 * _SEAM_WIDTH)
    if not edge.any():
        edge = region
    seam = (float(energy[edge].mean()) + _FLAT_GRADIENT) / ring_energy
    depth = float(cv2.distanceTransform(region.astype(np.uint8), cv2.DIST_L2, 3).max())
    reason = ""
    if delta > tolerance:
        reason = f"colour differs from the surroundings ({delta:.0f} > {tolerance:.0f})"
    elif texture < _TEXTURE_RANGE[0]:
        reason = f"smoother than the surroundings (texture ratio {texture:.2f})"
    elif texture > _TEXTURE_RANGE[1]:
        reason = f"busier than the surroundings (texture ratio {texture:.2f})"
    elif seam > _SEAM_MAX:
        reason = f"visible seam at the repair's edge (seam ratio {seam:.2f})"
    elif (step := edge_break(repaired, region, ring, ignore)) > 0:
        reason = f"colour breaks at the repair's edge ({step:.0f} over tolerance)"
    elif depth > _DEEP and (variety := ring_variety(repaired, region, ring)) > _VARIETY:
        reason = f"surroundings too varied ({variety:.0f}) to fill a hole {depth:.0f} px deep"
    return RepairCheck(not reason, reason, round(delta, 2), round(texture, 3), round(seam, 3))
