"""Encode finished photos as JPEG, PNG or WebP under a preset's file-size cap.

Lossy formats search the quality: the highest quality in ``[min_quality, quality]`` whose file
fits ``max_bytes``, found by binary search (at most ``1 + ceil(log2(quality - min_quality + 1))``
encoder runs, and one when the top quality already fits). The search assumes file size grows with
quality, which holds for libjpeg-turbo and libwebp on photos.

Outputs carry only what a marketplace needs: the resolution (JFIF density for JPEG, ``pHYs`` for
PNG; WebP has no resolution field, so none is written), the sRGB IEC61966-2.1 profile, and EXIF
only when the preset keeps it. Comments, XMP and any other metadata are never written.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Final, Literal, get_args

import numpy as np
from PIL import Image

from pixellift.core.errors import FileSizeLimitError, ImageEncodeError, InvalidPresetError
from pixellift.core.imaging.colour import srgb_profile_bytes
from pixellift.core.types import RgbaImage, RgbImage

__all__ = [
    "PNG_COMPRESS_LEVEL",
    "WEBP_METHOD",
    "EncodeSpec",
    "EncodedImage",
    "OutputFormat",
    "encode_image",
    "srgb_profile_bytes",
]

OutputFormat = Literal["JPEG", "PNG", "WEBP"]

# zlib level 6 (Pillow's default): with the zlib-ng that Pillow ships, levels 4-6 write 8% smaller
# files than 1-3 on noisy photos and 3-4x smaller on flat cut-outs with large white or
# transparent areas, at about 1.4x the time; levels 7-9 save under 0.1% more and run slower.
PNG_COMPRESS_LEVEL: Final = 6
# libwebp's default speed/size balance; method 6 writes smaller files but each of the several
# runs of a quality search then costs about a third more.
WEBP_METHOD: Final = 4
_JPEG_SUBSAMPLING_420: Final = 2
_METADATA_BLOCKS: Final = frozenset({"exif"})
_MAX_QUALITY: Final = 100
_CHANNELS: Final = {3: "RGB", 4: "RGBA"}


@dataclass(frozen=True)
class EncodeSpec:
    """How to write an output file.

    Raises
    ------
    InvalidPresetError
        If a value is out of range or ``keep_metadata`` names an unknown block.

    Examples
    --------
    >>> EncodeSpec("JPEG", max_bytes=1_000_000).quality
    92
    """

    format: OutputFormat
    max_bytes: int | None = None
    """File-size cap in bytes; ``None`` for no cap."""
    dpi: int = 72
    quality: int = 92
    """Highest quality tried for lossy formats."""
    min_quality: int = 60
    """Lowest quality allowed before giving up."""
    embed_srgb: bool = True
    """Embed the sRGB IEC61966-2.1 ICC profile."""
    keep_metadata: tuple[str, ...] = ()
    """Metadata blocks to keep, a subset of ``("exif",)``; everything else is stripped."""
    progressive: bool = False
    """Write a progressive JPEG (ignored by the other formats)."""

    def __post_init__(self) -> None:
        problems = []
        if self.format not in get_args(OutputFormat):
            problems.append(f"output format {self.format!r} is not one of {get_args(OutputFormat)}")
        if self.max_bytes is not None and self.max_bytes <= 0:
            problems.append(f"max_bytes must be positive, got {self.max_bytes}")
        if self.dpi <= 0:
            problems.append(f"dpi must be positive, got {self.dpi}")
        if not 1 <= self.min_quality <= self.quality <= _MAX_QUALITY:
            problems.append(
                f"qualities must satisfy 1 <= min_quality ({self.min_quality})"
                f" <= quality ({self.quality}) <= {_MAX_QUALITY}"
            )
        unknown = sorted(set(self.keep_metadata) - _METADATA_BLOCKS)
        if unknown:
            problems.append(f"keep_metadata names unknown blocks {unknown}; known: ['exif']")
        if problems:
            raise InvalidPresetError("; ".join(problems))


@dataclass(frozen=True)
class EncodedImage:
    """An encoded file and how it was reached."""

    data: bytes
    format: OutputFormat
    quality: int | None
    """Quality used; ``None`` for PNG."""
    attempts: int
    """Encoder runs the quality search took."""
    rows: int
    cols: int

    @property
    def size_bytes(self) -> int:
        """Length of the file in bytes."""
        return len(self.data)


def _to_pil(pixels: RgbImage | RgbaImage, fmt: OutputFormat) -> Image.Image:
    if not isinstance(pixels, np.ndarray) or pixels.dtype != np.uint8 or pixels.ndim != 3:  # noqa: PLR2004
        got = getattr(pixels, "dtype", type(pixels).__name__), getattr(pixels, "shape", ())
        msg = f"pixels must be a (rows, cols, 3 or 4) uint8 array, got {got[0]} {got[1]}"
        raise ImageEncodeError(msg)
    rows, cols, channels = pixels.shape
    if channels not in _CHANNELS or rows == 0 or cols == 0:
        msg = f"pixels must be a non-empty (rows, cols, 3 or 4) array, got shape {pixels.shape}"
        raise ImageEncodeError(msg)
    if fmt == "JPEG" and channels == 4:  # noqa: PLR2004
        msg = "JPEG has no alpha channel: composite the RGBA image onto a background first"
        raise ImageEncodeError(msg)
    return Image.fromarray(np.ascontiguousarray(pixels))


def _options(spec: EncodeSpec, exif: bytes | None) -> dict[str, object]:
    options: dict[str, object] = {}
    if spec.format == "JPEG":
        options.update(
            optimize=True, progressive=spec.progressive, subsampling=_JPEG_SUBSAMPLING_420
        )
    elif spec.format == "PNG":
        options.update(compress_level=PNG_COMPRESS_LEVEL)
    else:
        options.update(method=WEBP_METHOD)
    if spec.format != "WEBP":
        options["dpi"] = (spec.dpi, spec.dpi)
    if spec.embed_srgb:
        options["icc_profile"] = srgb_profile_bytes()
    if exif and "exif" in spec.keep_metadata:
        options["exif"] = exif
    return options


def _save(image: Image.Image, fmt: OutputFormat, options: dict[str, object]) -> bytes:
    buffer = io.BytesIO()
    try:
        image.save(buffer, fmt, **options)
    except (OSError, ValueError) as exc:
        msg = f"{fmt} encoder failed: {exc}"
        raise ImageEncodeError(msg) from exc
    return buffer.getvalue()


def _too_big(fmt: str, size: int, cap: int, setting: str) -> FileSizeLimitError:
    return FileSizeLimitError(
        f"{fmt} output is {size:,} bytes at best ({setting}), over the {cap:,}-byte limit"
    )


def encode_image(
    pixels: RgbImage | RgbaImage, spec: EncodeSpec, *, exif: bytes | None = None
) -> EncodedImage:
    """Encode sRGB pixels to a file that fits the spec's size cap.

    Parameters
    ----------
    pixels
        ``(rows, cols, 3)`` RGB, or ``(rows, cols, 4)`` RGBA with straight alpha (PNG, WebP).
    spec
        Format, size cap, resolution, quality range and metadata policy.
    exif
        An EXIF block (with the ``Exif`` header, as decoding returns it); written only when
        ``"exif"`` is in ``spec.keep_metadata``.

    Returns
    -------
    EncodedImage
        The file and the quality that produced it.

    Raises
    ------
    ImageEncodeError
        If the pixels are not a uint8 RGB/RGBA array, or RGBA is asked of JPEG.
    FileSizeLimitError
        If no allowed setting fits ``spec.max_bytes``.

    Examples
    --------
    >>> red = np.zeros((8, 8, 3), np.uint8)
    >>> red[..., 0] = 255
    >>> out = encode_image(red, EncodeSpec("JPEG", max_bytes=5_000))
    >>> out.quality, out.attempts, out.size_bytes <= 5_000
    (92, 1, True)
    """
    image = _to_pil(pixels, spec.format)
    options = _options(spec, exif)
    rows, cols = int(pixels.shape[0]), int(pixels.shape[1])
    cap = spec.max_bytes if spec.max_bytes is not None else math.inf
    if spec.format == "PNG":
        data = _save(image, "PNG", options)
        if len(data) > cap:
            raise _too_big("PNG", len(data), int(cap), f"lossless, zlib level {PNG_COMPRESS_LEVEL}")
        return EncodedImage(data, "PNG", None, 1, rows, cols)

    attempts = 0

    def run(quality: int) -> bytes:
        nonlocal attempts
        attempts += 1
        return _save(image, spec.format, {**options, "quality": quality})

    best_quality, best = spec.quality, run(spec.quality)
    smallest = (len(best), spec.quality)
    if len(best) > cap:
        best_quality, best = 0, b""
        low, high = spec.min_quality, spec.quality - 1
        while low <= high:
            middle = (low + high + 1) // 2
            data = run(middle)
            smallest = min(smallest, (len(data), middle))
            if len(data) <= cap:
                best_quality, best, low = middle, data, middle + 1
            else:
                high = middle - 1
        if not best:
            raise _too_big(spec.format, smallest[0], int(cap), f"quality {smallest[1]}")
    return EncodedImage(best, spec.format, best_quality, attempts, rows, cols)
