"""Before/after side-by-side pictures for review."""

from __future__ import annotations

import cv2
import numpy as np

from pixellift.core.types import RgbaImage, RgbImage

_GAP = 16
_CHECKER = 24
_RGB_CHANNELS = 3


def _checkerboard(rows: int, cols: int) -> RgbImage:
    """Light grey checkerboard, the usual backdrop that shows transparency."""
    r = (np.arange(rows) // _CHECKER)[:, None]
    c = (np.arange(cols) // _CHECKER)[None, :]
    tone = np.where((r + c) % 2 == 0, 235, 205).astype(np.uint8)
    return np.repeat(tone[:, :, None], 3, axis=2)


def _flatten(image: RgbImage | RgbaImage) -> RgbImage:
    if image.shape[2] == _RGB_CHANNELS:
        return image
    alpha = image[:, :, 3:4].astype(np.float32) / 255.0
    board = _checkerboard(image.shape[0], image.shape[1]).astype(np.float32)
    mixed = image[:, :, :3].astype(np.float32) * alpha + board * (1.0 - alpha)
    return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)


def _fit_height(image: RgbImage, rows: int) -> RgbImage:
    scale = rows / image.shape[0]
    cols = max(1, round(image.shape[1] * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return np.asarray(cv2.resize(image, (cols, rows), interpolation=interp), dtype=np.uint8)


def side_by_side(
    before: RgbImage | RgbaImage, after: RgbImage | RgbaImage, *, rows: int = 800
) -> RgbImage:
    """Place ``before`` and ``after`` next to each other at a common height.

    Transparent results are shown over a checkerboard so transparency is visible.

    Examples
    --------
    >>> a = np.zeros((100, 50, 3), np.uint8); b = np.full((200, 200, 4), 255, np.uint8)
    >>> side_by_side(a, b, rows=100).shape
    (100, 166, 3)
    """
    left = _fit_height(_flatten(before), rows)
    right = _fit_height(_flatten(after), rows)
    gap = np.full((rows, _GAP, 3), 128, np.uint8)
    return np.concatenate([left, gap, right], axis=1)
