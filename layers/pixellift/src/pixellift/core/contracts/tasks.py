"""Inputs and outputs of the Step Functions tasks and of the ingest API call.

Task payloads are our own: they are validated strictly (unknown fields are errors), so a state
machine that sends the wrong shape fails loudly at the first task.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pixellift.core.contracts.records import BatchStatus, Id, ItemStatus

MAX_ITEMS_PER_BATCH = 1000
"""Items one execution carries in its input (the item ids must fit the 256 KB state payload)."""


class _Task(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceObject(_Task):
    """A photo in the drop bucket."""

    key: Annotated[str, Field(min_length=1)]
    etag: str = ""
    size: int = 0


class IngestRequest(_Task):
    """An API call (or the CLI) asking for a batch over photos already in the drop bucket.

    Give ``keys`` or a ``prefix`` to list. Without ``batch_id`` the batch id is derived from the
    request and the objects' ETags, so the same request over the same files names the same batch.
    ``resume`` starts a new run of an unfinished batch (after an interruption).
    """

    workspace_id: Id
    marketplace: Annotated[str, Field(min_length=1)]
    role: Literal["main", "secondary"] = "main"
    category: str | None = None
    preset: str = "amazon-main"
    keys: tuple[SourceObject, ...] = ()
    prefix: str | None = None
    batch_id: Id | None = None
    resume: bool = False
    max_concurrency: Annotated[int, Field(ge=1, le=1000)] | None = None

    @model_validator(mode="after")
    def _keys_or_prefix(self) -> IngestRequest:
        if bool(self.keys) == (self.prefix is not None):
            msg = "give either keys or a prefix"
            raise ValueError(msg)
        if len(self.keys) > MAX_ITEMS_PER_BATCH:
            msg = f"{len(self.keys)} keys: a batch holds at most {MAX_ITEMS_PER_BATCH}"
            raise ValueError(msg)
        return self


class IngestedBatch(_Task):
    """One batch that ingest created or found, and the execution it started (if any)."""

    batch_id: Id
    workspace_id: Id
    status: BatchStatus
    item_count: int
    created: bool
    execution_name: str | None = None
    execution_arn: str | None = None


class IngestResponse(_Task):
    """Everything one ingest call did."""

    batches: tuple[IngestedBatch, ...]


class ExecutionInput(_Task):
    """Input of one photo-pipeline execution."""

    batch_id: Id
    workspace_id: Id
    items: Annotated[tuple[Id, ...], Field(max_length=MAX_ITEMS_PER_BATCH)]
    max_concurrency: Annotated[int, Field(ge=1, le=1000)]


class BatchTask(_Task):
    """Input of the batch-level tasks (resolve rules)."""

    batch_id: Id
    workspace_id: Id


class PlanSummary(_Task):
    """Output of Resolve Rules: what the batch runs with (the full plan stays in the table)."""

    batch_id: Id
    preset_key: str
    preset_digest: str
    ruleset: str
    ruleset_digest: str
    changes: int
    conflicts: int


class ItemTask(_Task):
    """Input of the per-item tasks (process, compliance gate)."""

    batch_id: Id
    workspace_id: Id
    item_id: Id


class ProcessOutput(_Task):
    """Output of Process Photo."""

    batch_id: Id
    item_id: Id
    status: ItemStatus
    content_key: str | None
    reused: bool
    skipped: bool
    seconds: float


class GateOutput(_Task):
    """Output of Check Compliance."""

    batch_id: Id
    item_id: Id
    passed: bool
    blocking: tuple[str, ...]


class TaskError(BaseModel):
    """The error object a ``Catch`` puts in the state (``Error`` and ``Cause``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    error: str = Field(alias="Error")
    cause: str | None = Field(None, alias="Cause")


class SettleTask(_Task):
    """Input of Settle Item: charge a finished item, or record why it failed (no charge)."""

    batch_id: Id
    workspace_id: Id
    item_id: Id
    outcome: Literal["charge", "fail"]
    error: TaskError | None = None

    @model_validator(mode="after")
    def _failure_has_error(self) -> SettleTask:
        if self.outcome == "fail" and self.error is None:
            msg = "outcome 'fail' needs the error from the Catch"
            raise ValueError(msg)
        return self


class SettleOutput(_Task):
    """Output of Settle Item."""

    batch_id: Id
    item_id: Id
    status: ItemStatus
    charged_minor: int
    newly_charged: bool


class PublishTask(_Task):
    """Input of Publish Outputs; ``error`` is set when the batch could not be planned."""

    batch_id: Id
    workspace_id: Id
    error: TaskError | None = None


class PublishResult(_Task):
    """Output of Publish Outputs: partial success is reported, not raised."""

    batch_id: Id
    status: BatchStatus
    total: int
    succeeded: int
    blocked: int
    failed: int
    charged_minor: int
    currency: str
    manifest_key: str
    report_key: str
    deferred: int = 0
    """Items a split at a cap left to the continuation batch."""
    paused: int = 0
    """Items a paused batch keeps pending until it is resumed."""
    continuation_batch_id: Id | None = None


class PolicyChange(_Task):
    """A marketplace whose rule pack changed since the last sync."""

    marketplace: str
    old_version: str | None
    new_version: str
    digest: str


class PolicySyncResult(_Task):
    """Output of Sync Policies."""

    checked_at: datetime
    checked: int
    changed_count: int
    changes: tuple[PolicyChange, ...]
