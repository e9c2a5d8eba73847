"""The one finding schema every guard detector reports in.

Boxes are ``(x0, y0, x1, y1)`` in the input image's pixels, ``x1``/``y1`` exclusive, so a box
covering a whole ``W``×``H`` image is ``(0, 0, W, H)``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class GuardClass(StrEnum):
    """What a finding is; the documented list the ``--json`` report draws from."""

    OVERLAY_TEXT = "overlay_text"
    """Text laid over the photo: on the backdrop, across the product's edge, or a caption block."""
    PACKAGING_TEXT = "packaging_text"
    """Text printed on the product itself (allowed on main images)."""
    WATERMARK = "watermark"
    """A semi-transparent or tiled mark over the photo."""
    BADGE = "badge"
    """A promo badge or sticker: starburst, ribbon, circle or box with text."""
    BORDER = "border"
    """A frame or border band around the photo."""
    INSET = "inset"
    """A picture-in-picture: a second photo pasted into the image."""
    PERSON = "person"
    FACE = "face"
    QR_CODE = "qr_code"
    BARCODE = "barcode"
    PHONE_NUMBER = "phone_number"
    URL = "url"
    EMAIL = "email"


Box = tuple[int, int, int, int]


class GuardFinding(BaseModel):
    """One thing a detector found.

    Examples
    --------
    >>> f = GuardFinding(cls=GuardClass.OVERLAY_TEXT, box=(10, 20, 210, 60), confidence=0.93,
    ...     text="50% OFF")
    >>> f.model_dump(mode="json", by_alias=True)["class"]
    'overlay_text'
    >>> f.area
    8000
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    cls: GuardClass = Field(alias="class")
    box: Box
    confidence: Annotated[float, Field(ge=0.0, le=1.0)]
    text: str | None = None
    polygon: tuple[tuple[int, int], ...] | None = None
    """The outline where a box is too coarse (rotated text, a starburst), in input pixels."""
    detector: str = ""
    """Which detector reported it (for explanations and per-detector accuracy)."""

    @property
    def area(self) -> int:
        """The box's area in pixels."""
        x0, y0, x1, y1 = self.box
        return max(0, x1 - x0) * max(0, y1 - y0)
