"""Watermarked previews: a tiled, semi-transparent "PREVIEW" stamped over a shared image."""

from __future__ import annotations

from typing import Final

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pixellift.core.errors import InvalidImageArrayError
from pixellift.core.types import RgbImage

DEFAULT_TEXT: Final = "PREVIEW"
_RGB: Final = 3


def watermark_preview(
    rgb: RgbImage, *, text: str = DEFAULT_TEXT, opacity: float = 0.35, angle: float = 30.0
) -> RgbImage:
    """Stamp ``text`` in a rotated grid over the whole image, light on dark and dark on light.

    The mark repeats every few hundred pixels, so no crop of a useful size escapes it; the
    text is drawn white with a dark outline, so it shows on white backgrounds and on products.

    Parameters
    ----------
    rgb
        ``(rows, cols, 3)`` uint8.
    text
        The mark.
    opacity
        0 (invisible) to 1 (opaque).
    angle
        Rotation of the grid, in degrees.

    Returns
    -------
    RgbImage
        A new image of the same shape.

    Raises
    ------
    InvalidImageArrayError
        Not an RGB uint8 image, or an opacity outside ``(0, 1]``.

    Examples
    --------
    >>> white = np.full((200, 300, 3), 255, np.uint8)
    >>> marked = watermark_preview(white)
    >>> marked.shape, bool((marked < 200).any()), bool((marked == 255).any())
    ((200, 300, 3), True, True)
    """
    if rgb.ndim != _RGB or rgb.shape[2] != _RGB or rgb.dtype != np.uint8:
        msg = f"watermark: expected an RGB uint8 image, got {rgb.dtype} {rgb.shape}"
        raise InvalidImageArrayError(msg)
    if not 0 < opacity <= 1:
        msg = f"watermark: opacity must be in (0, 1], got {opacity}"
        raise InvalidImageArrayError(msg)
    rows, cols = rgb.shape[:2]
    size = max(12, min(rows, cols) // 8)
    font = ImageFont.load_default(size=size)
    step_x, step_y = int(size * len(text) * 0.9), size * 3
    side = int(np.hypot(rows, cols)) + 2 * step_x
    layer = Image.new("LA", (side, side), (0, 0))
    draw = ImageDraw.Draw(layer)
    alpha = round(255 * opacity)
    stroke = max(1, size // 12)
    for row_index, y in enumerate(range(0, side, step_y)):
        offset = (row_index % 2) * step_x // 2
        for x in range(-step_x + offset, side, step_x):
            draw.text(
                (x, y),
                text,
                font=font,
                fill=(255, alpha),
                stroke_width=stroke,
                stroke_fill=(40, alpha),
            )
    rotated = layer.rotate(angle, resample=Image.Resampling.BILINEAR)
    left, top = (side - cols) // 2, (side - rows) // 2
    mark = np.asarray(rotated.crop((left, top, left + cols, top + rows)), dtype=np.float32)
    shade, weight = mark[..., :1], mark[..., 1:] / 255.0
    out = rgb.astype(np.float32) * (1 - weight) + shade * weight
    marked: RgbImage = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return marked
