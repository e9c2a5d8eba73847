"""The ports the batch pipeline's steps use, and the lookups every step shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pixellift.core.contracts.records import BatchRecord, ItemRecord, RunPlan
from pixellift.core.errors import (
    BatchNotFoundError,
    ConcurrentUpdateError,
    IllegalTransitionError,
    ItemNotFoundError,
)
from pixellift.core.pipeline.autofix import FixServices
from pixellift.core.ports import (
    BatchRepository,
    Billing,
    ExecutionStarter,
    ItemRepository,
    ObjectStore,
    OutputIndex,
    PresetRepository,
    WallClock,
    WorkspaceRepository,
)

DEFAULT_MAX_CONCURRENCY = 4


@dataclass(frozen=True)
class PipelineDeps:
    """Everything the pipeline steps reach the outside world through.

    ``fix_services`` is a factory so that only the step that processes photos loads a model.
    """

    drop: ObjectStore
    outputs: ObjectStore
    workspaces: WorkspaceRepository
    presets: PresetRepository
    batches: BatchRepository
    items: ItemRepository
    results: OutputIndex
    billing: Billing
    starter: ExecutionStarter
    clock: WallClock
    fix_services: Callable[[], FixServices]
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    plans: dict[str, RunPlan] = field(default_factory=dict, compare=False, hash=False)
    """Plans already read, by ``workspace/batch``: a stored plan never changes, so warm containers
    keep it."""


def load_batch(deps: PipelineDeps, workspace_id: str, batch_id: str) -> BatchRecord:
    """The workspace's batch, or a permanent error naming it."""
    batch = deps.batches.get(workspace_id, batch_id)
    if batch is None:
        msg = f"batch {batch_id} does not exist in workspace {workspace_id}"
        raise BatchNotFoundError(msg)
    return batch


def load_item(deps: PipelineDeps, workspace_id: str, batch_id: str, item_id: str) -> ItemRecord:
    """The item, or a permanent error naming it."""
    item = deps.items.get(workspace_id, batch_id, item_id)
    if item is None:
        msg = f"item {batch_id}/{item_id} does not exist in workspace {workspace_id}"
        raise ItemNotFoundError(msg)
    return item


def require_plan(batch: BatchRecord) -> RunPlan:
    """The batch's plan; items are only processed after Resolve Rules stored it."""
    if batch.plan is None:
        msg = f"batch {batch.batch_id} has no plan: Resolve Rules has not run"
        raise IllegalTransitionError(msg)
    return batch.plan


def load_plan(deps: PipelineDeps, workspace_id: str, batch_id: str) -> RunPlan:
    """The batch's plan, read once per process."""
    key = f"{workspace_id}/{batch_id}"
    plan = deps.plans.get(key)
    if plan is None:
        plan = deps.plans[key] = require_plan(load_batch(deps, workspace_id, batch_id))
    return plan


def save_item(deps: PipelineDeps, item: ItemRecord) -> ItemRecord:
    """Write an item state change; a concurrent change is retried by the state machine."""
    stored = deps.items.replace(item)
    if stored is None:
        msg = f"item {item.batch_id}/{item.item_id} changed concurrently; retrying"
        raise ConcurrentUpdateError(msg)
    return stored


def save_batch(deps: PipelineDeps, batch: BatchRecord) -> BatchRecord:
    """Write a batch state change; a concurrent change is retried by the state machine."""
    stored = deps.batches.replace(batch)
    if stored is None:
        msg = f"batch {batch.batch_id} changed concurrently; retrying"
        raise ConcurrentUpdateError(msg)
    return stored
