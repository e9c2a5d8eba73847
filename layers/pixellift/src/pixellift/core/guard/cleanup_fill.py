"""Masks and fills for :func:`pixellift.core.guard.cleanup.clean_overlays`.

A mark's mask is tightened to its own pixels where it is text (strokes are what differs from
the backdrop the box's surroundings predict); badges, insets, codes and border bands are
removed whole. Fills are edge-aware: thin masks take OpenCV's Telea inpainting at full size;
wide ones take a smooth inpainting at a reduced size (which carries the backdrop's colour and
light across) plus the fine texture of a mirrored neighbouring patch, so a repaired patch of
brick or wood is not a blur; border bands are mirrored from the photo just inside them.
"""

from __future__ import annotations

from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.guard.cleanup_check import grow
from pixellift.core.guard.findings import Box, GuardClass, GuardFinding
from pixellift.core.types import Mask, RgbImage

F32 = npt.NDArray[np.float32]
Slices = tuple[slice, slice]

TEXT_LIKE: Final = frozenset(
    {GuardClass.OVERLAY_TEXT, GuardClass.WATERMARK, GuardClass.PHONE_NUMBER, GuardClass.URL,
     GuardClass.EMAIL}
)  # fmt: skip
_MIN_CONTRAST: Final = 18.0  # stroke pixels differ from the predicted backdrop by at least this
_RING_QUANTILE: Final = 0.99  # ... and by more than nearly all of the untouched ring does
_FULL_SHARE: Final = 0.6  # strokes covering more of the box than this: take the whole box
_MIN_SHARE: Final = 0.005  # strokes covering less: not separable, take the whole box
_SMALL_SIDE: Final = 192  # smooth estimates are computed at about this size
_MEDIAN: Final = 5
_MIN_SURROUNDINGS: Final = 0.1  # ring pixels per region pixel needed to predict the backdrop
_THIN: Final = 6.0  # px from the mask's edge: deeper masks get texture added
_TELEA_RADIUS: Final = 5
_DETAIL_SIGMA: Final = 3.0
_DETAIL_SHARE: Final = 0.25  # donor detail kept up to this share of the hole's short side
_DONOR_DIRTY: Final = 0.02  # a donor patch may hold at most this share of product or marks
_PATCH: Final = 160  # px, largest donor patch side
_REACH: Final = 2  # donor patches are looked for within this many hole sizes
_NEARNESS: Final = 12.0  # colour distance (RGB) worth one reach of distance
_BAND_ASPECT: Final = 4
_FRAME_MAX: Final = 0.15  # a frame is at most this share of a side deep
_EVERY: Final = 4  # a frame's lines are sampled every few pixels
_STEP_MIN: Final = 10.0  # RGB distance between neighbouring lines' medians that is a step
_STEP_FACTOR: Final = 4.0  # ... and this many times the strip's typical change
_SAME_DEPTH: Final = 2


def box_mask(shape: tuple[int, int], box: Box, polygon: tuple[tuple[int, int], ...] | None) -> Mask:
    """The box (or the polygon, if given) as a mask of ``shape``, in window coordinates.

    Examples
    --------
    >>> int(box_mask((4, 6), (1, 1, 4, 3), None).sum())
    6
    >>> int(box_mask((4, 6), (0, 0, 6, 4), ((0, 0), (3, 0), (0, 3))).sum())
    10
    """
    mask = np.zeros(shape, np.uint8)
    if polygon:
        cv2.fillPoly(mask, [np.asarray(polygon, np.int32)], 1)
    else:
        x0, y0, x1, y1 = box
        mask[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = 1
    return mask > 0


def smooth_fill(rgb: RgbImage, unknown: Mask) -> F32:
    """A smooth estimate of ``rgb`` under ``unknown`` from the pixels around it (reduced size).

    Examples
    --------
    >>> ramp = np.repeat(np.linspace(0, 200, 50, dtype=np.float32)[None, :], 40, axis=0)
    >>> rgb = np.dstack([ramp] * 3).astype(np.uint8)
    >>> hole = np.zeros((40, 50), bool)
    >>> hole[15:25, 20:30] = True
    >>> bool(np.abs(smooth_fill(rgb, hole)[hole] - rgb[hole]).mean() < 10)
    True
    """
    rows, cols = unknown.shape
    scale = min(1.0, _SMALL_SIDE / max(rows, cols))
    size = (max(1, round(cols * scale)), max(1, round(rows * scale)))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    hole = cv2.resize(unknown.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
    hole = cv2.dilate(hole, np.ones((3, 3), np.uint8))
    if hole.all():
        mean = rgb.reshape(-1, 3).mean(axis=0, dtype=np.float32)
        return np.broadcast_to(mean, rgb.shape).astype(np.float32)
    painted = cv2.inpaint(small, hole, 3, cv2.INPAINT_TELEA).astype(np.float32)
    return np.asarray(cv2.resize(painted, (cols, rows), interpolation=cv2.INTER_LINEAR), np.float32)


def _local_backdrop(rgb: RgbImage) -> F32:
    """A backdrop estimate without surroundings: a median over strokes' width at reduced size."""
    rows, cols = rgb.shape[:2]
    scale = min(1.0, _SMALL_SIDE * 2 / max(rows, cols))
    size = (max(1, round(cols * scale)), max(1, round(rows * scale)))
    small = cv2.medianBlur(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), _MEDIAN)
    return np.asarray(cv2.resize(small, (cols, rows), interpolation=cv2.INTER_LINEAR), np.float32)


def stroke_mask(rgb: RgbImage, region: Mask, protected: Mask, *, whole: bool = True) -> Mask:
    """The pixels of ``region`` that differ from the backdrop its surroundings predict.

    Where the region has hardly any surroundings (a tiled watermark over the whole photo) the
    backdrop is a local median instead. When the strokes cannot be told from the backdrop
    (almost none, or most of the region) the whole region is returned if ``whole`` allows it,
    else the strokes found.

    Examples
    --------
    >>> window = np.full((60, 90, 3), 200, np.uint8)
    >>> window[25:35, 30:60:4] = 20
    >>> region = np.zeros((60, 90), bool)
    >>> region[20:40, 25:65] = True
    >>> strokes = stroke_mask(window, region, np.zeros_like(region))
    >>> int(strokes.sum()), bool(strokes[27, 30]), bool(strokes[27, 31])
    (80, True, False)
    """
    ring = ~region & ~protected
    surrounded = int(ring.sum()) >= _MIN_SURROUNDINGS * int(region.sum())
    backdrop = smooth_fill(rgb, region) if surrounded else _local_backdrop(rgb)
    deviation = np.abs(rgb.astype(np.float32) - backdrop).max(axis=2)
    floor = float(np.quantile(deviation[ring], _RING_QUANTILE)) if surrounded else 0.0
    strokes = region & (deviation > max(_MIN_CONTRAST, floor))
    share = float(strokes.sum()) / max(1, int(region.sum()))
    separable = _MIN_SHARE <= share <= _FULL_SHARE
    return region.copy() if whole and not separable else strokes


def mark_mask(
    rgb: RgbImage,
    finding: GuardFinding,
    box: Box,
    protected: Mask,
    spread: int,
    *,
    large: bool,
    origin: tuple[int, int] = (0, 0),
) -> Mask:
    """The pixels to repair for one finding, in window coordinates.

    ``box`` is the finding's box in the window, whose top-left corner is at ``origin``
    (``(x, y)``) in the image; the finding's polygon, if any, is moved by the same offset. A
    ``large`` text-like box is never taken whole: only its strokes are repaired.

    Examples
    --------
    >>> window = np.full((40, 60, 3), 220, np.uint8)
    >>> window[18:22, 10:50:5] = 0
    >>> text = GuardFinding.model_validate(
    ...     {"class": "overlay_text", "box": (5, 12, 55, 28), "confidence": 0.9})
    >>> keep = np.zeros((40, 60), bool)
    >>> inset = text.model_copy(update={"cls": GuardClass.INSET})
    >>> int(mark_mask(window, text, text.box, keep, 0, large=False).sum())
    32
    >>> int(mark_mask(window, inset, inset.box, keep, 0, large=False).sum())
    800
    """
    polygon = None
    if finding.polygon:
        polygon = tuple((x - origin[0], y - origin[1]) for x, y in finding.polygon)
    region = box_mask(protected.shape, box, polygon)
    if finding.cls in TEXT_LIKE:
        region = stroke_mask(rgb, region, protected, whole=not large)
    return grow(region, spread) & ~protected


def _box_sums(values: npt.NDArray[np.float64], height: int, width: int) -> npt.NDArray[np.float64]:
    """Sums of ``values`` over every ``height`` x ``width`` box, indexed by its top-left corner."""
    total = np.pad(values, ((1, 0), (1, 0)) + ((0, 0),) * (values.ndim - 2)).cumsum(0).cumsum(1)
    return np.asarray(
        total[height:, width:]
        - total[:-height, width:]
        - total[height:, :-width]
        + total[:-height, :-width]
    )


def _donor(rgb: RgbImage, at: Slices, dirty: Mask, target: F32) -> F32 | None:
    """Fine detail for the hole at ``at``, from the nearby clean patch closest to ``target``.

    The patch (at most :data:`_PATCH` px a side) is searched for within a few hole sizes
    around the hole, among patches with hardly any ``dirty`` pixels, and mirror-tiled to the
    hole's size; ``None`` when there is no clean patch.
    """
    height, width = at[0].stop - at[0].start, at[1].stop - at[1].start
    ph, pw = min(height, _PATCH), min(width, _PATCH)
    reach = _REACH * max(height, width)
    r0, c0 = max(0, at[0].start - reach), max(0, at[1].start - reach)
    r1, c1 = min(dirty.shape[0], at[0].stop + reach), min(dirty.shape[1], at[1].stop + reach)
    if r1 - r0 < ph or c1 - c0 < pw:
        return None
    blocked = dirty[r0:r1, c0:c1].astype(np.float64)
    blocked[at[0].start - r0 : at[0].stop - r0, at[1].start - c0 : at[1].stop - c0] = 1.0
    clean = _box_sums(blocked, ph, pw) <= _DONOR_DIRTY * ph * pw
    if not clean.any():
        return None
    means = _box_sums(rgb[r0:r1, c0:c1].astype(np.float64), ph, pw) / (ph * pw)
    tops, lefts = np.indices(clean.shape)
    far = np.hypot(tops + r0 - at[0].start, lefts + c0 - at[1].start) / reach
    score = np.linalg.norm(means - target, axis=2) + _NEARNESS * far
    top, left = np.unravel_index(np.argmin(np.where(clean, score, np.inf)), score.shape)
    rows, cols = (
        slice(r0 + int(top), r0 + int(top) + ph),
        slice(c0 + int(left), c0 + int(left) + pw),
    )
    patch = rgb[rows, cols].astype(np.float32)
    sigma = max(_DETAIL_SIGMA, _DETAIL_SHARE * min(ph, pw))
    detail = (patch - cv2.GaussianBlur(patch, (0, 0), sigma)) * ~dirty[rows, cols][..., None]
    return np.pad(detail, ((0, height - ph), (0, width - pw), (0, 0)), mode="symmetric")


def fill_region(
    rgb: RgbImage, window: Slices, region: Mask, protected: Mask, dirty: Mask
) -> tuple[F32, str]:
    """Fill values for ``region`` (window coordinates) and the method used.

    ``rgb``, ``protected`` and ``dirty`` are whole-image arrays; ``dirty`` marks pixels no
    donor patch should come from (the product and other marks).

    Examples
    --------
    >>> rgb = np.full((80, 80, 3), 180, np.uint8)
    >>> rgb[30:50, 30:50] = 20
    >>> hole = np.zeros((80, 80), bool)
    >>> hole[28:52, 28:52] = True
    >>> fill, method = fill_region(rgb, (slice(0, 80), slice(0, 80)), hole, hole & False, hole)
    >>> method, int(fill[hole].min()) > 170
    ('smooth+texture', True)
    """
    win = rgb[window]
    depth = float(cv2.distanceTransform(region.astype(np.uint8), cv2.DIST_L2, 3).max())
    if depth <= _THIN:
        # product pixels within Telea's reach are unknown too, so no product colour bleeds in
        unknown = region | (protected[window] & grow(region, 2 * _TELEA_RADIUS))
        painted = cv2.inpaint(win, unknown.astype(np.uint8), _TELEA_RADIUS, cv2.INPAINT_TELEA)
        return painted.astype(np.float32), "telea"
    fill = smooth_fill(win, region | protected[window])
    rows_idx, cols_idx = np.flatnonzero(region.any(axis=1)), np.flatnonzero(region.any(axis=0))
    local = (
        slice(int(rows_idx[0]), int(rows_idx[-1]) + 1),
        slice(int(cols_idx[0]), int(cols_idx[-1]) + 1),
    )
    at = (
        slice(window[0].start + local[0].start, window[0].start + local[0].stop),
        slice(window[1].start + local[1].start, window[1].start + local[1].stop),
    )
    # inside a wide hole the smooth fill carries only colour and light; the donor brings the
    # pattern at every scale up to about the patch's own size
    target = fill[local][region[local]].mean(axis=0)
    detail = _donor(rgb, at, dirty, target)
    if detail is None:
        return fill, "smooth"
    fill[local] += detail
    return fill, "smooth+texture"


def band_side(box: Box, rows: int, cols: int) -> str | None:
    """Which side a border band lies along (``top``, ``bottom``, ``left``, ``right``), if any.

    Examples
    --------
    >>> band_side((0, 0, 400, 12), 300, 400), band_side((380, 0, 400, 300), 300, 400)
    ('top', 'right')
    >>> band_side((100, 100, 150, 150), 300, 400) is None
    True
    """
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0
    if width >= _BAND_ASPECT * height:
        return "top" if y0 + y1 < rows else "bottom"
    if height >= _BAND_ASPECT * width:
        return "left" if x0 + x1 < cols else "right"
    return None


def mirror_band(win: RgbImage, band: Box, side: str) -> F32:
    """The window with a band replaced by the photo just inside it, mirrored across its edge.

    Examples
    --------
    >>> win = np.zeros((10, 4, 3), np.uint8)
    >>> win[:, :, 0] = np.arange(10)[:, None] * 10
    >>> mirror_band(win, (0, 0, 4, 3), "top")[:5, 0, 0].tolist()
    [50.0, 40.0, 30.0, 30.0, 40.0]
    """
    out = win.astype(np.float32)
    x0, y0, x1, y1 = band
    flips = {"top": (0, False), "bottom": (0, True), "left": (1, False), "right": (1, True)}
    axis, reverse = flips[side]
    view = np.swapaxes(out, 0, 1) if axis else out
    start, stop = (x0, x1) if axis else (y0, y1)
    thickness = stop - start
    if reverse:
        source = view[max(0, start - thickness) : start][::-1]
        view[start : start + len(source)] = source
    else:
        source = view[stop : stop + thickness][::-1]
        view[stop - len(source) : stop] = source
    return out


def _steps(strip: RgbImage) -> npt.NDArray[np.intp]:
    """Depths (lines from the edge) where a strip's line colour steps: ``strip[0]`` is the edge."""
    means = np.median(strip[:, ::_EVERY].astype(np.float32), axis=1)
    change = np.linalg.norm(np.diff(means, axis=0), axis=1)
    floor = max(_STEP_MIN, _STEP_FACTOR * float(np.median(change))) if change.size else 0.0
    return np.asarray(np.flatnonzero(change > floor) + 1, np.intp)


def frame_bands(rgb: RgbImage, box: Box) -> dict[str, Box]:
    """The bands of a frame whose outer edge is ``box``, one per side where its inner edge shows.

    The frame's depth is the deepest colour step (within 15% of the side) that at least three
    sides share within 2 px, as a drawn frame has one thickness all round; without such a
    depth each side takes its own first step.

    Examples
    --------
    >>> photo = np.full((120, 160, 3), 200, np.uint8)
    >>> photo[:9], photo[-9:], photo[:, :9], photo[:, -9:] = 30, 30, 30, 30
    >>> frame_bands(photo, (0, 0, 160, 120))["left"]
    (0, 0, 9, 120)
    """
    x0, y0, x1, y1 = box
    inside = rgb[y0:y1, x0:x1]
    limit_r, limit_c = max(2, int(_FRAME_MAX * (y1 - y0))), max(2, int(_FRAME_MAX * (x1 - x0)))
    strips = {
        "top": inside[:limit_r],
        "bottom": inside[::-1][:limit_r],
        "left": np.swapaxes(inside[:, :limit_c], 0, 1),
        "right": np.swapaxes(inside[:, ::-1][:, :limit_c], 0, 1),
    }
    steps = {side: _steps(strip) for side, strip in strips.items()}
    shared = [
        int(d)
        for side, found in steps.items()
        for d in found
        if sum(bool(np.any(np.abs(other - d) <= _SAME_DEPTH)) for other in steps.values()) >= 3  # noqa: PLR2004
    ]
    depth = (
        dict.fromkeys(steps, max(shared))
        if shared
        else {s: int(f[0]) for s, f in steps.items() if f.size}
    )
    bands: dict[str, Box] = {}
    for side, d in depth.items():
        bands[side] = {
            "top": (x0, y0, x1, y0 + d),
            "bottom": (x0, y1 - d, x1, y1),
            "left": (x0, y0, x0 + d, y1),
            "right": (x1 - d, y0, x1, y1),
        }[side]
    return bands
