"""Ingest: photos in the drop bucket → a batch, its items, and a named pipeline execution.

Everything ingest writes is keyed so that a repeated call does nothing new: an S3 notification
delivered twice, or the same ``pixellift run`` started again after an interruption, finds its
batch and items instead of creating others. Only a request with ``resume`` starts another run of a
batch that is still unfinished.
"""

from __future__ import annotations

from collections import defaultdict

from pixellift.core.contracts.events import S3Notification
from pixellift.core.contracts.records import BATCH_DONE, BatchRecord, BatchStatus
from pixellift.core.contracts.tasks import (
    MAX_ITEMS_PER_BATCH,
    IngestedBatch,
    IngestRequest,
    IngestResponse,
    SourceObject,
)
from pixellift.core.errors import (
    BatchNotFoundError,
    BatchTooLargeError,
    EmptyBatchError,
    InvalidEventError,
    UnknownWorkspaceError,
)
from pixellift.core.pipeline.batch_items import is_photo_key, run_execution, write_items
from pixellift.core.pipeline.billing_step import reserve_batch
from pixellift.core.pipeline.deps import PipelineDeps, save_batch
from pixellift.core.pipeline.keys import API_UPLOAD_ROOT, batch_id_for

_DROP_KEY_PARTS = 3


def requests_from_notification(event: S3Notification) -> list[IngestRequest]:
    """Group an S3 notification's objects into one request per workspace and marketplace.

    Drop-folder keys are ``<workspace>/<marketplace>/<any path>``. Photos uploaded through the
    merchant API (under ``api/``) are started by the API's start call, not by the trigger.

    Raises
    ------
    PermanentError
        A key that does not follow the layout (names the key).

    Examples
    --------
    >>> record = {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
    ...           "s3": {"bucket": {"name": "drop"},
    ...                  "object": {"key": "acme/amazon/red+mug.jpg", "eTag": "e1"}}}
    >>> [r.keys[0].key for r in requests_from_notification(
    ...     S3Notification.model_validate({"Records": [record]}))]
    ['acme/amazon/red mug.jpg']
    """
    groups: dict[tuple[str, str], list[SourceObject]] = defaultdict(list)
    for record in event.records:
        if not record.event_name.startswith("ObjectCreated"):
            continue
        key = record.s3.object.decoded_key
        if key.startswith(f"{API_UPLOAD_ROOT}/"):
            continue
        parts = key.split("/", 2)
        if len(parts) < _DROP_KEY_PARTS or not all(parts):
            msg = f"{key}: drop-folder keys are <workspace>/<marketplace>/<file>"
            raise InvalidEventError(msg)
        obj = SourceObject(key=key, etag=record.s3.object.etag, size=record.s3.object.size)
        groups[(parts[0], parts[1])].append(obj)
    return [
        IngestRequest(workspace_id=ws, marketplace=market, keys=tuple(objects))
        for (ws, market), objects in sorted(groups.items())
    ]


def ingest(request: IngestRequest | S3Notification, deps: PipelineDeps) -> IngestResponse:
    """Create (or find) the batches a request or notification names and start their runs."""
    requests = (
        requests_from_notification(request) if isinstance(request, S3Notification) else [request]
    )
    return IngestResponse(batches=tuple(ingest_batch(r, deps) for r in requests))


def _objects(request: IngestRequest, deps: PipelineDeps) -> list[SourceObject]:
    if request.prefix is None:
        objects = list(request.keys)
    else:
        objects = [
            SourceObject(key=o.key, etag=o.etag, size=o.size)
            for o in deps.drop.list(request.prefix)
            if is_photo_key(o.key)
        ]
    if not objects:
        msg = f"no photos under {request.prefix!r} in the drop bucket"
        raise EmptyBatchError(msg)
    if len(objects) > MAX_ITEMS_PER_BATCH:
        msg = f"{len(objects)} photos: a batch holds at most {MAX_ITEMS_PER_BATCH}"
        raise BatchTooLargeError(msg)
    return sorted(objects, key=lambda o: o.key)


def _names(request: IngestRequest, objects: list[SourceObject]) -> list[str]:
    if request.prefix is not None:
        return [o.key[len(request.prefix) :].lstrip("/") or o.key for o in objects]
    return [o.key.split("/", 2)[-1] for o in objects]


def ingest_batch(request: IngestRequest, deps: PipelineDeps) -> IngestedBatch:
    """Create the batch and its items if new, then start a run unless one is under way.

    Raises
    ------
    PermanentError
        Unknown workspace, no photos, or more than a batch holds.
    """
    if deps.workspaces.get(request.workspace_id) is None:
        msg = f"workspace {request.workspace_id} does not exist"
        raise UnknownWorkspaceError(msg)
    objects = _objects(request, deps)
    recipe = [request.workspace_id, request.marketplace, request.role]
    recipe += [request.category or "", request.preset]
    batch_id = request.batch_id or batch_id_for(recipe, [(o.key, o.etag) for o in objects])
    created = deps.batches.create(
        BatchRecord(
            batch_id=batch_id,
            workspace_id=request.workspace_id,
            marketplace=request.marketplace,
            role=request.role,
            category=request.category,
            preset=request.preset,
            source_prefix=request.prefix or "",
            created_at=deps.clock.now(),
            item_count=len(objects),
        )
    )
    write_items(deps.items, request.workspace_id, batch_id, objects, _names(request, objects))
    batch = deps.batches.get(request.workspace_id, batch_id)
    if batch is None:
        msg = f"batch {batch_id} vanished while it was being ingested"
        raise BatchNotFoundError(msg)
    if batch.status in BATCH_DONE or (batch.runs > 0 and not request.resume):
        return _ingested(batch, created)
    return _start_run(batch, request, created, deps)


def _start_run(
    batch: BatchRecord, request: IngestRequest, created: bool, deps: PipelineDeps
) -> IngestedBatch:
    run = batch.runs + 1
    batch = reserve_batch(batch, deps)
    batch = save_batch(deps, batch.model_copy(update={"runs": run, "status": BatchStatus.RUNNING}))
    name, payload = run_execution(batch, request.max_concurrency or deps.max_concurrency)
    arn = deps.starter.start(name, payload)
    return _ingested(batch, created, name, arn)


def _ingested(
    batch: BatchRecord, created: bool, name: str | None = None, arn: str | None = None
) -> IngestedBatch:
    return IngestedBatch(
        batch_id=batch.batch_id,
        workspace_id=batch.workspace_id,
        status=batch.status,
        item_count=batch.item_count,
        created=created,
        execution_name=name,
        execution_arn=arn,
    )
