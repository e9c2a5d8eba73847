"""Tell overlay text from packaging text, and find watermarks and contact details in OCR lines.

Where a line sits relative to the product decides most cases: text on the backdrop or across
the product's edge was added over the photo (``overlay_text``), text well inside the product is
printed on it (``packaging_text``). Two looks override a position inside the product: a crisp,
axis-aligned caption block (flat fill, sharp high-contrast glyphs: typeset, not photographed) is
overlay text, and faint text (low contrast, as a semi-transparent mark leaves) is a watermark.
Text repeated across the photo, or running diagonally, is a watermark wherever it is.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np

from pixellift.core.contracts.ocr_reading import OcrLine, OcrReading
from pixellift.core.guard.contact import find_contacts
from pixellift.core.guard.findings import Box, GuardClass, GuardFinding
from pixellift.core.guard.regions import ProductMap, clip_box, make_finding
from pixellift.core.types import RgbImage

DETECTOR: Final = "text"
_INSIDE: Final = 0.85
_OUTSIDE: Final = 0.15
_FAINT: Final = 60.0  # glyph-to-fill contrast (0..255) below which text is faint
_FAINT_ON_PRODUCT: Final = 45.0  # printed text can be subtle: a lower bar on the product
_CAPTION_CONTRAST: Final = 80.0
_CAPTION_FLATNESS: Final = 2.5  # median absolute deviation of the fill, in levels
_AXIS_DEGREES: Final = 1.5
_DIAGONAL: Final = (15.0, 75.0)
_PACKAGED_CONTACT: Final = 0.5
_MIN_CHARACTERS: Final = 2  # contact details printed on the product: half confidence


@dataclass(frozen=True)
class TextLook:
    """How a line of text looks: contrast of glyphs to fill and how flat the fill is."""

    contrast: float
    flatness: float
    angle: float


def _box(line: OcrLine) -> Box:
    b = line.box
    return (b.left, b.top, b.right, b.bottom)


def _angle(line: OcrLine) -> float:
    a, b = line.quad[0], line.quad[1]
    degrees = math.degrees(math.atan2(b.row - a.row, b.col - a.col)) % 180.0
    return min(degrees, 180.0 - degrees) if line.orientation in (0, 180) else abs(90.0 - degrees)


def look(gray: np.ndarray, line: OcrLine) -> TextLook:
    """Measure a line's glyph contrast and fill flatness on the grey photo (Otsu split).

    Examples
    --------
    >>> from pixellift.core.contracts.ocr_reading import PixelBox, Point
    >>> gray = np.full((40, 100), 200, np.uint8)
    >>> gray[15:25, 10:90:4] = 20
    >>> quad = (Point(row=10, col=5), Point(row=10, col=95), Point(row=30, col=95),
    ...     Point(row=30, col=5))
    >>> line = OcrLine(text="x", confidence=0.9, quad=quad,
    ...     box=PixelBox(top=10, left=5, bottom=30, right=95))
    >>> t = look(gray, line)
    >>> round(t.contrast), t.flatness, t.angle
    (180, 0.0, 0.0)
    """
    rows, cols = gray.shape
    x0, y0, x1, y1 = clip_box(_box(line), rows, cols)
    crop = gray[y0:y1, x0:x1]
    if crop.size < 4:  # noqa: PLR2004
        return TextLook(0.0, 0.0, _angle(line))
    threshold, split = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    high = split > 0
    if high.all() or not high.any():
        return TextLook(0.0, 0.0, _angle(line))
    fill = crop[high] if high.mean() >= 0.5 else crop[~high]  # noqa: PLR2004
    contrast = abs(float(crop[high].mean()) - float(crop[~high].mean()))
    flatness = float(np.median(np.abs(fill.astype(np.float32) - np.median(fill))))
    del threshold
    return TextLook(contrast, flatness, _angle(line))


def _normal(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _repeated(lines: tuple[OcrLine, ...]) -> set[str]:
    counts = Counter(_normal(line.text) for line in lines)
    return {text for text, n in counts.items() if n >= 2 and len(text) >= 3}  # noqa: PLR2004


def classify_line(
    line: OcrLine, product: ProductMap, text_look: TextLook, *, repeated: bool
) -> GuardFinding:
    """Classify one OCR line as overlay text, packaging text or a watermark."""
    box = _box(line)
    thickness = min(box[2] - box[0], box[3] - box[1])
    inside = product.coverage(box)
    ring = product.ring_coverage(box, max(3, round(0.6 * thickness)))
    share = (inside + ring) / 2.0
    confidence = line.confidence
    diagonal = _DIAGONAL[0] <= text_look.angle <= _DIAGONAL[1]
    cls = GuardClass.OVERLAY_TEXT
    on_product = min(inside, ring) >= _INSIDE
    if repeated or diagonal:
        cls = GuardClass.WATERMARK
        confidence *= 0.95 if repeated else 0.8
    elif text_look.contrast < (_FAINT_ON_PRODUCT if on_product else _FAINT):
        cls = GuardClass.WATERMARK
        confidence *= 0.7
    elif on_product:
        caption = (
            text_look.contrast >= _CAPTION_CONTRAST
            and text_look.flatness <= _CAPTION_FLATNESS
            and text_look.angle <= _AXIS_DEGREES
        )
        if caption:
            confidence *= 0.85
        else:
            cls = GuardClass.PACKAGING_TEXT
            confidence *= min(inside, ring)
    elif max(inside, ring) > _OUTSIDE:
        # Across the product's edge: surest when the line is half on, half off the product.
        confidence *= 0.6 + 0.4 * (1.0 - abs(2.0 * share - 1.0))
    return make_finding(
        cls=cls,
        box=box,
        confidence=round(float(np.clip(confidence, 0.0, 1.0)), 4),
        text=line.text,
        detector=DETECTOR,
    )


def _span_box(line: OcrLine, start: int, end: int) -> Box:
    x0, y0, x1, y1 = _box(line)
    if line.orientation != 0 or not line.text:
        return (x0, y0, x1, y1)
    width = x1 - x0
    n = len(line.text)
    return (x0 + width * start // n, y0, x0 + -(-width * end // n), y1)


def text_findings(rgb: RgbImage, reading: OcrReading, product: ProductMap) -> list[GuardFinding]:
    """Classify every OCR line, and report the contact details found in each.

    Contact details printed on the product keep half their confidence, so a profile routes them
    to review rather than failing the photo outright.
    """
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    repeated = _repeated(reading.lines)
    findings: list[GuardFinding] = []
    for line in reading.lines:
        if len(_normal(line.text)) < _MIN_CHARACTERS:
            continue  # a lone letter or mark: as often a ring, a hole or a chain link
        text_look = look(gray, line)
        finding = classify_line(line, product, text_look, repeated=_normal(line.text) in repeated)
        findings.append(finding)
        factor = _PACKAGED_CONTACT if finding.cls is GuardClass.PACKAGING_TEXT else 1.0
        findings.extend(
            make_finding(
                cls=match.cls,
                box=_span_box(line, match.start, match.end),
                confidence=round(line.confidence * factor, 4),
                text=match.text,
                detector="contact",
            )
            for match in find_contacts(line.text)
        )
    return findings
