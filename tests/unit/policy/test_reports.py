"""Batch reports: JSON and CSV, and summaries by rule and by marketplace."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from pixellift.core.policy.engine import Measurement, evaluate
from pixellift.core.policy.gate import ItemRef, PolicyException, decide, decide_batch, failed_item
from pixellift.core.policy.loader import load_pack
from pixellift.core.policy.reports import (
    CSV_COLUMNS,
    report_csv,
    report_json,
    summary_by_marketplace,
    summary_by_rule,
)
from pixellift.core.policy.resolution import resolve
from pixellift.core.policy.schema import Role

TODAY = date(2026, 11, 26)
AMAZON = resolve(load_pack("amazon"), role=Role.MAIN, on=TODAY)
WALMART = resolve(load_pack("walmart"), role=Role.MAIN, on=TODAY)
GOOD = {
    "width": 2000, "height": 2000, "longest_side": 2000, "shortest_side": 2000, "aspect_ratio": 1.0,
    "format": "JPEG", "animated": False, "dpi": 72.0, "colour_mode": "RGB", "bit_depth": 8,
    "file_bytes": 900_000, "background_purity[#FFFFFF~3]": 1.0, "longest_side_fill": 0.87,
    "min_margin_px": 100,
}  # fmt: skip
WAIVER = PolicyException(
    id="EX-9", rule_id="AMAZON_MAIN_PRODUCT_FILL", marketplace="amazon", who="ops", why="tall item",
    scope="image", scope_value="b.jpg", granted_on=date(2026, 11, 1), expires_on=date(2027, 1, 1),
)  # fmt: skip


def batch():
    decisions = []
    for name, changes in (
        ("a.jpg", {}),
        ("b.jpg", {"longest_side_fill": 0.6}),
        ("c.jpg", {"format": "WEBP"}),
    ):
        m = Measurement(name, {**GOOD, **changes})
        for rules in (AMAZON, WALMART):
            ev = evaluate(rules, m)
            decisions.append(
                decide(
                    ev,
                    item=ItemRef(name=name, batch_id="B1"),
                    role=Role.MAIN,
                    today=TODAY,
                    exceptions=[WAIVER],
                )
            )
    decisions.append(
        failed_item(ItemRef(name="d.jpg", batch_id="B1"), AMAZON, "d.jpg: the file is empty", TODAY)
    )
    return decide_batch(decisions, batch_id="B1")


def test_summary_by_marketplace_counts_images_and_findings():
    # GIVEN three images on two marketplaces plus an unreadable file on Amazon
    # WHEN summarised by marketplace
    rows = {s.marketplace: s for s in summary_by_marketplace(batch().decisions)}

    # THEN each marketplace has its passed/failed/error counts
    amazon, walmart = rows["amazon"], rows["walmart"]
    assert (amazon.images, amazon.passed, amazon.failed, amazon.errors) == (4, 2, 2, 1)
    assert (amazon.blocking_findings, amazon.advice) == (1, 1)
    assert (walmart.images, walmart.passed, walmart.failed) == (3, 2, 1)


def test_summary_by_rule_counts_failures_blocking_and_waived():
    # GIVEN the batch
    # WHEN summarised by rule
    rows = {(s.marketplace, s.rule_id): s for s in summary_by_rule(batch().decisions)}

    # THEN the waived fill and the blocking format are counted as such
    fill = rows[("amazon", "AMAZON_MAIN_PRODUCT_FILL")]
    assert (fill.failed, fill.blocking, fill.waived) == (1, 0, 1)
    fmt = rows[("walmart", "WALMART_FILE_FORMAT")]
    assert (fmt.failed, fmt.blocking, fmt.severity) == (1, 1, "blocker")


def test_json_report_holds_decisions_summaries_and_rule_sets():
    # GIVEN the batch
    # WHEN reported as JSON (and serialised)
    data = json.loads(json.dumps(report_json(batch())))

    # THEN it is a failed batch with every decision, both summaries and the rule sets used
    assert (data["batch_id"], data["passed"], len(data["decisions"])) == ("B1", False, 7)
    assert {r.split(" ")[0] for r in data["rulesets"]} == {"amazon@1.0.0", "walmart@1.0.0"}
    assert {"by_marketplace", "by_rule"} == set(data["summary"])
    first = data["decisions"][0]
    assert (first["item"]["name"], first["ruleset_digest"], first["passed"]) == (
        "a.jpg",
        AMAZON.digest,
        True,
    )


def test_csv_report_has_one_row_per_finding_or_clean_image():
    # GIVEN the batch
    # WHEN reported as CSV
    rows = list(csv.DictReader(io.StringIO(report_csv(batch()))))

    # THEN the columns are fixed, clean images get a pass row, failures one row each with their fix
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [
        (r["file"], r["status"])
        for r in rows
        if r["marketplace"] == "amazon" and r["rule_id"] == ""
    ] == [
        ("a.jpg", "pass"),
        ("d.jpg", "error"),
    ]
    advice = [(r["file"], r["rule_id"], r["status"]) for r in rows if r["severity"] == "advice"]
    assert ("a.jpg", "WALMART_RECOMMENDED_SIZE", "reported") in advice
    fill = next(r for r in rows if r["rule_id"] == "AMAZON_MAIN_PRODUCT_FILL")
    assert (fill["status"], fill["exception_id"], fill["measured"], fill["fix_step"]) == (
        "waived",
        "EX-9",
        "0.6",
        "frame",
    )
    assert json.loads(fill["fix_params"]) == {"fill": 0.87}
    error = next(r for r in rows if r["file"] == "d.jpg")
    assert (error["status"], error["error"], error["image_passed"]) == (
        "error",
        "d.jpg: the file is empty",
        "no",
    )
