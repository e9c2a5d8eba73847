"""In-memory repositories implementing the core's state ports, with optimistic versions."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

from pixellift.core.contracts.records import (
    BatchRecord,
    ItemRecord,
    OutputRecord,
    PolicyState,
    PresetVersion,
    Workspace,
)


class _Versioned:
    def __init__(self) -> None:
        self.lock = threading.Lock()


class MemoryBatches(_Versioned):
    """Batches with optimistic concurrency."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, BatchRecord] = {}

    def create(self, batch: BatchRecord) -> bool:
        """Store if new."""
        with self.lock:
            if batch.batch_id in self.rows:
                return False
            self.rows[batch.batch_id] = batch
            return True

    def get(self, batch_id: str) -> BatchRecord | None:
        """The batch or ``None``."""
        return self.rows.get(batch_id)

    def replace(self, batch: BatchRecord) -> BatchRecord | None:
        """Write the next version if the stored one matches."""
        with self.lock:
            stored = self.rows.get(batch.batch_id)
            if stored is None or stored.version != batch.version:
                return None
            updated = batch.model_copy(update={"version": batch.version + 1})
            self.rows[batch.batch_id] = updated
            return updated


class MemoryItems(_Versioned):
    """Items with optimistic concurrency."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[tuple[str, str], ItemRecord] = {}

    def create(self, item: ItemRecord) -> bool:
        """Store if new."""
        with self.lock:
            key = (item.batch_id, item.item_id)
            if key in self.rows:
                return False
            self.rows[key] = item
            return True

    def get(self, batch_id: str, item_id: str) -> ItemRecord | None:
        """The item or ``None``."""
        return self.rows.get((batch_id, item_id))

    def list(self, batch_id: str) -> Iterator[ItemRecord]:
        """The batch's items by id."""
        for key in sorted(self.rows):
            if key[0] == batch_id:
                yield self.rows[key]

    def replace(self, item: ItemRecord) -> ItemRecord | None:
        """Write the next version if the stored one matches."""
        with self.lock:
            key = (item.batch_id, item.item_id)
            stored = self.rows.get(key)
            if stored is None or stored.version != item.version:
                return None
            updated = item.model_copy(update={"version": item.version + 1})
            self.rows[key] = updated
            return updated


class MemoryOutputs:
    """Content-addressed output index."""

    def __init__(self) -> None:
        self.rows: dict[str, OutputRecord] = {}

    def get(self, content_key: str) -> OutputRecord | None:
        """The record or ``None``."""
        return self.rows.get(content_key)

    def add(self, record: OutputRecord) -> OutputRecord:
        """First record of a key wins."""
        return self.rows.setdefault(record.content_key, record)


class MemoryWorkspaces:
    """Workspaces by id."""

    def __init__(self, *ids: str) -> None:
        created = datetime(2026, 1, 1, tzinfo=UTC)
        self.rows = {i: Workspace(workspace_id=i, name=i, created_at=created) for i in ids}

    def get(self, workspace_id: str) -> Workspace | None:
        """The workspace or ``None``."""
        return self.rows.get(workspace_id)

    def create(self, workspace: Workspace) -> bool:
        """Store if new."""
        if workspace.workspace_id in self.rows:
            return False
        self.rows[workspace.workspace_id] = workspace
        return True


class MemoryPresets:
    """Preset versions by workspace, name and version."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str], PresetVersion] = {}

    def add(self, preset: PresetVersion) -> bool:
        """Store if new."""
        key = (preset.workspace_id, preset.name, preset.version)
        if key in self.rows:
            return False
        self.rows[key] = preset
        return True

    def get(self, workspace_id: str, name: str, version: str | None = None) -> PresetVersion | None:
        """One version, or the highest."""
        found = [
            p
            for (ws, n, v), p in self.rows.items()
            if ws == workspace_id and n == name and version in {None, v}
        ]
        return max(found, key=lambda p: tuple(map(int, p.version.split("."))), default=None)


class MemoryPolicyStates:
    """Policy states by marketplace."""

    def __init__(self) -> None:
        self.rows: dict[str, PolicyState] = {}

    def get(self, marketplace: str) -> PolicyState | None:
        """The state or ``None``."""
        return self.rows.get(marketplace)

    def put(self, state: PolicyState) -> None:
        """Record it."""
        self.rows[state.marketplace] = state
