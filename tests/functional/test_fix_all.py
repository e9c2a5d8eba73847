"""Fix All end to end: fit the preset to the rules, run Auto-Fix, and the gate passes the output."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pytest
from PIL import Image
from pixellift.adapters.clock import SystemClock
from pixellift.core.pipeline.autofix import FixServices, fix_photo
from pixellift.core.pipeline.preset_schema import SizeSettings
from pixellift.core.pipeline.presets import load_preset
from pixellift.core.policy.engine import evaluate
from pixellift.core.policy.fixes import fix_preset
from pixellift.core.policy.gate import ItemRef, decide
from pixellift.core.policy.loader import load_pack
from pixellift.core.policy.measure import measure_image
from pixellift.core.policy.metrics import FILE_METRICS
from pixellift.core.policy.resolution import resolve
from pixellift.core.policy.schema import Role, Severity

# Runs the whole Auto-Fix pipeline (segmentation, edges, encoding): about a second per image.
pytestmark = pytest.mark.slow

TODAY = date(2026, 11, 26)
SERVICES = FixServices(segmenter=None, clock=SystemClock())


def seller_photo() -> bytes:
    """A round brown product, off-centre on a light grey sweep: fails Amazon as it is."""
    rows, cols = 600, 800
    rgb = np.full((rows, cols, 3), 228, np.uint8)
    yy, xx = np.mgrid[0:rows, 0:cols]
    rgb[(yy - 280) ** 2 + (xx - 350) ** 2 <= 250**2] = (110, 60, 30)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def base_preset():
    """The seller's own preset: Amazon MAIN, but 1,000 px to keep the test quick."""
    preset = load_preset("amazon-main")
    return preset.model_copy(update={"size": SizeSettings(width=1000, height=1000)})


def check(rules, data: bytes, name: str):
    measured = measure_image(data, name, backgrounds=rules.background_specs())
    return decide(evaluate(rules, measured), item=ItemRef(name=name), role=rules.role, today=TODAY)


@pytest.mark.parametrize(
    ("market", "category"), [("amazon", None), ("amazon", "jewelry"), ("zalando", None)]
)
def test_fix_all_output_passes_the_gate(market, category):
    # GIVEN a seller photo that fails the marketplace's rules, and the rules resolved for it
    rules = resolve(load_pack(market), role=Role.MAIN, on=TODAY, category=category)
    assert not check(rules, seller_photo(), "photo.jpg").passed

    # WHEN Fix All adjusts the seller's preset and Auto-Fix runs with it
    plan = fix_preset(rules, base_preset())
    result = fix_photo(seller_photo(), "photo.jpg", plan.preset, SERVICES)

    # THEN the real output file passes: no blocker, and no warning on any file property
    decision = check(rules, result.output.data, "photo" + result.extension)
    assert decision.passed, [f.finding.reason for f in decision.findings]
    left = [
        j.finding.rule_id for j in decision.findings
        if j.finding.severity is Severity.WARNING and j.finding.metric.split("[")[0] in FILE_METRICS
    ]  # fmt: skip
    assert left == []


def test_second_fix_all_changes_nothing():
    # GIVEN Amazon MAIN rules and an output already produced by Fix All
    rules = resolve(load_pack("amazon"), role=Role.MAIN, on=TODAY)
    plan = fix_preset(rules, base_preset())
    first = fix_photo(seller_photo(), "photo.jpg", plan.preset, SERVICES)

    # WHEN Fix All runs again: on the preset, and on the finished image
    again = fix_preset(rules, plan.preset)
    second = fix_photo(first.output.data, "photo.jpg", again.preset, SERVICES)

    # THEN the preset does not change, and the refixed image passes with the same size and fill
    assert again.changes == ()
    before = measure_image(first.output.data, "a.jpg").values
    after = measure_image(second.output.data, "b.jpg").values
    assert check(rules, second.output.data, "photo.jpg").passed
    assert (after["width"], after["height"]) == (before["width"], before["height"])
    assert after["longest_side_fill"] == pytest.approx(before["longest_side_fill"], abs=0.01)
