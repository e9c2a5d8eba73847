"""The rules engine: findings with measured vs required, reason codes and fixes; unchecked rules."""

from __future__ import annotations

from datetime import date

import pytest
from pixellift.core.policy.engine import (
    CompiledRuleSet,
    Measurement,
    detector_finding,
    evaluate,
    with_detector_findings,
)
from pixellift.core.policy.findings import Evidence
from pixellift.core.policy.loader import load_pack
from pixellift.core.policy.resolution import resolve
from pixellift.core.policy.schema import Role, Severity

TODAY = date(2026, 11, 26)
AMAZON_MAIN = resolve(load_pack("amazon"), role=Role.MAIN, on=TODAY)
EBAY = resolve(load_pack("ebay"), role=Role.MAIN, on=TODAY)

COMPLIANT = {
    "width": 2000, "height": 2000, "longest_side": 2000, "shortest_side": 2000,
    "sum_of_sides": 4000,
    "megapixels": 4.0, "aspect_ratio": 1.0, "format": "JPEG", "animated": False,
    "extension_matches_format": True, "file_name": "B000123456.MAIN.jpg", "file_bytes": 900_000,
    "dpi": 72.0, "colour_mode": "RGB", "bit_depth": 8, "colour_space": "sRGB",
    "icc_profile": "sRGB",
    "jpeg_quality": 92, "has_transparency": False, "background_purity[#FFFFFF~3]": 0.999,
    "longest_side_fill": 0.87, "area_fill": 0.6, "product_coverage": 0.5, "min_margin": 0.065,
    "min_margin_px": 130,
}  # fmt: skip


def measured(**changes):
    return Measurement("shoe.jpg", {**COMPLIANT, **changes})


def test_compliant_image_has_no_findings_and_detector_rules_stay_unchecked():
    # GIVEN measured properties that meet every Amazon MAIN file rule
    # WHEN evaluated
    result = evaluate(AMAZON_MAIN, measured())

    # THEN nothing fails; text/logo/... rules wait for a detector, the image count for the listing
    assert result.findings == ()
    unchecked = {u.rule_id for u in result.unchecked}
    assert "AMAZON_MAIN_NO_TEXT" in unchecked
    assert "AMAZON_RECOMMENDED_IMAGE_COUNT" in unchecked
    assert "AMAZON_MAIN_WHITE_BACKGROUND" in result.passed
    assert result.ruleset == AMAZON_MAIN.label and result.digest == AMAZON_MAIN.digest


def test_finding_carries_measured_required_reason_code_and_fix():
    # GIVEN a product filling only 70% of the frame
    # WHEN evaluated
    result = evaluate(AMAZON_MAIN, measured(longest_side_fill=0.7))

    # THEN one blocker explains itself and names the Auto-Fix step that cures it
    (finding,) = result.findings
    assert finding.rule_id == "AMAZON_MAIN_PRODUCT_FILL"
    assert (finding.severity, finding.overridable) == (Severity.BLOCKER, True)
    assert (finding.measured, finding.required, finding.reason_code) == (
        0.7,
        "≥ 85%",
        "LONGEST_SIDE_FILL_TOO_LOW",
    )
    assert finding.reason.endswith("Measured longest side fill: 70%; required ≥ 85%.")
    assert (finding.fix.step, finding.fix.params, finding.fix.automatic) == (
        "frame",
        {"fill": 0.87},
        True,
    )
    assert (
        finding.source_url == "https://sellercentral.amazon.com/gp/help/external/GT8RSE9S9NK4LP6Z"
    )
    assert result.blockers == (finding,)


@pytest.mark.parametrize(
    ("change", "rule_id", "code", "step"),
    [
        ({"longest_side": 12000}, "AMAZON_MAX_LONGEST_SIDE", "LONGEST_SIDE_TOO_HIGH", "size"),
        ({"format": "WEBP"}, "AMAZON_FILE_FORMAT", "FORMAT_NOT_ALLOWED", "encode"),
        (
            {"background_purity[#FFFFFF~3]": 0.4},
            "AMAZON_MAIN_WHITE_BACKGROUND",
            "BACKGROUND_PURITY_TOO_LOW",
            "background",
        ),
        ({"dpi": None}, "AMAZON_MIN_DPI", "DPI_MISSING", "encode"),
        ({"animated": True}, "AMAZON_NO_ANIMATED_GIF", "ANIMATED_NOT_ALLOWED", "encode"),
    ],
)
def test_each_failure_has_its_reason_code_and_fix_step(change, rule_id, code, step):
    # GIVEN one property out of bounds
    # WHEN evaluated
    findings = {f.rule_id: f for f in evaluate(AMAZON_MAIN, measured(**change)).findings}

    # THEN the rule fails with its machine reason code and the Auto-Fix step that cures it
    assert findings[rule_id].reason_code == code
    assert findings[rule_id].fix.step == step


def test_rule_with_a_condition_is_not_applicable_when_the_condition_fails():
    # GIVEN eBay's JPEG-quality advice, which applies to JPEG files only
    # WHEN a PNG without a JPEG quality is evaluated
    result = evaluate(
        EBAY, Measurement("a.png", {**COMPLIANT, "format": "PNG", "jpeg_quality": None})
    )

    # THEN the rule is not applicable rather than failed
    assert "EBAY_JPEG_QUALITY" in result.not_applicable
    assert "EBAY_JPEG_QUALITY" not in {f.rule_id for f in result.findings}


def test_detector_counts_are_evaluated_once_reported():
    # GIVEN a detector reporting one overlay text and no logos
    m = measured().with_values({"overlay_text_count": 1, "logo_count": 0})

    # WHEN evaluated
    result = evaluate(AMAZON_MAIN, m)

    # THEN the text rule fails (cleanup is not automatic) and the logo rule passes
    (finding,) = result.findings
    assert (finding.rule_id, finding.reason_code) == (
        "AMAZON_MAIN_NO_TEXT",
        "OVERLAY_TEXT_COUNT_TOO_HIGH",
    )
    assert (finding.fix.step, finding.fix.automatic) == ("clean_overlays", False)
    assert "AMAZON_MAIN_NO_LOGO" in result.passed


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"sharpness": 1}, "unknown metric 'sharpness'"),
        ({"logo_count": "none"}, "logo_count must be a int"),
    ],
)
def test_with_values_rejects_unknown_metrics_and_wrong_kinds(extra, message):
    # GIVEN a detector report with a bad entry
    # WHEN it is added to a measurement
    # THEN it is refused, naming the image
    with pytest.raises(ValueError, match=f"shoe.jpg: {message}"):
        measured().with_values(extra)


def test_text_guard_findings_enter_through_the_same_schema():
    # GIVEN a Text Guard detection of a watermark with its box
    evidence = [Evidence(label="watermark", box=(10, 10, 400, 80), confidence=0.93, text="© shop")]
    finding = detector_finding(AMAZON_MAIN, "AMAZON_MAIN_NO_WATERMARK", "text_guard", evidence)

    # WHEN merged into the engine's evaluation
    result = with_detector_findings(evaluate(AMAZON_MAIN, measured()), [finding])

    # THEN it is a blocker finding like any other, with its evidence, and no longer unchecked
    assert (finding.detector, finding.measured, finding.severity) == (
        "text_guard",
        1,
        Severity.BLOCKER,
    )
    assert finding.evidence[0].box == (10, 10, 400, 80)
    assert result.blockers == (finding,)
    assert "AMAZON_MAIN_NO_WATERMARK" not in {u.rule_id for u in result.unchecked}


def test_detector_finding_for_a_rule_that_does_not_apply_is_none():
    # GIVEN a MAIN-only rule and secondary-image rules
    secondary = resolve(load_pack("amazon"), role=Role.SECONDARY, on=TODAY)

    # WHEN a detector reports against it
    # THEN there is no finding
    assert detector_finding(secondary, "AMAZON_MAIN_NO_WATERMARK", "text_guard", []) is None


def test_compiled_rule_set_gives_the_same_result_every_time():
    # GIVEN one compiled rule set and one measurement
    compiled = CompiledRuleSet(AMAZON_MAIN)
    m = measured(longest_side_fill=0.5, format="WEBP")

    # WHEN evaluated twice
    # THEN the evaluations are equal
    assert compiled.evaluate(m) == compiled.evaluate(m)
