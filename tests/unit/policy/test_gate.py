"""The Compliance Gate: blockers stop export; exceptions waive only overridable findings."""

from __future__ import annotations

from datetime import date

import pytest
from pixellift.core.policy.engine import Measurement, evaluate
from pixellift.core.policy.gate import (
    Decision,
    ItemRef,
    PolicyException,
    decide,
    decide_batch,
    failed_item,
)
from pixellift.core.policy.loader import load_pack
from pixellift.core.policy.resolution import resolve
from pixellift.core.policy.schema import Role
from pixellift.core.policy.taxonomy import assign_category
from pydantic import ValidationError

TODAY = date(2026, 11, 26)
RULES = resolve(load_pack("amazon"), role=Role.MAIN, on=TODAY)
ITEM = ItemRef(name="shoot/ring.jpg", sku="SKU-1", batch_id="B42")
GOOD = {
    "width": 2000, "height": 2000, "longest_side": 2000, "shortest_side": 2000, "format": "JPEG",
    "animated": False, "dpi": 72.0, "colour_mode": "RGB", "background_purity[#FFFFFF~3]": 1.0,
    "longest_side_fill": 0.87, "min_margin_px": 100,
}  # fmt: skip


def evaluation(**changes):
    return evaluate(RULES, Measurement(ITEM.name, {**GOOD, **changes}))


def grant(rule_id="AMAZON_MAIN_PRODUCT_FILL", scope="sku", value="SKU-1", **changes):
    fields = {
        "id": "EX-1", "rule_id": rule_id, "marketplace": "amazon", "who": "dana@brand.example",
        "why": "tall vase: 85% fill crops the neck", "scope": scope, "scope_value": value,
        "granted_on": date(2026, 11, 1), "expires_on": date(2026, 12, 31),
    }  # fmt: skip
    return PolicyException(**{**fields, **changes})


def judge(ev, exceptions=(), **kwargs):
    return decide(ev, item=ITEM, role=Role.MAIN, today=TODAY, exceptions=exceptions, **kwargs)


def test_image_without_blockers_passes_and_records_the_rule_set():
    # GIVEN a compliant evaluation
    # WHEN the gate decides
    d = judge(evaluation(), category=assign_category(folder="rings"))

    # THEN it passes, recording rule-set version, digest, date and category
    assert d.passed is True
    assert (d.ruleset, d.ruleset_digest, d.decided_on) == (RULES.label, RULES.digest, TODAY)
    assert (d.category, d.category_source) == ("jewelry", "folder")


def test_blocker_stops_export_and_warnings_do_not():
    # GIVEN one blocker (fill) and one warning (zoom size)
    # WHEN the gate decides
    d = judge(evaluation(longest_side_fill=0.5, longest_side=900))

    # THEN it fails on the blocker only; the warning is reported
    assert d.passed is False
    assert [f.rule_id for f in d.blocking] == ["AMAZON_MAIN_PRODUCT_FILL"]
    statuses = {j.finding.rule_id: j.status for j in d.findings}
    assert statuses["AMAZON_ZOOM_MIN_LONGEST_SIDE"] == "reported"


@pytest.mark.parametrize(
    ("scope", "value"),
    [("image", "shoot/ring.jpg"), ("sku", "SKU-1"), ("batch", "B42"), ("marketplace", "amazon")],
)
def test_exception_in_force_waives_an_overridable_blocker(scope, value):
    # GIVEN a fill blocker and a documented exception covering it at some scope
    # WHEN the gate decides
    d = judge(evaluation(longest_side_fill=0.5), [grant(scope=scope, value=value)])

    # THEN the finding is waived, with who and why, and the image passes
    (judged,) = d.findings
    assert (judged.status, judged.exception_id) == ("waived", "EX-1")
    assert "dana@brand.example" in judged.note and "tall vase" in judged.note
    assert d.passed is True


def test_exception_never_waives_a_non_overridable_rule():
    # GIVEN an off-white background (not overridable) and an exception for it
    ex = grant(rule_id="AMAZON_MAIN_WHITE_BACKGROUND")

    # WHEN the gate decides
    d = judge(evaluation(**{"background_purity[#FFFFFF~3]": 0.2}), [ex])

    # THEN the finding stays blocking and the note says why the exception was ignored
    (judged,) = d.findings
    assert judged.status == "blocking"
    assert (
        judged.note == "exception EX-1 ignored: AMAZON_MAIN_WHITE_BACKGROUND cannot be overridden"
    )
    assert d.passed is False


@pytest.mark.parametrize(
    ("changes", "note"),
    [
        ({"expires_on": date(2026, 11, 26)}, "exception EX-1 expired on 2026-11-26"),
        (
            {"granted_on": date(2026, 12, 1), "expires_on": date(2027, 1, 1)},
            "exception EX-1 starts on 2026-12-01",
        ),
    ],
)
def test_exception_outside_its_dates_does_not_apply(changes, note):
    # GIVEN an exception that has expired, or not started, on the decision date
    # WHEN the gate decides
    d = judge(evaluation(longest_side_fill=0.5), [grant(**changes)])

    # THEN the blocker stands, with a note
    assert (d.findings[0].status, d.findings[0].note, d.passed) == ("blocking", note, False)


@pytest.mark.parametrize(
    ("field", "value"),
    [("scope_value", "SKU-2"), ("marketplace", "ebay"), ("rule_id", "AMAZON_MIN_DPI")],
)
def test_exception_for_another_item_marketplace_or_rule_does_not_apply(field, value):
    # GIVEN an exception that does not cover this finding
    # WHEN the gate decides
    d = judge(evaluation(longest_side_fill=0.5), [grant(**{field: value})])

    # THEN the blocker stands without comment
    assert (d.findings[0].status, d.findings[0].note) == ("blocking", None)


def test_exception_needs_who_why_and_an_expiry_after_the_grant():
    # GIVEN exceptions missing a reason, or expiring before they start
    # WHEN they are created
    # THEN they are refused
    with pytest.raises(ValidationError, match="why"):
        grant(why="")
    with pytest.raises(ValidationError, match="expires_on 2026-10-01 is not after 2026-11-01"):
        grant(expires_on=date(2026, 10, 1))


def test_strict_gate_blocks_unchecked_blocker_rules():
    # GIVEN a compliant file whose text/logo rules were never checked by a detector
    ev = evaluation()

    # WHEN decided normally and strictly
    # THEN only the strict gate blocks, and both list what was not checked
    assert judge(ev).passed is True
    strict = judge(ev, require_checked=True)
    assert strict.passed is False
    assert "AMAZON_MAIN_NO_TEXT" in {u.rule_id for u in strict.unchecked}


def test_deciding_twice_gives_the_same_decision():
    # GIVEN one evaluation and one set of exceptions
    ev, exceptions = evaluation(longest_side_fill=0.5, format="WEBP"), [grant()]

    # WHEN decided twice, and the decision is serialised and read back
    first, second = judge(ev, exceptions), judge(ev, exceptions)
    restored = Decision.model_validate_json(first.model_dump_json())

    # THEN the decisions are identical
    assert first == second
    assert restored == first


def test_batch_passes_only_when_every_image_passes():
    # GIVEN one passing and one failing decision, and an unreadable file
    good, bad = judge(evaluation()), judge(evaluation(longest_side_fill=0.5))
    broken = failed_item(ItemRef(name="x.jpg"), RULES, "x.jpg: the file is empty", TODAY)

    # WHEN combined
    # THEN the batch fails unless all pass, and records the rule sets it used
    assert decide_batch([good]).passed is True
    assert decide_batch([good, bad]).passed is False
    batch = decide_batch([good, broken], batch_id="B42")
    assert (batch.passed, batch.batch_id) == (False, "B42")
    assert batch.rulesets == (f"{RULES.label} #{RULES.digest}",)
    assert broken.error == "x.jpg: the file is empty"
