"""Measure the real output file: what a marketplace's checker sees, not what the preset intended.

The file is decoded once, by the pipeline's own decoder (:func:`decode_image`: the same formats,
orientation, sRGB conversion and error messages), then a few whole-image passes in OpenCV. The
product is told from the background by the alpha channel where the file has one, else by a border
scan: pixels within ``PRODUCT_THRESHOLD`` of the colour that dominates the frame's outermost
pixels are background. Background purity is the share of background pixels within a rule's
tolerance of an allowed colour. Left out: a thin guard band around the product, where
anti-aliasing and JPEG ringing are expected. Always in: the frame's outermost pixels, so a border
or an edge shadow counts against purity. Transparent pixels match no colour: what a marketplace
lays under them (white, black, its page colour) is not documented, so they never count as pure.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from pixellift.core.imaging.decode import DEFAULT_MAX_PIXELS, decode_image
from pixellift.core.policy.engine import Measurement, MetricValue
from pixellift.core.policy.schema import BackgroundSpec
from pixellift.core.types import Alpha

PRODUCT_THRESHOLD: Final = 24
"""Per-channel distance from the border colour beyond which a pixel is product (no alpha)."""
ALPHA_PRODUCT: Final = 0.5
"""Alpha from which a pixel is product, when the file has an alpha channel."""
GUARD_FRACTION: Final = 0.002
"""Guard band around the product left out of purity, as a fraction of the long side (min 3 px)."""
WHITE: Final = BackgroundSpec(colours=("#FFFFFF",), tolerance=3)

_EXTENSIONS: Final = {
    "JPEG": {".jpg", ".jpeg", ".jpe", ".jfif"},
    "PNG": {".png"},
    "GIF": {".gif"},
    "WEBP": {".webp"},
    "TIFF": {".tif", ".tiff"},
    "BMP": {".bmp"},
    "HEIF": {".heic", ".heif", ".hif"},
    "AVIF": {".avif"},
}
_STD_LUMA: Final = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip
_GRAY_MODES: Final = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "F"})
_SPACES: Final = (("srgb", "sRGB"), ("display p3", "Display P3"), ("adobe rgb", "Adobe RGB"))

U8 = npt.NDArray[np.uint8]


def colour_space(profile: str | None, mode: str) -> str:
    """Name the colour space from the embedded profile's description and the pixel mode.

    Examples
    --------
    >>> colour_space("sRGB IEC61966-2.1", "RGB"), colour_space("Display P3", "RGB")
    ('sRGB', 'Display P3')
    >>> colour_space(None, "CMYK"), colour_space(None, "RGB")
    ('CMYK', 'untagged')
    """
    if profile is None:
        return "CMYK" if mode == "CMYK" else "untagged"
    lowered = profile.lower()
    return next((space for needle, space in _SPACES if needle in lowered), "other")


def jpeg_quality(tables: dict[int, list[int]] | None) -> int | None:
    """Estimate the libjpeg quality setting from the luminance quantisation table.

    Examples
    --------
    >>> jpeg_quality({0: [max(1, (q * 16 + 50) // 100) for q in _STD_LUMA]})
    92
    """
    if not tables or 0 not in tables:
        return None
    scale = 100.0 * sum(tables[0]) / sum(_STD_LUMA)
    quality = (200.0 - scale) / 2.0 if scale <= 100.0 else 5000.0 / scale  # noqa: PLR2004
    return round(min(100.0, max(1.0, quality)))


def _jpeg_tables(data: bytes) -> dict[int, list[int]] | None:
    # Reads the header only; restricted to the JPEG plugin like the decoder's own detection.
    with Image.open(io.BytesIO(data), formats=["JPEG"]) as img:
        tables = getattr(img, "quantization", None)
    return dict(tables) if tables else None


def _product_mask(rgb: U8, alpha: Alpha | None) -> tuple[U8, str]:
    if alpha is not None:
        return (alpha >= ALPHA_PRODUCT).astype(np.uint8) * np.uint8(255), "alpha"
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    colour = np.median(border, axis=0)
    lower = np.clip(colour - PRODUCT_THRESHOLD, 0, 255).astype(np.uint8)
    upper = np.clip(colour + PRODUCT_THRESHOLD, 0, 255).astype(np.uint8)
    background = cv2.inRange(rgb, lower, upper)
    return np.asarray(cv2.bitwise_not(background), np.uint8), "border"


def _allowed(rgb: U8, alpha: Alpha | None, spec: BackgroundSpec) -> U8:
    hits = []
    for hex_colour in spec.colours:
        colour = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], np.int32)
        lower = np.clip(colour - spec.tolerance, 0, 255).astype(np.uint8)
        upper = np.clip(colour + spec.tolerance, 0, 255).astype(np.uint8)
        hits.append(np.asarray(cv2.inRange(rgb, lower, upper), np.uint8))
    match = hits[0]
    for hit in hits[1:]:
        match = np.asarray(cv2.bitwise_or(match, hit), np.uint8)
    if alpha is not None:
        match = np.asarray(match * (alpha >= 1.0), np.uint8)
    return match


def _geometry(mask: U8, rows: int, cols: int) -> dict[str, MetricValue]:
    # Eroding drops isolated specks and JPEG noise; the box is grown back by the erosion's 1 px.
    core = cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    left, top, box_cols, box_rows = cv2.boundingRect(core)
    if box_cols == 0 or box_rows == 0:
        return {
            "longest_side_fill": 0.0,
            "area_fill": 0.0,
            "product_coverage": 0.0,
            "min_margin": None,
            "min_margin_px": None,
        }
    top, left = max(0, top - 1), max(0, left - 1)
    bottom, right = min(rows, top + box_rows + 2), min(cols, left + box_cols + 2)
    box_rows, box_cols = bottom - top, right - left
    margins = (top / rows, (rows - bottom) / rows, left / cols, (cols - right) / cols)
    return {
        "longest_side_fill": round(max(box_rows / rows, box_cols / cols), 6),
        "area_fill": round(box_rows * box_cols / (rows * cols), 6),
        "product_coverage": round(cv2.countNonZero(mask) / (rows * cols), 6),
        "min_margin": round(min(margins), 6),
        "min_margin_px": min(top, rows - bottom, left, cols - right),
    }


def _purities(
    rgb: U8, alpha: Alpha | None, mask: U8, specs: Iterable[BackgroundSpec]
) -> dict[str, MetricValue]:
    rows, cols = mask.shape
    guard = max(3, round(GUARD_FRACTION * max(rows, cols)))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * guard + 1, 2 * guard + 1))
    background = np.asarray(cv2.bitwise_not(cv2.dilate(mask, kernel)), np.uint8)
    background[[0, -1], :] = 255
    background[:, [0, -1]] = 255
    total = cv2.countNonZero(background)
    result: dict[str, MetricValue] = {}
    for spec in specs:
        key = f"background_purity[{spec.key}]"
        if total == 0:
            result[key] = None
            continue
        hits = cv2.countNonZero(cv2.bitwise_and(_allowed(rgb, alpha, spec), background))
        result[key] = round(hits / total, 6)
    return result


def extension_matches(name: str, fmt: str) -> bool:
    """Whether a file name's extension names the format.

    Examples
    --------
    >>> extension_matches("shoe.JPG", "JPEG"), extension_matches("shoe.png", "JPEG")
    (True, False)
    """
    match = re.search(r"\.[A-Za-z0-9]+$", name)
    return match is not None and match.group().lower() in _EXTENSIONS.get(fmt, set())


def measure_image(
    data: bytes,
    name: str,
    *,
    backgrounds: Iterable[BackgroundSpec] = (WHITE,),
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Measurement:
    """Measure an encoded image file.

    Parameters
    ----------
    data
        The file's bytes, exactly as they will be uploaded.
    name
        The file name (its extension and name are measured too).
    backgrounds
        The background colours and tolerances to measure purity against (from
        :meth:`ResolvedRuleSet.background_specs`).
    max_pixels
        Decompression-bomb limit.

    Raises
    ------
    ImageDecodeError
        Empty, corrupt, unsupported or oversized files, naming the file.

    Examples
    --------
    >>> import io
    >>> rgb = np.full((40, 60, 3), 255, np.uint8); rgb[5:35, 10:50] = (30, 60, 90)
    >>> buf = io.BytesIO(); Image.fromarray(rgb).save(buf, "PNG", dpi=(300, 300))
    >>> m = measure_image(buf.getvalue(), "shoe.png").values
    >>> m["width"], m["height"], m["format"], m["dpi"], m["area_fill"]
    (60, 40, 'PNG', 300.0, 0.5)
    >>> m["background_purity[#FFFFFF~3]"], m["has_transparency"]
    (1.0, False)
    """
    decoded = decode_image(data, name, max_pixels=max_pixels)
    fmt, mode, rgb, alpha = decoded.source_format, decoded.source_mode, decoded.rgb, decoded.alpha
    rows, cols = rgb.shape[:2]
    dpi = round(min(decoded.dpi), 1) if decoded.dpi else None
    mask, source = _product_mask(rgb, alpha)
    file_name = re.split(r"[\\/]", name)[-1]
    values: dict[str, MetricValue] = {
        "width": cols,
        "height": rows,
        "longest_side": max(rows, cols),
        "shortest_side": min(rows, cols),
        "sum_of_sides": rows + cols,
        "megapixels": round(rows * cols / 1e6, 3),
        "aspect_ratio": round(cols / rows, 6),
        "format": fmt,
        "animated": decoded.frame_count > 1,
        "extension_matches_format": extension_matches(file_name, fmt),
        "file_name": file_name,
        "file_bytes": len(data),
        "dpi": dpi,
        "colour_mode": "CMYK" if mode == "CMYK" else "GRAY" if mode in _GRAY_MODES else "RGB",
        "bit_depth": decoded.bit_depth,
        "colour_space": colour_space(decoded.source_profile, mode),
        "icc_profile": decoded.source_profile,
        "jpeg_quality": jpeg_quality(_jpeg_tables(data)) if fmt == "JPEG" else None,
        "has_transparency": alpha is not None,
    }
    values.update(_geometry(mask, rows, cols))
    values.update(_purities(rgb, alpha, mask, {s.key: s for s in backgrounds}.values()))
    details: dict[str, MetricValue] = {
        "background_source": source,
        "frames": decoded.frame_count,
        "mode": mode,
        "converted_to_srgb": decoded.converted_to_srgb,
    }
    return Measurement(name, values, details)
