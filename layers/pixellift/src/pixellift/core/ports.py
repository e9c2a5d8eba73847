"""Ports: the interfaces through which the pure core reaches the outside world.

Adapters in ``pixellift.adapters`` implement them; tests use the fakes in ``tests/fakes``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.contracts.ocr_reading import OcrReading
from pixellift.core.contracts.records import (
    BatchRecord,
    Charge,
    ChargeRequest,
    ItemRecord,
    OutputRecord,
    PolicyState,
    PresetVersion,
    Workspace,
)
from pixellift.core.types import Alpha, RgbImage


class Segmenter(Protocol):
    """Predicts a coarse foreground probability for the main subject of a photo."""

    @property
    def name(self) -> str:
        """Stable identifier of the model (recorded in step logs)."""
        ...

    def predict(self, rgb: RgbImage) -> Alpha:
        """Return a ``(rows, cols)`` float32 probability map at the input's size."""
        ...


@dataclass(frozen=True)
class Matte:
    """A refined alpha matte and the foreground colours freed of the old backdrop."""

    alpha: Alpha
    """``(rows, cols)`` float32 in ``[0, 1]``."""
    foreground: RgbImage
    """``(rows, cols, 3)`` uint8, valid where ``alpha`` is above 0."""


class Matter(Protocol):
    """Turns a coarse foreground probability into a final alpha matte (edge refinement)."""

    @property
    def name(self) -> str:
        """Stable identifier of the matting method (recorded in step logs)."""
        ...

    def matte(self, rgb: RgbImage, coarse: Alpha) -> Matte:
        """Refine ``coarse`` (same size as ``rgb``) into a matte at the photo's size."""
        ...


class OcrReader(Protocol):
    """Reads the text in a photo: lines and words with boxes, confidence and orientation."""

    @property
    def name(self) -> str:
        """Stable identifier of the engine and its models."""
        ...

    def read(self, rgb: RgbImage) -> OcrReading:
        """Return every line of text found in the photo, in reading order."""
        ...


class Clock(Protocol):
    """Monotonic time source, injected so step timings are testable."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin."""
        ...


class WallClock(Protocol):
    """Calendar time (UTC), injected so records and plans are reproducible in tests."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    """Source of new unique identifiers."""

    def new_id(self) -> str:
        """A fresh identifier (letters, digits and ``-`` only)."""
        ...


@dataclass(frozen=True)
class StoredObject:
    """An object's key, size and entity tag (the content hash the store reports)."""

    key: str
    size: int
    etag: str


class ObjectStore(Protocol):
    """One bucket (or folder) of objects addressed by key.

    Raises
    ------
    PermanentError
        ``get`` of a key that does not exist.
    TransientError
        The store is throttling or unavailable.
    """

    def get(self, key: str) -> bytes:
        """The object's bytes."""
        ...

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store ``data`` under ``key`` (atomically replacing any previous object)."""
        ...

    def head(self, key: str) -> StoredObject | None:
        """The object's metadata, or ``None`` if there is no such key."""
        ...

    def list(self, prefix: str) -> Iterator[StoredObject]:
        """Every object whose key starts with ``prefix``, in key order."""
        ...

    def copy(self, source_key: str, target_key: str) -> None:
        """Copy an object within the store."""
        ...


class WorkspaceRepository(Protocol):
    """Workspaces by id."""

    def get(self, workspace_id: str) -> Workspace | None:
        """The workspace, or ``None``."""
        ...

    def create(self, workspace: Workspace) -> bool:
        """Store a new workspace; ``False`` if the id exists already (nothing is changed)."""
        ...


class PresetRepository(Protocol):
    """A workspace's presets; every version is kept."""

    def add(self, preset: PresetVersion) -> bool:
        """Store a new version; ``False`` if that version exists already."""
        ...

    def get(self, workspace_id: str, name: str, version: str | None = None) -> PresetVersion | None:
        """One version, or the highest version when ``version`` is ``None``."""
        ...


class BatchRepository(Protocol):
    """A workspace's batches, with optimistic concurrency on ``version``.

    Every read names the workspace: a batch id of another workspace finds nothing.
    """

    def create(self, batch: BatchRecord) -> bool:
        """Store a new batch; ``False`` if the id exists already (nothing is changed)."""
        ...

    def get(self, workspace_id: str, batch_id: str) -> BatchRecord | None:
        """The workspace's batch, or ``None``."""
        ...

    def replace(self, batch: BatchRecord) -> BatchRecord | None:
        """Write ``batch`` with ``version + 1`` if the stored version is still ``batch.version``.

        Returns the stored record, or ``None`` when another writer got there first.
        """
        ...


class ItemRepository(Protocol):
    """The items of a workspace's batches, with optimistic concurrency on ``version``."""

    def create(self, item: ItemRecord) -> bool:
        """Store a new item; ``False`` if it exists already (nothing is changed)."""
        ...

    def get(self, workspace_id: str, batch_id: str, item_id: str) -> ItemRecord | None:
        """The item, or ``None`` (also when the batch belongs to another workspace)."""
        ...

    def list(self, workspace_id: str, batch_id: str) -> Iterator[ItemRecord]:
        """The batch's items in item-id order (none when it belongs to another workspace)."""
        ...

    def replace(self, item: ItemRecord) -> ItemRecord | None:
        """Write ``item`` with ``version + 1`` if the stored version is still ``item.version``.

        Returns the stored record, or ``None`` when another writer got there first.
        """
        ...


class OutputIndex(Protocol):
    """A workspace's finished outputs by content key (input hash + preset + rule-set digest)."""

    def get(self, workspace_id: str, content_key: str) -> OutputRecord | None:
        """The workspace's output made from exactly this input, preset and rule set, if any."""
        ...

    def add(self, record: OutputRecord) -> OutputRecord:
        """Record an output; if one exists for the key already, keep it and return it."""
        ...


class Billing(Protocol):
    """Debits a workspace for processed items; the one interface the pipeline charges through."""

    @property
    def currency(self) -> str:
        """ISO 4217 code of every amount this billing debits."""
        ...

    def debit(self, request: ChargeRequest) -> Charge:
        """Charge once per idempotency key; a repeated key returns the first charge, not created."""
        ...


class PolicyStateRepository(Protocol):
    """What policy sync last saw per marketplace."""

    def get(self, marketplace: str) -> PolicyState | None:
        """The last state, or ``None`` for a marketplace never synced."""
        ...

    def put(self, state: PolicyState) -> None:
        """Record the state."""
        ...


class ExecutionStarter(Protocol):
    """Starts named executions of the photo-pipeline state machine."""

    def start(self, name: str, payload: str) -> str:
        """Start an execution named ``name`` with the JSON ``payload``; return its ARN.

        Starting a name that exists with the same input returns the existing execution.
        """
        ...


class AuditSink(Protocol):
    """Where every capability records its audit events (the governance ledger in production)."""

    def record(self, event: AuditEvent) -> None:
        """Append ``event`` to its workspace's log; never drops or reorders what it accepted."""
        ...
