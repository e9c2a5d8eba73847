"""Ports of the Text Guard detectors that run outside the pure core.

Text comes through :class:`pixellift.core.ports.OcrReader`; machine-readable codes and scene
elements (faces, people) come through these, so the core never imports a decoder or a model.
"""

from __future__ import annotations

from typing import Protocol

from pixellift.core.guard.findings import GuardFinding
from pixellift.core.types import RgbImage


class CodeReader(Protocol):
    """Finds QR codes and barcodes, reported as ``qr_code`` / ``barcode`` findings."""

    @property
    def name(self) -> str:
        """Stable identifier of the decoder and its version."""
        ...

    def find_codes(self, rgb: RgbImage) -> list[GuardFinding]:
        """Every code found, with its box in ``rgb``'s pixels and its decoded text."""
        ...


class SceneDetector(Protocol):
    """Finds people and faces, reported as ``person`` / ``face`` findings."""

    @property
    def name(self) -> str:
        """Stable identifier of the detector and its model."""
        ...

    def find_people(self, rgb: RgbImage) -> list[GuardFinding]:
        """Every face and person found, with boxes in ``rgb``'s pixels."""
        ...
