"""Preset schema: one pydantic model validates preset files and drives the Auto-Fix pipeline.

A preset states what a finished image must look like for one marketplace and image role:
background, framing, size, DPI and encoding. Each value that comes from a marketplace rule cites
its source in the preset file's ``sources`` list.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_HEX = re.compile(r"^#?(?:[0-9a-fA-F]{3}){1,2}$")

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ShadowSettings(_Strict):
    """A soft contact shadow under the product."""

    opacity: Annotated[float, Field(ge=0.0, le=0.6)] = 0.25
    blur: Annotated[float, Field(gt=0.0, le=0.5)] = 0.04
    height: Annotated[float, Field(gt=0.0, le=0.5)] = 0.06


class BackgroundSettings(_Strict):
    """What replaces the photo's background: a solid colour, or transparency."""

    mode: Literal["colour", "transparent"] = "colour"
    colour: str = "#FFFFFF"
    shadow: ShadowSettings | None = None
    max_shadow_opacity: Annotated[float, Field(ge=0.0, le=0.6)] = 0.0

    @field_validator("colour")
    @classmethod
    def _hex_colour(cls, value: str) -> str:
        if not _HEX.match(value):
            msg = f"colour must be a hex colour such as #FFFFFF, got {value!r}"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _shadow_within_limit(self) -> BackgroundSettings:
        if self.shadow is not None and self.shadow.opacity > self.max_shadow_opacity:
            msg = (
                f"shadow opacity {self.shadow.opacity} exceeds this preset's limit "
                f"max_shadow_opacity={self.max_shadow_opacity}"
            )
            raise ValueError(msg)
        return self


class MarginSettings(_Strict):
    """Per-edge margins as fractions of the canvas side."""

    top: Fraction
    right: Fraction
    bottom: Fraction
    left: Fraction


class FramingSettings(_Strict):
    """Smart Margins: canvas aspect, product fill and anchoring."""

    aspect: tuple[Annotated[int, Field(gt=0)], Annotated[int, Field(gt=0)]] = (1, 1)
    fill: Annotated[float, Field(gt=0.0, le=1.0)] | None = 0.85
    margins: MarginSettings | None = None
    anchor: Literal["center", "bottom", "top"] = "center"
    min_margin: Annotated[float, Field(ge=0.0, lt=0.5)] = 0.0

    @model_validator(mode="after")
    def _fill_or_margins(self) -> FramingSettings:
        if (self.fill is None) == (self.margins is None):
            msg = "framing needs exactly one of 'fill' or 'margins'"
            raise ValueError(msg)
        return self


class SizeSettings(_Strict):
    """Output pixel size: an exact canvas or a long-edge target, with marketplace limits."""

    width: Annotated[int, Field(gt=0)] | None = None
    height: Annotated[int, Field(gt=0)] | None = None
    long_edge: Annotated[int, Field(gt=0)] | None = None
    min_long_edge: Annotated[int, Field(gt=0)] | None = None
    max_long_edge: Annotated[int, Field(gt=0)] | None = None
    max_upscale: Annotated[float, Field(ge=1.0, le=8.0)] = 2.0

    @model_validator(mode="after")
    def _one_target(self) -> SizeSettings:
        exact = self.width is not None and self.height is not None
        if exact == (self.long_edge is not None):
            msg = "size needs either both 'width' and 'height', or 'long_edge'"
            raise ValueError(msg)
        return self


class OutputSettings(_Strict):
    """Encoding of the finished file."""

    format: Literal["JPEG", "PNG", "WEBP"] = "JPEG"
    max_bytes: Annotated[int, Field(gt=0)] | None = None
    dpi: Annotated[int, Field(ge=1, le=1200)] = 72
    quality: Annotated[int, Field(ge=1, le=100)] = 92
    min_quality: Annotated[int, Field(ge=1, le=100)] = 60
    keep_metadata: tuple[Literal["exif"], ...] = ()

    @model_validator(mode="after")
    def _quality_range(self) -> OutputSettings:
        if self.min_quality > self.quality:
            msg = f"min_quality {self.min_quality} is above quality {self.quality}"
            raise ValueError(msg)
        return self


class SegmentationSettings(_Strict):
    """How the product is found: classical fast path when confident, else the model."""

    mode: Literal["auto", "model", "classical"] = "auto"


class EdgeSettings(_Strict):
    """Edge refinement: trimap band widths at output scale."""

    hard_band_px: Annotated[int, Field(ge=1, le=64)] = 2
    soft_band_px: Annotated[int, Field(ge=1, le=128)] = 16
    solver: Literal["guided", "closed_form"] = "guided"


class Preset(_Strict):
    """A marketplace/role recipe for the Auto-Fix pipeline."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    marketplace: str
    role: Literal["main", "secondary", "any"]
    description: str
    background: BackgroundSettings = BackgroundSettings()
    framing: FramingSettings = FramingSettings()
    size: SizeSettings
    output: OutputSettings = OutputSettings()
    segmentation: SegmentationSettings = SegmentationSettings()
    edges: EdgeSettings = EdgeSettings()
    sources: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _transparency_needs_alpha_format(self) -> Preset:
        if self.background.mode == "transparent" and self.output.format == "JPEG":
            msg = "a transparent background needs PNG or WEBP output, not JPEG"
            raise ValueError(msg)
        return self

    @property
    def key(self) -> str:
        """``name@version``, recorded with every output."""
        return f"{self.name}@{self.version}"
