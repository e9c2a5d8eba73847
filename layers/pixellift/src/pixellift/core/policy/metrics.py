"""The measured properties a rule can test: names, kinds, units and who measures them.

``file`` metrics are measured from the output file itself (:mod:`pixellift.core.policy.measure`);
``detector`` metrics are counts reported by content detectors (Text Guard, SceneSafe) and are
unchecked until a detector reports them; ``listing`` metrics describe the listing an image belongs
to (how many images it has) and come from the batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

MetricKind = Literal["int", "float", "str", "bool"]
MetricOrigin = Literal["file", "detector", "listing"]


class Metric(StrEnum):
    """Names of measured properties (snake_case, stable: rule packs refer to them)."""

    WIDTH = "width"
    HEIGHT = "height"
    LONGEST_SIDE = "longest_side"
    SHORTEST_SIDE = "shortest_side"
    SUM_OF_SIDES = "sum_of_sides"
    MEGAPIXELS = "megapixels"
    ASPECT_RATIO = "aspect_ratio"
    FORMAT = "format"
    ANIMATED = "animated"
    EXTENSION_MATCHES_FORMAT = "extension_matches_format"
    FILE_NAME = "file_name"
    FILE_BYTES = "file_bytes"
    DPI = "dpi"
    COLOUR_MODE = "colour_mode"
    BIT_DEPTH = "bit_depth"
    COLOUR_SPACE = "colour_space"
    ICC_PROFILE = "icc_profile"
    JPEG_QUALITY = "jpeg_quality"
    HAS_TRANSPARENCY = "has_transparency"
    BACKGROUND_PURITY = "background_purity"
    LONGEST_SIDE_FILL = "longest_side_fill"
    AREA_FILL = "area_fill"
    PRODUCT_COVERAGE = "product_coverage"
    MIN_MARGIN = "min_margin"
    MIN_MARGIN_PX = "min_margin_px"
    OVERLAY_TEXT_COUNT = "overlay_text_count"
    WATERMARK_COUNT = "watermark_count"
    LOGO_COUNT = "logo_count"
    BADGE_COUNT = "badge_count"
    BORDER_COUNT = "border_count"
    INSET_COUNT = "inset_count"
    PERSON_COUNT = "person_count"
    MANNEQUIN_COUNT = "mannequin_count"
    PROP_COUNT = "prop_count"
    LISTING_IMAGE_COUNT = "listing_image_count"


@dataclass(frozen=True)
class MetricInfo:
    """What a metric is and how to read its value."""

    kind: MetricKind
    origin: MetricOrigin
    unit: str
    description: str


def _file(kind: MetricKind, unit: str, description: str) -> MetricInfo:
    return MetricInfo(kind, "file", unit, description)


def _detector(description: str) -> MetricInfo:
    return MetricInfo("int", "detector", "count", description)


METRICS: Final[Mapping[Metric, MetricInfo]] = {
    Metric.WIDTH: _file("int", "px", "image width in pixels, after EXIF orientation"),
    Metric.HEIGHT: _file("int", "px", "image height in pixels, after EXIF orientation"),
    Metric.LONGEST_SIDE: _file("int", "px", "the longer of width and height"),
    Metric.SHORTEST_SIDE: _file("int", "px", "the shorter of width and height"),
    Metric.SUM_OF_SIDES: _file("int", "px", "width plus height"),
    Metric.MEGAPIXELS: _file("float", "MP", "width times height, in millions of pixels"),
    Metric.ASPECT_RATIO: _file("float", "w/h", "width divided by height"),
    Metric.FORMAT: _file(
        "str", "", "container format: JPEG, PNG, GIF, WEBP, TIFF, BMP, HEIF, AVIF"
    ),
    Metric.ANIMATED: _file("bool", "", "the file holds more than one frame"),
    Metric.EXTENSION_MATCHES_FORMAT: _file(
        "bool", "", "the file name's extension names the format the bytes are in"
    ),
    Metric.FILE_NAME: _file("str", "", "the file's name, without folders"),
    Metric.FILE_BYTES: _file("int", "bytes", "size of the file"),
    Metric.DPI: _file("float", "dpi", "resolution tag (the lower axis); absent when untagged"),
    Metric.COLOUR_MODE: _file("str", "", "RGB, CMYK or GRAY (alpha and palettes count as RGB)"),
    Metric.BIT_DEPTH: _file("int", "bits", "bits per channel"),
    Metric.COLOUR_SPACE: _file(
        "str", "", "sRGB, Display P3, Adobe RGB, CMYK, other (tagged) or untagged"
    ),
    Metric.ICC_PROFILE: _file("str", "", "description of the embedded ICC profile, if any"),
    Metric.JPEG_QUALITY: _file("int", "", "JPEG quality estimated from the quantisation tables"),
    Metric.HAS_TRANSPARENCY: _file("bool", "", "some pixel is not fully opaque"),
    Metric.BACKGROUND_PURITY: _file(
        "float",
        "fraction",
        "fraction of background pixels within the rule's tolerance of an allowed colour",
    ),
    Metric.LONGEST_SIDE_FILL: _file(
        "float", "fraction", "product box side over canvas side, the larger of rows and columns"
    ),
    Metric.AREA_FILL: _file("float", "fraction", "product box area over canvas area"),
    Metric.PRODUCT_COVERAGE: _file("float", "fraction", "product pixels over canvas pixels"),
    Metric.MIN_MARGIN: _file(
        "float", "fraction", "smallest gap between product box and frame edge, over that side"
    ),
    Metric.MIN_MARGIN_PX: _file("int", "px", "smallest gap between product box and frame edge"),
    Metric.OVERLAY_TEXT_COUNT: _detector("text added over the photo (not packaging text)"),
    Metric.WATERMARK_COUNT: _detector("watermarks, including tiled and semi-transparent ones"),
    Metric.LOGO_COUNT: _detector("logos added over the photo"),
    Metric.BADGE_COUNT: _detector("promotional badges and stickers"),
    Metric.BORDER_COUNT: _detector("borders and frames drawn around the picture"),
    Metric.INSET_COUNT: _detector("inset pictures (picture-in-picture)"),
    Metric.PERSON_COUNT: _detector("people (models) in the picture"),
    Metric.MANNEQUIN_COUNT: _detector("visible mannequins"),
    Metric.PROP_COUNT: _detector("props and items not included with the product"),
    Metric.LISTING_IMAGE_COUNT: MetricInfo(
        "int", "listing", "images", "images in the listing this image belongs to"
    ),
}
"""Every metric's kind, origin, unit and meaning."""

FILE_METRICS: Final = frozenset(m for m, info in METRICS.items() if info.origin == "file")
DETECTOR_METRICS: Final = frozenset(m for m, info in METRICS.items() if info.origin == "detector")
