"""Naming templates: tokens, character rules, length caps, collisions and idempotent re-exports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pixellift.core.errors import InvalidNameTemplateError
from pixellift.core.exports.name_collisions import NameRequest, assign_names
from pixellift.core.exports.naming import (
    NameContext,
    NameRules,
    NameTemplate,
    render_folder,
    rules_for,
)

CTX = NameContext(
    sku="Mug 001/Ré",
    channel="tiktok-shop",
    variant="main",
    ab_tag="B",
    weight=30,
    run_id="qs-1",
    preset="tiktok-shop",
    marketplace="tiktok-shop",
    role="main",
    index=3,
    timestamp=datetime(2026, 11, 26, 18, 30, tzinfo=UTC),
)


def test_every_token_renders() -> None:
    # GIVEN a template with all eleven tokens
    t = NameTemplate(
        "{sku}_{channel}_{variant}_{ab_tag}{weight}_{run_id}_{preset}_{marketplace}_{role}"
        "_{index:03}_{timestamp}"
    )
    # WHEN rendered
    name = t.render(CTX, extension=".JPG")
    # THEN each value is there, cleaned, and the extension is lower case
    assert name == (
        "Mug-001-Re_tiktok-shop_main_B30_qs-1_tiktok-shop_tiktok-shop_main_003_20261126T183000Z.jpg"
    )


def test_empty_tokens_drop_out_with_their_separator() -> None:
    # GIVEN a control output (no tag, no weight) / WHEN rendered / THEN no dangling separators
    ctx = CTX.model_copy(update={"ab_tag": "", "weight": None})
    assert NameTemplate("{sku}__{ab_tag}-{weight}_{variant}").render(ctx) == "Mug-001-Re_main"


def test_unknown_token_is_refused_with_the_allowed_list() -> None:
    with pytest.raises(InvalidNameTemplateError, match=r"unknown token \{colour\}.*\{sku\}"):
        NameTemplate("{sku}_{colour}")


def test_template_without_tokens_is_refused() -> None:
    with pytest.raises(InvalidNameTemplateError, match="no token"):
        NameTemplate("photo")


def test_template_that_renders_nothing_names_the_sku() -> None:
    with pytest.raises(InvalidNameTemplateError, match="empty name for SKU '###'"):
        NameTemplate("{sku}").render(NameContext(sku="###"))


@pytest.mark.parametrize(
    ("marketplace", "expected"),
    [("shopify", "mug-001-re_main"), ("walmart", "Mug-001-Re_main"), ("ebay", "Mug-001-Re_main")],
)
def test_marketplace_rules_change_case_and_characters(marketplace: str, expected: str) -> None:
    name = NameTemplate("{sku}_{variant}").render(CTX, rules=rules_for(marketplace))
    assert name == expected


def test_long_names_are_capped_and_stay_distinct() -> None:
    # GIVEN two long SKUs that share their first 100 characters
    rules = NameRules(max_length=40)
    a = NameTemplate("{sku}").render(
        NameContext(sku="x" * 100 + "a"), extension=".jpg", rules=rules
    )
    b = NameTemplate("{sku}").render(
        NameContext(sku="x" * 100 + "b"), extension=".jpg", rules=rules
    )
    # THEN both fit and differ
    assert len(a) == len(b) == 40
    assert a != b
    assert a.endswith(".jpg")


def test_folder_template_renders_each_segment() -> None:
    assert render_folder("{run_id}/{sku}/{channel}", CTX) == "qs-1/Mug-001-Re/tiktok-shop"


def test_siblings_with_one_name_get_key_derived_suffixes_in_any_order() -> None:
    # GIVEN three outputs wanting one name
    reqs = [NameRequest(k, "a/x.jpg") for k in ("k3", "k1", "k2")]
    # WHEN named in two different orders
    first = {a.key: a.name for a in assign_names(reqs, {})}
    second = {a.key: a.name for a in assign_names(list(reversed(reqs)), {})}
    # THEN the names are unique and the same both times
    assert first == second
    assert len(set(first.values())) == 3
    assert "a/x.jpg" in first.values()


def test_reexport_gives_each_output_its_earlier_name() -> None:
    # GIVEN a first export with a collision
    reqs = [NameRequest("k1", "x.jpg"), NameRequest("k2", "x.jpg")]
    first = assign_names(reqs, {})
    existing: dict[str, str | None] = {a.name: a.key for a in first}
    # WHEN the same outputs are exported again, in reverse order
    again = assign_names(list(reversed(reqs)), existing)
    # THEN every output keeps its name and overwrites its own file
    assert {a.key: a.name for a in again} == {a.key: a.name for a in first}
    assert {a.action for a in again} == {"overwrite"}


@pytest.mark.parametrize(
    ("policy", "name", "action"),
    [("overwrite", "x.jpg", "overwrite"), ("skip", "x.jpg", "skip"), ("append", None, "write")],
)
def test_collision_with_a_foreign_file_follows_the_policy(
    policy: str, name: str | None, action: str
) -> None:
    # GIVEN a file of unknown origin at the wanted name
    (got,) = assign_names([NameRequest("k1", "x.jpg")], {"x.jpg": None}, policy)  # type: ignore[arg-type]
    # THEN the policy decides
    assert got.action == action
    if name is not None:
        assert got.name == name
    else:
        assert got.name.startswith("x-") and got.name.endswith(".jpg")


def test_names_taken_earlier_in_the_run_are_never_overwritten() -> None:
    (got,) = assign_names([NameRequest("k2", "x.jpg")], {}, "overwrite", taken={"x.jpg": "k1"})
    assert got.name != "x.jpg"
    assert got.action == "write"
