"""Resolution: marketplace → category → seller → batch, dated versions, regions and provenance."""

from __future__ import annotations

from datetime import date

import pytest
from pixellift.core.errors import InvalidRulePackError
from pixellift.core.policy.loader import load_pack
from pixellift.core.policy.operators import Op
from pixellift.core.policy.resolution import region_matches, resolve
from pixellift.core.policy.schema import Check, Role, RuleLayer, RuleOverride, Severity

TODAY = date(2026, 11, 26)
AMAZON = load_pack("amazon")


def check_value(rules, rule_id):
    return rules.get(rule_id).rule.check.value


def layer(kind, *overrides, name="acme", marketplace=None):
    return RuleLayer(kind=kind, name=name, marketplace=marketplace, overrides=overrides)


def fill_override(value, reason="brand standard"):
    check = Check(metric="longest_side_fill", op=Op.GTE, value=value)
    return RuleOverride(overrides="AMAZON_MAIN_PRODUCT_FILL", reason=reason, check=check)


def test_baseline_rules_come_from_the_marketplace_with_their_source():
    # GIVEN the Amazon pack
    # WHEN main-image rules are resolved without category or layers
    rules = resolve(AMAZON, role=Role.MAIN, on=TODAY)

    # THEN every rule comes from the marketplace layer, and says which source
    fill = rules.get("AMAZON_MAIN_PRODUCT_FILL")
    assert {r.layer for r in rules.rules} == {"marketplace"}
    assert fill.history[0].name == "amazon@1.0.0"
    assert "GT8RSE9S9NK4LP6Z" in fill.history[0].why


def test_role_scope_keeps_main_only_rules_off_secondary_images():
    # GIVEN the Amazon pack
    # WHEN secondary-image rules are resolved
    rules = resolve(AMAZON, role=Role.SECONDARY, on=TODAY)

    # THEN the MAIN-only white background rule does not apply, the size rules do
    assert rules.get("AMAZON_MAIN_WHITE_BACKGROUND") is None
    assert rules.get("AMAZON_MIN_LONGEST_SIDE") is not None


def test_category_override_replaces_the_check_and_records_why():
    # GIVEN jewelry on Amazon
    # WHEN the rules are resolved
    rules = resolve(AMAZON, role=Role.MAIN, on=TODAY, category="jewelry")

    # THEN the fill rule becomes 80% of the area, from the category layer, with the changed fields
    fill = rules.get("AMAZON_MAIN_PRODUCT_FILL")
    assert (fill.rule.check.metric, fill.rule.check.value) == ("area_fill", 0.8)
    assert [h.layer for h in fill.history] == ["marketplace", "category"]
    assert fill.history[-1].changed == ("message", "check", "source")
    assert "Jewelry page" in fill.history[-1].why


def test_category_can_disable_a_baseline_rule_and_says_so():
    # GIVEN apparel on Amazon
    # WHEN the rules are resolved
    rules = resolve(AMAZON, role=Role.MAIN, on=TODAY, category="apparel")

    # THEN "no model" is gone, with a note naming the category and the reason
    assert rules.get("AMAZON_MAIN_NO_MODEL") is None
    assert any(n.startswith("category:apparel disables AMAZON_MAIN_NO_MODEL") for n in rules.notes)


@pytest.mark.parametrize(
    ("region", "applies"), [("US", False), ("UK", True), ("DE", True), ("JP", False)]
)
def test_regional_category_rules_apply_only_in_their_regions(region, applies):
    # GIVEN apparel rules scoped to the UK and the EU
    # WHEN resolved for a region
    rules = resolve(AMAZON, role=Role.MAIN, on=TODAY, category="apparel", region=region)

    # THEN they apply in the UK and EU member states only
    assert (rules.get("AMAZON_APPAREL_MAIN_ASPECT") is not None) is applies


@pytest.mark.parametrize(
    ("rule_regions", "region", "expected"),
    [((), None, True), (("EU",), "FR", True), (("US", "SEA"), "TH", True), (("TH",), "US", False)],
)
def test_region_matches_groups_and_codes(rule_regions, region, expected):
    # GIVEN a rule's regions and an item's region
    # WHEN they are matched
    # THEN groups contain their members and empty means everywhere
    assert region_matches(rule_regions, region) is expected


@pytest.mark.parametrize(
    ("day", "category", "minimum"),
    [
        (date(2027, 1, 30), None, 100),
        (date(2027, 1, 30), "apparel", 250),
        (date(2027, 1, 31), None, 500),
        (date(2027, 1, 31), "apparel", 500),
    ],
)
def test_dated_versions_are_chosen_by_effective_date(day, category, minimum):
    # GIVEN Google's minimum size, which rises to 500 px on 2027-01-31
    pack = load_pack("google-merchant-center")

    # WHEN resolved on a date, with or without the apparel category
    rules = resolve(pack, role=Role.MAIN, on=day, category=category)

    # THEN the version in effect on that day applies
    assert check_value(rules, "GOOGLE_MAIN_MIN_SIZE") == minimum


def test_seller_layer_may_tighten_a_rule_and_is_recorded():
    # GIVEN a seller preset that asks for 90% fill
    seller = layer("seller", fill_override(0.9))

    # WHEN resolved
    rules = resolve(AMAZON, role=Role.MAIN, on=TODAY, seller=seller)

    # THEN the seller's value applies, with its layer and reason
    fill = rules.get("AMAZON_MAIN_PRODUCT_FILL")
    assert fill.rule.check.value == 0.9
    assert (fill.layer, fill.history[-1].name, fill.history[-1].why) == (
        "seller",
        "seller:acme",
        "brand standard",
    )
    assert "seller:acme" in rules.label


def test_batch_override_applies_after_the_seller_layer():
    # GIVEN a seller asking for 90% and a batch asking for 88% (both overridable changes)
    seller = layer("seller", fill_override(0.9))
    batch = layer("batch", fill_override(0.88, "tall vases"), name="B42")

    # WHEN resolved with both layers
    rules = resolve(AMAZON, role=Role.MAIN, on=TODAY, seller=seller, batch=batch)

    # THEN the batch wins, and the history shows every layer in order
    fill = rules.get("AMAZON_MAIN_PRODUCT_FILL")
    assert fill.rule.check.value == 0.88
    assert [h.layer for h in fill.history] == ["marketplace", "seller", "batch"]


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        (
            RuleOverride(overrides="AMAZON_MAIN_WHITE_BACKGROUND", reason="r", disable=True),
            "disables it",
        ),
        (
            RuleOverride(
                overrides="AMAZON_MAIN_WHITE_BACKGROUND", reason="r", severity=Severity.WARNING
            ),
            "lowers severity blocker → warning",
        ),
        (
            RuleOverride(overrides="AMAZON_MAIN_WHITE_BACKGROUND", reason="r", overridable=True),
            "marks it overridable",
        ),
        (
            RuleOverride(
                overrides="AMAZON_MAX_LONGEST_SIDE",
                reason="r",
                check=Check(metric="longest_side", op=Op.LTE, value=20000),
            ),
            "loosens check.value 10000 → 20000",
        ),
        (
            RuleOverride(
                overrides="AMAZON_MAX_LONGEST_SIDE",
                reason="r",
                check=Check(metric="megapixels", op=Op.LTE, value=100),
            ),
            "replaces its check",
        ),
    ],
)
def test_seller_cannot_loosen_a_non_overridable_rule(override, problem):
    # GIVEN a seller override that would weaken a rule Amazon enforces
    seller = layer("seller", override)

    # WHEN resolved
    # THEN it is refused, naming the layer, the rule and the problem
    with pytest.raises(
        InvalidRulePackError, match=f"seller:acme: override of {override.overrides} {problem}"
    ):
        resolve(AMAZON, role=Role.MAIN, on=TODAY, seller=seller)


def test_seller_may_tighten_a_non_overridable_rule():
    # GIVEN a seller that caps Amazon's longest side lower than Amazon does
    check = Check(metric="longest_side", op=Op.LTE, value=4000)
    seller = layer(
        "seller", RuleOverride(overrides="AMAZON_MAX_LONGEST_SIDE", reason="CDN limit", check=check)
    )

    # WHEN resolved
    rules = resolve(AMAZON, role=Role.MAIN, on=TODAY, seller=seller)

    # THEN the tighter value applies
    assert check_value(rules, "AMAZON_MAX_LONGEST_SIDE") == 4000


def test_seller_may_loosen_or_disable_an_overridable_rule():
    # GIVEN a seller that disables the overridable DPI warning and lowers fill
    seller = layer(
        "seller",
        RuleOverride(overrides="AMAZON_MIN_DPI", reason="pixels matter", disable=True),
        fill_override(0.8, "long products"),
    )

    # WHEN resolved
    rules = resolve(AMAZON, role=Role.MAIN, on=TODAY, seller=seller)

    # THEN both changes apply and the disabling is noted
    assert rules.get("AMAZON_MIN_DPI") is None
    assert check_value(rules, "AMAZON_MAIN_PRODUCT_FILL") == 0.8
    assert "seller:acme disables AMAZON_MIN_DPI: pixels matter" in rules.notes


def test_layer_for_another_marketplace_is_ignored():
    # GIVEN a seller layer written for eBay
    seller = layer("seller", fill_override(0.95), marketplace="ebay")

    # WHEN Amazon rules are resolved
    rules = resolve(AMAZON, role=Role.MAIN, on=TODAY, seller=seller)

    # THEN it has no effect
    assert check_value(rules, "AMAZON_MAIN_PRODUCT_FILL") == 0.85
    assert rules.layers == ()


def test_override_of_a_rule_that_does_not_apply_is_noted():
    # GIVEN a seller override of a MAIN-only rule
    seller = layer("seller", fill_override(0.9))

    # WHEN secondary-image rules are resolved
    rules = resolve(AMAZON, role=Role.SECONDARY, on=TODAY, seller=seller)

    # THEN the override is noted as not applying
    assert rules.notes == (
        "seller:acme overrides AMAZON_MAIN_PRODUCT_FILL, which does not apply here",
    )


def test_digest_is_stable_and_changes_with_the_rules():
    # GIVEN the same resolution twice, and once with a seller change
    first = resolve(AMAZON, role=Role.MAIN, on=TODAY)
    again = resolve(AMAZON, role=Role.MAIN, on=TODAY)
    tightened = resolve(
        AMAZON, role=Role.MAIN, on=TODAY, seller=layer("seller", fill_override(0.9))
    )

    # WHEN their digests are compared
    # THEN identical rules give identical digests and changed rules a different one
    assert first.digest == again.digest
    assert tightened.digest != first.digest


def test_resolution_uses_the_pack_default_region():
    # GIVEN TikTok Shop, whose default region is the US
    pack = load_pack("tiktok-shop")

    # WHEN resolved without and with a region
    us = resolve(pack, role=Role.MAIN, on=TODAY)
    thailand = resolve(pack, role=Role.MAIN, on=TODAY, region="TH")

    # THEN the US 5 MB cap and the Thai 10 MB cap apply respectively
    assert (us.region, check_value(us, "TIKTOK_MAX_FILE_SIZE")) == ("US", 5_000_000)
    assert check_value(thailand, "TIKTOK_MAX_FILE_SIZE") == 10_000_000
