"""The ``CodeReader`` port on zxing-cpp: QR codes and barcodes, with their boxes and text."""

from __future__ import annotations

import importlib.metadata
from typing import Any, Final

import numpy as np

from pixellift.core.errors import ModelNotFoundError
from pixellift.core.guard.findings import GuardClass, GuardFinding
from pixellift.core.guard.regions import make_finding
from pixellift.core.types import RgbImage

_PACKAGE: Final = "zxing-cpp"
_SQUARE_CODES: Final = frozenset({"QR Code", "Micro QR Code", "rMQR Code", "QRCode", "MicroQRCode"})


def _load() -> Any:
    try:
        import zxingcpp
    except ImportError as exc:
        msg = "zxing-cpp is not installed: install it with `pip install zxing-cpp`"
        raise ModelNotFoundError(msg) from exc
    return zxingcpp


class ZxingCodeReader:
    """Finds every readable code; QR-family codes are ``qr_code``, the rest ``barcode``.

    A decoded code is certain, so findings carry confidence 1.0 (zxing-cpp reports no score);
    the decoded text is kept so a report can show what the code points at.

    Raises
    ------
    ModelNotFoundError
        On construction when zxing-cpp is not installed.
    """

    def __init__(self) -> None:
        self._zxing = _load()

    @property
    def name(self) -> str:
        """``zxing-cpp-<version>``."""
        return f"{_PACKAGE}-{importlib.metadata.version(_PACKAGE)}"

    def find_codes(self, rgb: RgbImage) -> list[GuardFinding]:
        """Every code in the photo, boxed by its corner points."""
        rows, cols = rgb.shape[:2]
        found = []
        for code in self._zxing.read_barcodes(np.ascontiguousarray(rgb)):
            if not code.valid:
                continue
            p = code.position
            corners = [(c.x, c.y) for c in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
            xs, ys = [x for x, _ in corners], [y for _, y in corners]
            box = (max(0, min(xs)), max(0, min(ys)), min(cols, max(xs) + 1), min(rows, max(ys) + 1))
            kind = str(code.format)
            cls = GuardClass.QR_CODE if kind in _SQUARE_CODES else GuardClass.BARCODE
            found.append(
                make_finding(
                    cls=cls,
                    box=box,
                    confidence=1.0,
                    text=code.text or None,
                    polygon=tuple((int(x), int(y)) for x, y in corners),
                    detector=f"zxing:{kind}",
                )
            )
        return found
