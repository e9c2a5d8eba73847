"""Classical segmentation for studio shots: a product on a plain white, grey or coloured sweep.

On a copy whose long side is at most 512 px:

1. Background model: a quadratic colour surface (per Lab channel) fitted robustly to a strip
   along the border; flat backdrops, sweeps and soft vignettes fit it, and a subject touching
   the border is rejected as outliers.
2. Distance map: CIE76 ΔE to that surface, darkening weighted down so soft shadows stay
   background.
3. Seeds from the distance map drive ``cv2.grabCut``; specks and small holes are cleaned.
4. At full size, pixels along the outline get a fractional alpha by unmixing their colour
   between the local subject and backdrop colours.

The confidence is high only when the border is uniform (small spread around the surface, few
outliers), the outline separates cleanly, the subject meets the image frame little and rarely,
its outline is not a texture, and its area is plausible. Busy or real-world backgrounds score
low, and the caller uses the model instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.types import Alpha, FloatImage, Mask, RgbImage

WORK_LONG_SIDE = 512
"""Long side of the working copy the background model and grabCut run on."""

MIN_SIDE = 16
"""Images smaller than this on either side are not segmented classically."""

Floats: TypeAlias = npt.NDArray[np.float64]
Floats32: TypeAlias = npt.NDArray[np.float32]

_RGB_RANK = 3
_CHANNELS = 3
_STRIP_FRACTION = 0.04
_MAX_FIT_SAMPLES = 20_000
_FIT_ROUNDS = 3
_INLIER_MEDIANS = 2.5
_SHADOW_WEIGHT = 0.35
_MIN_LOW_THRESHOLD = 6.0
_LOW_SPREADS = 2.0
_MIN_HIGH_THRESHOLD = 20.0
_HIGH_LOWS = 3.0
_GRABCUT_ROUNDS = 3
_GRABCUT_SEED = 20_240_531
_MARGIN = 32
_SPECK_FRACTION = 0.0005
_PART_FRACTION = 0.02
_HOLE_FRACTION = 0.002
_LOCAL_SIGMA = 2.0
_MIN_WEIGHT = 0.05
_MIN_UNMIX_CONTRAST = 30.0
_MAP_WIDTH = 1024
_GOOD = 0.5
_MAX_SPREAD = 9.0
_MIN_BACKDROP_SHARE = 0.6
_FG_LABELS = (cv2.GC_FGD, cv2.GC_PR_FGD)
_KERNEL3 = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
_KERNEL7 = cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7))
_KERNEL11 = cv2.getStructuringElement(cv2.MORPH_RECT, (11, 11))


@dataclass(frozen=True)
class ClassicalSegmentation:
    """Result of :func:`segment_plain_background`.

    Parameters
    ----------
    alpha
        float32 ``(rows, cols)`` in ``[0, 1]`` at the input's size.
    confidence
        In ``[0, 1]``; how far the result can be trusted without a model.
    background_rgb
        Median colour of the border strip, ``(r, g, b)``.
    reason
        One line naming the deciding factor, for step logs and review queues.
    """

    alpha: Alpha
    confidence: float
    background_rgb: tuple[int, int, int]
    reason: str


def segment_plain_background(rgb: RgbImage) -> ClassicalSegmentation:
    """Separate the product from a plain studio background without a model.

    Parameters
    ----------
    rgb
        ``(rows, cols, 3)`` uint8 photo.

    Returns
    -------
    ClassicalSegmentation
        The alpha at the input's size, with a confidence and the reason for it.

    Raises
    ------
    ValueError
        The array is not a ``(rows, cols, 3)`` uint8 image.

    Examples
    --------
    >>> import numpy as np
    >>> photo = np.full((120, 160, 3), 245, np.uint8)
    >>> photo[40:90, 50:110] = (200, 40, 30)
    >>> result = segment_plain_background(photo)
    >>> result.confidence > 0.9, result.background_rgb
    (True, (245, 245, 245))
    >>> float(result.alpha[65, 80]), float(result.alpha[5, 5])
    (1.0, 0.0)
    """
    if rgb.dtype != np.uint8 or rgb.ndim != _RGB_RANK or rgb.shape[2] != _CHANNELS:
        raise ValueError(f"expected a (rows, cols, 3) uint8 image, got {rgb.dtype} {rgb.shape}")
    rows, cols = rgb.shape[:2]
    if min(rows, cols) < MIN_SIDE:
        return ClassicalSegmentation(
            np.zeros((rows, cols), np.float32), 0.0, _border_median(rgb), "image too small"
        )
    small = _downscale(rgb, WORK_LONG_SIDE)
    lab = np.asarray(cv2.cvtColor(small.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab), np.float32)
    surface, spread = _fit_background(lab)
    distance = _background_distance(lab, surface)
    low = max(_MIN_LOW_THRESHOLD, _LOW_SPREADS * spread)
    high = max(_MIN_HIGH_THRESHOLD, _HIGH_LOWS * low)
    foreground = _clean(distance >= low)
    # A busy backdrop already scores 0 on the plain threshold: skip grabCut's cost, since the
    # caller is going to use the model anyway.
    if _score(foreground, distance, spread, low)[0] > 0.0:
        foreground = _clean(_grabcut(small, distance, low, high))
    confidence, reason = _score(foreground, distance, spread, low)
    return ClassicalSegmentation(
        # An untrusted result only gets a plain resize: the caller is about to use the model.
        alpha=_upsample_alpha(rgb, small, foreground, unmix=confidence > 0.0),
        confidence=confidence,
        background_rgb=_border_median(small),
        reason=reason,
    )


def border_strip(rows: int, cols: int) -> Mask:
    """Mask of the strip along the image border the background is modelled from.

    Examples
    --------
    >>> int(border_strip(50, 50).sum())  # a 2-pixel strip on a 50×50 image
    384
    """
    width = max(2, round(_STRIP_FRACTION * min(rows, cols)))
    strip = np.ones((rows, cols), dtype=np.bool_)
    strip[width:-width, width:-width] = False
    return strip


def _downscale(rgb: RgbImage, long_side: int) -> RgbImage:
    rows, cols = rgb.shape[:2]
    scale = long_side / max(rows, cols)
    if scale >= 1.0:
        return rgb
    size = (max(1, round(cols * scale)), max(1, round(rows * scale)))
    return np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), np.uint8)


def _border_median(rgb: RgbImage) -> tuple[int, int, int]:
    samples = rgb[border_strip(rgb.shape[0], rgb.shape[1])].reshape(-1, _CHANNELS)
    red, green, blue = (round(float(v)) for v in np.median(samples, axis=0))
    return red, green, blue


def _design(rr: npt.NDArray[np.intp], cc: npt.NDArray[np.intp], shape: tuple[int, int]) -> Floats:
    y = rr.astype(np.float64) / max(shape[0] - 1, 1) * 2.0 - 1.0
    x = cc.astype(np.float64) / max(shape[1] - 1, 1) * 2.0 - 1.0
    return np.stack([np.ones_like(y), y, x, y * y, x * x, x * y], axis=1)


def _fit_background(lab: FloatImage) -> tuple[FloatImage, float]:
    """Fit a quadratic colour surface to the border strip; return it and the residual spread."""
    shape = (lab.shape[0], lab.shape[1])
    rr, cc = np.nonzero(border_strip(*shape))
    step = max(1, rr.size // _MAX_FIT_SAMPLES)
    rr, cc = rr[::step], cc[::step]
    samples = lab[rr, cc].astype(np.float64)
    design = _design(rr, cc, shape)
    residual = np.linalg.norm(samples - np.median(samples, axis=0), axis=1)
    # Start from the most typical 60 % so a subject touching the border cannot drag the fit.
    inliers = residual <= np.percentile(residual, 60)
    for _ in range(_FIT_ROUNDS):
        coef = np.linalg.lstsq(design[inliers], samples[inliers], rcond=None)[0]
        residual = np.linalg.norm(samples - design @ coef, axis=1)
        inliers = residual <= max(_INLIER_MEDIANS * float(np.median(residual[inliers])), 2.0)
    y = np.linspace(-1.0, 1.0, shape[0], dtype=np.float32)[:, None, None]
    x = np.linspace(-1.0, 1.0, shape[1], dtype=np.float32)[None, :, None]
    c = coef.astype(np.float32)
    surface: FloatImage = c[0] + c[1] * y + c[2] * x + c[3] * y * y + c[4] * x * x + c[5] * x * y
    return surface, float(np.percentile(residual[inliers], 90))


def _background_distance(lab: FloatImage, surface: FloatImage) -> Floats32:
    """CIE76 ΔE to the background surface, darkening weighted down so shadows stay background."""
    delta = lab - surface
    lightness = np.where(delta[..., 0] < 0, _SHADOW_WEIGHT, 1.0) * delta[..., 0]
    distance: Floats32 = np.sqrt(lightness**2 + delta[..., 1] ** 2 + delta[..., 2] ** 2)
    return distance.astype(np.float32)


def _grabcut(small: RgbImage, distance: Floats32, low: float, high: float) -> Mask:
    rows, cols = distance.shape
    seeds = np.full((rows, cols), cv2.GC_PR_BGD, np.uint8)
    seeds[distance >= low] = cv2.GC_PR_FGD
    sure_fg = cv2.erode((distance >= high).astype(np.uint8), _KERNEL3) > 0
    seeds[sure_fg] = cv2.GC_FGD
    near_subject = cv2.dilate((distance >= low).astype(np.uint8), _KERNEL7) > 0
    seeds[(distance < low) & (border_strip(rows, cols) | ~near_subject)] = cv2.GC_BGD
    is_fg = np.isin(seeds, _FG_LABELS)
    if not is_fg.any() or is_fg.all():
        return is_fg
    # Only the box around undecided pixels (plus a margin of sure backdrop for its colour
    # model) goes through grabCut: everything outside is already settled.
    open_rr, open_cc = np.nonzero(seeds != cv2.GC_BGD)
    top, left = max(0, open_rr.min() - _MARGIN), max(0, open_cc.min() - _MARGIN)
    bottom, right = min(rows, open_rr.max() + _MARGIN + 1), min(cols, open_cc.max() + _MARGIN + 1)
    crop = np.ascontiguousarray(seeds[top:bottom, left:right])
    if np.any(crop == cv2.GC_BGD) or np.any(crop == cv2.GC_PR_BGD):
        bgd_model = np.zeros((1, 65), np.float64)
        fgd_model = np.zeros((1, 65), np.float64)
        rect = (0, 0, right - left, bottom - top)  # ignored with GC_INIT_WITH_MASK
        # grabCut seeds its colour models with k-means on OpenCV's global RNG: fix it, so the
        # same photo always gives the same mask.
        cv2.setRNGSeed(_GRABCUT_SEED)
        image = np.ascontiguousarray(small[top:bottom, left:right])
        cv2.grabCut(image, crop, rect, bgd_model, fgd_model, _GRABCUT_ROUNDS, cv2.GC_INIT_WITH_MASK)
        seeds[top:bottom, left:right] = crop
    return np.isin(seeds, _FG_LABELS)


def _clean(foreground: Mask) -> Mask:
    """Drop specks, keep every sizeable part (pairs, sets), fill small enclosed holes."""
    area = foreground.size
    count, labels, stats = _components(foreground, connectivity=8)
    if count <= 1:
        return foreground
    sizes = stats[1:, cv2.CC_STAT_AREA]
    minimum = max(_SPECK_FRACTION * area, _PART_FRACTION * float(sizes.max()))
    kept = np.concatenate([[False], sizes >= minimum])[labels]
    count, labels, stats = _components(~kept, connectivity=4)
    touches = np.zeros(count, dtype=np.bool_)
    frame = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    touches[np.unique(frame)] = True
    small_hole = (stats[:, cv2.CC_STAT_AREA] < _HOLE_FRACTION * area) & ~touches
    small_hole[0] = False
    return kept | small_hole[labels]


def _components(
    mask: Mask, *, connectivity: int
) -> tuple[int, npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        mask.astype(np.uint8), connectivity=connectivity
    )
    return int(count), np.asarray(labels, np.int32), np.asarray(stats, np.int32)


def _ramp(value: float, zero: float, one: float) -> float:
    """0 at ``zero``, 1 at ``one``, linear between (either direction)."""
    return float(np.clip((value - zero) / (one - zero), 0.0, 1.0))


def _outline_separation(foreground: Mask, distance: Floats32, low: float) -> float:
    """Share of pixels just inside (outside) the outline that are clearly subject (backdrop)."""
    as_u8 = foreground.astype(np.uint8)
    inner = (cv2.erode(as_u8, _KERNEL3) > 0) & ~(cv2.erode(as_u8, _KERNEL7) > 0)
    # Outside, skip the first pixels: JPEG chroma subsampling bleeds colour past the edge.
    outer = (cv2.dilate(as_u8, _KERNEL11) > 0) & ~(cv2.dilate(as_u8, _KERNEL7) > 0)
    if not inner.any() or not outer.any():
        return 0.0
    return min(float((distance[inner] >= low).mean()), float((distance[outer] < 1.5 * low).mean()))


def _backdrop_share(distance: Floats32, low: float) -> float:
    rows, cols = distance.shape
    return float((distance[border_strip(rows, cols)] < low).mean())


def _score(foreground: Mask, distance: Floats32, spread: float, low: float) -> tuple[float, str]:
    area = float(foreground.mean())
    on_border = _backdrop_share(distance, low)
    f = foreground
    frame = np.concatenate([f[0, :], f[1:, -1], f[-1, -2::-1], f[-2:0:-1, 0]]).astype(np.int8)
    contact = float(frame.mean())
    meets = int(np.count_nonzero(np.diff(np.append(frame, frame[0])) == 1))
    contours, _ = cv2.findContours(f.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    outline = sum(cv2.arcLength(contour, closed=True) for contour in contours)
    complexity = outline / max(float(np.sqrt(f.sum())), 1.0)
    separation = _outline_separation(foreground, distance, low)
    factors = {
        f"background spread {spread:.1f} ΔE": _ramp(spread, _MAX_SPREAD, 4.0),
        f"subject covers {area:.1%} of the image": _ramp(area, 0.001, 0.005)
        * _ramp(area, 0.95, 0.85),
        f"{on_border:.0%} of the border is backdrop": _ramp(on_border, _MIN_BACKDROP_SHARE, 0.85),
        f"outline separation {separation:.2f}": _ramp(separation, 0.75, 0.92),
        f"subject touches {contact:.0%} of the frame": _ramp(contact, 0.6, 0.3),
        f"subject meets the frame {meets} times": _ramp(meets, 10, 4),
        f"outline complexity {complexity:.0f}": _ramp(complexity, 40.0, 20.0),
    }
    confidence = float(np.prod(list(factors.values())))
    if confidence >= _GOOD:
        return confidence, f"plain background ({spread:.1f} ΔE), clean outline ({separation:.2f})"
    return confidence, f"limited by {min(factors, key=lambda key: factors[key])}"


def _upsample_alpha(rgb: RgbImage, small: RgbImage, foreground: Mask, *, unmix: bool) -> Alpha:
    """Resize the mask to the photo; unmix colours near the outline for a fractional edge."""
    rows, cols = rgb.shape[:2]
    mask = foreground.astype(np.float32)
    alpha = cv2.resize(mask, (cols, rows), interpolation=cv2.INTER_LINEAR)
    as_u8 = foreground.astype(np.uint8)
    band_small = cv2.dilate(as_u8, _KERNEL3) - cv2.erode(as_u8, _KERNEL3)
    if not unmix or not band_small.any() or not foreground.any() or foreground.all():
        return np.asarray(alpha, np.float32)
    band = cv2.resize(band_small, (cols, rows), interpolation=cv2.INTER_NEAREST) > 0
    rr, cc = np.nonzero(band)
    scale_r, scale_c = small.shape[0] / rows, small.shape[1] / cols
    map_r = _as_map((rr + 0.5) * scale_r - 0.5)
    map_c = _as_map((cc + 0.5) * scale_c - 0.5)
    subject = _local_mean(small, np.asarray(cv2.erode(as_u8, _KERNEL3), np.uint8))
    backdrop = _local_mean(small, np.asarray(cv2.erode(1 - as_u8, _KERNEL3), np.uint8))
    sample = [
        cv2.remap(m, map_c, map_r, cv2.INTER_LINEAR).reshape(-1, 3)[: rr.size]
        for m in (subject, backdrop)
    ]
    axis = sample[0] - sample[1]
    norm2 = np.einsum("ij,ij->i", axis, axis)
    colour = rgb[rr, cc].astype(np.float32) - sample[1]
    unmixed = np.einsum("ij,ij->i", colour, axis) / np.maximum(norm2, 1.0)
    reliable = norm2 >= _MIN_UNMIX_CONTRAST**2
    alpha[rr[reliable], cc[reliable]] = np.clip(unmixed[reliable], 0.0, 1.0)
    return np.asarray(alpha, np.float32)


def _as_map(coords: Floats) -> Floats32:
    """Lay sample coordinates out as a 2-D map: ``cv2.remap`` caps each side at 32767."""
    padded = np.zeros(-(-coords.size // _MAP_WIDTH) * _MAP_WIDTH, np.float32)
    padded[: coords.size] = coords
    return padded.reshape(-1, _MAP_WIDTH)


def _local_mean(small: RgbImage, weight: npt.NDArray[np.uint8]) -> FloatImage:
    """Colour averaged over nearby pixels where ``weight`` is set (normalised convolution)."""
    w = cv2.GaussianBlur(weight.astype(np.float32), (0, 0), _LOCAL_SIGMA)
    total = cv2.GaussianBlur(small.astype(np.float32) * weight[..., None], (0, 0), _LOCAL_SIGMA)
    fallback = small.reshape(-1, 3)[weight.reshape(-1) > 0].mean(axis=0) if weight.any() else 0
    mean: FloatImage = np.where(
        w[..., None] > _MIN_WEIGHT, total / np.maximum(w, 1e-6)[..., None], fallback
    )
    return mean.astype(np.float32)
