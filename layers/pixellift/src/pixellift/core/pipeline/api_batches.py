"""Merchant API use cases for batches: create, upload, start, and read status and outputs.

A batch made through the API is created first (its photos are named, and either uploaded inline or
through pre-signed URLs into ``api/<workspace>/<batch>/`` in the drop bucket), then started: start
lists what arrived, writes the items and starts one named execution, exactly as ingest does for a
drop-folder batch. Starting twice starts one run. The module imports no imaging code, so the API
function can be packaged without OpenCV or onnxruntime.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pixellift.core.contracts.records import BatchRecord, BatchStatus
from pixellift.core.contracts.tasks import MAX_ITEMS_PER_BATCH, SourceObject
from pixellift.core.errors import (
    BatchNotFoundError,
    ConcurrentUpdateError,
    EmptyBatchError,
    IllegalTransitionError,
    InvalidEventError,
    UnknownWorkspaceError,
)
from pixellift.core.pipeline.batch_items import (
    PHOTO_SUFFIXES,
    is_photo_key,
    run_execution,
    write_items,
)
from pixellift.core.pipeline.keys import API_UPLOAD_ROOT
from pixellift.core.ports import (
    BatchRepository,
    ExecutionStarter,
    IdGenerator,
    ItemRepository,
    ObjectStore,
    WallClock,
    WorkspaceRepository,
)

UPLOAD_ROOT: Final = API_UPLOAD_ROOT
"""Drop-bucket prefix of API uploads, kept apart from the ``<workspace>/<marketplace>/`` folders."""

MAX_INLINE_BYTES: Final = 6 * 1024 * 1024
"""Decoded bytes all inline files of one request may hold (API Gateway caps bodies at 10 MB)."""

UPLOAD_URL_SECONDS: Final = 3600
"""Lifetime of a pre-signed upload URL."""

NAMES_SHOWN: Final = 5
"""Missing uploads a start error names before it only counts the rest."""


FileName = Annotated[
    str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._()+-]*$")
]


class UploadSigner(Protocol):
    """Makes pre-signed URLs through which a client PUTs one object into the drop bucket."""

    def presign_put(self, key: str, content_type: str, expires_seconds: int) -> str:
        """A URL that accepts one HTTP PUT of ``key`` with ``content_type`` until it expires."""
        ...


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UploadFile(_Request):
    """A photo the client will upload through a pre-signed URL."""

    name: FileName
    content_type: Annotated[str, Field(pattern=r"^image/[a-z0-9.+-]+$")] = "image/jpeg"


class InlineFile(_Request):
    """A small photo sent in the request body, base64-encoded."""

    name: FileName
    data_base64: Annotated[str, Field(min_length=1)]
    content_type: Annotated[str, Field(pattern=r"^image/[a-z0-9.+-]+$")] = "image/jpeg"


class CreateBatch(_Request):
    """Body of ``POST /workspaces/{ws}/batches``: give ``files`` or ``inline``, not both."""

    marketplace: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")]
    role: Literal["main", "secondary"] = "main"
    category: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    preset: Annotated[str, Field(min_length=1, max_length=200)] = "amazon-main"
    files: Annotated[tuple[UploadFile, ...], Field(max_length=MAX_ITEMS_PER_BATCH)] = ()
    inline: Annotated[tuple[InlineFile, ...], Field(max_length=MAX_ITEMS_PER_BATCH)] = ()

    @model_validator(mode="after")
    def _one_kind_of_file(self) -> CreateBatch:
        if bool(self.files) == bool(self.inline):
            msg = "give either files (pre-signed uploads) or inline (base64 photos)"
            raise ValueError(msg)
        names = [f.name for f in self.files] + [f.name for f in self.inline]
        for name in names:
            if posixpath.splitext(name)[1].lower() not in PHOTO_SUFFIXES:
                msg = f"{name}: not a photo file name ({', '.join(sorted(PHOTO_SUFFIXES))})"
                raise ValueError(msg)
        if len(set(names)) != len(names):
            msg = "file names must be unique within a batch"
            raise ValueError(msg)
        return self


@dataclass(frozen=True)
class ApiDeps:
    """The ports the API's batch use cases reach the outside world through."""

    drop: ObjectStore
    outputs: ObjectStore
    workspaces: WorkspaceRepository
    batches: BatchRepository
    items: ItemRepository
    starter: ExecutionStarter
    clock: WallClock
    ids: IdGenerator
    signer: UploadSigner
    max_concurrency: int = 4


def upload_prefix(workspace_id: str, batch_id: str) -> str:
    """Drop-bucket prefix of a batch's API uploads.

    Examples
    --------
    >>> upload_prefix("acme", "b-1")
    'api/acme/b-1/'
    """
    return f"{UPLOAD_ROOT}/{workspace_id}/{batch_id}/"


def _decoded(file: InlineFile) -> bytes:
    try:
        return base64.b64decode(file.data_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        msg = f"inline.{file.name}: data_base64 is not valid base64"
        raise InvalidEventError(msg) from exc


def create_batch(workspace_id: str, request: CreateBatch, deps: ApiDeps) -> dict[str, Any]:
    """Record a new batch and store its inline photos, or sign an upload URL per named photo.

    Raises
    ------
    PermanentError
        Unknown workspace, undecodable or oversized inline data (the message names the file).
    """
    if deps.workspaces.get(workspace_id) is None:
        msg = f"workspace {workspace_id} does not exist"
        raise UnknownWorkspaceError(msg)
    inline = [(f, _decoded(f)) for f in request.inline]
    total = sum(len(data) for _, data in inline)
    if total > MAX_INLINE_BYTES:
        msg = f"inline: {total} bytes decoded, at most {MAX_INLINE_BYTES}; use files instead"
        raise InvalidEventError(msg)
    for file, data in inline:
        if not data:
            msg = f"inline.{file.name}: the photo holds no bytes"
            raise InvalidEventError(msg)
    batch_id = "b-" + deps.ids.new_id()
    prefix = upload_prefix(workspace_id, batch_id)
    names = [f.name for f in request.files] + [f.name for f in request.inline]
    deps.batches.create(
        BatchRecord(
            batch_id=batch_id,
            workspace_id=workspace_id,
            marketplace=request.marketplace,
            role=request.role,
            category=request.category,
            preset=request.preset,
            source_prefix=prefix,
            created_at=deps.clock.now(),
            item_count=len(names),
            expected=tuple(names),
        )
    )
    for file, data in inline:
        deps.drop.put(prefix + file.name, data, content_type=file.content_type)
    uploads = [
        {
            "name": f.name,
            "method": "PUT",
            "url": deps.signer.presign_put(prefix + f.name, f.content_type, UPLOAD_URL_SECONDS),
            "headers": {"Content-Type": f.content_type},
        }
        for f in request.files
    ]
    return {
        "batch_id": batch_id,
        "status": BatchStatus.RECEIVED.value,
        "item_count": len(names),
        "uploads": uploads,
        "expires_in": UPLOAD_URL_SECONDS if uploads else None,
    }


def find_batch(workspace_id: str, batch_id: str, deps: ApiDeps) -> BatchRecord:
    """The workspace's batch; another workspace's batch is as absent as a missing one.

    Raises
    ------
    BatchNotFoundError
        No such batch in this workspace.
    """
    batch = deps.batches.get(workspace_id, batch_id)
    if batch is None:
        msg = f"batch {batch_id} does not exist in workspace {workspace_id}"
        raise BatchNotFoundError(msg)
    return batch


def start_batch(workspace_id: str, batch_id: str, deps: ApiDeps) -> dict[str, Any]:
    """Write the items of the uploaded photos and start the batch's first run (once).

    Raises
    ------
    PermanentError
        Unknown batch, or photos missing from the upload prefix (the message says how many).
    TransientError
        Another start changed the batch at the same moment.
    """
    batch = find_batch(workspace_id, batch_id, deps)
    if batch.runs > 0:
        return batch_summary(batch) | {"execution_name": f"{batch_id}-r1", "started": False}
    arrived = {
        o.key[len(batch.source_prefix) :]: o
        for o in deps.drop.list(batch.source_prefix)
        if is_photo_key(o.key)
    }
    if not arrived:
        msg = f"batch {batch_id}: no photos uploaded under {batch.source_prefix}"
        raise EmptyBatchError(msg)
    expected = sorted(batch.expected or arrived)  # name order, as a drop folder lists
    missing = [name for name in expected if name not in arrived]
    if missing:
        more = len(missing) - NAMES_SHOWN
        shown = ", ".join(missing[:NAMES_SHOWN]) + (f" and {more} more" if more > 0 else "")
        msg = f"batch {batch_id}: {len(missing)} of {len(expected)} photos not uploaded: {shown}"
        raise IllegalTransitionError(msg)
    objects = [SourceObject(key=arrived[n].key, etag=arrived[n].etag) for n in expected]
    write_items(deps.items, workspace_id, batch_id, objects, expected)
    running = deps.batches.replace(
        batch.model_copy(update={"runs": 1, "status": BatchStatus.RUNNING})
    )
    if running is None:
        msg = f"batch {batch_id} changed while it was being started"
        raise ConcurrentUpdateError(msg)
    name, payload = run_execution(running, deps.max_concurrency)
    arn = deps.starter.start(name, payload)
    return batch_summary(running) | {
        "execution_name": name,
        "execution_arn": arn,
        "started": True,
    }


def batch_summary(batch: BatchRecord) -> dict[str, Any]:
    """The batch's status as the API reports it."""
    return {
        "batch_id": batch.batch_id,
        "workspace_id": batch.workspace_id,
        "marketplace": batch.marketplace,
        "role": batch.role,
        "preset": batch.preset,
        "status": batch.status.value,
        "item_count": batch.item_count,
        "counts": dict(batch.counts),
        "charged_minor": batch.charged_minor,
        "created_at": batch.created_at.isoformat(),
        "finished_at": batch.finished_at.isoformat() if batch.finished_at else None,
        "error": batch.error,
    }
