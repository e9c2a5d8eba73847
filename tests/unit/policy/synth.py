"""Build small encoded images whose measured properties equal a rule example's values.

``realise({"longest_side_fill": 0.84})`` returns PNG bytes of a product on white whose product box
spans 84% of the frame; ``realise({"file_bytes": 5_000_001})`` a JPEG of exactly that many bytes.
Keys not in the example keep neutral defaults (PNG, 200 x 200, white, product box 160 x 80).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any

import cv2
import numpy as np
import pillow_heif
from PIL import Image, ImageCms

pillow_heif.register_heif_opener()

WHITE = (255, 255, 255)
PRODUCT = (40, 70, 150)
OFF_WHITE = (240, 240, 240)
_EXT = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "TIFF": "tif", "BMP": "bmp",
        "HEIF": "heic", "AVIF": "avif", "PPM": "ppm"}  # fmt: skip


def _canvas(example: Mapping[str, Any]) -> tuple[int, int]:
    """(cols, rows) realising the example's size metrics."""
    if "aspect_ratio" in example:
        return round(1000 * float(example["aspect_ratio"])), 1000
    if "megapixels" in example:
        return round(float(example["megapixels"]) * 1000), 1000
    if "sum_of_sides" in example:
        return int(example["sum_of_sides"]) - 100, 100
    if "shortest_side" in example:
        side = int(example["shortest_side"])
        return side, side
    if "longest_side" in example:
        return int(example["longest_side"]), 40
    return int(example.get("width", 200)), int(example.get("height", 200))


def _box(example: Mapping[str, Any], cols: int, rows: int) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the product."""
    if "longest_side_fill" in example:
        side = round(float(example["longest_side_fill"]) * cols)
        top, left = (rows - side // 2) // 2, (cols - side) // 2
        return top, left, top + side // 2, left + side
    if "area_fill" in example:
        width = round(float(example["area_fill"]) * cols)
        left = (cols - width) // 2
        return 0, left, rows, left + width
    if "min_margin_px" in example or "min_margin" in example:
        gap = int(example.get("min_margin_px", round(float(example.get("min_margin", 0)) * cols)))
        return rows // 4, gap, rows - rows // 4, cols // 2
    height, width = max(1, rows * 2 // 5), max(1, cols * 4 // 5)
    top, left = (rows - height) // 2, (cols - width) // 2
    return top, left, top + height, left + width


def _pixels(example: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray | None]:
    cols, rows = _canvas(example)
    rgb = np.full((rows, cols, 3), WHITE, np.uint8)
    top, left, bottom, right = _box(example, cols, rows)
    rgb[top:bottom, left:right] = PRODUCT
    if "background_purity" in example:
        guard = max(3, round(0.002 * max(rows, cols)))
        background = np.ones((rows, cols), bool)
        background[max(0, top - guard) : bottom + guard, max(0, left - guard) : right + guard] = (
            False
        )
        spots = np.flatnonzero(background)
        impure = math.floor((1.0 - float(example["background_purity"])) * spots.size)
        rgb.reshape(-1, 3)[spots[:impure]] = OFF_WHITE
    alpha = None
    if example.get("has_transparency"):
        alpha = np.full((rows, cols), 255, np.uint8)
        alpha[:, : cols // 4] = 0
    return rgb, alpha


def _icc(space: str) -> bytes | None:
    if space == "sRGB":
        return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    if space == "other":
        return ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    return None


def _encode(example: Mapping[str, Any], rgb: np.ndarray, alpha: np.ndarray | None) -> bytes:
    fmt = str(example.get("format", "JPEG" if {"dpi", "jpeg_quality"} & set(example) else "PNG"))
    if example.get("bit_depth") == 16:
        ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR).astype(np.uint16) * 257)
        assert ok
        return buf.tobytes()
    mode = {"CMYK": "CMYK", "GRAY": "L"}.get(str(example.get("colour_mode")), "RGB")
    if example.get("colour_space") == "CMYK":
        mode = "CMYK"
    image = Image.fromarray(np.dstack([rgb, alpha]) if alpha is not None else rgb)
    if mode != "RGB":
        image = image.convert(mode)
        fmt = "JPEG" if mode == "CMYK" else fmt
    options: dict[str, Any] = {}
    if example.get("dpi") is not None:
        options["dpi"] = (example["dpi"], example["dpi"])
    if "jpeg_quality" in example:
        options["quality"] = int(example["jpeg_quality"])
    icc = _icc(str(example.get("colour_space", "")))
    if icc is not None:
        options["icc_profile"] = icc
    out = io.BytesIO()
    if example.get("animated"):
        second = Image.fromarray(255 - rgb)
        image.save(out, "GIF", save_all=True, append_images=[second], duration=100)
    else:
        image.save(out, fmt, **options)
    return out.getvalue()


def realise(example: Mapping[str, Any]) -> tuple[bytes, str]:
    """Encoded bytes and a file name whose measurement matches ``example``."""
    rgb, alpha = _pixels(example)
    data = _encode(example, rgb, alpha)
    if "file_bytes" in example:
        target = int(example["file_bytes"])
        assert len(data) <= target, f"base image already {len(data)} bytes"
        data += b"\0" * (target - len(data))  # bytes after the end marker are ignored by decoders
    fmt = Image.open(io.BytesIO(data)).format or "PNG"
    name = f"image.{_EXT.get(fmt, 'bin')}"
    if "file_name" in example:
        name = str(example["file_name"])
    elif example.get("extension_matches_format") is False:
        name = "image.gif" if fmt != "GIF" else "image.png"
    return data, name
