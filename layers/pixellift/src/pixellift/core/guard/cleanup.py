"""Remove overlays the guard found: edge-aware inpainting, feathered, checked, never on the product.

:func:`clean_overlays` takes a photo, the product's alpha and the guard's findings and returns a
cleaned copy. For every removable finding (overlay text, watermarks, badges, borders, insets,
and codes or contact details on the background) it builds a mask tightened to the mark's own
pixels, fills it from the backdrop around it (see :mod:`pixellift.core.guard.cleanup_fill`),
blends the fill in over a feathered edge, and keeps the repair only if the repaired pixels look
like their surroundings (see :mod:`pixellift.core.guard.cleanup_check`); otherwise the region
is rolled back to the original and the reason reported. Pixels under the product's alpha are
never changed unless ``protect_product`` is off. The input array is never modified.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict

from pixellift.core.errors import InvalidImageArrayError
from pixellift.core.guard.cleanup_check import RepairCheck, check_repair, ring_around
from pixellift.core.guard.cleanup_fill import (
    band_side,
    fill_region,
    frame_bands,
    mark_mask,
    mirror_band,
)
from pixellift.core.guard.findings import Box, GuardClass, GuardFinding
from pixellift.core.types import Alpha, Mask, RgbImage

REMOVABLE: Final = frozenset(
    {GuardClass.OVERLAY_TEXT, GuardClass.WATERMARK, GuardClass.BADGE, GuardClass.BORDER,
     GuardClass.INSET, GuardClass.QR_CODE, GuardClass.BARCODE, GuardClass.PHONE_NUMBER,
     GuardClass.URL, GuardClass.EMAIL}
)  # fmt: skip
"""Classes :func:`clean_overlays` removes; the rest (packaging text, people) are kept."""
BACKGROUND_ONLY: Final = frozenset(
    {GuardClass.QR_CODE, GuardClass.BARCODE, GuardClass.PHONE_NUMBER, GuardClass.URL,
     GuardClass.EMAIL}
)  # fmt: skip
"""Removed only when they lie on the background: on the product they are printed on it."""

_ON_PRODUCT: Final = 0.5
_RING_RANGE: Final = (8, 64)  # px of surroundings compared with a repair
_COVERED: Final = 0.8  # a box this much inside earlier repairs went with them
_LARGE: Final = 0.25  # boxes over this share of the image do not shield other rings
_RGB: Final = 3


class RepairStatus(StrEnum):
    """What happened to one finding."""

    CLEANED = "cleaned"
    ROLLED_BACK = "rolled_back"
    KEPT = "kept"


class RegionRepair(BaseModel):
    """The outcome for one finding, with the check's measures when a repair was tried."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    finding: GuardFinding
    status: RepairStatus
    reason: str = ""
    method: str = ""
    pixels: int = 0
    colour_delta: float | None = None
    texture_ratio: float | None = None
    seam_ratio: float | None = None


@dataclass(frozen=True)
class CleanResult:
    """A cleaned copy of the photo and what happened to each finding.

    Attributes
    ----------
    rgb
        The cleaned photo (a new array; equal to the input where nothing was kept).
    changed
        The pixels that differ from the input.
    repairs
        One entry per finding, in the order given.
    """

    rgb: RgbImage
    changed: Mask
    repairs: tuple[RegionRepair, ...]

    def with_status(self, status: RepairStatus) -> tuple[RegionRepair, ...]:
        """The repairs that ended with ``status``."""
        return tuple(r for r in self.repairs if r.status is status)


def _clip(box: Box, rows: int, cols: int, margin: int = 0) -> Box:
    x0, y0, x1, y1 = box
    return (
        max(0, x0 - margin),
        max(0, y0 - margin),
        min(cols, x1 + margin),
        min(rows, y1 + margin),
    )


def _shield(own: GuardFinding, findings: Sequence[GuardFinding], rows: int, cols: int) -> Mask:
    """The other removable findings' boxes, kept out of ``own``'s ring and donor patches.

    Boxes over a quarter of the photo (a tiled watermark) would shield everything; they are left
    out.
    """
    mask = np.zeros((rows, cols), bool)
    for other in findings:
        if other is own or other.cls not in REMOVABLE:
            continue
        x0, y0, x1, y1 = _clip(other.box, rows, cols)
        if (x1 - x0) * (y1 - y0) <= _LARGE * rows * cols:
            mask[y0:y1, x0:x1] = True
    return mask


def _feather(region: Mask, feather: int) -> tuple[Mask, np.ndarray]:
    """The region grown by ``feather`` px and a weight falling from 1 on it to 0 at that edge."""
    if feather <= 0:
        return region, region.astype(np.float32)
    outside = cv2.distanceTransform((~region).astype(np.uint8), cv2.DIST_L2, 3)
    weight = np.clip(1.0 - outside / (feather + 1.0), 0.0, 1.0).astype(np.float32)
    return weight > 0, weight


@dataclass(frozen=True)
class _Work:
    """The image being cleaned (changed in place) and what every repair shares."""

    out: RgbImage
    protected: Mask
    done: Mask
    feather: int
    spread: int


@dataclass(frozen=True)
class _Attempt:
    """One repair built and checked but not yet applied."""

    window: tuple[slice, slice]
    candidate: RgbImage
    touched: Mask
    method: str
    pixels: int
    check: RepairCheck


def _attempt(
    work: _Work, finding: GuardFinding, box: Box, shield: Mask, side: str | None
) -> _Attempt | str:
    """Build and check the repair of ``box``; the reason when none can be built."""
    out, protected, feather, spread = work.out, work.protected, work.feather, work.spread
    rows, cols = protected.shape
    area = (box[2] - box[0]) * (box[3] - box[1])
    ring_width = int(np.clip(math.sqrt(area) / 3, *_RING_RANGE))
    # a band is mirrored from as deep a strip of the photo inside it as it is thick
    depth = min(box[2] - box[0], box[3] - box[1]) if side else 0
    x0, y0, x1, y1 = _clip(box, rows, cols, feather + spread + ring_width + depth)
    window = (slice(y0, y1), slice(x0, x1))
    local = (box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0)
    keep = protected[window]
    large = area > _LARGE * rows * cols
    region = mark_mask(out[window], finding, local, keep, spread, large=large, origin=(x0, y0))
    if not region.any():
        return "on the product"
    if int(region.sum()) > _LARGE * rows * cols:
        return "too large to repair plausibly"
    reach, weight = _feather(region, feather)
    weight[keep] = 0.0
    if side is not None:
        fill, method = mirror_band(out[window], local, side), "mirror"
    else:
        fill, method = fill_region(out, window, reach, protected, protected | shield | work.done)
    w = weight[..., None]
    blend = out[window].astype(np.float32) * (1.0 - w) + fill * w
    candidate = np.clip(np.rint(blend), 0, 255).astype(np.uint8)
    ring = ring_around(reach, ring_width, keep | shield[window])
    check = check_repair(candidate, reach & (weight > 0), ring, keep)
    return _Attempt(window, candidate, weight > 0, method, int(region.sum()), check)


def _parts(work: _Work, finding: GuardFinding, box: Box) -> list[tuple[Box, str | None]]:
    """The regions one finding is repaired as: a frame's bands, or the box itself."""
    rows, cols = work.protected.shape
    if finding.cls is not GuardClass.BORDER:
        return [(box, None)]
    side = band_side(box, rows, cols)
    if side is not None:
        return [(box, side)]
    return [(band, band_side_of) for band_side_of, band in frame_bands(work.out, box).items()]


def _repair(work: _Work, finding: GuardFinding, shield: Mask) -> RegionRepair:
    """Try to remove one finding from ``work.out`` in place; report what happened.

    A frame is repaired band by band, each on the image the previous ones left; if any band
    fails its check, every band is put back.
    """
    rows, cols = work.protected.shape
    box = _clip(finding.box, rows, cols)
    if finding.cls not in REMOVABLE:
        return RegionRepair(finding=finding, status=RepairStatus.KEPT, reason="not removable")
    if box[2] <= box[0] or box[3] <= box[1]:
        return RegionRepair(finding=finding, status=RepairStatus.KEPT, reason="box outside image")
    inside = (slice(box[1], box[3]), slice(box[0], box[2]))
    if finding.cls in BACKGROUND_ONLY and float(work.protected[inside].mean()) >= _ON_PRODUCT:
        return RegionRepair(finding=finding, status=RepairStatus.KEPT, reason="on the product")
    if float(work.done[inside].mean()) >= _COVERED:
        return RegionRepair(
            finding=finding, status=RepairStatus.CLEANED, reason="inside an earlier repair"
        )
    parts = _parts(work, finding, box)
    if not parts:
        return RegionRepair(
            finding=finding, status=RepairStatus.ROLLED_BACK, reason="no frame edge found"
        )
    applied: list[tuple[tuple[slice, slice], RgbImage]] = []
    attempts: list[_Attempt] = []
    reason = ""
    for part, side in parts:
        attempt = _attempt(work, finding, part, shield, side)
        if isinstance(attempt, str) or not attempt.check.passed:
            reason = attempt if isinstance(attempt, str) else attempt.check.reason
            break
        applied.append((attempt.window, work.out[attempt.window].copy()))
        work.out[attempt.window] = attempt.candidate
        attempts.append(attempt)
    if reason == "on the product" and not attempts:
        return RegionRepair(finding=finding, status=RepairStatus.KEPT, reason=reason)
    if reason:
        for window, before in reversed(applied):
            work.out[window] = before
    else:
        for attempt in attempts:
            work.done[attempt.window] |= attempt.touched
    last = attempt if not isinstance(attempt, str) else None
    return RegionRepair(
        finding=finding,
        status=RepairStatus.ROLLED_BACK if reason else RepairStatus.CLEANED,
        reason=reason,
        method="+".join(dict.fromkeys(a.method for a in attempts)) or (last.method if last else ""),
        pixels=sum(a.pixels for a in attempts) + (last.pixels if last and reason else 0),
        colour_delta=last.check.colour_delta if last else None,
        texture_ratio=last.check.texture_ratio if last else None,
        seam_ratio=last.check.seam_ratio if last else None,
    )


def clean_overlays(
    rgb: RgbImage,
    alpha: Alpha | Mask,
    findings: Sequence[GuardFinding],
    *,
    protect_product: bool = True,
    feather: int = 3,
    spread: int = 3,
) -> CleanResult:
    """Remove the removable findings from a copy of ``rgb``.

    Parameters
    ----------
    rgb
        ``(rows, cols, 3)`` uint8 photo; never modified.
    alpha
        The product's alpha (float in 0..1) or mask at the photo's size.
    findings
        What the guard found; classes outside :data:`REMOVABLE` are kept and reported so.
    protect_product
        Leave every pixel with non-zero alpha exactly as it is (the default). Off, marks over
        the product are repaired as well.
    feather
        Width in pixels of the blend between the repair and the photo around it.
    spread
        Pixels the mark's mask is grown by, to take its anti-aliased fringe and any glow.

    Returns
    -------
    CleanResult
        The cleaned copy, the changed pixels, and per finding cleaned / rolled back / kept.

    Raises
    ------
    InvalidImageArrayError
        If ``rgb`` is not RGB uint8 or ``alpha`` is not of the photo's size.

    Examples
    --------
    >>> photo = np.full((200, 300, 3), 240, np.uint8)
    >>> photo[80:100, 20:120:6] = 30
    >>> alpha = np.zeros((200, 300), np.float32)
    >>> alpha[60:160, 180:260] = 1.0
    >>> text = GuardFinding.model_validate(
    ...     {"class": "overlay_text", "box": (15, 75, 125, 105), "confidence": 0.9})
    >>> result = clean_overlays(photo, alpha, [text])
    >>> [r.status.value for r in result.repairs], int(result.rgb.min()) > 230, int(photo.min())
    (['cleaned'], True, 30)
    """
    if rgb.ndim != _RGB or rgb.shape[2] != _RGB or rgb.dtype != np.uint8:
        msg = f"clean_overlays needs an RGB uint8 photo, got {rgb.dtype} {rgb.shape}"
        raise InvalidImageArrayError(msg)
    if alpha.shape != rgb.shape[:2]:
        msg = f"alpha {alpha.shape} does not match the photo {rgb.shape[:2]}"
        raise InvalidImageArrayError(msg)
    rows, cols = alpha.shape
    protected = alpha > 0 if protect_product else np.zeros((rows, cols), bool)
    work = _Work(rgb.copy(), protected, np.zeros((rows, cols), bool), feather, spread)
    order = sorted(range(len(findings)), key=lambda i: findings[i].cls is not GuardClass.BORDER)
    repairs: dict[int, RegionRepair] = {}
    for i in order:
        repairs[i] = _repair(work, findings[i], _shield(findings[i], findings, rows, cols))
    changed = np.any(work.out != rgb, axis=2)
    return CleanResult(
        rgb=work.out, changed=changed, repairs=tuple(repairs[i] for i in range(len(findings)))
    )
