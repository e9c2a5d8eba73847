"""Compliance metadata inside the exported file: an XMP packet in JPEG (APP1) and PNG (iTXt).

The packet carries the rule set (id, version, digest), the preset, the product fill and the gate's
pass/fail, so an image keeps its compliance record wherever it travels. Embedding rewrites only
the metadata segments; the compressed pixels are copied byte for byte.
"""

from __future__ import annotations

import struct
import zlib
from datetime import date
from typing import Final
from xml.etree import ElementTree as ET

from pydantic import BaseModel, ConfigDict

from pixellift.core.errors import XmpMetadataError

NS: Final = "https://pixellift.dev/ns/compliance/1.0/"
_RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_X: Final = "adobe:ns:meta/"
JPEG_XMP_ID: Final = b"http://ns.adobe.com/xap/1.0/\x00"
PNG_XMP_KEY: Final = b"XML:com.adobe.xmp"
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_MAX_APP1: Final = 65533 - len(JPEG_XMP_ID)
_MARK: Final = 0xFF
_APP0: Final = 0xE0
_APP1: Final = 0xE1
_APP15: Final = 0xEF
_COM: Final = 0xFE

ET.register_namespace("x", _X)
ET.register_namespace("rdf", _RDF)
ET.register_namespace("pixellift", NS)


class ComplianceRecord(BaseModel):
    """What the gate decided about one exported image, as embedded in it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ruleset_id: str
    ruleset_version: str
    ruleset_digest: str = ""
    preset: str
    fill: float
    passed: bool
    blocking: tuple[str, ...] = ()
    waived: tuple[str, ...] = ()
    sku: str = ""
    channel: str = ""
    ab_tag: str = ""
    run_id: str = ""
    decided_on: date | None = None


_FIELDS: Final = {
    "ruleset_id": "RuleSetId",
    "ruleset_version": "RuleSetVersion",
    "ruleset_digest": "RuleSetDigest",
    "preset": "Preset",
    "fill": "Fill",
    "passed": "Compliance",
    "blocking": "BlockingRules",
    "waived": "WaivedRules",
    "sku": "Sku",
    "channel": "Channel",
    "ab_tag": "AbTag",
    "run_id": "RunId",
    "decided_on": "DecidedOn",
}


def xmp_packet(record: ComplianceRecord) -> bytes:
    """The XMP packet (UTF-8) for one record.

    Examples
    --------
    >>> r = ComplianceRecord(ruleset_id="amazon", ruleset_version="1.0.0",
    ...                      preset="amazon-main@1.0.0", fill=0.87, passed=True)
    >>> parse_packet(xmp_packet(r)) == r
    True
    """
    root = ET.Element(f"{{{_X}}}xmpmeta")
    rdf = ET.SubElement(root, f"{{{_RDF}}}RDF")
    desc = ET.SubElement(rdf, f"{{{_RDF}}}Description", {f"{{{_RDF}}}about": ""})
    for name, tag in _FIELDS.items():
        value = getattr(record, name)
        if name == "passed":
            text = "pass" if value else "fail"
        elif isinstance(value, tuple):
            text = " ".join(value)
        elif value is None:
            continue
        else:
            text = value.isoformat() if isinstance(value, date) else str(value)
        desc.set(f"{{{NS}}}{tag}", text)
    body = ET.tostring(root, encoding="unicode")
    head = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    return f'{head}\n{body}\n<?xpacket end="w"?>'.encode()


def parse_packet(packet: bytes) -> ComplianceRecord:
    """Read a record back from a packet written by :func:`xmp_packet`."""
    text = packet.decode("utf-8", errors="replace")
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        msg = "XMP packet holds a DOCTYPE or ENTITY declaration; refusing to parse it"
        raise XmpMetadataError(msg)
    start, end = text.find("<x:xmpmeta"), text.rfind("</x:xmpmeta>")
    if start < 0 or end < 0:
        msg = "XMP packet has no x:xmpmeta element"
        raise XmpMetadataError(msg)
    try:
        root = ET.fromstring(text[start : end + len("</x:xmpmeta>")])
    except ET.ParseError as exc:
        msg = f"XMP packet is not well-formed XML ({exc})"
        raise XmpMetadataError(msg) from exc
    desc = root.find(f".//{{{_RDF}}}Description[@{{{NS}}}RuleSetId]")
    if desc is None:
        msg = "XMP packet holds no PixelLift compliance record"
        raise XmpMetadataError(msg)
    values: dict[str, object] = {}
    for name, tag in _FIELDS.items():
        raw = desc.get(f"{{{NS}}}{tag}")
        if raw is None:
            continue
        if name == "passed":
            values[name] = raw == "pass"
        elif name in {"blocking", "waived"}:
            values[name] = tuple(raw.split())
        else:
            values[name] = raw
    return ComplianceRecord.model_validate(values)


def _jpeg_segments(data: bytes) -> tuple[list[tuple[int, bytes]], int]:
    """The leading APPn/COM segments as (marker, whole segment) and where the rest begins."""
    if data[:2] != b"\xff\xd8":
        msg = "not a JPEG file (no SOI marker)"
        raise XmpMetadataError(msg)
    segments, i = [], 2
    while (
        i + 4 <= len(data)
        and data[i] == _MARK
        and (_APP0 <= data[i + 1] <= _APP15 or data[i + 1] == _COM)
    ):
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        segments.append((data[i + 1], data[i : i + 2 + length]))
        i += 2 + length
    return segments, i


def embed_jpeg(data: bytes, packet: bytes) -> bytes:
    """Put ``packet`` in an APP1 XMP segment (replacing any), after the JFIF/Exif segments."""
    if len(packet) > _MAX_APP1:
        msg = f"XMP packet of {len(packet)} bytes does not fit one JPEG APP1 segment"
        raise XmpMetadataError(msg)
    segments, rest = _jpeg_segments(data)
    kept = [(m, s) for m, s in segments if not (m == _APP1 and s[4:].startswith(JPEG_XMP_ID))]
    at = sum(1 for _ in _leading(kept, {_APP0, _APP1}))
    payload = JPEG_XMP_ID + packet
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    out = [s for _, s in kept[:at]] + [segment] + [s for _, s in kept[at:]]
    return b"\xff\xd8" + b"".join(out) + data[rest:]


def _leading(segments: list[tuple[int, bytes]], markers: set[int]) -> list[int]:
    count = []
    for marker, _ in segments:
        if marker not in markers:
            break
        count.append(marker)
    return count


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if not data.startswith(_PNG_SIGNATURE):
        msg = "not a PNG file (bad signature)"
        raise XmpMetadataError(msg)
    chunks, i = [], len(_PNG_SIGNATURE)
    while i + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[i : i + 8])
        if i + 12 + length > len(data):
            msg = f"PNG chunk {kind!r} at byte {i} is truncated"
            raise XmpMetadataError(msg)
        chunks.append((kind, data[i + 8 : i + 8 + length]))
        i += 12 + length
    return chunks


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def embed_png(data: bytes, packet: bytes) -> bytes:
    """Put ``packet`` in an uncompressed ``iTXt XML:com.adobe.xmp`` chunk before the pixels."""
    chunks = [
        (k, b)
        for k, b in _png_chunks(data)
        if not (k == b"iTXt" and b.startswith(PNG_XMP_KEY + b"\x00"))
    ]
    body = PNG_XMP_KEY + b"\x00\x00\x00\x00\x00" + packet
    out, placed = [_PNG_SIGNATURE], False
    for kind, chunk_body in chunks:
        if kind == b"IDAT" and not placed:
            out.append(_chunk(b"iTXt", body))
            placed = True
        out.append(_chunk(kind, chunk_body))
    if not placed:
        msg = "PNG file has no image data (IDAT)"
        raise XmpMetadataError(msg)
    return b"".join(out)


def embed_record(data: bytes, record: ComplianceRecord) -> bytes:
    """Embed a compliance record in a JPEG or PNG file; other formats are refused by name."""
    packet = xmp_packet(record)
    if data.startswith(b"\xff\xd8"):
        return embed_jpeg(data, packet)
    if data.startswith(_PNG_SIGNATURE):
        return embed_png(data, packet)
    msg = "compliance metadata can be embedded in JPEG and PNG files only"
    raise XmpMetadataError(msg)


def read_packet(data: bytes) -> bytes | None:
    """The XMP packet of a JPEG or PNG file, or ``None`` if it has none."""
    if data.startswith(b"\xff\xd8"):
        segments, _ = _jpeg_segments(data)
        for marker, segment in segments:
            if marker == _APP1 and segment[4:].startswith(JPEG_XMP_ID):
                return segment[4 + len(JPEG_XMP_ID) :]
        return None
    for kind, body in _png_chunks(data):
        if kind == b"iTXt" and body.startswith(PNG_XMP_KEY + b"\x00"):
            rest = body[len(PNG_XMP_KEY) + 1 :]
            if rest[0] != 0:
                return zlib.decompress(rest[2:].split(b"\x00", 2)[2])
            return rest[2:].split(b"\x00", 2)[2]
    return None


def read_record(data: bytes) -> ComplianceRecord | None:
    """The compliance record embedded in a file, or ``None`` if there is none."""
    packet = read_packet(data)
    return None if packet is None else parse_packet(packet)
