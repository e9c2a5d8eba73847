"""Byte-level facts about image files, read without decoding them.

What an unrecognised upload looks like, whether a damaged file was cut short (and by how much),
and the EXIF block with its orientation reset once the pixels have been turned upright.
"""

from __future__ import annotations

import contextlib
import struct
from typing import Final

ORIENTATION_TAG: Final = 0x0112
EXIF_HEADER: Final = b"Exif\0\0"
READABLE_FORMATS: Final = "JPEG, PNG, WebP, AVIF, HEIF, TIFF, GIF or BMP"

_NOT_IMAGES: Final = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"8BPS", "a Photoshop document"),
    (b"\xff\x0a", "a JPEG XL image"),
    (b"\x00\x00\x00\x0cJXL ", "a JPEG XL image"),
    (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image"),
    (b"\xff\x4f\xff\x51", "a JPEG 2000 image"),
)
_END_MARKERS: Final = {
    "JPEG": b"\xff\xd9",
    "MPO": b"\xff\xd9",
    "GIF": b";",
    "PNG": b"IEND\xaeB`\x82",
}
_SHORT: Final = 3  # TIFF field type of the orientation value


def describe_unknown(data: bytes) -> str:
    r"""Say what a file that is not a readable image appears to be.

    Examples
    --------
    >>> describe_unknown(b"%PDF-1.7")
    'a PDF document (8 bytes), expected JPEG, PNG, WebP, AVIF, HEIF, TIFF, GIF or BMP'
    >>> describe_unknown(b"name,price\n")[:11]
    'a text file'
    """
    head = data[:512]
    kind = next((label for magic, label in _NOT_IMAGES if head.startswith(magic)), None)
    if kind is None and b"<svg" in head.lower():
        kind = "an SVG drawing"
    if kind is None:
        with contextlib.suppress(UnicodeDecodeError):
            text = head.decode("utf-8").replace("\n", "").replace("\r", "").replace("\t", "")
            kind = "a text file" if text.isprintable() else None
    return f"{kind or 'not an image'} ({len(data):,} bytes), expected {READABLE_FORMATS}"


def _declared_size(fmt: str, data: bytes) -> int | None:
    """File size the container's header promises, for formats that state one."""
    if fmt == "WEBP" and len(data) >= 8:  # noqa: PLR2004 - RIFF header
        return int.from_bytes(data[4:8], "little") + 8
    if fmt == "BMP" and len(data) >= 6:  # noqa: PLR2004
        return int.from_bytes(data[2:6], "little")
    if fmt in ("HEIF", "AVIF"):  # ISO-BMFF: the top-level boxes tile the file
        end = 0
        while end + 8 <= len(data):
            size = int.from_bytes(data[end : end + 4], "big")
            if size == 1:
                size = int.from_bytes(data[end + 8 : end + 16], "big")
            end = len(data) if size == 0 else end + max(size, 8)
        return end
    return None


def damage_note(fmt: str, exc: BaseException, data: bytes) -> str:
    r"""Describe why a file of a known format failed to decode: cut short, or damaged.

    Examples
    --------
    >>> damage_note("JPEG", OSError("image file is truncated"), b"\xff\xd8\xff" + bytes(997))
    'truncated JPEG data (file ends after 1,000 bytes, before the end marker)'
    >>> damage_note("WEBP", OSError(), b"RIFF\xf4\x01\x00\x00WEBP")
    'truncated WEBP data (file ends after 12 of 508 bytes)'
    """
    declared, size = _declared_size(fmt, data), len(data)
    if declared is not None and declared > size:
        return f"truncated {fmt} data (file ends after {size:,} of {declared:,} bytes)"
    marker = _END_MARKERS.get(fmt)
    if marker is not None and not data.endswith(marker):
        return f"truncated {fmt} data (file ends after {size:,} bytes, before the end marker)"
    return f"damaged {fmt} data ({str(exc) or type(exc).__name__})"


def _reset_orientation(block: bytes) -> bytes | None:
    order = {b"II": "<", b"MM": ">"}.get(block[6:8])
    if order is None:
        return None
    try:
        (ifd,) = struct.unpack_from(order + "I", block, 10)
        (count,) = struct.unpack_from(order + "H", block, 6 + ifd)
        for index in range(count):
            entry = 6 + ifd + 2 + 12 * index
            tag, kind, values = struct.unpack_from(order + "HHI", block, entry)
            if tag == ORIENTATION_TAG and kind == _SHORT and values == 1:
                patched = bytearray(block)
                struct.pack_into(order + "H", patched, entry + 8, 1)
                return bytes(patched)
    except struct.error:
        return None  # a broken block is dropped rather than kept with a stale orientation
    return block  # no orientation in IFD0 reads as 1 already


def exif_block(raw: object, *, reset_orientation: bool) -> bytes | None:
    r"""Normalise an EXIF block to Pillow's ``Exif``-prefixed form; optionally reset orientation.

    The orientation is patched in place, so maker notes and every offset stay exactly as the
    camera wrote them. A block too broken to patch is dropped.

    Parameters
    ----------
    raw
        The block as a Pillow plugin left it in ``info["exif"]`` (with or without the prefix).
    reset_orientation
        Set the orientation to 1 because the pixels were already turned upright.

    Returns
    -------
    bytes or None
        The block, or ``None`` when there is none.

    Examples
    --------
    >>> block = exif_block(bytes.fromhex("4d4d002a00000008 0001 0112 0003 00000001 00060000"),
    ...                    reset_orientation=True)
    >>> block[:6], block[-4:].hex()
    (b'Exif\x00\x00', '00010000')
    """
    if not isinstance(raw, bytes) or not raw:
        return None
    block = raw if raw.startswith(EXIF_HEADER) else EXIF_HEADER + raw
    return _reset_orientation(block) if reset_orientation else block
