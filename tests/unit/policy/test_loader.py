"""Loading packs: shipped packs load; a malformed pack fails naming the file, rule and field."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from pixellift.core.errors import InvalidRulePackError, RulePackNotFoundError
from pixellift.core.policy.loader import PackRef, available_packs, load_pack, parse_pack

MARKETPLACES = {
    "amazon", "ebay", "etsy", "walmart", "shopify", "tiktok-shop", "google-merchant-center",
    "meta", "zalando",
}  # fmt: skip

RULE = {
    "id": "TEST_MIN_SIZE",
    "title": "Minimum size",
    "message": "Images are at least 500 px.",
    "severity": "blocker",
    "overridable": False,
    "check": {"metric": "longest_side", "op": "gte", "value": 500},
    "source": {"url": "https://example.com/rules", "as_of": "2026-10-06", "confidence": "official"},
    "examples": {"passing": [{"longest_side": 500}], "failing": [{"longest_side": 499}]},
}


def pack_text(**changes) -> str:
    pack = {
        "marketplace": "test",
        "name": "Test",
        "version": "1.0.0",
        "summary": "s",
        "rules": [RULE],
    }
    pack.update(changes)
    return yaml.safe_dump(pack, sort_keys=False)


def rule(**changes) -> dict:
    return {**RULE, **changes}


def test_shipped_packs_cover_every_marketplace_and_cite_sources():
    # GIVEN the packs shipped as package data
    # WHEN they are loaded
    packs = [load_pack(m) for m in available_packs()]

    # THEN all nine marketplaces are there and every rule cites an http(s) source and a date
    assert {p.marketplace for p in packs} == MARKETPLACES
    sources = [r.source for p in packs for r in p.rules]
    assert all(
        s.url.startswith(("http://", "https://")) and s.as_of <= date(2026, 11, 26) for s in sources
    )


def test_amazon_pack_has_the_category_exceptions():
    # GIVEN the Amazon pack
    # WHEN its categories are listed
    # THEN apparel, jewelry and shoes are there
    assert set(load_pack("amazon").categories) == {"apparel", "jewelry", "shoes"}


def test_parse_pack_accepts_a_minimal_pack():
    # GIVEN a minimal valid pack
    # WHEN it is parsed
    pack = parse_pack(pack_text(), "test.yaml")

    # THEN its key and rule are there
    assert (pack.key, pack.rules[0].id) == ("test@1.0.0", "TEST_MIN_SIZE")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [", r"test\.yaml: not valid YAML"),
        ("- just\n- a list\n", r"test\.yaml: a rule pack must be a mapping"),
        (
            pack_text(rules=[rule(severity="fatal")]),
            r"test\.yaml: rule TEST_MIN_SIZE \(rules\[0\]\) field severity: Input should be",
        ),
        (
            pack_text(rules=[rule(check={"metric": "sharpness", "op": "gte", "value": 1})]),
            r"rule TEST_MIN_SIZE \(rules\[0\]\) field check\.metric",
        ),
        (
            pack_text(rules=[rule(check={"metric": "format", "op": "gte", "value": 1})]),
            r"field check: Value error, operator gte does not apply to str metric format$",
        ),
        (
            pack_text(rules=[rule(check={"metric": "longest_side", "op": "in", "value": 500})]),
            r"field check: Value error, in needs a list value",
        ),
        (
            pack_text(rules=[rule(id="lower_case")]),
            r"rule lower_case \(rules\[0\]\) field id: String should match pattern",
        ),
        (
            pack_text(
                rules=[
                    rule(source={"url": "ftp://x", "as_of": "2026-10-06", "confidence": "official"})
                ]
            ),
            r"field source\.url",
        ),
        (
            pack_text(rules=[rule(examples={"passing": [], "failing": [{"longest_side": 1}]})]),
            r"rule TEST_MIN_SIZE \(rules\[0\]\) field examples\.passing: Tuple should have at",
        ),
        (
            pack_text(rules=[rule(effective_from="2027-01-01", deprecated_on="2026-01-01")]),
            r"rule TEST_MIN_SIZE \(rules\[0\]\) field \(whole rule\): Value error, "
            r"effective_from 2027-01-01 is not before 2026-01-01$",
        ),
        (
            pack_text(categories={"toasters": []}),
            r"field categories: Value error, unknown categories toasters",
        ),
        (pack_text(surprise=1), r"field surprise: Extra inputs are not permitted"),
    ],
)
def test_malformed_pack_fails_naming_file_rule_and_field(text, message):
    # GIVEN a pack with one problem
    # WHEN it is parsed
    # THEN the error names the file, the rule and the field
    with pytest.raises(InvalidRulePackError, match=message):
        parse_pack(text, "test.yaml")


def test_example_that_contradicts_its_rule_fails_the_load():
    # GIVEN a rule whose passing example actually fails it
    text = pack_text(
        rules=[
            rule(examples={"passing": [{"longest_side": 400}], "failing": [{"longest_side": 1}]})
        ]
    )

    # WHEN the pack is parsed
    # THEN the error names the rule and the example
    with pytest.raises(
        InvalidRulePackError,
        match=r"rule TEST_MIN_SIZE \(rules\[0\]\) field examples\.passing\[0\]: expected pass, got",
    ):
        parse_pack(text, "test.yaml")


def test_two_versions_of_a_rule_that_overlap_fail_the_load():
    # GIVEN two entries with the same id, both in force on the same dates for the same images
    text = pack_text(rules=[rule(), rule(deprecated_on="2030-01-01")])

    # WHEN the pack is parsed
    # THEN the overlap is reported with both positions
    with pytest.raises(
        InvalidRulePackError, match=r"rule TEST_MIN_SIZE \(rules\[0\] and rules\[1\]\) field scope"
    ):
        parse_pack(text, "test.yaml")


def test_dated_versions_of_a_rule_load():
    # GIVEN two versions of a rule split by an effective date
    text = pack_text(rules=[rule(deprecated_on="2027-01-31"), rule(effective_from="2027-01-31")])

    # WHEN the pack is parsed
    pack = parse_pack(text, "test.yaml")

    # THEN both versions are kept
    assert [r.deprecated_on for r in pack.rules] == [date(2027, 1, 31), None]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {
                "overrides": "TEST_UNKNOWN",
                "reason": "r",
                "severity": "warning",
                "source": RULE["source"],
            },
            r"rule TEST_UNKNOWN \(categories\.jewelry\[0\]\) field overrides: no such baseline",
        ),
        (
            {"overrides": "TEST_MIN_SIZE", "reason": "r", "severity": "warning"},
            r"rule TEST_MIN_SIZE \(categories\.jewelry\[0\]\) field source: a category override",
        ),
        (
            {
                "overrides": "TEST_MIN_SIZE",
                "reason": "r",
                "source": RULE["source"],
                "check": {"metric": "longest_side", "op": "gte", "value": 1000},
            },
            r"field examples: a new check needs examples",
        ),
        (
            {**RULE},
            r"rule TEST_MIN_SIZE \(categories\.jewelry\[0\]\) field id: already a baseline rule",
        ),
        (
            {"overrides": "TEST_MIN_SIZE", "reason": "r", "disable": True, "severity": "advice"},
            r"rule TEST_MIN_SIZE \(categories\.jewelry\[0\]\) field \(whole rule\).*cannot also",
        ),
    ],
)
def test_malformed_category_entry_fails_naming_category_and_rule(entry, message):
    # GIVEN a category entry with one problem
    text = pack_text(categories={"jewelry": [entry]})

    # WHEN the pack is parsed
    # THEN the error names the category entry, the rule and the field
    with pytest.raises(InvalidRulePackError, match=message):
        parse_pack(text, "test.yaml")


def test_load_pack_names_known_marketplaces_for_an_unknown_one():
    # GIVEN a marketplace without a pack
    # WHEN it is loaded
    # THEN the error lists the known ones
    with pytest.raises(
        RulePackNotFoundError, match=r"no rule pack for marketplace 'faire'; known: amazon, ebay"
    ):
        load_pack("faire")


def test_load_pack_names_versions_for_an_unknown_version():
    # GIVEN a version that was never shipped
    # WHEN it is loaded
    # THEN the error lists the shipped versions
    with pytest.raises(
        RulePackNotFoundError, match=r"amazon has no pack version 0\.9\.0; versions: 1\.0\.0"
    ):
        load_pack("amazon", "0.9.0")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("amazon", PackRef("amazon")),
        ("amazon@1.0.0", PackRef("amazon", version="1.0.0")),
        (
            "google-merchant-center@2027-02-01",
            PackRef("google-merchant-center", on=date(2027, 2, 1)),
        ),
    ],
)
def test_pack_ref_parses_marketplace_version_and_date(text, expected):
    # GIVEN a pack reference
    # WHEN it is parsed
    # THEN marketplace, version and date are split out
    assert PackRef.parse(text) == expected


def test_pack_ref_rejects_a_qualifier_that_is_neither_version_nor_date():
    # GIVEN a malformed qualifier
    # WHEN it is parsed
    # THEN the error explains both accepted forms
    with pytest.raises(RulePackNotFoundError, match=r"expected marketplace@<version>"):
        PackRef.parse("amazon@latest")
