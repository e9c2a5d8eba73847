"""The Compliance Gate: pass or fail per image and per batch, with documented exceptions.

Blockers stop export. A documented exception (who, why, scope, expiry) waives a finding only when
its rule is overridable and the exception is in force on the decision date; a non-overridable
finding stays blocking whatever the exception says, and the decision notes why. Every decision
records the rule-set version and digest it used. Deciding is pure: the same evaluation, exceptions
and date always give the same decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pixellift.core.policy.engine import Evaluation
from pixellift.core.policy.findings import Finding, Unchecked
from pixellift.core.policy.resolution import ResolvedRuleSet
from pixellift.core.policy.schema import Role, RuleId, Severity
from pixellift.core.policy.taxonomy import CategoryAssignment

ExceptionScope = Literal["image", "sku", "batch", "marketplace"]
FindingStatus = Literal["blocking", "waived", "reported"]
NonEmpty = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicyException(_Strict):
    """A documented exception to one rule, for one image, SKU, batch or a whole marketplace."""

    id: NonEmpty
    rule_id: RuleId
    marketplace: NonEmpty
    who: NonEmpty
    why: NonEmpty
    scope: ExceptionScope
    scope_value: NonEmpty
    granted_on: date
    expires_on: date

    @model_validator(mode="after")
    def _expires_after_grant(self) -> PolicyException:
        if self.expires_on <= self.granted_on:
            msg = (
                f"exception {self.id}: expires_on {self.expires_on} is not after {self.granted_on}"
            )
            raise ValueError(msg)
        return self


class ItemRef(_Strict):
    """The image a decision is about, and the SKU and batch it belongs to."""

    name: str
    sku: str | None = None
    batch_id: str | None = None


class DecidedFinding(_Strict):
    """A finding with the gate's verdict on it."""

    finding: Finding
    status: FindingStatus
    exception_id: str | None = None
    note: str | None = None


class Decision(_Strict):
    """The gate's decision for one image and marketplace."""

    item: ItemRef
    marketplace: str
    role: Role
    category: str | None
    category_source: str
    ruleset: str
    ruleset_digest: str
    decided_on: date
    passed: bool
    findings: tuple[DecidedFinding, ...] = ()
    unchecked: tuple[Unchecked, ...] = ()
    error: str | None = None

    @property
    def blocking(self) -> tuple[Finding, ...]:
        """Findings that stop export."""
        return tuple(d.finding for d in self.findings if d.status == "blocking")


class BatchDecision(_Strict):
    """The gate's decision for a batch: it passes only if every image passes everywhere."""

    batch_id: str | None
    passed: bool
    rulesets: tuple[str, ...]
    decisions: tuple[Decision, ...]


def _covers(exc: PolicyException, finding: Finding, item: ItemRef) -> bool:
    if exc.rule_id != finding.rule_id or exc.marketplace != finding.marketplace:
        return False
    target = {
        "image": item.name,
        "sku": item.sku,
        "batch": item.batch_id,
        "marketplace": finding.marketplace,
    }
    return target[exc.scope] == exc.scope_value


def _judge(
    finding: Finding, item: ItemRef, exceptions: tuple[PolicyException, ...], today: date
) -> DecidedFinding:
    default: FindingStatus = "blocking" if finding.severity is Severity.BLOCKER else "reported"
    notes: list[str] = []
    for exc in (e for e in exceptions if _covers(e, finding, item)):
        if not finding.overridable:
            notes.append(f"exception {exc.id} ignored: {finding.rule_id} cannot be overridden")
        elif today >= exc.expires_on:
            notes.append(f"exception {exc.id} expired on {exc.expires_on}")
        elif today < exc.granted_on:
            notes.append(f"exception {exc.id} starts on {exc.granted_on}")
        else:
            note = f"waived by {exc.who} until {exc.expires_on}: {exc.why}"
            return DecidedFinding(finding=finding, status="waived", exception_id=exc.id, note=note)
    return DecidedFinding(finding=finding, status=default, note="; ".join(notes) or None)


def decide(
    evaluation: Evaluation,
    *,
    item: ItemRef,
    role: Role,
    today: date,
    category: CategoryAssignment | None = None,
    exceptions: Iterable[PolicyException] = (),
    require_checked: bool = False,
) -> Decision:
    """Decide whether one evaluated image may be exported to one marketplace.

    Parameters
    ----------
    evaluation
        The engine's evaluation (detector findings merged in, if any).
    item
        The image, with its SKU and batch for exception scopes.
    role
        The image's role (recorded).
    today
        The decision date: exceptions in force on it apply.
    category
        The category assignment used to resolve the rules (recorded with the item).
    exceptions
        Documented exceptions; those for other rules, items or marketplaces are ignored.
    require_checked
        Also block on blocker rules nothing measured (for example before Text Guard has run).

    Examples
    --------
    >>> ev = Evaluation("a.jpg", "amazon", "amazon@1.0.0 main", "d1g3st", (), ("R_ONE",), ())
    >>> d = decide(ev, item=ItemRef(name="a.jpg"), role=Role.MAIN, today=date(2026, 11, 26))
    >>> d.passed, d.ruleset
    (True, 'amazon@1.0.0 main')
    """
    granted = tuple(exceptions)
    judged = tuple(_judge(f, item, granted, today) for f in evaluation.findings)
    unchecked_blockers = [u for u in evaluation.unchecked if u.severity is Severity.BLOCKER]
    passed = all(d.status != "blocking" for d in judged) and not (
        require_checked and unchecked_blockers
    )
    assignment = category or CategoryAssignment(None, "none")
    return Decision(
        item=item,
        marketplace=evaluation.marketplace,
        role=role,
        category=assignment.category,
        category_source=assignment.source,
        ruleset=evaluation.ruleset,
        ruleset_digest=evaluation.digest,
        decided_on=today,
        passed=passed,
        findings=judged,
        unchecked=evaluation.unchecked,
    )


def failed_item(item: ItemRef, rules: ResolvedRuleSet, error: str, today: date) -> Decision:
    """Fail an image that could not be measured (unreadable, corrupt, too big)."""
    return Decision(
        item=item,
        marketplace=rules.marketplace,
        role=rules.role,
        category=None,
        category_source="none",
        ruleset=rules.label,
        ruleset_digest=rules.digest,
        decided_on=today,
        passed=False,
        error=error,
    )


def decide_batch(decisions: Iterable[Decision], batch_id: str | None = None) -> BatchDecision:
    """Combine per-image decisions: the batch passes only if every one does.

    Examples
    --------
    >>> decide_batch([]).passed
    True
    """
    items = tuple(decisions)
    rulesets = tuple(sorted({f"{d.ruleset} #{d.ruleset_digest}" for d in items}))
    return BatchDecision(
        batch_id=batch_id, passed=all(d.passed for d in items), rulesets=rulesets, decisions=items
    )
