"""AutoMap: SKUs, variant attributes and roles from names and folders, with confidence."""

from __future__ import annotations

import pytest
from pixellift.core.errors import InvalidMappingProfileError
from pixellift.core.exports.automap import (
    CERTAIN,
    FOLDER_SKU,
    GUESSED_ROLE,
    MappingProfile,
    dump_profile,
    load_profile,
    map_paths,
)


def test_words_give_sku_colour_size_and_role() -> None:
    (m,) = map_paths(["shoot/TEE-9_Blue_xl_swatch.png"]).images
    assert (m.sku, m.colour, m.size, m.role) == ("TEE-9", "blue", "XL", "swatch")
    assert m.overall >= 0.9


def test_unrecognised_words_lower_the_sku_confidence_and_are_noted() -> None:
    (m,) = map_paths(["TEE-9_blue_glitter.png"]).images
    assert m.confidence["sku"] < 0.9
    assert "unrecognised word 'glitter'" in m.notes


def test_sku_from_folder_when_the_name_has_none() -> None:
    result = map_paths(["MUG-001/front.jpg", "MUG-001/2.jpg", "MUG-001/lifestyle.jpg"])
    roles = {m.path: (m.sku, m.role) for m in result.images}
    assert roles == {
        "MUG-001/front.jpg": ("MUG-001", "main"),
        "MUG-001/2.jpg": ("MUG-001", "alternate"),
        "MUG-001/lifestyle.jpg": ("MUG-001", "lifestyle"),
    }
    assert result.by_sku["MUG-001"][0].confidence["sku"] == FOLDER_SKU


def test_folder_named_like_the_sku_confirms_it() -> None:
    (m,) = map_paths(["MUG-001/MUG-001_main.jpg"]).images
    assert m.confidence["sku"] == CERTAIN


def test_main_is_guessed_from_the_first_image_when_none_is_named() -> None:
    result = map_paths(["CUP_2.jpg", "CUP_1.jpg"])
    main = next(m for m in result.images if m.role == "main")
    assert main.path == "CUP_1.jpg"
    assert main.confidence["role"] == GUESSED_ROLE


def test_only_one_main_per_sku() -> None:
    result = map_paths(["CUP_main.jpg", "CUP_front.jpg"])
    assert [m.role for m in result.by_sku["CUP"]].count("main") == 1
    assert any("second main image" in n for m in result.images for n in m.notes)


def test_folder_directives_mark_main_and_ignore() -> None:
    result = map_paths(["_main/CUP.jpg", "CUP_back.jpg", "_ignore/CUP_old.jpg", "x/_ignore/a.jpg"])
    assert result.ignored == ("_ignore/CUP_old.jpg", "x/_ignore/a.jpg")
    main = next(m for m in result.images if m.role == "main")
    assert (main.path, main.confidence["role"]) == ("_main/CUP.jpg", CERTAIN)


def test_regex_profile_maps_exactly_and_reports_misses() -> None:
    profile = MappingProfile(regex=r"(?P<sku>\d{6})-(?P<colour>[a-z]+)-(?P<index>\d+)")
    result = map_paths(["123456-red-1.jpg", "holiday.jpg"], profile)
    (m,) = result.images
    assert (m.sku, m.colour, m.index, m.confidence["sku"]) == ("123456", "red", 1, CERTAIN)
    assert result.unmapped[0][0] == "holiday.jpg"
    assert "does not match the profile's pattern" in result.unmapped[0][1]


def test_custom_delimiters_and_vocabulary() -> None:
    profile = MappingProfile(delimiters="+", colours=("rouge",), roles={"main": ("hero",)})
    (m,) = map_paths(["SAC+rouge+hero.jpg"], profile).images
    assert (m.sku, m.colour, m.role) == ("SAC", "rouge", "main")


def test_a_file_with_no_sku_and_no_folder_is_unmapped() -> None:
    result = map_paths(["main.jpg"])
    assert result.images == ()
    assert "no SKU in the file name" in result.unmapped[0][1]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_profiles_round_trip_and_carry_a_version(fmt: str) -> None:
    profile = MappingProfile(name="shop", regex=r"(?P<sku>[A-Z]+)_(?P<role>\w+)").bumped()
    loaded = load_profile(dump_profile(profile, fmt), f"p.{fmt}")  # type: ignore[arg-type]
    assert loaded == profile
    assert loaded.version == 2


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("schema_version: 9", "schema version 9 is not one this PixelLift reads"),
        ("regex: '('", "does not compile"),
        ("regex: '(?P<code>x)'", "needs a named group (?P<sku>...)"),
        ("colour_words: [red]", "colour_words: Extra inputs are not permitted"),
        ("- a list", "must be a mapping"),
        ("a: [", "not YAML or JSON"),
    ],
)
def test_bad_profiles_name_the_file_and_the_field(text: str, problem: str) -> None:
    with pytest.raises(InvalidMappingProfileError) as info:
        load_profile(text, "shop.yaml")
    assert str(info.value).startswith("shop.yaml: ")
    assert problem in str(info.value)
