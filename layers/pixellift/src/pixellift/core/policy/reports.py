"""Batch compliance reports: JSON and CSV, with summaries by rule and by marketplace."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Final

from pixellift.core.policy.gate import BatchDecision, Decision

CSV_COLUMNS: Final = (
    "file", "sku", "batch_id", "marketplace", "role", "category", "category_source", "ruleset",
    "ruleset_digest", "decided_on", "image_passed", "rule_id", "severity", "status", "metric",
    "measured", "required", "reason_code", "reason", "fix_step", "fix_params", "exception_id",
    "note", "error",
)  # fmt: skip


@dataclass(frozen=True)
class RuleSummary:
    """How often one rule failed in a batch."""

    marketplace: str
    rule_id: str
    severity: str
    failed: int
    blocking: int
    waived: int


@dataclass(frozen=True)
class MarketplaceSummary:
    """Pass/fail counts of a batch for one marketplace."""

    marketplace: str
    images: int
    passed: int
    failed: int
    errors: int
    blocking_findings: int
    warnings: int
    advice: int


def summary_by_rule(decisions: Iterable[Decision]) -> list[RuleSummary]:
    """Failures per rule, most frequent first (ties by marketplace and rule id)."""
    failed: Counter[tuple[str, str, str]] = Counter()
    blocking: Counter[tuple[str, str, str]] = Counter()
    waived: Counter[tuple[str, str, str]] = Counter()
    for d in decisions:
        for judged in d.findings:
            f = judged.finding
            key = (d.marketplace, f.rule_id, str(f.severity))
            failed[key] += 1
            blocking[key] += judged.status == "blocking"
            waived[key] += judged.status == "waived"
    rows = [
        RuleSummary(m, r, s, n, blocking[(m, r, s)], waived[(m, r, s)])
        for (m, r, s), n in failed.items()
    ]
    return sorted(rows, key=lambda row: (-row.failed, row.marketplace, row.rule_id))


def summary_by_marketplace(decisions: Iterable[Decision]) -> list[MarketplaceSummary]:
    """Images passed and failed, and findings by severity, per marketplace."""
    groups: dict[str, list[Decision]] = {}
    for d in decisions:
        groups.setdefault(d.marketplace, []).append(d)
    rows = []
    for market, items in sorted(groups.items()):
        statuses = [(j.status, str(j.finding.severity)) for d in items for j in d.findings]
        rows.append(
            MarketplaceSummary(
                marketplace=market,
                images=len(items),
                passed=sum(d.passed for d in items),
                failed=sum(not d.passed for d in items),
                errors=sum(d.error is not None for d in items),
                blocking_findings=sum(status == "blocking" for status, _ in statuses),
                warnings=sum(sev == "warning" for _, sev in statuses),
                advice=sum(sev == "advice" for _, sev in statuses),
            )
        )
    return rows


def report_json(batch: BatchDecision) -> dict[str, Any]:
    """Build the batch report as JSON-ready data: decisions plus both summaries."""
    return {
        "batch_id": batch.batch_id,
        "passed": batch.passed,
        "rulesets": list(batch.rulesets),
        "summary": {
            "by_marketplace": [asdict(s) for s in summary_by_marketplace(batch.decisions)],
            "by_rule": [asdict(s) for s in summary_by_rule(batch.decisions)],
        },
        "decisions": [d.model_dump(mode="json") for d in batch.decisions],
    }


def _row(d: Decision) -> dict[str, Any]:
    return {
        "file": d.item.name, "sku": d.item.sku or "", "batch_id": d.item.batch_id or "",
        "marketplace": d.marketplace, "role": str(d.role), "category": d.category or "",
        "category_source": d.category_source, "ruleset": d.ruleset,
        "ruleset_digest": d.ruleset_digest,
        "decided_on": d.decided_on.isoformat(), "image_passed": "yes" if d.passed else "no",
        "error": d.error or "",
    }  # fmt: skip


def report_csv(batch: BatchDecision) -> str:
    """One row per finding (and one per image without findings), in :data:`CSV_COLUMNS` order."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    for d in batch.decisions:
        base = _row(d)
        if not d.findings:
            writer.writerow(base | {"status": "error" if d.error else "pass"})
        for judged in d.findings:
            f = judged.finding
            writer.writerow(
                base
                | {
                    "rule_id": f.rule_id,
                    "severity": str(f.severity),
                    "status": judged.status,
                    "metric": f.metric,
                    "measured": "" if f.measured is None else f.measured,
                    "required": f.required,
                    "reason_code": f.reason_code,
                    "reason": f.reason,
                    "fix_step": f.fix.step if f.fix else "",
                    "fix_params": json.dumps(f.fix.params, sort_keys=True) if f.fix else "",
                    "exception_id": judged.exception_id or "",
                    "note": judged.note or "",
                }  # fmt: skip
            )
    return out.getvalue()
