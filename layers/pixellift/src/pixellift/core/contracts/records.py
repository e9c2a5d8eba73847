"""State records: workspaces, batches, items, content-addressed outputs, charges, presets.

Records are immutable; a state change is a new record with ``version`` one higher, written by a
repository only if the stored version is still the one the change was based on.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

Id = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:@-]+$")]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ItemStatus(StrEnum):
    """Where one photo is in the pipeline."""

    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    PROCESSED = "PROCESSED"
    GATED = "GATED"
    CHARGED = "CHARGED"
    FAILED = "FAILED"
    DEFERRED = "DEFERRED"
    """Not started here: the batch split at a cap and a continuation batch carries it."""


class BatchStatus(StrEnum):
    """Where a batch is: received, running, or finished wholly, partly or not at all."""

    RECEIVED = "RECEIVED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    PARTIAL = "PARTIAL"
    FAILED = "FAILED"
    PAUSED = "PAUSED"
    """Stopped at a cap or an empty balance; a resumed run continues its pending items."""


ITEM_DONE: Final = frozenset({ItemStatus.CHARGED, ItemStatus.FAILED, ItemStatus.DEFERRED})
"""Statuses an item never leaves."""

BATCH_DONE: Final = frozenset({BatchStatus.COMPLETED, BatchStatus.PARTIAL, BatchStatus.FAILED})
"""Statuses of a finished batch."""


class Workspace(_Record):
    """A merchant's workspace: batches, presets and the ledger belong to one."""

    workspace_id: Id
    name: str
    created_at: datetime
    version: int = 0


class PresetVersion(_Record):
    """One version of a workspace's preset; versions are never overwritten."""

    workspace_id: Id
    name: Id
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    body: dict[str, Any]
    created_at: datetime


class RunPlan(_Record):
    """What a batch is processed with: the fitted preset and the resolved rule set.

    Computed once per batch (its date is the batch's), so a resumed run uses the same plan.
    """

    marketplace: str
    pack_version: str
    role: str
    category: str | None
    rules_on: date
    ruleset: str
    ruleset_digest: str
    preset: dict[str, Any]
    preset_key: str
    preset_digest: str
    changes: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()


class BatchRecord(_Record):
    """A batch of photos from one drop or API call, processed by one plan."""

    batch_id: Id
    workspace_id: Id
    marketplace: str
    role: str = "main"
    category: str | None = None
    preset: str = "amazon-main"
    source_prefix: str = ""
    created_at: datetime
    status: BatchStatus = BatchStatus.RECEIVED
    item_count: int = 0
    expected: tuple[str, ...] = ()
    """Names of the photos an API batch announced (start waits for all of them)."""
    runs: int = 0
    plan: RunPlan | None = None
    counts: dict[str, int] = {}
    charged_minor: int = 0
    manifest_key: str | None = None
    error: str | None = None
    finished_at: datetime | None = None
    overrun: Literal["grace", "split", "paused"] | None = None
    """What the Overrun Shield did to the batch's last run (``None``: it fitted)."""
    grace_used_minor: int = 0
    """How much of the grace allowance the batch's runs have used."""
    held_back: tuple[Id, ...] = ()
    """Items the Overrun Shield keeps out of the current run (a paused batch's pending items)."""
    continuation_of: Id | None = None
    """The batch this one continues after a split."""
    continued_in: Id | None = None
    """The continuation batch that carries this batch's deferred items."""
    version: int = 0


class FindingSummary(_Record):
    """A gate finding as stored with the item: enough for reports and review queues."""

    rule_id: str
    severity: str
    status: str
    reason: str
    fix: str | None = None


class ItemRecord(_Record):
    """One photo of a batch: its status, attempts, timings, outputs and findings."""

    workspace_id: Id
    batch_id: Id
    item_id: Id
    name: str
    stem: str
    source_key: str
    source_etag: str = ""
    status: ItemStatus = ItemStatus.PENDING
    attempts: int = 0
    input_sha256: str | None = None
    content_key: str | None = None
    output_key: str | None = None
    steps_key: str | None = None
    output_bytes: int | None = None
    extension: str | None = None
    reused: bool = False
    flags: tuple[str, ...] = ()
    passed: bool | None = None
    blocking: tuple[str, ...] = ()
    findings: tuple[FindingSummary, ...] = ()
    charge_id: str | None = None
    charged_minor: int = 0
    error_kind: str | None = None
    error_message: str | None = None
    timings: dict[str, float] = {}
    updated_at: datetime | None = None
    version: int = 0


class OutputRecord(_Record):
    """A finished output of one workspace, addressed by what made it: input, preset and rule set."""

    workspace_id: Id
    content_key: Id
    output_key: str
    steps_key: str
    output_bytes: int
    extension: str
    input_sha256: str
    preset_digest: str
    ruleset_digest: str
    seconds: float
    flags: tuple[str, ...] = ()
    created_at: datetime


class ChargeRequest(_Record):
    """A debit for one processed item; the idempotency key makes it happen at most once."""

    workspace_id: Id
    idempotency_key: Id
    batch_id: Id
    item_id: Id
    description: str
    preset: str | None = None
    """The batch's preset: a client bucket bound to it pays instead of the main account."""
    queue: str | None = None
    """The batch's queue (its drop folder); a bucket bound to it pays before a preset's."""


class Charge(_Record):
    """A ledger entry; ``created`` is false when the key had been charged already."""

    workspace_id: Id
    entry_id: Id
    batch_id: Id
    item_id: Id
    amount_minor: Annotated[int, Field(ge=0)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    description: str
    created_at: datetime
    created: bool = True


class PolicyState(_Record):
    """The rule-pack version and digest policy sync last saw for a marketplace."""

    marketplace: Id
    pack_version: str
    digest: str
    checked_at: datetime
    changed_at: datetime
