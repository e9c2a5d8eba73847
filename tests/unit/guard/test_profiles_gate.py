"""Policy profiles, decisions, the allow-list and the Compliance Gate hand-over."""

from __future__ import annotations

from datetime import date

import pytest
from pixellift.core.errors import GuardProfileError
from pixellift.core.guard.findings import GuardClass, GuardFinding
from pixellift.core.guard.gate import gate_findings, metric_values
from pixellift.core.guard.inspect import GuardReport
from pixellift.core.guard.profiles import (
    Action,
    AllowList,
    decide,
    guard_policy,
    load_profiles,
    parse_profiles,
)
from pixellift.core.policy.engine import Measurement, evaluate, with_detector_findings
from pixellift.core.policy.loader import load_pack
from pixellift.core.policy.resolution import resolve
from pixellift.core.policy.schema import Role

pytestmark = pytest.mark.unit


def _report(*findings: GuardFinding) -> GuardReport:
    return GuardReport(rows=1000, cols=1000, findings=findings)


def _f(cls: GuardClass, confidence: float, box=(10, 10, 200, 60), text=None) -> GuardFinding:
    return GuardFinding(cls=cls, box=box, confidence=confidence, text=text)


def test_every_marketplace_profile_covers_every_class_for_both_roles():
    # GIVEN the built-in profiles / WHEN each is resolved / THEN every class has an action
    book = load_profiles()
    for name in book.marketplaces:
        for role in Role:
            assert set(book.actions(name, role)) == set(GuardClass)


@pytest.mark.parametrize(
    ("confidence", "expected"), [(0.9, Action.FAIL), (0.6, Action.REVIEW), (0.3, Action.PASS)]
)
def test_ambiguous_confidence_goes_to_review(confidence, expected):
    # GIVEN overlay text on an Amazon main image at a given confidence
    report = _report(_f(GuardClass.OVERLAY_TEXT, confidence, text="SALE"))

    # WHEN decided with the balanced preset / THEN sure fails, ambiguous reviews, faint ignored
    assert decide(report, guard_policy("amazon", Role.MAIN)).decision is expected


def test_packaging_text_passes_and_the_role_changes_the_decision():
    # GIVEN packaging text and a badge
    report = _report(_f(GuardClass.PACKAGING_TEXT, 0.99), _f(GuardClass.BADGE, 0.9))

    # WHEN decided for main and secondary Amazon images
    main = decide(report, guard_policy("amazon", "main"))
    secondary = decide(report, guard_policy("amazon", "secondary"))

    # THEN the badge fails the main image only, and packaging text never counts
    assert (main.decision, secondary.decision) == (Action.FAIL, Action.PASS)
    assert [r.finding.cls for r in main.reasons] == [GuardClass.BADGE]


def test_strictness_presets_move_the_thresholds():
    # GIVEN a watermark found with middling confidence
    report = _report(_f(GuardClass.WATERMARK, 0.55))

    # WHEN decided with each preset / THEN strict fails, balanced reviews, lenient reviews
    outcomes = [
        decide(report, guard_policy("ebay", "main", preset)).decision
        for preset in ("strict", "balanced", "lenient")
    ]
    assert outcomes == [Action.FAIL, Action.REVIEW, Action.REVIEW]


def test_the_allow_list_keeps_text_by_phrase_and_by_region():
    # GIVEN a brand name at the top and a caption at the bottom
    brand = _f(GuardClass.OVERLAY_TEXT, 0.95, (100, 20, 400, 80), "ACME Tools")
    caption = _f(GuardClass.OVERLAY_TEXT, 0.95, (100, 900, 600, 980), "Free delivery")
    report = _report(brand, caption)

    # WHEN the brand is allowed by phrase and the bottom band by region
    allow = AllowList(phrases=("acme",), regions=((0.0, 0.85, 1.0, 1.0),))
    decision = decide(report, guard_policy("amazon", "main", allow=allow))

    # THEN the photo passes and both reasons say why
    assert decision.decision is Action.PASS
    assert [r.why for r in decision.reasons] == [
        "allowed phrase 'acme'",
        "inside allowed region (0.0, 0.85, 1.0, 1.0)",
    ]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: guard_policy("nowhere"), "guard profile 'nowhere' is unknown"),
        (lambda: guard_policy("amazon", "hero"), "roles are main, secondary"),
        (lambda: guard_policy("amazon", "main", "paranoid"), "presets are strict"),
    ],
)
def test_unknown_marketplace_role_or_preset_is_refused(call, match):
    with pytest.raises(GuardProfileError, match=match):
        call()


def test_a_malformed_profile_file_is_refused_naming_the_gap():
    # GIVEN profiles with thresholds out of order (and a marketplace missing classes)
    text = """
version: 1
presets:
  strict: {review_at: 0.3, fail_at: 0.5}
  balanced: {review_at: 0.5, fail_at: 0.4}
  lenient: {review_at: 0.6, fail_at: 0.8}
marketplaces:
  shop: {main: {overlay_text: fail}}
"""
    # WHEN parsed / THEN the error names the file and the problem
    with pytest.raises(
        GuardProfileError,
        match=r"(?s)mine.yaml: invalid guard profiles.*review_at 0.5 is above fail_at 0.4",
    ):
        parse_profiles(text, "mine.yaml")


def test_guard_findings_fail_the_compliance_gate_with_evidence():
    # GIVEN an eBay rule set and a report with a border and overlay text
    rules = resolve(load_pack("ebay"), role=Role.MAIN, on=date(2026, 11, 1))
    policy = guard_policy("ebay", "main")
    report = _report(
        _f(GuardClass.BORDER, 0.9, (0, 0, 1000, 1000)),
        _f(GuardClass.OVERLAY_TEXT, 0.95, text="SALE"),
    )

    # WHEN the counts feed the measurement and the findings the evaluation
    measurement = Measurement("a.jpg", {}).with_values(metric_values(report, policy))
    evaluation = with_detector_findings(
        evaluate(rules, measurement), gate_findings(rules, report, policy)
    )

    # THEN the border and text rules fail with the guard's evidence, the rest pass
    failed = {f.rule_id: f for f in evaluation.findings if f.detector == "text-guard"}
    assert set(failed) == {"EBAY_NO_BORDER", "EBAY_NO_TEXT"}
    assert failed["EBAY_NO_TEXT"].evidence[0].text == "SALE"
    assert {"EBAY_NO_BADGE", "EBAY_NO_WATERMARK"} <= set(evaluation.passed)
