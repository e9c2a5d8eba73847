"""Check Compliance: measure the real output file and let the Compliance Gate decide it."""

from __future__ import annotations

from pixellift.core.contracts.records import FindingSummary, ItemRecord, ItemStatus
from pixellift.core.contracts.tasks import GateOutput, ItemTask
from pixellift.core.errors import IllegalTransitionError
from pixellift.core.pipeline.deps import (
    PipelineDeps,
    load_item,
    load_plan,
    save_item,
)
from pixellift.core.pipeline.item_state import advance
from pixellift.core.pipeline.rules_step import compiled_rules
from pixellift.core.policy.gate import Decision, ItemRef, decide
from pixellift.core.policy.measure import measure_image


def _result(item: ItemRecord) -> GateOutput:
    return GateOutput(
        batch_id=item.batch_id,
        item_id=item.item_id,
        passed=bool(item.passed),
        blocking=item.blocking,
    )


def summarise(decision: Decision) -> tuple[FindingSummary, ...]:
    """The findings as stored with the item."""
    return tuple(
        FindingSummary(
            rule_id=d.finding.rule_id,
            severity=str(d.finding.severity),
            status=d.status,
            reason=d.finding.reason,
            fix=d.finding.fix.summary if d.finding.fix else None,
        )
        for d in decision.findings
    )


def check_compliance(task: ItemTask, deps: PipelineDeps) -> GateOutput:
    """Decide one processed item; an item decided already returns its stored decision.

    Raises
    ------
    PermanentError
        The item has not been processed (names it and its status).
    """
    plan = load_plan(deps, task.workspace_id, task.batch_id)
    item = load_item(deps, task.workspace_id, task.batch_id, task.item_id)
    if item.status in {ItemStatus.GATED, ItemStatus.CHARGED}:
        return _result(item)
    if item.status is not ItemStatus.PROCESSED or item.output_key is None:
        msg = f"{item.name}: cannot check compliance of an item that is {item.status}"
        raise IllegalTransitionError(msg)
    started = deps.clock.now()
    rules = compiled_rules(plan)
    name = f"{item.stem}{item.extension or ''}"
    measured = measure_image(
        deps.outputs.get(item.output_key), name, backgrounds=rules.rules.background_specs()
    )
    decision = decide(
        rules.evaluate(measured),
        item=ItemRef(name=name, batch_id=task.batch_id),
        role=rules.rules.role,
        today=plan.rules_on,
    )
    finished = deps.clock.now()
    item = save_item(
        deps,
        advance(
            item,
            ItemStatus.GATED,
            passed=decision.passed,
            blocking=tuple(f.rule_id for f in decision.blocking),
            findings=summarise(decision),
            timings={**item.timings, "gate_s": round((finished - started).total_seconds(), 4)},
            updated_at=finished,
        ),
    )
    return _result(item)
