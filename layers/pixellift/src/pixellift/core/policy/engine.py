"""The rules engine: evaluate measured properties against a resolved rule set.

Rules are compiled once per resolved set (:class:`CompiledRuleSet`): each becomes a key, a
predicate and a precomputed requirement text, so evaluating one image is one dictionary lookup and
one call per rule. A property that was never measured leaves its rule *unchecked* (a detector
that has not run); a property measured as absent (an untagged DPI) fails the rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Final, Literal

from pixellift.core.policy.findings import (
    Evidence,
    Finding,
    Unchecked,
    describe_check,
    human_reason,
    reason_code,
)
from pixellift.core.policy.fixes import fix_step
from pixellift.core.policy.metrics import METRICS, Metric
from pixellift.core.policy.operators import Predicate, Scalar, prepare
from pixellift.core.policy.resolution import ResolvedRule, ResolvedRuleSet
from pixellift.core.policy.schema import Check, Rule, Severity

Outcome = Literal["pass", "fail", "not_applicable", "unchecked"]
MetricValue = Scalar | None
_MISSING: Final = object()


@dataclass(frozen=True)
class Measurement:
    """Measured properties of one image, keyed by metric (purity keys carry their spec)."""

    name: str
    values: Mapping[str, MetricValue]
    details: Mapping[str, MetricValue] = field(default_factory=dict)

    def with_values(self, extra: Mapping[str, MetricValue]) -> Measurement:
        """Add properties reported by detectors or the listing (for example ``logo_count``).

        Raises
        ------
        ValueError
            For an unknown metric or a value of the wrong kind.

        Examples
        --------
        >>> Measurement("a.jpg", {"width": 10}).with_values({"logo_count": 0}).values["logo_count"]
        0
        """
        for key, value in extra.items():
            try:
                info = METRICS[Metric(key)]
            except ValueError:
                msg = f"{self.name}: unknown metric {key!r}"
                raise ValueError(msg) from None
            wrong = isinstance(value, bool) != (info.kind == "bool") or isinstance(value, str) != (
                info.kind == "str"
            )
            if value is not None and wrong:
                msg = f"{self.name}: {key} must be a {info.kind}, got {value!r}"
                raise ValueError(msg)
        return replace(self, values={**self.values, **extra})


@dataclass(frozen=True)
class Evaluation:
    """The outcome of every rule of a resolved set for one image."""

    item: str
    marketplace: str
    ruleset: str
    digest: str
    findings: tuple[Finding, ...]
    passed: tuple[str, ...]
    unchecked: tuple[Unchecked, ...]
    not_applicable: tuple[str, ...] = field(default=())

    @property
    def blockers(self) -> tuple[Finding, ...]:
        """Findings that stop export unless an exception waives them."""
        return tuple(f for f in self.findings if f.severity is Severity.BLOCKER)


def example_values(rule: Rule, example: Mapping[str, MetricValue]) -> dict[str, MetricValue]:
    """Turn a rule's example (plain metric names) into measured-properties keys."""
    keys = {str(c.metric): c.key for c in (rule.check, *rule.when)}
    return {keys.get(name, name): value for name, value in example.items()}


def rule_outcome(rule: Rule, values: Mapping[str, MetricValue]) -> Outcome:
    """Evaluate one rule (uncompiled; for examples and tests).

    Examples
    --------
    >>> from pixellift.core.policy.loader import load_pack
    >>> rule = load_pack("amazon").rules[0]
    >>> rule_outcome(rule, {"longest_side": 499}), rule_outcome(rule, {})
    ('fail', 'unchecked')
    """
    for cond in rule.when:
        value = values.get(cond.key, _MISSING)
        if value is _MISSING:
            return "unchecked"
        if value is None or not prepare(cond.op, cond.value, cond.tolerance)(value):
            return "not_applicable"
    value = values.get(rule.check.key, _MISSING)
    if value is _MISSING:
        return "unchecked"
    ok = value is not None and prepare(rule.check.op, rule.check.value, rule.check.tolerance)(value)
    return "pass" if ok else "fail"


@dataclass(frozen=True)
class _Compiled:
    resolved: ResolvedRule
    key: str
    test: Predicate
    when: tuple[tuple[str, Predicate], ...]
    template: Finding
    unchecked: Unchecked


def _predicate(check: Check) -> Predicate:
    return prepare(check.op, check.value, check.tolerance)


class CompiledRuleSet:
    """A resolved rule set prepared for fast evaluation."""

    def __init__(self, rules: ResolvedRuleSet) -> None:
        self.rules = rules
        self._compiled = tuple(self._compile(r) for r in rules.rules)

    def _compile(self, resolved: ResolvedRule) -> _Compiled:
        rule = resolved.rule
        why = f"{rule.check.metric} was not measured"
        required = describe_check(rule.check)
        # Everything but the measured value, reason and reason code is known per rule: findings
        # are copies of this template, which keeps evaluation fast when many images fail.
        template = Finding(
            rule_id=rule.id,
            marketplace=self.rules.marketplace,
            severity=rule.severity,
            overridable=rule.overridable,
            title=rule.title,
            metric=rule.check.key,
            measured=None,
            required=required,
            reason=rule.message,
            reason_code=reason_code(rule.check, None, rule.reason_code),
            fix=fix_step(rule),
            source_url=rule.source.url,
        )
        return _Compiled(
            resolved,
            rule.check.key,
            _predicate(rule.check),
            tuple((c.key, _predicate(c)) for c in rule.when),
            template,
            Unchecked(rule_id=rule.id, severity=rule.severity, metric=rule.check.key, why=why),
        )

    def evaluate(self, measurement: Measurement) -> Evaluation:
        """Evaluate every rule against one image's measured properties."""
        values = measurement.values
        get = values.get
        findings: list[Finding] = []
        passed: list[str] = []
        unchecked: list[Unchecked] = []
        skipped: list[str] = []
        for c in self._compiled:
            value = get(c.key, _MISSING)
            if value is _MISSING:
                unchecked.append(c.unchecked)
                continue
            if c.when and not self._applies(c, values):
                skipped.append(c.resolved.rule.id)
            elif value is not None and c.test(value):
                passed.append(c.resolved.rule.id)
            else:
                findings.append(self._finding(c, value))  # type: ignore[arg-type]
        r = self.rules
        return Evaluation(
            measurement.name,
            r.marketplace,
            r.label,
            r.digest,
            tuple(findings),
            tuple(passed),
            tuple(unchecked),
            tuple(skipped),
        )

    @staticmethod
    def _applies(c: _Compiled, values: Mapping[str, MetricValue]) -> bool:
        for key, test in c.when:
            value = values.get(key)
            if value is None or not test(value):
                return False
        return True

    @staticmethod
    def _finding(c: _Compiled, measured: MetricValue) -> Finding:
        rule = c.resolved.rule
        update = {
            "measured": measured,
            "reason": human_reason(rule, measured, c.template.required),
            "reason_code": reason_code(rule.check, measured, rule.reason_code),
        }
        return c.template.model_copy(update=update)


def evaluate(rules: ResolvedRuleSet, measurement: Measurement) -> Evaluation:
    """Compile ``rules`` and evaluate one image (compile once and reuse it for batches)."""
    return CompiledRuleSet(rules).evaluate(measurement)


def detector_finding(
    rules: ResolvedRuleSet, rule_id: str, detector: str, evidence: Iterable[Evidence]
) -> Finding | None:
    """Turn a detector's report on a rule into a finding (``None`` if the rule does not apply).

    Text Guard and SceneSafe report their detections through this, so the Compliance Gate sees
    them exactly like the engine's own findings.
    """
    resolved = rules.get(rule_id)
    if resolved is None:
        return None
    rule, seen = resolved.rule, tuple(evidence)
    required = describe_check(rule.check)
    return Finding(
        rule_id=rule.id,
        marketplace=rules.marketplace,
        severity=rule.severity,
        overridable=rule.overridable,
        title=rule.title,
        metric=rule.check.key,
        measured=len(seen),
        required=required,
        reason=human_reason(rule, len(seen), required),
        reason_code=reason_code(rule.check, len(seen), rule.reason_code),
        fix=fix_step(rule),
        source_url=rule.source.url,
        detector=detector,
        evidence=seen,
    )


def with_detector_findings(evaluation: Evaluation, findings: Iterable[Finding]) -> Evaluation:
    """Merge detector findings into an evaluation; they replace the engine's verdict on a rule."""
    extra = tuple(findings)
    ids = {f.rule_id for f in extra}
    return replace(
        evaluation,
        findings=(*(f for f in evaluation.findings if f.rule_id not in ids), *extra),
        passed=tuple(p for p in evaluation.passed if p not in ids),
        unchecked=tuple(u for u in evaluation.unchecked if u.rule_id not in ids),
    )
