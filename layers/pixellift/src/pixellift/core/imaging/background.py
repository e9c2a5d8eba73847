"""Background enforcement: composite the cut-out product onto a solid colour or transparency.

Marketplaces check the background by pixel value (Amazon's main image must be RGB 255,255,255), so
every background pixel is set to the exact colour after blending rather than trusting the rounding.
An optional contact shadow grounds the product without ever touching the frame edges.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from pixellift.core.errors import InvalidPresetError
from pixellift.core.imaging.framing import subject_box
from pixellift.core.types import Alpha, RgbaImage, RgbImage

BACKGROUND_ALPHA_FLOOR = 0.02
"""Alpha below this is matting haze, not product: it is composited as pure background."""

EDGE_FRACTION = 0.02
"""The shadow fades to zero over this fraction of the canvas side next to every frame edge."""

_HEX = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def parse_hex_colour(text: str) -> tuple[int, int, int]:
    """Parse ``"#fff"``, ``"#FFFFFF"`` or ``"ffffff"`` into an ``(r, g, b)`` tuple.

    Raises
    ------
    ValueError
        If the text is not 3 or 6 hexadecimal digits with an optional leading ``#``.

    Examples
    --------
    >>> parse_hex_colour("#fff"), parse_hex_colour("F5F5DC")
    ((255, 255, 255), (245, 245, 220))
    """
    match = _HEX.fullmatch(text.strip())
    if match is None:
        msg = f"{text!r} is not a hex colour: use 3 or 6 hex digits, e.g. '#fff' or '#FFFFFF'"
        raise ValueError(msg)
    digits = match.group(1)
    if len(digits) == 3:  # noqa: PLR2004
        digits = "".join(d * 2 for d in digits)
    red, green, blue = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return red, green, blue


@dataclass(frozen=True)
class ShadowSpec:
    """A soft contact shadow under the product's base.

    Parameters
    ----------
    opacity
        Peak darkness in ``[0, 1]``.
    blur
        Horizontal softness: Gaussian sigma as a fraction of the product's width.
    height
        How far below the base the shadow reaches, as a fraction of the product's height.

    Raises
    ------
    InvalidPresetError
        If a value is out of range.
    """

    opacity: float = 0.25
    blur: float = 0.04
    height: float = 0.06

    def __post_init__(self) -> None:
        if not 0.0 <= self.opacity <= 1.0:
            msg = f"shadow opacity must be in [0, 1], got {self.opacity}"
            raise InvalidPresetError(msg)
        if not 0.0 <= self.blur <= 1.0:
            msg = f"shadow blur must be in [0, 1], got {self.blur}"
            raise InvalidPresetError(msg)
        if not 0.0 < self.height <= 1.0:
            msg = f"shadow height must be in (0, 1], got {self.height}"
            raise InvalidPresetError(msg)


def _edge_taper(size: int) -> npt.NDArray[np.float32]:
    band = max(1, round(EDGE_FRACTION * size))
    index = np.arange(size, dtype=np.float32)
    distance = np.minimum(index, size - 1 - index)
    return np.clip(distance / band, 0.0, 1.0).astype(np.float32)


def contact_shadow(alpha: Alpha, spec: ShadowSpec) -> Alpha:
    """Return the strength map of the product's contact shadow (0 none, ``spec.opacity`` darkest).

    The shadow starts at the product's lowest row, under the columns that touch the ground (those
    whose lowest product pixel lies within the shadow's height of the base), fades out
    quadratically over ``spec.height`` of the product's height and is exactly zero on the canvas
    border.

    Examples
    --------
    >>> a = np.zeros((40, 40), np.float32); a[5:30, 10:30] = 1.0
    >>> s = contact_shadow(a, ShadowSpec(opacity=0.3, height=0.2))
    >>> bool(s[:29].max() == 0), round(float(s.max()), 2), float(s[-1].max()), float(s[:, 0].max())
    (True, 0.3, 0.0, 0.0)
    """
    box = subject_box(alpha)
    rows, cols = alpha.shape
    shadow = np.zeros((rows, cols), np.float32)
    if box is None or spec.opacity == 0.0:
        return shadow
    band = max(1, math.ceil(spec.height * box.rows))
    base = box.bottom - 1
    inside = alpha[box.slices()] >= 0.5  # noqa: PLR2004
    lowest = box.bottom - 1 - np.argmax(inside[::-1], axis=0)
    touching = inside.any(axis=0) & (lowest >= base - band)
    profile = np.zeros((1, cols), np.float32)
    profile[0, box.left : box.right] = touching
    sigma = spec.blur * box.cols
    if sigma >= 0.5:  # noqa: PLR2004
        # A one-row kernel keeps the blur horizontal (sigmaY=0 would copy sigmaX).
        width = 2 * math.ceil(3 * sigma) + 1
        profile = np.asarray(
            cv2.GaussianBlur(profile, (width, 1), sigma, borderType=cv2.BORDER_CONSTANT),
            dtype=np.float32,
        )
    end = min(rows, base + band)
    depth = np.arange(end - base, dtype=np.float32) / band
    falloff = (1.0 - depth) ** 2 * _edge_taper(rows)[base:end]
    horizontal = np.clip(profile[0], 0.0, 1.0) * _edge_taper(cols)
    shadow[base:end] = np.float32(spec.opacity) * np.outer(falloff, horizontal)
    return shadow


def _checked(foreground: RgbImage, alpha: Alpha) -> Alpha:
    if foreground.dtype != np.uint8 or foreground.ndim != 3 or foreground.shape[2] != 3:  # noqa: PLR2004
        msg = f"foreground must be uint8 (rows, cols, 3), got {foreground.dtype} {foreground.shape}"
        raise ValueError(msg)
    if alpha.shape != foreground.shape[:2]:
        msg = f"alpha {alpha.shape} does not match the foreground {foreground.shape[:2]}"
        raise ValueError(msg)
    clean = np.clip(np.asarray(alpha, np.float32), 0.0, 1.0)
    return np.where(clean < BACKGROUND_ALPHA_FLOOR, np.float32(0.0), clean)


def composite(
    foreground: RgbImage,
    alpha: Alpha,
    background: tuple[int, int, int] | None,
    *,
    shadow: ShadowSpec | None = None,
) -> RgbImage | RgbaImage:
    """Place the product on a solid colour (RGB result) or on transparency (RGBA result).

    Alpha below ``BACKGROUND_ALPHA_FLOOR`` counts as background. With a colour, every background
    pixel outside the shadow is exactly that colour. The shadow darkens only background pixels
    under the product and never the canvas edges; on transparency it becomes translucent black.

    Parameters
    ----------
    foreground
        ``(rows, cols, 3)`` uint8 product colours (straight, not premultiplied).
    alpha
        ``(rows, cols)`` product opacity in ``[0, 1]``.
    background
        ``(r, g, b)`` colour, or ``None`` for a transparent result.
    shadow
        Contact shadow to add, if any.

    Returns
    -------
    numpy.ndarray
        ``(rows, cols, 3)`` uint8 on a colour, ``(rows, cols, 4)`` uint8 on transparency.

    Raises
    ------
    ValueError
        If the arrays have the wrong type or disagree in size, or the colour is not RGB.

    Examples
    --------
    >>> fg = np.full((2, 2, 3), 10, np.uint8); a = np.array([[1, 0.5], [0.01, 0]], np.float32)
    >>> composite(fg, a, (255, 255, 255))[..., 0].tolist()
    [[10, 132], [255, 255]]
    >>> composite(fg, a, None)[..., 3].tolist()
    [[255, 128], [0, 0]]
    """
    clean = _checked(foreground, alpha)
    strength = None if shadow is None else contact_shadow(clean, shadow)
    if background is None:
        return _over_transparent(foreground, clean, strength)
    if len(background) != 3 or not all(0 <= c <= 255 for c in background):  # noqa: PLR2004
        msg = f"background must be three values in 0..255, got {background}"
        raise ValueError(msg)
    colour = np.array(background, np.uint8)
    backdrop = np.empty_like(foreground)
    backdrop[...] = colour
    band = _shadow_rows(strength)
    if strength is not None and band is not None:
        darkened = colour.astype(np.float32) * (1.0 - strength[band])[..., None]
        backdrop[band] = (darkened + 0.5).astype(np.uint8)
    weights = 1.0 - clean
    blended = cv2.blendLinear(foreground, backdrop, clean, weights)
    untouched = clean == 0.0
    if strength is not None:
        untouched &= strength == 0.0
    # The blend divides by (w1 + w2 + eps); resetting pins the background to the exact colour.
    cv2.copyTo(backdrop, untouched.view(np.uint8), blended)
    return np.asarray(blended, dtype=np.uint8)


def _shadow_rows(strength: Alpha | None) -> slice | None:
    """Rows holding any shadow: the work on the shadow is confined to this band."""
    if strength is None:
        return None
    rows = np.flatnonzero(strength.any(axis=1))
    return slice(int(rows[0]), int(rows[-1]) + 1) if rows.size else None


def _over_transparent(foreground: RgbImage, alpha: Alpha, strength: Alpha | None) -> RgbaImage:
    colour = foreground.copy()
    opacity = alpha.copy()
    band = _shadow_rows(strength)
    if strength is not None and band is not None:
        # Porter-Duff "over": the product over a black shadow layer, kept as straight alpha.
        a, s = alpha[band], strength[band]
        opacity[band] = a + s * (1.0 - a)
        keep = np.divide(a, opacity[band], out=np.ones_like(a), where=s > 0.0)
        colour[band] = (foreground[band] * keep[..., None] + 0.5).astype(np.uint8)
    coverage = (opacity * 255.0 + 0.5).astype(np.uint8)
    return np.dstack((colour, coverage))
