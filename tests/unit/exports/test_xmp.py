"""Compliance metadata in JPEG (APP1 XMP) and PNG (iTXt): embedded, read back, pixels untouched."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pixellift.core.errors import XmpMetadataError
from pixellift.core.exports.xmp import (
    ComplianceRecord,
    embed_record,
    parse_packet,
    read_record,
    xmp_packet,
)

SAMPLES = Path(__file__).parents[3] / "samples"
RECORD = ComplianceRecord(
    ruleset_id="amazon",
    ruleset_version="1.0.0",
    ruleset_digest="0123456789abcdef",
    preset="amazon-main@1.0.0",
    fill=0.8712,
    passed=False,
    blocking=("AMAZON_MAIN_WHITE_BACKGROUND", "AMAZON_MAIN_FILL"),
    sku="MUG-001 <&>",
    channel="amazon",
    ab_tag="B",
    run_id="qs-1",
    decided_on=date(2026, 11, 26),
)


def _pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGBA"))


@pytest.mark.parametrize("sample", ["bottle-white-sweep.jpg", "ring-cutout.png"])
def test_record_round_trips_and_pixels_stay_the_same(sample: str) -> None:
    # GIVEN a real photo file
    data = (SAMPLES / sample).read_bytes()
    # WHEN the record is embedded
    tagged = embed_record(data, RECORD)
    # THEN it reads back, Pillow sees an XMP packet, and the pixels are unchanged
    assert read_record(tagged) == RECORD
    with Image.open(io.BytesIO(tagged)) as im:
        assert "xmp" in im.info or "XML:com.adobe.xmp" in im.info
    np.testing.assert_array_equal(_pixels(tagged), _pixels(data))


@pytest.mark.parametrize("sample", ["bottle-white-sweep.jpg", "ring-cutout.png"])
def test_embedding_twice_replaces_the_packet(sample: str) -> None:
    data = (SAMPLES / sample).read_bytes()
    once = embed_record(data, RECORD)
    passed = RECORD.model_copy(update={"passed": True, "blocking": ()})
    twice = embed_record(once, passed)
    assert read_record(twice) == passed
    assert twice.count(b"RuleSetId") == 1


def test_files_without_a_packet_read_as_none() -> None:
    assert read_record((SAMPLES / "bottle-white-sweep.jpg").read_bytes()) is None


def test_unsupported_formats_are_refused_by_name() -> None:
    with pytest.raises(XmpMetadataError, match="JPEG and PNG files only"):
        embed_record((SAMPLES / "necklace-on-table.webp").read_bytes(), RECORD)


def test_truncated_png_is_reported() -> None:
    data = (SAMPLES / "ring-cutout.png").read_bytes()
    with pytest.raises(XmpMetadataError, match="truncated"):
        embed_record(data[:200], RECORD)


def test_entity_declarations_are_refused() -> None:
    packet = xmp_packet(RECORD).replace(b"<x:xmpmeta", b'<!DOCTYPE x [<!ENTITY a "b">]><x:xmpmeta')
    with pytest.raises(XmpMetadataError, match="DOCTYPE or ENTITY"):
        parse_packet(packet)
