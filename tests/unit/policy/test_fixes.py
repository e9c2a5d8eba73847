"""Fix All: the preset that satisfies a rule set, idempotent, and what it does when it cannot."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pytest
import yaml
from PIL import Image, ImageCms
from pixellift.core.pipeline.preset_schema import Preset
from pixellift.core.pipeline.presets import load_preset
from pixellift.core.policy.engine import evaluate
from pixellift.core.policy.fixes import fix_preset, split_fixes
from pixellift.core.policy.loader import available_packs, load_pack, parse_pack
from pixellift.core.policy.measure import measure_image
from pixellift.core.policy.metrics import FILE_METRICS
from pixellift.core.policy.resolution import resolve
from pixellift.core.policy.schema import Role, Severity

TODAY = date(2026, 11, 26)
TARGETS = [(m, Role.MAIN, None) for m in available_packs()] + [
    ("amazon", Role.SECONDARY, None),
    ("amazon", Role.MAIN, "jewelry"),
    ("google-merchant-center", Role.MAIN, "apparel"),
]
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def rules_for(market, role=Role.MAIN, category=None, region=None):
    return resolve(load_pack(market), role=role, on=TODAY, category=category, region=region)


def render(preset: Preset) -> tuple[bytes, str]:
    """What Auto-Fix produces for a preset: a product framed at its fill, on its background."""
    aw, ah = preset.framing.aspect
    if preset.size.width is not None and preset.size.height is not None:
        cols, rows = preset.size.width, preset.size.height
    else:
        long_edge = preset.size.long_edge or 1000
        cols, rows = (
            (long_edge, round(long_edge * ah / aw))
            if aw >= ah
            else (round(long_edge * aw / ah), long_edge)
        )
    colour = tuple(int(preset.background.colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    fill = preset.framing.fill or 0.8
    rgb = np.full((rows, cols, 3), colour, np.uint8)
    box_rows, box_cols = round(rows * fill), round(cols * fill)
    top, left = (rows - box_rows) // 2, (cols - box_cols) // 2
    rgb[top : top + box_rows, left : left + box_cols] = (120, 60, 30)
    fmt = preset.output.format
    buf = io.BytesIO()
    Image.fromarray(rgb).save(
        buf, fmt, quality=preset.output.quality, dpi=(preset.output.dpi,) * 2, icc_profile=SRGB
    )
    data = buf.getvalue()
    assert preset.output.max_bytes is None or len(data) <= preset.output.max_bytes
    return data, f"product.{ {'JPEG': 'jpg', 'PNG': 'png', 'WEBP': 'webp'}[fmt] }"


@pytest.mark.parametrize(("market", "role", "category"), TARGETS)
def test_fix_all_preset_output_passes_every_file_rule(market, role, category):
    # GIVEN a marketplace's rules and the Amazon MAIN preset as the seller's starting point
    rules = rules_for(market, role, category)

    # WHEN Fix All adjusts the preset and the image it describes is measured and checked
    plan = fix_preset(rules, load_preset("amazon-main"))
    data, name = render(plan.preset)
    result = evaluate(rules, measure_image(data, name, backgrounds=rules.background_specs()))

    # THEN no blocker or warning on a file property remains, and there was no conflict
    left = [
        f.rule_id
        for f in result.findings
        if f.severity is not Severity.ADVICE and f.metric.split("[")[0] in FILE_METRICS
    ]
    assert left == []
    assert plan.conflicts == ()


@pytest.mark.parametrize(("market", "role", "category"), TARGETS)
@pytest.mark.parametrize("base", ["amazon-main", "transparent-png", "etsy", "shopify"])
def test_second_fix_all_changes_nothing(market, role, category, base):
    # GIVEN a preset already adjusted by Fix All
    rules = rules_for(market, role, category)
    first = fix_preset(rules, load_preset(base))

    # WHEN Fix All runs again on its own result
    second = fix_preset(rules, first.preset)

    # THEN nothing changes
    assert second.changes == ()
    assert second.preset == first.preset


def test_fix_all_moves_only_what_breaks_a_rule_and_says_which_rule():
    # GIVEN Zalando's portrait rules and a square 2000 x 2000 preset
    plan = fix_preset(rules_for("zalando"), load_preset("amazon-main"))

    # WHEN the changes are listed
    changes = {c.path: (c.before, c.after, c.rules) for c in plan.changes}

    # THEN the aspect becomes 1:1.44 (25:36) and the width follows; format and background stay
    assert changes["framing.aspect"] == ((1, 1), (25, 36), ("ZALANDO_ASPECT_RATIO",))
    assert changes["size.width"][:2] == (2000, 1389)
    assert plan.preset.output.format == "JPEG"
    assert (
        "https://partner.zalando.com/university/article/zalando-image-guidelines"
        in plan.preset.sources
    )


def test_transparent_preset_gets_a_white_background_for_a_white_background_rule():
    # GIVEN Amazon MAIN and a transparent-PNG preset
    plan = fix_preset(rules_for("amazon"), load_preset("transparent-png"))

    # WHEN adjusted
    # THEN the background becomes exact white, the PNG format is kept (Amazon accepts PNG)
    assert (plan.preset.background.mode, plan.preset.background.colour) == ("colour", "#FFFFFF")
    assert plan.preset.output.format == "PNG"


def test_jpeg_only_marketplace_turns_a_transparent_png_preset_into_a_jpeg_on_colour():
    # GIVEN Zalando (JPEG only) and a transparent-PNG preset
    plan = fix_preset(rules_for("zalando"), load_preset("transparent-png"))

    # WHEN adjusted
    # THEN it encodes JPEG on a colour background (a JPEG cannot be transparent)
    assert (plan.preset.output.format, plan.preset.background.mode) == ("JPEG", "colour")


def test_caps_take_the_strictest_value():
    # GIVEN Walmart's 5 MB cap and zoom size, and a 10 MB preset
    plan = fix_preset(rules_for("walmart"), load_preset("amazon-main"))

    # WHEN adjusted
    # THEN the cap drops to 5 MB and the minimum long edge rises to 1,500 px
    assert plan.preset.output.max_bytes == 5_000_000
    assert plan.preset.size.min_long_edge == 1500


def test_advice_is_left_alone_unless_asked_for():
    # GIVEN eBay's JPEG-quality advice (>= 90) and a preset whose minimum quality is 70
    rules = rules_for("ebay")

    # WHEN Fix All runs by default, and with advice included
    default = fix_preset(rules, load_preset("amazon-main"))
    strict = fix_preset(rules, load_preset("amazon-main"), min_severity=Severity.ADVICE)

    # THEN only the second raises the minimum quality
    assert default.preset.output.min_quality == 70
    assert strict.preset.output.min_quality == 90


def test_rules_no_preset_can_meet_are_reported_as_conflicts():
    # GIVEN a pack that only accepts TIFF, which the encoder does not write
    rule = {
        "id": "TEST_TIFF_ONLY", "title": "t", "message": "TIFF only.", "severity": "blocker",
        "overridable": False,
        "check": {"metric": "format", "op": "in", "value": ["TIFF"]},
        "source": {"url": "https://example.com", "as_of": "2026-10-06", "confidence": "official"},
        "examples": {"passing": [{"format": "TIFF"}], "failing": [{"format": "JPEG"}]},
    }  # fmt: skip
    text = yaml.safe_dump(
        {"marketplace": "test", "name": "T", "version": "1.0.0", "summary": "s", "rules": [rule]}
    )
    rules = resolve(parse_pack(text, "test.yaml"), role=Role.MAIN, on=TODAY)

    # WHEN Fix All runs
    plan = fix_preset(rules, load_preset("amazon-main"))

    # THEN the format is left as it was and the conflict is reported
    assert plan.preset.output.format == "JPEG"
    assert plan.conflicts == (
        "format: the encoder writes none of the formats TEST_TIFF_ONLY allow",
    )


def test_split_fixes_separates_what_fix_all_can_cure():
    # GIVEN findings for a small product (automatic) and overlay text (needs Text Guard)
    rules = rules_for("amazon")
    preset = load_preset("amazon-main")
    small = preset.model_copy(update={"framing": preset.framing.model_copy(update={"fill": 0.5})})
    data, _ = render(small)
    measured = measure_image(data, "B000123456.MAIN.jpg").with_values({"overlay_text_count": 2})
    findings = evaluate(rules, measured).findings

    # WHEN split
    automatic, manual = split_fixes(findings)

    # THEN the fill finding is automatic and the text finding is not
    assert [f.rule_id for f in automatic] == ["AMAZON_MAIN_PRODUCT_FILL"]
    assert [f.rule_id for f in manual] == ["AMAZON_MAIN_NO_TEXT"]
