"""Crop, scale and pad a photo and its mask onto an output canvas in one pass.

Working at output scale from here on keeps the later steps (edges, compositing, encoding) cheap and
bounds memory: a 50-megapixel photo is never padded at source scale.
"""

from __future__ import annotations

import cv2
import numpy as np

from pixellift.core.imaging.geometry import Box
from pixellift.core.imaging.resize import resize_alpha, resize_image
from pixellift.core.types import Alpha, RgbImage


def reframe(
    rgb: RgbImage, alpha: Alpha, canvas: Box, out_rows: int, out_cols: int
) -> tuple[RgbImage, Alpha]:
    """Map ``canvas`` (source coordinates, may extend past the photo) onto the output size.

    Pixels outside the photo get alpha 0 and the photo's edge colour (so edge refinement sees no
    seam); the photo's content is resampled once.

    Examples
    --------
    >>> rgb = np.full((4, 4, 3), 200, np.uint8); a = np.ones((4, 4), np.float32)
    >>> out_rgb, out_a = reframe(rgb, a, Box(-2, -2, 6, 6), 8, 8)
    >>> out_a.shape, float(out_a[0, 0]), float(out_a[4, 4]), int(out_rgb[0, 0, 0])
    ((8, 8), 0.0, 1.0, 200)
    """
    rows, cols = alpha.shape
    top, left = max(canvas.top, 0), max(canvas.left, 0)
    bottom, right = min(canvas.bottom, rows), min(canvas.right, cols)
    if bottom <= top or right <= left:
        msg = f"canvas {canvas} does not overlap the {rows}x{cols} image"
        raise ValueError(msg)
    scale_r = out_rows / canvas.rows
    scale_c = out_cols / canvas.cols
    dst_top = round((top - canvas.top) * scale_r)
    dst_left = round((left - canvas.left) * scale_c)
    dst_bottom = min(out_rows, max(dst_top + 1, round((bottom - canvas.top) * scale_r)))
    dst_right = min(out_cols, max(dst_left + 1, round((right - canvas.left) * scale_c)))
    crop_rgb = rgb[top:bottom, left:right]
    crop_alpha = alpha[top:bottom, left:right]
    inner_rgb = resize_image(crop_rgb, dst_bottom - dst_top, dst_right - dst_left)
    inner_alpha = resize_alpha(crop_alpha, dst_bottom - dst_top, dst_right - dst_left)
    pad = (dst_top, out_rows - dst_bottom, dst_left, out_cols - dst_right)
    if not any(pad):
        return np.ascontiguousarray(inner_rgb), np.ascontiguousarray(inner_alpha)
    out_rgb = cv2.copyMakeBorder(inner_rgb, *pad, borderType=cv2.BORDER_REPLICATE)
    out_alpha = cv2.copyMakeBorder(inner_alpha, *pad, borderType=cv2.BORDER_CONSTANT, value=0.0)
    return np.asarray(out_rgb, dtype=np.uint8), np.asarray(out_alpha, dtype=np.float32)
