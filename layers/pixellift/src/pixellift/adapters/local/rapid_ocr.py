"""In-process OCR with RapidOCR (PP-OCRv4 detection and recognition on onnxruntime).

The ``rapidocr-onnxruntime`` wheel ships its three ONNX models, so nothing is downloaded. Lines
come from the detector, characters and their boxes from the recogniser (``return_word_box``),
and the orientation from the box's shape plus the 0/180-degree direction classifier; the
engine-independent rest is :func:`pixellift.core.imaging.ocr_layout.assemble_reading`. The
measurement behind the choice of engine is in ``docs/adr/0004-ocr-engine.md``.
"""

from __future__ import annotations

import importlib.metadata
import threading
from collections.abc import Sequence
from typing import Any, Final

import numpy as np

from pixellift.core.contracts.ocr_reading import OcrReading, Orientation
from pixellift.core.errors import ModelNotFoundError
from pixellift.core.imaging.ocr_layout import DetectedLine, Glyph, Quad, assemble_reading
from pixellift.core.types import RgbImage

DEFAULT_MIN_CONFIDENCE: Final = 0.5
_PACKAGE: Final = "rapidocr-onnxruntime"
_TALL: Final = 1.5  # RapidOCR turns a crop this much taller than wide before reading it
_CLS_THRESHOLD: Final = 0.9
_INSTALL_HINT: Final = (
    "install it with `pip install --no-deps rapidocr-onnxruntime==1.4.4 pyclipper shapely` "
    "(--no-deps keeps opencv-python-headless as the only OpenCV)"
)


def _quad(points: Sequence[Sequence[float]]) -> Quad:
    a, b, c, d = ((float(point[1]), float(point[0])) for point in points[:4])
    return (a, b, c, d)


def _orientation(points: Sequence[Sequence[float]], label: str, score: float) -> Orientation:
    quad = np.asarray(points, dtype=np.float64)
    width = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3]))
    height = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))
    # A tall crop is turned 90 degrees counter-clockwise before recognition, which reads text
    # running top to bottom; the classifier's "180" then means it ran bottom to top instead.
    turned = 90 if width > 0 and height / width >= _TALL else 0
    flipped = 180 if label == "180" and score >= _CLS_THRESHOLD else 0
    return (turned + flipped) % 360  # type: ignore[return-value]


def _glyphs(text: str, entry: Sequence[Any]) -> tuple[Glyph, ...]:
    boxes, chars, scores = entry[3], entry[4], entry[5]
    if "".join(chars) != text or not len(boxes) == len(chars) == len(scores):
        return ()
    return tuple(
        Glyph(text=c, quad=_quad(box), confidence=float(score))
        for c, box, score in zip(chars, boxes, scores, strict=True)
    )


class RapidOcrReader:
    """The ``OcrReader`` port on RapidOCR.

    Parameters
    ----------
    min_confidence
        Lines the recogniser is less sure of are dropped (RapidOCR's own default, 0.5).
    """

    def __init__(self, *, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> None:
        self._min_confidence = min_confidence
        self._engine: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """``rapidocr-onnxruntime-<version>/pp-ocrv4``."""
        try:
            version = importlib.metadata.version(_PACKAGE)
        except importlib.metadata.PackageNotFoundError:
            version = "missing"
        return f"{_PACKAGE}-{version}/pp-ocrv4"

    def engine(self) -> Any:
        """The RapidOCR engine, loaded on first use and shared by later calls.

        Raises
        ------
        ModelNotFoundError
            ``rapidocr-onnxruntime`` is not installed.
        """
        with self._lock:
            if self._engine is None:
                try:
                    from rapidocr_onnxruntime import RapidOCR  # type: ignore[import-untyped]
                except ImportError as exc:
                    raise ModelNotFoundError(f"RapidOCR is not installed: {_INSTALL_HINT}") from exc
                self._engine = RapidOCR()
            return self._engine

    def read(self, rgb: RgbImage) -> OcrReading:
        """Read every line of text in the photo.

        Raises
        ------
        ModelNotFoundError
            ``rapidocr-onnxruntime`` is not installed.
        """
        engine = self.engine()
        bgr = np.ascontiguousarray(rgb[..., ::-1])
        found, _ = engine(bgr, return_word_box=True, text_score=self._min_confidence)
        entries: list[Sequence[Any]] = list(found or [])
        directions: list[tuple[str, float]] = [("0", 1.0)] * len(entries)
        if entries:
            crops = engine.get_crop_img_list(
                bgr, [np.asarray(entry[0], dtype=np.float32) for entry in entries]
            )
            _, classes, _ = engine.text_cls(crops)
            directions = [(str(label), float(score)) for label, score in classes]
        lines = []
        for entry, direction in zip(entries, directions, strict=True):
            orientation = _orientation(entry[0], *direction)
            # RapidOCR maps character boxes back through the 90-degree turn but not through
            # the classifier's 180-degree flip: for flipped lines words are placed by their
            # share of the line instead.
            flipped = orientation in (180, 270)
            lines.append(
                DetectedLine(
                    quad=_quad(entry[0]),
                    text=str(entry[1]),
                    confidence=float(entry[2]),
                    orientation=orientation,
                    glyphs=() if flipped else _glyphs(str(entry[1]), entry),
                )
            )
        return assemble_reading(
            lines,
            rows=int(rgb.shape[0]),
            cols=int(rgb.shape[1]),
            engine=self.name,
            min_confidence=self._min_confidence,
        )
