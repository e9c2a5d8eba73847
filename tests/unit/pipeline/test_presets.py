from __future__ import annotations

import pytest
from pixellift.core.errors import InvalidPresetError, PresetNotFoundError
from pixellift.core.pipeline.presets import builtin_preset_names, load_preset, parse_preset

REQUIRED = {
    "amazon-main",
    "amazon-secondary",
    "ebay",
    "etsy",
    "walmart-main",
    "shopify",
    "tiktok-shop",
}

_MINIMAL = (
    "name: x\nversion: 1.0.0\nmarketplace: m\nrole: main\ndescription: d\nsize: {long_edge: 800}\n"
)


def test_builtin_presets_cover_the_required_marketplaces() -> None:
    # GIVEN / WHEN
    names = set(builtin_preset_names())
    # THEN
    assert names >= REQUIRED


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_builtin_preset_loads_and_cites_a_source(name: str) -> None:
    # WHEN
    preset = load_preset(name)
    # THEN
    assert preset.name == name
    assert preset.sources, f"{name} must cite where its values come from"
    assert all(s.startswith("https://") for s in preset.sources)


def test_amazon_main_matches_the_published_rules() -> None:
    # WHEN
    p = load_preset("amazon-main")
    # THEN: pure white, >= 85% fill, >= 1000 px, JPEG, no shadow allowed
    assert p.background.mode == "colour"
    assert p.background.colour.upper() == "#FFFFFF"
    assert p.background.shadow is None and p.background.max_shadow_opacity == 0
    assert p.framing.fill is not None and p.framing.fill >= 0.85
    assert p.size.width == p.size.height == 2000
    assert p.output.format == "JPEG"


def test_load_preset_unknown_name_lists_known_presets() -> None:
    with pytest.raises(PresetNotFoundError, match="unknown preset 'nope'.*amazon-main"):
        load_preset("nope")


def test_parse_preset_names_source_and_field_on_error() -> None:
    # GIVEN a fill above 100%
    text = _MINIMAL + "framing: {fill: 1.5}\n"
    # WHEN / THEN
    with pytest.raises(InvalidPresetError, match=r"bad\.yaml: framing\.fill"):
        parse_preset(text, "bad.yaml")


def test_parse_preset_rejects_unknown_fields() -> None:
    with pytest.raises(InvalidPresetError, match="colr"):
        parse_preset(_MINIMAL + "background: {colr: '#fff'}\n", "typo.yaml")


def test_parse_preset_rejects_shadow_above_the_preset_limit() -> None:
    text = _MINIMAL + "background: {shadow: {opacity: 0.3}, max_shadow_opacity: 0.1}\n"
    with pytest.raises(InvalidPresetError, match="exceeds this preset's limit"):
        parse_preset(text, "s.yaml")


def test_parse_preset_rejects_transparent_jpeg() -> None:
    text = _MINIMAL + "background: {mode: transparent}\noutput: {format: JPEG}\n"
    with pytest.raises(InvalidPresetError, match="needs PNG or WEBP"):
        parse_preset(text, "t.yaml")


def test_parse_preset_rejects_non_mapping_and_bad_yaml() -> None:
    with pytest.raises(InvalidPresetError, match="must be a mapping"):
        parse_preset("- a\n- b\n", "list.yaml")
    with pytest.raises(InvalidPresetError, match="not valid YAML"):
        parse_preset("name: [unclosed", "broken.yaml")


def test_parse_preset_needs_exactly_one_size_target() -> None:
    text = _MINIMAL.replace("{long_edge: 800}", "{long_edge: 800, width: 10, height: 10}")
    with pytest.raises(
        InvalidPresetError, match="either both 'width' and 'height', or 'long_edge'"
    ):
        parse_preset(text, "size.yaml")
