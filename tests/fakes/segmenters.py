"""Fake segmenters implementing :class:`pixellift.core.ports.Segmenter`."""

from __future__ import annotations

import cv2
import numpy as np
from pixellift.core.ports import Segmenter
from pixellift.core.types import Alpha, RgbImage

_DIFFERENCE = 30


class FakeSegmenter:
    """A segmenter that needs no model.

    With ``mask`` it returns that map, resized (bilinear) to each photo's size. Without one it
    marks as foreground every pixel whose colour differs from the top-left pixel by more than
    30 levels in any channel, which is right for synthetic subjects on flat backgrounds.
    Every call is recorded as the ``(rows, cols)`` of the photo.
    """

    def __init__(self, mask: Alpha | None = None, *, name: str = "fake") -> None:
        if mask is not None and (mask.ndim != 2 or mask.size == 0):  # noqa: PLR2004
            raise ValueError(f"mask must be a non-empty (rows, cols) map, got {mask.shape}")
        self._mask = None if mask is None else np.clip(mask, 0.0, 1.0).astype(np.float32)
        self._name = name
        self.calls: list[tuple[int, int]] = []

    @property
    def name(self) -> str:
        """Identifier recorded in step logs."""
        return self._name

    def predict(self, rgb: RgbImage) -> Alpha:
        """Return the configured map, or the colour-difference mask, at ``rgb``'s size."""
        rows, cols = rgb.shape[:2]
        self.calls.append((rows, cols))
        if self._mask is None:
            difference = np.abs(rgb.astype(np.int16) - rgb[0, 0].astype(np.int16)).max(axis=2)
            foreground: Alpha = (difference > _DIFFERENCE).astype(np.float32)
            return foreground
        if self._mask.shape == (rows, cols):
            return self._mask.copy()
        resized = cv2.resize(self._mask, (cols, rows), interpolation=cv2.INTER_LINEAR)
        return np.clip(resized, 0.0, 1.0).astype(np.float32)


class FailingSegmenter:
    """A segmenter whose every prediction raises the given error (an unavailable endpoint)."""

    def __init__(self, error: Exception, *, name: str = "failing") -> None:
        self._error = error
        self._name = name
        self.calls = 0

    @property
    def name(self) -> str:
        """Identifier recorded in step logs."""
        return self._name

    def predict(self, rgb: RgbImage) -> Alpha:
        """Raise the configured error."""
        self.calls += 1
        raise self._error


def _conforms(fake: FakeSegmenter, failing: FailingSegmenter) -> tuple[Segmenter, Segmenter]:
    """Type-level check that both fakes satisfy the port (mypy fails here if they drift)."""
    return fake, failing
