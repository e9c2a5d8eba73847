"""Merchant API use cases that report on a batch: its items and its published outputs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pixellift.core.pipeline.api_batches import ApiDeps, find_batch
from pixellift.core.pipeline.keys import batch_prefix


def item_statuses(workspace_id: str, batch_id: str, deps: ApiDeps) -> Iterator[dict[str, Any]]:
    """Each item's status, attempts, outcome and findings, in item order."""
    find_batch(workspace_id, batch_id, deps)
    for item in deps.items.list(workspace_id, batch_id):
        yield {
            "item_id": item.item_id,
            "name": item.name,
            "status": item.status.value,
            "attempts": item.attempts,
            "passed": item.passed,
            "blocking": list(item.blocking),
            "findings": [f.model_dump(mode="json") for f in item.findings],
            "output_key": item.output_key,
            "reused": item.reused,
            "charged_minor": item.charged_minor,
            "error_kind": item.error_kind,
            "error_message": item.error_message,
        }


def batch_outputs(workspace_id: str, batch_id: str, deps: ApiDeps) -> dict[str, Any]:
    """The published files of a batch, and its manifest and report keys once published."""
    batch = find_batch(workspace_id, batch_id, deps)
    prefix = batch_prefix(workspace_id, batch_id)
    files = [{"key": o.key, "size": o.size, "etag": o.etag} for o in deps.outputs.list(prefix)]
    published = batch.manifest_key is not None
    return {
        "batch_id": batch_id,
        "status": batch.status.value,
        "prefix": prefix,
        "manifest_key": batch.manifest_key,
        "report_key": f"{prefix}report.csv" if published else None,
        "files": files,
    }
