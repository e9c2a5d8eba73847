"""Resolve Rules: fix each batch's plan (rule set and fitted preset) once, before its items run.

The plan is resolved on the batch's creation date and stored with the batch, so every item and
every resumed run uses the same rules and preset, and the content keys of its outputs stay stable.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from pixellift.core.contracts.records import BatchRecord, RunPlan
from pixellift.core.contracts.tasks import BatchTask, PlanSummary
from pixellift.core.errors import ConcurrentUpdateError, InvalidRulePackError
from pixellift.core.pipeline.deps import PipelineDeps, load_batch
from pixellift.core.pipeline.keys import digest_of
from pixellift.core.pipeline.preset_schema import Preset
from pixellift.core.pipeline.presets import load_preset
from pixellift.core.policy.engine import CompiledRuleSet
from pixellift.core.policy.fixes import fix_preset
from pixellift.core.policy.loader import PackRef, load_pack
from pixellift.core.policy.resolution import resolve
from pixellift.core.policy.schema import Role
from pixellift.core.ports import PresetRepository


def base_preset(workspace_id: str, name: str, presets: PresetRepository) -> Preset:
    """The workspace's own preset of that name (latest version), else the built-in one."""
    stored = presets.get(workspace_id, name)
    if stored is not None:
        return Preset.model_validate(stored.body)
    return load_preset(name)


def make_plan(batch: BatchRecord, base: Preset) -> RunPlan:
    """Resolve the batch's rules on its creation date and fit ``base`` to them (Fix All).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> batch = BatchRecord(batch_id="b-1", workspace_id="ws", marketplace="amazon",
    ...                     created_at=datetime(2026, 11, 26, tzinfo=timezone.utc))
    >>> plan = make_plan(batch, load_preset("amazon-main"))
    >>> plan.marketplace, plan.rules_on.isoformat(), plan.preset_key
    ('amazon', '2026-11-26', 'amazon-main@1.0.0')
    """
    ref = PackRef.parse(batch.marketplace)
    on = ref.on or batch.created_at.date()
    pack = load_pack(ref.marketplace, ref.version)
    rules = resolve(pack, role=Role(batch.role), on=on, category=batch.category)
    fitted = fix_preset(rules, base)
    preset = fitted.preset.model_dump(mode="json")
    return RunPlan(
        marketplace=ref.marketplace,
        pack_version=pack.version,
        role=batch.role,
        category=batch.category,
        rules_on=on,
        ruleset=rules.label,
        ruleset_digest=rules.digest,
        preset=preset,
        preset_key=fitted.preset.key,
        preset_digest=digest_of(preset),
        changes=tuple(str(c) for c in fitted.changes),
        conflicts=tuple(fitted.conflicts),
    )


@lru_cache(maxsize=64)
def _compiled(
    marketplace: str, version: str, role: str, category: str | None, on: date
) -> CompiledRuleSet:
    pack = load_pack(marketplace, version)
    return CompiledRuleSet(resolve(pack, role=Role(role), on=on, category=category))


def compiled_rules(plan: RunPlan) -> CompiledRuleSet:
    """The plan's rule set, compiled (cached per process), checked against the plan's digest.

    Raises
    ------
    InvalidRulePackError
        The shipped pack no longer resolves to the rules the plan recorded.
    """
    compiled = _compiled(
        plan.marketplace, plan.pack_version, plan.role, plan.category, plan.rules_on
    )
    if compiled.rules.digest != plan.ruleset_digest:
        msg = (
            f"{plan.ruleset}: resolves to digest {compiled.rules.digest}, "
            f"but the batch was planned with {plan.ruleset_digest}"
        )
        raise InvalidRulePackError(msg)
    return compiled


def resolve_rules(task: BatchTask, deps: PipelineDeps) -> PlanSummary:
    """Store the batch's plan if it has none yet, and summarise it.

    Raises
    ------
    PresetNotFoundError, RulePackNotFoundError, InvalidPresetError
        The batch names a preset or marketplace that does not exist, or they cannot be fitted.
    """
    batch = load_batch(deps, task.workspace_id, task.batch_id)
    if batch.plan is None:
        plan = make_plan(batch, base_preset(batch.workspace_id, batch.preset, deps.presets))
        stored = deps.batches.replace(batch.model_copy(update={"plan": plan}))
        batch = stored or load_batch(deps, task.workspace_id, task.batch_id)
    if batch.plan is None:
        msg = f"batch {batch.batch_id}: plan not stored; retrying"
        raise ConcurrentUpdateError(msg)
    plan = batch.plan
    return PlanSummary(
        batch_id=batch.batch_id,
        preset_key=plan.preset_key,
        preset_digest=plan.preset_digest,
        ruleset=plan.ruleset,
        ruleset_digest=plan.ruleset_digest,
        changes=len(plan.changes),
        conflicts=len(plan.conflicts),
    )
