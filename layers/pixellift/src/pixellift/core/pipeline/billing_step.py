"""Settle Item: debit a finished item once, or record why an item failed (and charge nothing).

The debit goes through the :class:`~pixellift.core.ports.Billing` port with an idempotency key
made of the workspace and the output's content key: a retried task, a resumed run, or the same
photo sent again with the same recipe is charged once.
"""

from __future__ import annotations

import json

from pixellift.core.billing.ports import BatchHolds
from pixellift.core.contracts.records import (
    ITEM_DONE,
    BatchRecord,
    ChargeRequest,
    ItemRecord,
    ItemStatus,
)
from pixellift.core.contracts.tasks import SettleOutput, SettleTask, TaskError
from pixellift.core.errors import IllegalTransitionError
from pixellift.core.pipeline.deps import PipelineDeps, load_batch, load_item, save_item
from pixellift.core.pipeline.item_state import advance
from pixellift.core.pipeline.overrun_step import ShieldedBilling, overrun_policy, shield_run

MAX_MESSAGE = 1000


def charge_key(workspace_id: str, content_key: str) -> str:
    """The idempotency key of the debit for one output.

    Examples
    --------
    >>> charge_key("acme", "c-12ab")
    'charge:acme:c-12ab'
    """
    return f"charge:{workspace_id}:{content_key}"


def error_message(error: TaskError) -> str:
    """The readable message of a Catch's error (Lambda puts a JSON document in ``Cause``).

    Examples
    --------
    >>> error_message(TaskError(Error="CorruptImageError",
    ...     Cause='{"errorMessage": "a.jpg: truncated", "errorType": "CorruptImageError"}'))
    'a.jpg: truncated'
    >>> error_message(TaskError(Error="States.Timeout"))
    'States.Timeout'
    """
    cause = error.cause or error.error
    try:
        parsed = json.loads(cause)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("errorMessage"), str):
        cause = parsed["errorMessage"]
    return cause[:MAX_MESSAGE]


def reserve_batch(batch: BatchRecord, deps: PipelineDeps) -> BatchRecord:
    """Hold the batch's cost before a run starts (ingest, before the execution is started).

    Only a billing that supports holds reserves anything; a resumed run finds its hold in place.
    A workspace with an Overrun Shield policy holds what its balance and caps allow, and the
    policy decides about the items past that point (:func:`shield_run`). Returns the batch as
    the run must see it.

    Raises
    ------
    InsufficientCreditsError
        No policy, and the workspace's balance does not cover the batch: it must not start.
    CapReachedError
        No policy, and a hard cap would be passed.
    """
    policy = overrun_policy(deps, batch.workspace_id)
    if policy is not None and isinstance(deps.billing, ShieldedBilling):
        return shield_run(batch, policy, deps.billing, deps)
    if isinstance(deps.billing, BatchHolds) and batch.item_count:
        deps.billing.reserve(
            batch.workspace_id, batch.batch_id, batch.item_count, batch.preset, batch.source_prefix
        )
    return batch


def release_batch(batch: BatchRecord, deps: PipelineDeps) -> None:
    """Void what the batch's hold still reserves (publish, once every item is settled)."""
    if isinstance(deps.billing, BatchHolds):
        deps.billing.release(batch.workspace_id, batch.batch_id)


def _result(item: ItemRecord, *, newly_charged: bool) -> SettleOutput:
    return SettleOutput(
        batch_id=item.batch_id,
        item_id=item.item_id,
        status=item.status,
        charged_minor=item.charged_minor,
        newly_charged=newly_charged,
    )


def record_failure(item: ItemRecord, error: TaskError, deps: PipelineDeps) -> SettleOutput:
    """Mark the item failed with the error's name and message; a settled item is left alone."""
    if item.status in ITEM_DONE:
        return _result(item, newly_charged=False)
    failed = advance(
        item,
        ItemStatus.FAILED,
        error_kind=error.error,
        error_message=error_message(error),
        updated_at=deps.clock.now(),
    )
    return _result(save_item(deps, failed), newly_charged=False)


def settle_item(task: SettleTask, deps: PipelineDeps) -> SettleOutput:
    """Charge a decided item, or record a failed one.

    Raises
    ------
    PermanentError
        Charging an item that has not been through the Compliance Gate.
    """
    item = load_item(deps, task.workspace_id, task.batch_id, task.item_id)
    if task.outcome == "fail":
        return record_failure(item, task.error or TaskError(Error="UnknownError", Cause=None), deps)
    if item.status is ItemStatus.CHARGED:
        return _result(item, newly_charged=False)
    if item.status is not ItemStatus.GATED or item.content_key is None:
        msg = f"{item.name}: cannot charge an item that is {item.status}"
        raise IllegalTransitionError(msg)
    batch = load_batch(deps, item.workspace_id, item.batch_id)
    charge = deps.billing.debit(
        ChargeRequest(
            workspace_id=task.workspace_id,
            idempotency_key=charge_key(task.workspace_id, item.content_key),
            batch_id=item.batch_id,
            item_id=item.item_id,
            description=f"{item.name}: processed",
            preset=batch.preset,
            queue=batch.source_prefix,
        )
    )
    # A key charged for another item (the same photo and recipe in an earlier batch) costs
    # nothing now; one charged for this item (a retry after a crash) keeps its amount.
    own = (charge.batch_id, charge.item_id) == (item.batch_id, item.item_id)
    charged = advance(
        item,
        ItemStatus.CHARGED,
        charge_id=charge.entry_id,
        charged_minor=charge.amount_minor if own else 0,
        updated_at=deps.clock.now(),
    )
    return _result(save_item(deps, charged), newly_charged=charge.created)
