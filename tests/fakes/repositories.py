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
    """A workspace's batches with optimistic concurrency, keyed by ``(workspace, batch)``."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[tuple[str, str], BatchRecord] = {}

    def create(self, batch: BatchRecord) -> bool:
        """Store if new."""
        with self.lock:
            key = (batch.workspace_id, batch.batch_id)
            if key in self.rows:
                return False
            self.rows[key] = batch
            return True

    def get(self, workspace_id: str, batch_id: str) -> BatchRecord | None:
        """The workspace's batch or ``None``."""
        return self.rows.get((workspace_id, batch_id))

    def replace(self, batch: BatchRecord) -> BatchRecord | None:
        """Write the next version if the stored one matches."""
        with self.lock:
            key = (batch.workspace_id, batch.batch_id)
            stored = self.rows.get(key)
            if stored is None or stored.version != batch.version:
                return None
            updated = batch.model_copy(update={"version": batch.version + 1})
            self.rows[key] = updated
            return updated


class MemoryItems(_Versioned):
    """Items with optimistic concurrency, keyed by ``(workspace, batch, item)``."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[tuple[str, str, str], ItemRecord] = {}

    def create(self, item: ItemRecord) -> bool:
        """Store if new."""
        with self.lock:
            key = (item.workspace_id, item.batch_id, item.item_id)
            if key in self.rows:
                return False
            self.rows[key] = item
            return True

    def get(self, workspace_id: str, batch_id: str, item_id: str) -> ItemRecord | None:
        """The item or ``None``."""
        return self.rows.get((workspace_id, batch_id, item_id))

    def list(self, workspace_id: str, batch_id: str) -> Iterator[ItemRecord]:
        """The batch's items by id."""
        for key in sorted(self.rows):
            if key[:2] == (workspace_id, batch_id):
                yield self.rows[key]

    def replace(self, item: ItemRecord) -> ItemRecord | None:
        """Write the next version if the stored one matches."""
        with self.lock:
            key = (item.workspace_id, item.batch_id, item.item_id)
            stored = self.rows.get(key)
            if stored is None or stored.version != item.version:
                return None
            updated = item.model_copy(update={"version": item.version + 1})
            self.rows[key] = updated
            return updated


class MemoryOutputs:
    """A workspace's content-addressed output index."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], OutputRecord] = {}

    def get(self, workspace_id: str, content_key: str) -> OutputRecord | None:
        """The record or ``None``."""
        return self.rows.get((workspace_id, content_key))

    def add(self, record: OutputRecord) -> OutputRecord:
        """First record of a key wins."""
        return self.rows.setdefault((record.workspace_id, record.content_key), record)


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
