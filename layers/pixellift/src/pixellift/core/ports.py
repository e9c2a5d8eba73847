"""Ports: the interfaces through which the pure core reaches the outside world.

Adapters in ``pixellift.adapters`` implement them; tests use the fakes in ``tests/fakes``.
"""

from __future__ import annotations

from typing import Protocol

from pixellift.core.types import Alpha, RgbImage


class Segmenter(Protocol):
    """Predicts a coarse foreground probability for the main subject of a photo."""

    @property
    def name(self) -> str:
        """Stable identifier of the model (recorded in step logs)."""
        ...

    def predict(self, rgb: RgbImage) -> Alpha:
        """Return a ``(rows, cols)`` float32 probability map at the input's size."""
        ...


class Clock(Protocol):
    """Monotonic time source, injected so step timings are testable."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin."""
        ...
