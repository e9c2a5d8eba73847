"""Feed guard findings to the Compliance Gate through the rules engine's finding schema.

Two steps, both pure: :func:`metric_values` gives the detector counts the rule packs test
(``overlay_text_count``, ``watermark_count`` ...) for ``Measurement.with_values``, and
:func:`gate_findings` turns the findings behind each failed rule into engine findings with
evidence (boxes, text, confidence) for ``with_detector_findings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from pixellift.core.guard.findings import GuardClass, GuardFinding
from pixellift.core.guard.inspect import GuardReport
from pixellift.core.guard.profiles import GuardPolicy
from pixellift.core.policy.engine import (
    CompiledRuleSet,
    Evaluation,
    Measurement,
    detector_finding,
    with_detector_findings,
)
from pixellift.core.policy.findings import Evidence, Finding
from pixellift.core.policy.metrics import Metric
from pixellift.core.policy.resolution import ResolvedRuleSet

DETECTOR: Final = "text-guard"
CLASS_METRICS: Final[Mapping[GuardClass, Metric]] = {
    GuardClass.OVERLAY_TEXT: Metric.OVERLAY_TEXT_COUNT,
    GuardClass.PHONE_NUMBER: Metric.OVERLAY_TEXT_COUNT,
    GuardClass.URL: Metric.OVERLAY_TEXT_COUNT,
    GuardClass.EMAIL: Metric.OVERLAY_TEXT_COUNT,
    GuardClass.WATERMARK: Metric.WATERMARK_COUNT,
    GuardClass.BADGE: Metric.BADGE_COUNT,
    GuardClass.BORDER: Metric.BORDER_COUNT,
    GuardClass.INSET: Metric.INSET_COUNT,
    GuardClass.PERSON: Metric.PERSON_COUNT,
}
"""The rule-pack metric each class counts towards (contact details count as added text)."""


def _counted(report: GuardReport, policy: GuardPolicy) -> dict[Metric, list[GuardFinding]]:
    """Findings sure enough to fail (the preset's ``fail_at``) and not allowed, by metric.

    Contact details already inside a counted overlay line are not counted twice.
    """
    by_metric: dict[Metric, list[GuardFinding]] = {m: [] for m in set(CLASS_METRICS.values())}
    for f in report.findings:
        metric = CLASS_METRICS.get(f.cls)
        if metric is None or policy.allow.allows(f, report.rows, report.cols) is not None:
            continue
        if f.confidence < policy.preset.for_class(f.cls).fail_at:
            continue
        if f.cls in (GuardClass.PHONE_NUMBER, GuardClass.URL, GuardClass.EMAIL) and any(
            g.cls is GuardClass.OVERLAY_TEXT and g.box == f.box for g in by_metric[metric]
        ):
            continue
        by_metric[metric].append(f)
    return by_metric


def metric_values(report: GuardReport, policy: GuardPolicy) -> dict[str, int]:
    """Detector counts for ``Measurement.with_values``.

    Examples
    --------
    >>> from pixellift.core.guard.profiles import guard_policy
    >>> border = GuardFinding(cls=GuardClass.BORDER, box=(0, 0, 100, 100), confidence=0.9)
    >>> values = metric_values(GuardReport(rows=100, cols=100, findings=(border,)),
    ...     guard_policy("ebay"))
    >>> values["border_count"], values["overlay_text_count"]
    (1, 0)
    """
    return {str(m): len(found) for m, found in _counted(report, policy).items()}


def evidence(finding: GuardFinding) -> Evidence:
    """One guard finding as the engine's evidence."""
    return Evidence(
        label=finding.cls.value, box=finding.box, confidence=finding.confidence, text=finding.text
    )


def gate_findings(
    rules: ResolvedRuleSet, report: GuardReport, policy: GuardPolicy
) -> list[Finding]:
    """Engine findings for every detector rule the guard's findings fail, with evidence.

    Pass the result to ``pixellift.core.policy.engine.with_detector_findings`` after
    evaluating a measurement that carries :func:`metric_values`.
    """
    counted = _counted(report, policy)
    out = []
    for resolved in rules.rules:
        metric = resolved.rule.check.metric
        found = counted.get(Metric(metric), []) if metric in CLASS_METRICS.values() else []
        if not found:
            continue
        finding = detector_finding(rules, resolved.rule.id, DETECTOR, map(evidence, found))
        if finding is not None:
            out.append(finding)
    return out


def evaluate_with_guard(
    compiled: CompiledRuleSet, measurement: Measurement, report: GuardReport, policy: GuardPolicy
) -> Evaluation:
    """Evaluate a measured image with the guard's counts and findings merged in.

    Content rules (text, watermarks, borders, people…) that the measurement alone leaves
    unchecked are then decided by the guard: passed when it found nothing sure enough to
    count, failed with its findings as evidence otherwise.
    """
    measured = measurement.with_values(metric_values(report, policy))
    evaluation = compiled.evaluate(measured)
    return with_detector_findings(evaluation, gate_findings(compiled.rules, report, policy))
