"""Publish Outputs: name the batch's files for bulk upload, write its manifest and report.

Partial success is the normal case: passed images go to the batch folder, blocked ones to
``blocked/``, failures are listed with their cause, and the batch's status says which it was.
Items a run left unfinished (a worker that died, a plan that could not be made) are recorded as
failed here, so no accepted photo disappears from the report.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from pixellift.core.contracts.records import (
    ITEM_DONE,
    BatchRecord,
    BatchStatus,
    ItemRecord,
    ItemStatus,
)
from pixellift.core.contracts.tasks import PublishResult, PublishTask, TaskError
from pixellift.core.pipeline.billing_step import error_message, release_batch
from pixellift.core.pipeline.deps import PipelineDeps, load_batch, save_batch, save_item
from pixellift.core.pipeline.item_state import advance
from pixellift.core.pipeline.keys import batch_prefix
from pixellift.core.pipeline.overrun_step import held_back, open_continuation, overrun_notice

UNFINISHED = "UnfinishedItem"
"""Error kind recorded for an item the run did not finish (not an exception class)."""

_REPORT_FIELDS = ("item_id", "name", "status", "output", "passed", "blocking", "charged_minor")


def output_name(item: ItemRecord) -> str | None:
    """Path of a published item relative to the batch folder (``None`` if not published).

    Examples
    --------
    >>> item = ItemRecord(workspace_id="acme", batch_id="b", item_id="i1", name="a.png",
    ...                   stem="a", source_key="k",
    ...                   status="CHARGED", output_key="objects/c-1.jpg", extension=".jpg",
    ...                   passed=False)
    >>> output_name(item)
    'blocked/a.jpg'
    """
    if item.status is not ItemStatus.CHARGED or item.output_key is None:
        return None
    folder = "" if item.passed else "blocked/"
    return f"{folder}{item.stem}{item.extension}"


def batch_status(succeeded: int, blocked: int, failed: int) -> BatchStatus:
    """COMPLETED when every item passed, FAILED when none was processed, else PARTIAL.

    Examples
    --------
    >>> [str(batch_status(*counts)) for counts in [(3, 0, 0), (2, 1, 0), (0, 0, 2)]]
    ['COMPLETED', 'PARTIAL', 'FAILED']
    """
    if blocked == 0 and failed == 0:
        return BatchStatus.COMPLETED
    if succeeded == 0 and blocked == 0:
        return BatchStatus.FAILED
    return BatchStatus.PARTIAL


def overrun_status(status: BatchStatus, *, deferred: int, paused: int) -> BatchStatus:
    """PAUSED while the Overrun Shield holds items back; a split batch is closed PARTIAL at best.

    Examples
    --------
    >>> done = BatchStatus.COMPLETED
    >>> [str(overrun_status(done, deferred=d, paused=p)) for d, p in [(0, 2), (2, 0), (0, 0)]]
    ['PAUSED', 'PARTIAL', 'COMPLETED']
    """
    if paused:
        return BatchStatus.PAUSED
    if deferred and status is BatchStatus.COMPLETED:
        return BatchStatus.PARTIAL
    return status


def _finish_unfinished(
    batch: BatchRecord, item: ItemRecord, error: TaskError | None, deps: PipelineDeps
) -> ItemRecord:
    if item.status in ITEM_DONE or held_back(batch, item):
        return item
    kind = error.error if error else UNFINISHED
    message = error_message(error) if error else f"{item.name}: the run ended before it finished"
    failed = advance(
        item, ItemStatus.FAILED, error_kind=kind, error_message=message, updated_at=deps.clock.now()
    )
    return save_item(deps, failed)


def _entry(item: ItemRecord) -> dict[str, Any]:
    return {
        "item_id": item.item_id,
        "name": item.name,
        "status": str(item.status),
        "output": output_name(item),
        "passed": item.passed,
        "blocking": list(item.blocking),
        "findings": [f.model_dump(mode="json") for f in item.findings],
        "flags": list(item.flags),
        "attempts": item.attempts,
        "reused": item.reused,
        "bytes": item.output_bytes,
        "content_key": item.content_key,
        "charged_minor": item.charged_minor,
        "error_kind": item.error_kind,
        "error": item.error_message,
        "timings": item.timings,
    }


def _report_csv(entries: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*_REPORT_FIELDS, "error"], lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        row = {k: entry[k] for k in _REPORT_FIELDS} | {"error": entry["error"] or ""}
        row["blocking"] = " ".join(entry["blocking"])
        writer.writerow(row)
    return buffer.getvalue().encode()


def _manifest(batch: BatchRecord, entries: list[dict[str, Any]], result: PublishResult) -> bytes:
    plan = batch.plan
    document = {
        "batch_id": batch.batch_id,
        "workspace_id": batch.workspace_id,
        "marketplace": batch.marketplace,
        "role": batch.role,
        "category": batch.category,
        "preset": plan.preset_key if plan else batch.preset,
        "ruleset": plan.ruleset if plan else None,
        "ruleset_digest": plan.ruleset_digest if plan else None,
        "preset_changes": list(plan.changes) if plan else [],
        "summary": result.model_dump(mode="json", exclude={"manifest_key", "report_key"}),
        "items": entries,
    }
    return json.dumps(document, indent=2).encode()


def publish_batch(task: PublishTask, deps: PipelineDeps) -> PublishResult:
    """Publish the batch's outputs, manifest and report; record its final status."""
    batch = load_batch(deps, task.workspace_id, task.batch_id)
    items = [
        _finish_unfinished(batch, i, task.error, deps)
        for i in deps.items.list(batch.workspace_id, batch.batch_id)
    ]
    prefix = batch_prefix(batch.workspace_id, batch.batch_id)
    for item in items:
        name = output_name(item)
        if name is not None and item.output_key is not None and item.steps_key is not None:
            deps.outputs.copy(item.output_key, prefix + name)
            deps.outputs.copy(item.steps_key, f"{prefix}steps/{item.stem}.steps.json")
    release_batch(batch, deps)
    charged = [i for i in items if i.status is ItemStatus.CHARGED]
    succeeded = sum(1 for i in charged if i.passed)
    deferred = [i for i in items if i.status is ItemStatus.DEFERRED]
    paused = sum(1 for i in items if held_back(batch, i))
    batch = open_continuation(batch, deferred, deps)
    failed = len(items) - len(charged) - len(deferred) - paused
    result = PublishResult(
        batch_id=batch.batch_id,
        status=overrun_status(
            batch_status(succeeded, len(charged) - succeeded, failed),
            deferred=len(deferred),
            paused=paused,
        ),
        total=len(items),
        succeeded=succeeded,
        blocked=len(charged) - succeeded,
        failed=failed,
        charged_minor=sum(i.charged_minor for i in items),
        currency=deps.billing.currency,
        manifest_key=f"{prefix}manifest.json",
        report_key=f"{prefix}report.csv",
        deferred=len(deferred),
        paused=paused,
        continuation_batch_id=batch.continued_in if deferred else None,
    )
    entries = [_entry(i) for i in items]
    deps.outputs.put(result.report_key, _report_csv(entries), content_type="text/csv")
    deps.outputs.put(
        result.manifest_key, _manifest(batch, entries, result), content_type="application/json"
    )
    counts = {"succeeded": succeeded, "blocked": result.blocked, "failed": failed}
    counts |= {"deferred": len(deferred), "paused": paused} if deferred or paused else {}
    notice = overrun_notice(batch, len(deferred) or paused)
    save_batch(
        deps,
        batch.model_copy(
            update={
                "status": result.status,
                "counts": counts,
                "charged_minor": result.charged_minor,
                "manifest_key": result.manifest_key,
                "error": error_message(task.error) if task.error else notice,
                "finished_at": deps.clock.now(),
            }
        ),
    )
    return result
