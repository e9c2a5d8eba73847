"""In-memory implementations of the batch pipeline's ports, for functional tests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pixellift.adapters.clock import SystemClock
from pixellift.core.contracts.records import (
    Charge,
    ChargeRequest,
)
from pixellift.core.errors import ModelEndpointUnavailableError, PermanentError
from pixellift.core.pipeline.autofix import FixServices
from pixellift.core.pipeline.deps import PipelineDeps
from pixellift.core.ports import (
    BatchRepository,
    Billing,
    ExecutionStarter,
    ItemRepository,
    ObjectStore,
    OutputIndex,
    PolicyStateRepository,
    PresetRepository,
    Segmenter,
    StoredObject,
    WallClock,
    WorkspaceRepository,
)
from pixellift.core.types import Alpha, RgbImage

from tests.fakes.repositories import (
    MemoryBatches,
    MemoryItems,
    MemoryOutputs,
    MemoryPolicyStates,
    MemoryPresets,
    MemoryWorkspaces,
)


class TickingClock:
    """A wall clock that starts at a fixed time and moves one second per reading."""

    def __init__(self, start: datetime = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)) -> None:
        self._now = start

    def now(self) -> datetime:
        """The current fake time."""
        self._now += timedelta(seconds=1)
        return self._now


class MemoryStore:
    """An object store in a dict; ``put`` records every key written."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.puts: list[str] = []

    def get(self, key: str) -> bytes:
        """The bytes, or a permanent error."""
        if key not in self.objects:
            raise PermanentError(f"{key}: no such object")
        return self.objects[key]

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store the bytes."""
        self.objects[key] = data
        self.puts.append(key)

    def head(self, key: str) -> StoredObject | None:
        """Size and MD5 ETag, like S3 for single-part objects."""
        data = self.objects.get(key)
        if data is None:
            return None
        return StoredObject(key, len(data), hashlib.md5(data, usedforsecurity=False).hexdigest())

    def list(self, prefix: str) -> Iterator[StoredObject]:
        """Objects under the prefix in key order."""
        for key in sorted(self.objects):
            if key.startswith(prefix):
                found = self.head(key)
                if found is not None:
                    yield found

    def copy(self, source_key: str, target_key: str) -> None:
        """Copy within the store."""
        self.put(target_key, self.get(source_key), content_type="application/octet-stream")


@dataclass
class FlatBilling:
    """Flat price per idempotency key, charged once; ``debits`` counts every call."""

    price_minor: int = 5
    currency: str = "USD"
    entries: dict[str, Charge] = field(default_factory=dict)
    debits: int = 0

    def debit(self, request: ChargeRequest) -> Charge:
        """Charge once per key."""
        self.debits += 1
        if request.idempotency_key in self.entries:
            return self.entries[request.idempotency_key].model_copy(update={"created": False})
        charge = Charge(
            workspace_id=request.workspace_id,
            entry_id=request.idempotency_key,
            batch_id=request.batch_id,
            item_id=request.item_id,
            amount_minor=self.price_minor,
            currency=self.currency,
            description=request.description,
            created_at=datetime(2026, 11, 26, tzinfo=UTC),
        )
        self.entries[request.idempotency_key] = charge
        return charge


@dataclass
class RecordingStarter:
    """Records started executions instead of running them."""

    started: list[tuple[str, str]] = field(default_factory=list)

    def start(self, name: str, payload: str) -> str:
        """Record and return a fake ARN."""
        self.started.append((name, payload))
        return f"arn:aws:states:us-east-1:123456789012:execution:pipeline:{name}"


@dataclass
class Fakes:
    """Every fake, and the deps built from them."""

    drop: MemoryStore = field(default_factory=MemoryStore)
    outputs: MemoryStore = field(default_factory=MemoryStore)
    workspaces: MemoryWorkspaces = field(default_factory=lambda: MemoryWorkspaces("acme"))
    presets: MemoryPresets = field(default_factory=MemoryPresets)
    batches: MemoryBatches = field(default_factory=MemoryBatches)
    items: MemoryItems = field(default_factory=MemoryItems)
    results: MemoryOutputs = field(default_factory=MemoryOutputs)
    billing: FlatBilling = field(default_factory=FlatBilling)
    starter: RecordingStarter = field(default_factory=RecordingStarter)
    clock: TickingClock = field(default_factory=TickingClock)
    fix: FixServices = field(default_factory=lambda: FixServices(None, SystemClock()))

    def deps(self) -> PipelineDeps:
        """The pipeline's deps on these fakes."""
        return PipelineDeps(
            drop=self.drop,
            outputs=self.outputs,
            workspaces=self.workspaces,
            presets=self.presets,
            batches=self.batches,
            items=self.items,
            results=self.results,
            billing=self.billing,
            starter=self.starter,
            clock=self.clock,
            fix_services=lambda: self.fix,
            max_concurrency=2,
        )


def _conforms(f: Fakes, states: MemoryPolicyStates) -> tuple[object, ...]:
    """Type-level check that every fake satisfies its port (mypy fails here if they drift)."""
    store: ObjectStore = f.drop
    batches: BatchRepository = f.batches
    items: ItemRepository = f.items
    outputs: OutputIndex = f.results
    workspaces: WorkspaceRepository = f.workspaces
    presets: PresetRepository = f.presets
    billing: Billing = f.billing
    starter: ExecutionStarter = f.starter
    clock: WallClock = f.clock
    policy: PolicyStateRepository = states
    return store, batches, items, outputs, workspaces, presets, billing, starter, clock, policy


class FlakySegmenter:
    """Raises ``ModelEndpointUnavailableError`` for the first ``failures`` calls, then segments."""

    def __init__(self, failures: int, inner: Segmenter) -> None:
        self.failures = failures
        self.inner = inner
        self.calls = 0

    @property
    def name(self) -> str:
        """The wrapped segmenter's name."""
        return self.inner.name

    def predict(self, rgb: RgbImage) -> Alpha:
        """Fail while failures remain, then delegate."""
        self.calls += 1
        if self.calls <= self.failures:
            raise ModelEndpointUnavailableError("segmentation endpoint timed out")
        return self.inner.predict(rgb)
