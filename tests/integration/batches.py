"""Run batches on the local runtime from tests."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.aws.ledger import DynamoLedgerBilling
from pixellift.adapters.local.runtime import ExecutionState, LocalRuntime
from pixellift.core.contracts.records import ItemRecord, Workspace
from pixellift.core.contracts.tasks import IngestedBatch, IngestRequest
from pixellift.core.ports import ObjectStore

TIMEOUT_S = 60


def put_photos(store: ObjectStore, photos: dict[str, bytes], prefix: str = "acme/run/") -> None:
    """Put photos in the drop bucket under ``prefix``."""
    for name, data in photos.items():
        store.put(prefix + name, data, content_type="image/jpeg")


def run(
    runtime: LocalRuntime,
    photos: dict[str, bytes],
    *,
    workers: int = 2,
    marketplace: str = "amazon",
) -> tuple[IngestedBatch, ExecutionState]:
    """Ingest the photos as one batch (resuming it if it exists) and wait for its execution."""
    now = datetime(2026, 11, 26, tzinfo=UTC)
    runtime.deps.workspaces.create(Workspace(workspace_id="acme", name="Acme", created_at=now))
    put_photos(runtime.deps.drop, photos)
    request = IngestRequest(
        workspace_id="acme",
        marketplace=marketplace,
        prefix="acme/run/",
        resume=True,
        max_concurrency=workers,
    )
    batch = runtime.ingest(request).batches[0]
    state = wait(runtime, batch.execution_arn) if batch.execution_arn else ExecutionState("NONE")
    return batch, state


def wait(runtime: LocalRuntime, arn: str) -> ExecutionState:
    """Poll until the execution ends."""
    deadline = time.monotonic() + TIMEOUT_S
    while (state := runtime.execution(arn)).status == "RUNNING":
        if time.monotonic() > deadline:
            raise TimeoutError(arn)
        time.sleep(0.05)
    return state


def items(runtime: LocalRuntime, batch_id: str) -> dict[str, ItemRecord]:
    """The batch's items by source name."""
    return {i.name: i for i in runtime.deps.items.list("acme", batch_id)}


def ledger(runtime: LocalRuntime, workspace: str = "acme") -> list[str]:
    """Ledger entry ids of a workspace."""
    billing = DynamoLedgerBilling(
        Tables.bound(runtime.settings.tables, runtime.settings.region),
        price_minor=0,
        currency="USD",
        clock=runtime.deps.clock,
    )
    return [c.entry_id for c in billing.entries(workspace)]
