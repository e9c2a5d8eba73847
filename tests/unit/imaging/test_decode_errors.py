from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image
from pixellift.core.errors import (
    CorruptImageError,
    DecompressionBombError,
    EmptyImageError,
    ImageDecodeError,
    UnsupportedImageFormatError,
)
from pixellift.core.imaging.decode import DEFAULT_MAX_PIXELS, decode_image
from pixellift.core.types import RgbImage

SaveAs = Callable[..., bytes]


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def _png_declaring(cols: int, rows: int) -> bytes:
    """A valid PNG header for a huge RGB image, followed by a few bytes of pixel data."""
    header = struct.pack(">IIBBBBB", cols, rows, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes(100))
    chunks = _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels) + _png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def test_decode_image_empty_file_raises_empty_image_error() -> None:
    # GIVEN no bytes at all
    # WHEN / THEN decoding names the file and the cause
    with pytest.raises(EmptyImageError, match=r"^shoe\.jpg: the file is empty \(0 bytes\)$"):
        decode_image(b"", "shoe.jpg")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"SKU,price\n1234,9.99\n", "a text file"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "a ZIP archive"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "an SVG drawing"),
        (b"8BPS\x00\x01\x00\x00\x00\x00\x00\x00\x00\x03", "a Photoshop document"),
        (bytes(range(256)) * 4, "not an image"),
    ],
)
def test_decode_image_non_image_raises_unsupported_format(data: bytes, kind: str) -> None:
    # GIVEN a file that is not an image we read
    # WHEN / THEN the error says what it looks like and what is accepted
    with pytest.raises(
        UnsupportedImageFormatError, match=rf"^upload\.jpg: {kind} .*expected JPEG, PNG"
    ):
        decode_image(data, "upload.jpg")


def test_decode_image_does_not_read_formats_outside_the_list(save_as: SaveAs) -> None:
    # GIVEN a TGA file, which Pillow could read but product photos never are
    data = save_as(Image.new("RGB", (4, 4), (9, 9, 9)), "TGA")
    # WHEN / THEN it is refused
    with pytest.raises(UnsupportedImageFormatError, match="expected JPEG"):
        decode_image(data, "old.tga")


@pytest.mark.parametrize("progressive", [False, True])
def test_decode_image_truncated_jpeg_raises_corrupt_image(
    save_as: SaveAs, noisy_photo: RgbImage, progressive: bool
) -> None:
    # GIVEN a JPEG cut off at 60% of its length
    data = save_as(Image.fromarray(noisy_photo), "JPEG", progressive=progressive)
    cut = data[: len(data) * 6 // 10]
    # WHEN / THEN it is an error, not a half-grey photo
    with pytest.raises(
        CorruptImageError,
        match=rf"^shoe\.jpg: truncated JPEG data \(file ends after {len(cut):,} bytes",
    ):
        decode_image(cut, "shoe.jpg")


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("PNG", r"truncated PNG data \(file ends after [\d,]+ bytes, before the end marker\)"),
        ("GIF", r"truncated GIF data \(file ends after [\d,]+ bytes, before the end marker\)"),
        ("WEBP", r"truncated WEBP data \(file ends after [\d,]+ of [\d,]+ bytes\)"),
        ("BMP", r"truncated BMP data \(file ends after [\d,]+ of [\d,]+ bytes\)"),
        ("HEIF", r"truncated HEIF data \(file ends after [\d,]+ of [\d,]+ bytes\)"),
        ("AVIF", r"truncated AVIF data \(file ends after [\d,]+ of [\d,]+ bytes\)"),
        ("TIFF", r"damaged TIFF data \(image file is truncated"),
    ],
)
def test_decode_image_truncated_file_raises_corrupt_image(
    save_as: SaveAs, noisy_photo: RgbImage, fmt: str, expected: str
) -> None:
    # GIVEN a file that ends half way through its pixel data
    data = save_as(Image.fromarray(noisy_photo), fmt)
    # WHEN / THEN the error names the format and how much arrived
    with pytest.raises(CorruptImageError, match=expected):
        decode_image(data[: len(data) // 2], "cut")


def test_decode_image_header_only_png_raises_corrupt_image(
    save_as: SaveAs, noisy_photo: RgbImage
) -> None:
    # GIVEN only the first 30 bytes of a PNG
    data = save_as(Image.fromarray(noisy_photo), "PNG")[:30]
    # WHEN / THEN the format is recognised but the file is broken
    with pytest.raises(CorruptImageError, match="truncated PNG data"):
        decode_image(data, "cut.png")


def test_decode_image_bad_png_checksum_raises_corrupt_image(
    save_as: SaveAs, noisy_photo: RgbImage
) -> None:
    # GIVEN a PNG whose header chunk fails its CRC
    data = bytearray(save_as(Image.fromarray(noisy_photo), "PNG"))
    data[29] ^= 0xFF
    # WHEN / THEN
    with pytest.raises(CorruptImageError, match=r"damaged PNG data \(.*checksum"):
        decode_image(bytes(data), "bad.png")


def test_decode_image_broken_jpeg_huffman_table_raises_corrupt_image(
    save_as: SaveAs, noisy_photo: RgbImage
) -> None:
    # GIVEN a complete JPEG whose first Huffman table is garbage
    data = bytearray(save_as(Image.fromarray(noisy_photo), "JPEG"))
    table = data.index(b"\xff\xc4")
    data[table + 5 : table + 21] = b"\xff" * 16
    # WHEN / THEN libjpeg's failure becomes our error
    with pytest.raises(CorruptImageError, match="damaged JPEG data"):
        decode_image(bytes(data), "bad.jpg")


def test_decode_image_checks_declared_size_before_decoding() -> None:
    # GIVEN a PNG header declaring 10 gigapixels (with almost no pixel data behind it)
    data = _png_declaring(100_000, 100_000)
    # WHEN / THEN the header alone is refused, naming the count and the limit
    expected = (
        r"^huge\.png: image declares 100000x100000 = 10,000,000,000 pixels,"
        r" over the limit of 120,000,000$"
    )
    with pytest.raises(DecompressionBombError, match=expected):
        decode_image(data, "huge.png")


def test_decode_image_max_pixels_is_inclusive(save_as: SaveAs) -> None:
    # GIVEN a 3 x 2 image
    data = save_as(Image.new("RGB", (3, 2)), "PNG")
    # WHEN the limit is exactly its pixel count THEN it decodes
    assert decode_image(data, "small.png", max_pixels=6).cols == 3
    # WHEN the limit is one less THEN it is refused
    with pytest.raises(DecompressionBombError, match="3x2 = 6 pixels, over the limit of 5"):
        decode_image(data, "small.png", max_pixels=5)


def test_decode_image_default_limit_admits_more_than_pillows_warning_threshold() -> None:
    # GIVEN Pillow's global limit, which decoding must neither use nor change
    pillow_limit = Image.MAX_IMAGE_PIXELS
    # WHEN a header declares 100 MP, over Pillow's warning level but under our default
    with pytest.raises(CorruptImageError, match="huge.png: "):
        decode_image(_png_declaring(10_000, 10_000), "huge.png")
    # THEN the size passed our check (the missing pixel data failed instead) and nothing changed
    assert DEFAULT_MAX_PIXELS > 10_000 * 10_000 > (pillow_limit or 0)
    assert pillow_limit == Image.MAX_IMAGE_PIXELS


def test_decode_image_converts_pillows_own_size_refusal() -> None:
    # GIVEN a GIF whose first frame claims 20000 x 20000 on a 10 x 10 screen
    descriptor = b"\x2c" + struct.pack("<HHHHB", 0, 0, 20_000, 20_000, 0x80)
    frame = descriptor + b"\x00\x00\x00\xff\xff\xff" + b"\x02\x02\x44\x01\x00"
    data = b"GIF89a" + struct.pack("<HHBBB", 10, 10, 0, 0, 0) + frame + b";"
    # WHEN / THEN Pillow's DecompressionBombError arrives as ours
    with pytest.raises(
        DecompressionBombError, match=r"^bomb\.gif: GIF decoder refused the image size"
    ):
        decode_image(data, "bomb.gif")


def test_decode_image_float_tiff_raises_unsupported_format(save_as: SaveAs) -> None:
    # GIVEN a 32-bit float TIFF (HDR data with no defined white point)
    data = save_as(Image.new("F", (2, 2), 0.5), "TIFF")
    # WHEN / THEN
    with pytest.raises(
        UnsupportedImageFormatError, match=r"unsupported pixel layout \(Pillow mode F\)"
    ):
        decode_image(data, "hdr.tif")


def test_decode_image_errors_carry_name_and_cause() -> None:
    # GIVEN a text file
    # WHEN it is decoded
    with pytest.raises(ImageDecodeError) as caught:
        decode_image(b"hello", "notes.txt")
    # THEN the error exposes the parts separately for the item's status
    assert caught.value.name == "notes.txt"
    assert caught.value.cause.startswith("a text file")
    assert not caught.value.retryable


def test_decode_image_never_leaks_pillow_errors_on_random_bytes() -> None:
    # GIVEN image signatures followed by random bytes (seeded for reproducibility)
    rng = np.random.default_rng(7)
    signatures = [
        b"\xff\xd8\xff\xe0",
        b"\x89PNG\r\n\x1a\n",
        b"GIF89a",
        b"II*\x00",
        b"BM",
        b"RIFF\x00\x01\x00\x00WEBPVP8 ",
    ]
    for signature in signatures:
        data = signature + rng.integers(0, 256, 300, dtype=np.uint8).tobytes()
        # WHEN / THEN only our decode errors come out
        with pytest.raises(ImageDecodeError):
            decode_image(data, "noise")
