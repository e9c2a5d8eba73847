"""Turn an OCR engine's raw detections into an :class:`OcrReading`.

Engines report text lines as quadrilaterals, sometimes with one box per character. This module
is the engine-independent half of OCR: it splits lines into words, gives each word a box (from
its characters' boxes when the engine has them, else by its share of the line), sorts lines into
reading order and measures how much of the photo the text covers. The in-process reader and the
OCR endpoint both call it, so they report the same reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pixellift.core.contracts.ocr_reading import (
    OcrLine,
    OcrReading,
    OcrWord,
    Orientation,
    PixelBox,
    Point,
)

Quad = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]
"""Four ``(row, col)`` corners: top-left, top-right, bottom-right, bottom-left in the photo."""


@dataclass(frozen=True)
class Glyph:
    """One character the engine placed: its text, its box and its confidence."""

    text: str
    quad: Quad
    confidence: float


@dataclass(frozen=True)
class DetectedLine:
    """A line as an engine reports it.

    Attributes
    ----------
    quad
        Corners of the line box in the photo.
    text
        The recognised text.
    confidence
        In ``[0, 1]``.
    orientation
        Clockwise rotation of the text from upright.
    glyphs
        One per character of ``text`` when the engine locates characters; otherwise empty and
        words are placed by their share of the line.
    """

    quad: Quad
    text: str
    confidence: float
    orientation: Orientation = 0
    glyphs: tuple[Glyph, ...] = ()


def quad_box(quad: Sequence[tuple[float, float]], rows: int, cols: int) -> PixelBox:
    """The smallest pixel box holding ``quad``, clipped to the photo.

    Examples
    --------
    >>> quad_box(((2.4, 3.0), (2.0, 9.5), (6.0, 9.5), (6.2, 3.0)), rows=5, cols=20)
    PixelBox(top=2, left=3, bottom=5, right=10)
    """
    points = np.asarray(quad, dtype=np.float64)
    top = int(np.clip(np.floor(points[:, 0].min()), 0, rows))
    left = int(np.clip(np.floor(points[:, 1].min()), 0, cols))
    bottom = int(np.clip(np.ceil(points[:, 0].max()), top, rows))
    right = int(np.clip(np.ceil(points[:, 1].max()), left, cols))
    return PixelBox(top=top, left=left, bottom=bottom, right=right)


def _word_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], None
    for index, char in enumerate(text):
        if char.isspace():
            if start is not None:
                spans.append((start, index))
                start = None
        elif start is None:
            start = index
    if start is not None:
        spans.append((start, len(text)))
    return spans


def _along(quad: Quad, start: float, stop: float) -> Quad:
    """The part of a line's quad between two fractions of its reading length."""
    q = np.asarray(quad, dtype=np.float64)
    top_a, top_b = q[0] + (q[1] - q[0]) * start, q[0] + (q[1] - q[0]) * stop
    bottom_a, bottom_b = q[3] + (q[2] - q[3]) * start, q[3] + (q[2] - q[3]) * stop
    corners = (top_a, top_b, bottom_b, bottom_a)
    return tuple((float(c[0]), float(c[1])) for c in corners)  # type: ignore[return-value]


def _reading_quad(line: DetectedLine) -> Quad:
    """The line's corners in reading order, so fractions of the text map onto the box."""
    q = line.quad
    turns = {0: 0, 90: 1, 180: 2, 270: 3}[line.orientation]
    # Upright text reads from the top-left corner; text turned 90 degrees clockwise starts at
    # the top-right corner of its box in the photo, and so on round the box.
    order = [(i + turns) % 4 for i in range(4)]
    return (q[order[0]], q[order[1]], q[order[2]], q[order[3]])


def _words(line: DetectedLine, rows: int, cols: int) -> tuple[OcrWord, ...]:
    spans = _word_spans(line.text)
    use_glyphs = len(line.glyphs) == len(line.text)
    reading = _reading_quad(line)
    length = max(len(line.text), 1)
    words = []
    for start, stop in spans:
        if use_glyphs:
            glyphs = line.glyphs[start:stop]
            corners = [corner for glyph in glyphs for corner in glyph.quad]
            confidence = float(np.mean([glyph.confidence for glyph in glyphs]))
        else:
            corners = list(_along(reading, start / length, stop / length))
            confidence = line.confidence
        words.append(
            OcrWord(
                text=line.text[start:stop],
                confidence=float(np.clip(confidence, 0.0, 1.0)),
                box=quad_box(corners, rows, cols),
            )
        )
    return tuple(words)


def reading_order(lines: Sequence[OcrLine]) -> tuple[OcrLine, ...]:
    """Sort lines top to bottom, and left to right within a row.

    A line belongs to the row of the line above it when its vertical centre lies inside that
    line's box, so words a pixel or two apart in height still read left to right.

    Examples
    --------
    >>> from pixellift.core.contracts.ocr_reading import PixelBox, Point
    >>> def line(text, top, left):
    ...     box = PixelBox(top=top, left=left, bottom=top + 20, right=left + 30)
    ...     quad = (Point(row=top, col=left),) * 4
    ...     return OcrLine(text=text, confidence=1.0, box=box, quad=quad)
    >>> lines = [line("c", 50, 0), line("b", 11, 40), line("a", 12, 0)]
    >>> [item.text for item in reading_order(lines)]
    ['a', 'b', 'c']
    """
    rows: list[list[OcrLine]] = []
    for item in sorted(lines, key=lambda candidate: (candidate.box.top, candidate.box.left)):
        centre = (item.box.top + item.box.bottom) / 2
        anchor = rows[-1][0].box if rows else None
        if anchor is not None and anchor.top <= centre < anchor.bottom:
            rows[-1].append(item)
        else:
            rows.append([item])
    return tuple(item for row in rows for item in sorted(row, key=lambda c: c.box.left))


def assemble_reading(
    lines: Sequence[DetectedLine],
    *,
    rows: int,
    cols: int,
    engine: str,
    min_confidence: float = 0.0,
) -> OcrReading:
    """Build the reading of one photo from an engine's lines.

    Parameters
    ----------
    lines
        The engine's lines, in any order.
    rows, cols
        Size of the photo the coordinates refer to.
    engine
        Name recorded in the reading.
    min_confidence
        Lines below this confidence, and lines with no visible text, are dropped.

    Returns
    -------
    OcrReading
        Lines sorted top to bottom, then left to right, each with its words.

    Examples
    --------
    >>> line = DetectedLine(((10, 0), (10, 100), (30, 100), (30, 0)), "SALE 50%", 0.9)
    >>> reading = assemble_reading([line], rows=40, cols=100, engine="demo")
    >>> [(w.text, w.box.left, w.box.right) for w in reading.lines[0].words]
    [('SALE', 0, 50), ('50%', 62, 100)]
    >>> reading.text_area_fraction
    0.5
    """
    kept = [line for line in lines if line.text.strip() and line.confidence >= min_confidence]
    built = []
    coverage = np.zeros((rows, cols), dtype=bool)
    for line in kept:
        box = quad_box(line.quad, rows, cols)
        coverage[box.top : box.bottom, box.left : box.right] = True
        built.append(
            OcrLine(
                text=line.text.strip(),
                confidence=float(np.clip(line.confidence, 0.0, 1.0)),
                box=box,
                quad=tuple(Point(row=r, col=c) for r, c in line.quad),  # type: ignore[arg-type]
                orientation=line.orientation,
                words=_words(line, rows, cols),
            )
        )
    return OcrReading(
        engine=engine,
        rows=rows,
        cols=cols,
        lines=reading_order(built),
        text_area_fraction=float(coverage.mean()),
    )
