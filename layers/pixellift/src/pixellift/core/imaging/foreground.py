"""Foreground and background colours behind a matte.

A pixel on the edge of a cut-out mixes the product's colour with the old background's. Pasting
the photo's pixels onto a new background keeps a rim of the old one (a green halo on white).
:func:`estimate_foreground` recovers the product's own colour with blur fusion (Forte and
Pitié, "Approximate fast foreground colour estimation", ICIP 2021), in three levels: a wide
blur for the average colours behind the edge, then narrower ones for local detail. It costs a
handful of box filters, so the blurred colour fields are computed at a reduced scale and only
the final per-pixel correction runs at full resolution, on the edge pixels.

:func:`fill_from_known` (push-pull interpolation) spreads colours from where they are known
into where they are not; the alpha solver uses it to guess the colours behind the band and the
hole finder to guess the background behind the product. :func:`shrink` and
:func:`sample_field` carry images and fields between the photo's size and a working size.
"""

from __future__ import annotations

from typing import Final, TypeVar

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.types import Alpha, FloatImage, RgbImage

_Pixel = TypeVar("_Pixel", np.uint8, np.float32)

# Blur radii of the fusion levels as fractions of the image's long side. Wide first levels
# reach past soft edges to solid colour; narrow last ones keep multicoloured products apart.
_RADII: Final = (0.125, 0.03, 0.008)
_EPS: Final = 1e-5
# Past this weight a pyramid level trusts its own average over the coarser level's guess.
_PUSH_PULL_GAIN: Final = 4.0


def fill_from_known(values: FloatImage, weights: npt.NDArray[np.float32]) -> FloatImage:
    """Spread values from weighted pixels to the whole image (push-pull interpolation).

    Known pixels keep (about) their values; an unknown pixel gets the weighted average of the
    nearest known pixels at the finest pyramid level that has any, so the fill is local
    next to known pixels and smooth far from them.

    Parameters
    ----------
    values
        float32 ``(rows, cols, channels)``.
    weights
        float32 ``(rows, cols)`` in ``[0, 1]``; 0 means unknown.

    Returns
    -------
    FloatImage
        float32, same shape as ``values``; all zeros when no pixel has weight.

    Examples
    --------
    >>> values = np.zeros((1, 4, 1), np.float32)
    >>> values[0, 0, 0] = 1.0
    >>> weights = np.array([[1, 0, 0, 0]], np.float32)
    >>> fill_from_known(values, weights).ravel().round(2).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    channels = values.shape[2]
    level_v = values * weights[..., None]
    level_w = weights.astype(np.float32)
    pyramid: list[tuple[FloatImage, npt.NDArray[np.float32]]] = []
    while True:
        pyramid.append((level_v, level_w))
        rows, cols = level_w.shape
        if max(rows, cols) <= 1:
            break
        size = ((cols + 1) // 2, (rows + 1) // 2)
        level_v = np.asarray(cv2.resize(level_v, size, interpolation=cv2.INTER_AREA), np.float32)
        level_v = level_v.reshape(size[1], size[0], channels)
        level_w = np.asarray(cv2.resize(level_w, size, interpolation=cv2.INTER_AREA), np.float32)
    top_v, top_w = pyramid[-1]
    colour = top_v / np.maximum(top_w, 1e-12)[..., None]
    for level_v, level_w in reversed(pyramid[:-1]):
        rows, cols = level_w.shape
        up = cv2.resize(colour, (cols, rows), interpolation=cv2.INTER_LINEAR)
        up = up.reshape(rows, cols, channels)
        trust = np.minimum(level_w * _PUSH_PULL_GAIN, 1.0)[..., None]
        own = level_v / np.maximum(level_w, 1e-12)[..., None]
        colour = trust * own + (1.0 - trust) * up
    return colour.astype(np.float32)


def blur_fusion(
    rgb: FloatImage, alpha: Alpha, radii: tuple[float, ...]
) -> tuple[FloatImage, FloatImage]:
    """Multi-level blur fusion: smooth foreground and background colour fields.

    Parameters
    ----------
    rgb
        float32 ``(rows, cols, 3)`` in ``[0, 1]``.
    alpha
        float32 ``(rows, cols)`` in ``[0, 1]``.
    radii
        Box-blur radius of each level, in pixels, widest first.

    Returns
    -------
    tuple of FloatImage
        Foreground and background colour estimates (before the final per-pixel correction).

    Examples
    --------
    >>> rgb = np.zeros((1, 6, 3), np.float32)
    >>> rgb[0, :3] = (0.0, 1.0, 0.0)
    >>> rgb[0, 3:] = (1.0, 0.0, 0.0)
    >>> alpha = np.array([[0, 0, 0, 1, 1, 1]], np.float32)
    >>> fg, bg = blur_fusion(rgb, alpha, (2.0, 1.0))
    >>> fg[0, 4].round(2).tolist(), bg[0, 1].round(2).tolist()
    ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
    """
    a3 = alpha[..., None]
    fg, bg = rgb, rgb
    for radius in radii:
        size = (2 * max(1, round(radius)) + 1,) * 2
        blur_a = cv2.blur(alpha, size)[..., None]
        fg_blur = cv2.blur(fg * a3, size) / (blur_a + _EPS)
        bg_blur = cv2.blur(bg * (1.0 - a3), size) / (1.0 - blur_a + _EPS)
        fg = np.clip(fg_blur + a3 * (rgb - a3 * fg_blur - (1.0 - a3) * bg_blur), 0.0, 1.0)
        bg = np.clip(bg_blur, 0.0, 1.0)
    return fg.astype(np.float32), bg.astype(np.float32)


def estimate_foreground(rgb: RgbImage, alpha: Alpha, *, max_side: int = 512) -> RgbImage:
    """Foreground colours with the old background's colour removed from the edge.

    Parameters
    ----------
    rgb
        The photo, uint8 ``(rows, cols, 3)``.
    alpha
        Its matte, float32 ``(rows, cols)`` in ``[0, 1]``.
    max_side
        The blurred colour fields are computed at most at this size.

    Returns
    -------
    RgbImage
        uint8, same shape as ``rgb``: the photo where alpha is 0 or 1, the estimated product
        colour where alpha is fractional.

    Examples
    --------
    A red product on green: the half-covered column is yellow in the photo, red after.

    >>> rgb = np.zeros((8, 8, 3), np.uint8)
    >>> rgb[:, :3], rgb[:, 3], rgb[:, 4:] = (0, 255, 0), (128, 128, 0), (255, 0, 0)
    >>> alpha = np.zeros((8, 8), np.float32)
    >>> alpha[:, 3], alpha[:, 4:] = 0.5, 1.0
    >>> estimate_foreground(rgb, alpha)[0, 3].tolist()
    [242, 14, 0]
    """
    edge = (alpha > 0.0) & (alpha < 1.0)
    out = rgb.copy()
    if not edge.any():
        return out
    small_rgb = shrink(rgb, max_side).astype(np.float32) * np.float32(1 / 255)
    small_alpha = shrink(alpha, max_side)
    side = max(small_alpha.shape)
    fg_small, bg_small = blur_fusion(small_rgb, small_alpha, tuple(f * side for f in _RADII))
    scale = (small_alpha.shape[0] / alpha.shape[0], small_alpha.shape[1] / alpha.shape[1])
    where = np.nonzero(edge)
    fg_field = sample_field(fg_small, where, scale)
    bg_field = sample_field(bg_small, where, scale)
    a = alpha[where][:, None]
    pixel = rgb[where].astype(np.float32) * np.float32(1 / 255)
    fg = fg_field + a * (pixel - a * fg_field - (1.0 - a) * bg_field)
    out[where] = np.clip(np.rint(fg * 255.0), 0, 255).astype(np.uint8)
    return out


def sample_field(
    field: FloatImage,
    where: tuple[npt.NDArray[np.intp], ...],
    scale: float | tuple[float, float],
) -> npt.NDArray[np.float32]:
    """Bilinear lookup of a field at pixel positions of an image ``1 / scale`` times its size.

    Parameters
    ----------
    field
        float32 ``(rows, cols, channels)``.
    where
        Row and column index arrays of the pixels, in the larger image.
    scale
        The field's size over the image's size, one value or one per axis (rows, columns).

    Returns
    -------
    numpy.ndarray
        float32 ``(len(where[0]), channels)``.

    Examples
    --------
    >>> field = np.array([[[0.0], [1.0]]], np.float32)
    >>> where = (np.array([0, 0, 0, 0]), np.array([0, 1, 2, 3]))
    >>> sample_field(field, where, 0.5).ravel().tolist()
    [0.0, 0.25, 0.75, 1.0]
    """
    rows, cols = field.shape[:2]
    scale_r, scale_c = scale if isinstance(scale, tuple) else (scale, scale)
    r = np.clip((where[0].astype(np.float32) + 0.5) * scale_r - 0.5, 0, rows - 1)
    c = np.clip((where[1].astype(np.float32) + 0.5) * scale_c - 0.5, 0, cols - 1)
    r0, c0 = r.astype(np.intp), c.astype(np.intp)
    r1, c1 = np.minimum(r0 + 1, rows - 1), np.minimum(c0 + 1, cols - 1)
    fr, fc = (r - r0)[:, None], (c - c0)[:, None]
    top = field[r0, c0] * (1 - fc) + field[r0, c1] * fc
    bottom = field[r1, c0] * (1 - fc) + field[r1, c1] * fc
    return np.asarray(top * (1 - fr) + bottom * fr, dtype=np.float32)


def shrink(image: npt.NDArray[_Pixel], max_side: int) -> npt.NDArray[_Pixel]:
    """Area-average an image down to at most ``max_side`` pixels on its long side.

    An integer factor is preferred when it keeps at least three quarters of the allowed size:
    OpenCV averages whole blocks many times faster than it resamples by a fractional factor.

    Parameters
    ----------
    image
        uint8 or float32, 2-D or 3-D.
    max_side
        Largest allowed side after shrinking.

    Returns
    -------
    numpy.ndarray
        The image itself when it is already small enough.

    Examples
    --------
    >>> shrink(np.zeros((2000, 1500), np.float32), 1024).shape
    (1000, 750)
    >>> shrink(np.zeros((1100, 900), np.uint8), 1024).shape
    (1024, 838)
    """
    rows, cols = image.shape[:2]
    longest = max(rows, cols)
    if longest <= max_side:
        return image
    factor = -(-longest // max_side)
    if rows % factor == 0 and cols % factor == 0 and longest // factor >= 0.75 * max_side:
        size = (cols // factor, rows // factor)
    else:
        scale = max_side / longest
        size = (max(1, round(cols * scale)), max(1, round(rows * scale)))
    out = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return np.asarray(out, dtype=image.dtype)
