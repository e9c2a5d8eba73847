"""Amazon's <product id>.<variant>.<ext> convention and its error messages."""

from __future__ import annotations

import pytest
from pixellift.core.errors import InvalidExportNameError
from pixellift.core.exports.amazon_names import (
    amazon_image_name,
    amazon_slot,
    parse_amazon_name,
    product_id_kind,
)


@pytest.mark.parametrize(
    ("name", "kind", "slot"),
    [
        ("B0CX23V2ZK.MAIN.jpg", "ASIN", "MAIN"),
        ("036000291452.PT01.jpg", "UPC", "PT01"),
        ("4006381333931.PT08.png", "EAN/JAN", "PT08"),
        ("0306406152.SWCH.tif", "ISBN-10", "SWCH"),
    ],
)
def test_valid_names_parse(name: str, kind: str, slot: str) -> None:
    parsed = parse_amazon_name(name)
    assert (parsed.id_kind, parsed.slot, parsed.name) == (kind, slot, name)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("B0CX23V2ZK.PT09.jpg", "variant code 'PT09' is not one of MAIN, PT01..PT08, SWCH"),
        ("B0CX23V2ZK.main.jpg", "(variant codes are upper case)"),
        ("B0CX23V2ZK.MAIN.webp", "extension 'webp' is not accepted"),
        ("b0cx23v2zk.MAIN.jpg", "must be upper case"),
        ("4006381333932.MAIN.jpg", "EAN/JAN check digit should be 1, not 2"),
        ("0306406153.MAIN.jpg", "ISBN-10 check digit should be 2, not 3"),
        ("MUG-001.MAIN.jpg", "may hold only letters and digits"),
        ("B0CX23V2ZK_MAIN.jpg", "got 2 dot-separated parts"),
    ],
)
def test_bad_names_say_what_is_wrong(name: str, problem: str) -> None:
    with pytest.raises(InvalidExportNameError) as info:
        parse_amazon_name(name)
    assert str(info.value).startswith(f"{name}: ")
    assert problem in str(info.value)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(InvalidExportNameError) as info:
        parse_amazon_name("B0CX23V2ZK.PT9.webp")
    assert "PT9" in str(info.value) and "webp" in str(info.value)


def test_slots_follow_roles_and_alternates_stop_at_eight() -> None:
    assert [amazon_slot("alternate", i) for i in (1, 8)] == ["PT01", "PT08"]
    with pytest.raises(InvalidExportNameError, match="PT01 to PT08"):
        amazon_slot("alternate", 9)


def test_builder_validates() -> None:
    assert amazon_image_name("B0CX23V2ZK", "SWCH", ".jpg") == "B0CX23V2ZK.SWCH.jpg"
    with pytest.raises(InvalidExportNameError):
        amazon_image_name("NOT-AN-ID", "MAIN")


def test_short_ids_are_explained() -> None:
    with pytest.raises(
        InvalidExportNameError, match="is 5 characters: expected a 10-character ASIN"
    ):
        product_id_kind("ABCDE")
