"""What an OCR engine read in a photo: lines of words with boxes, confidence and orientation.

The same models are what the ``OcrReader`` port returns in process and what the OCR endpoint
sends back as JSON, so a reading cannot change shape on the way. Coordinates are pixels of the
upright photo in row/column order; a box's ``bottom`` and ``right`` are exclusive.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Orientation = Literal[0, 90, 180, 270]
"""Clockwise rotation of the text from upright: 90 reads top to bottom, 180 upside down."""

Confidence = Annotated[float, Field(ge=0.0, le=1.0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PixelBox(_Frozen):
    """An axis-aligned box in pixels; ``bottom`` and ``right`` are exclusive.

    Examples
    --------
    >>> box = PixelBox(top=10, left=20, bottom=30, right=60)
    >>> box.height, box.width, box.area
    (20, 40, 800)
    """

    top: Annotated[int, Field(ge=0)]
    left: Annotated[int, Field(ge=0)]
    bottom: Annotated[int, Field(ge=0)]
    right: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _ordered(self) -> PixelBox:
        if self.bottom < self.top or self.right < self.left:
            raise ValueError(f"box corners are out of order: {self.model_dump()}")
        return self

    @property
    def height(self) -> int:
        """Rows covered."""
        return self.bottom - self.top

    @property
    def width(self) -> int:
        """Columns covered."""
        return self.right - self.left

    @property
    def area(self) -> int:
        """Pixels covered."""
        return self.height * self.width


class Point(_Frozen):
    """A corner of a text quadrilateral, in (fractional) pixels."""

    row: float
    col: float


class OcrWord(_Frozen):
    """One word: its text, how sure the engine is, and where it is."""

    text: Annotated[str, Field(min_length=1)]
    confidence: Confidence
    box: PixelBox


class OcrLine(_Frozen):
    """One line of text as the engine read it.

    ``quad`` holds the corners of the (possibly rotated) line box as they appear in the photo:
    top-left, top-right, bottom-right, bottom-left. ``orientation`` says which way the text runs,
    independently of the corner order.
    """

    text: Annotated[str, Field(min_length=1)]
    confidence: Confidence
    box: PixelBox
    quad: tuple[Point, Point, Point, Point]
    orientation: Orientation = 0
    words: tuple[OcrWord, ...] = ()


class OcrReading(_Frozen):
    """All the text found in one photo, lines in reading order (top to bottom, left to right).

    Examples
    --------
    >>> OcrReading(engine="none", rows=10, cols=10, lines=()).text
    ''
    """

    engine: str
    rows: Annotated[int, Field(gt=0)]
    cols: Annotated[int, Field(gt=0)]
    lines: tuple[OcrLine, ...] = ()
    text_area_fraction: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    """Fraction of the photo covered by the union of the line boxes."""

    @property
    def text(self) -> str:
        """The lines joined by newlines."""
        return "\n".join(line.text for line in self.lines)
