"""DynamoDB repositories (pynamodb) implementing the core's state ports.

Creation is a conditional put on the key not existing; a state change is a conditional put on
the stored ``version`` being the one the change started from. A failed condition is an answer
(``False`` / ``None``), not an error: the use case decides what it means.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from pydantic import BaseModel
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from pixellift.adapters.aws.dynamodb_models import Tables, batch_scope
from pixellift.adapters.aws.errors import translated
from pixellift.core.contracts.records import (
    BatchRecord,
    ItemRecord,
    OutputRecord,
    PolicyState,
    PresetVersion,
    Workspace,
)

R = TypeVar("R", bound=BaseModel)
M = TypeVar("M", bound=Model)
_CONDITION_FAILED = "ConditionalCheckFailedException"


def conditional_put(row: Model, condition: Condition, what: str) -> bool:
    """Save ``row`` if ``condition`` holds; ``False`` when it does not."""
    with translated(what):
        try:
            row.save(condition=condition)
        except PutError as exc:
            if exc.cause_response_code == _CONDITION_FAILED:
                return False
            raise
    return True


def get_row(model: type[M], what: str, hash_key: str, range_key: str | None = None) -> M | None:
    """One row by key (a strongly consistent GetItem), or ``None``."""
    with translated(what):
        try:
            return model.get(hash_key, range_key, consistent_read=True)
        except DoesNotExist:
            return None


def _load(model: type[R], body: str) -> R:
    return model.model_validate_json(body)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


class DynamoWorkspaces:
    """``WorkspaceRepository`` on the workspaces table."""

    def __init__(self, tables: Tables) -> None:
        self._model = tables.workspaces

    def get(self, workspace_id: str) -> Workspace | None:
        """The workspace, or ``None``."""
        with translated(f"workspace {workspace_id}"):
            rows = list(self._model.query(workspace_id, consistent_read=True))
        return _load(Workspace, rows[0].body) if rows else None

    def create(self, workspace: Workspace) -> bool:
        """Store a new workspace; ``False`` if it exists."""
        row = self._model(
            workspace.workspace_id, version=workspace.version, body=workspace.model_dump_json()
        )
        return conditional_put(row, self._model.workspace_id.does_not_exist(), "workspace")


class DynamoPresets:
    """``PresetRepository`` on the presets table (every version kept)."""

    def __init__(self, tables: Tables) -> None:
        self._model = tables.presets

    def add(self, preset: PresetVersion) -> bool:
        """Store a new version; ``False`` if it exists."""
        row = self._model(
            preset.workspace_id, f"{preset.name}@{preset.version}", body=preset.model_dump_json()
        )
        return conditional_put(row, self._model.preset_version.does_not_exist(), "preset")

    def get(self, workspace_id: str, name: str, version: str | None = None) -> PresetVersion | None:
        """One version, or the highest one."""
        prefix = f"{name}@{version}" if version else f"{name}@"
        with translated(f"preset {workspace_id}/{name}"):
            rows = list(
                self._model.query(workspace_id, self._model.preset_version.startswith(prefix))
            )
        found = [_load(PresetVersion, r.body) for r in rows]
        found = [p for p in found if p.name == name and version in {None, p.version}]
        return max(found, key=lambda p: _version_key(p.version), default=None)


class DynamoBatches:
    """``BatchRepository`` on the batches table (keyed by workspace, then batch id)."""

    def __init__(self, tables: Tables) -> None:
        self._model = tables.batches

    def _row(self, batch: BatchRecord) -> Model:
        return self._model(
            batch.workspace_id,
            batch.batch_id,
            status=str(batch.status),
            version=batch.version,
            body=batch.model_dump_json(),
        )

    def create(self, batch: BatchRecord) -> bool:
        """Store a new batch; ``False`` if the id exists."""
        return conditional_put(self._row(batch), self._model.batch_id.does_not_exist(), "batch")

    def get(self, workspace_id: str, batch_id: str) -> BatchRecord | None:
        """The workspace's batch, or ``None``."""
        row = get_row(self._model, f"batch {batch_id}", workspace_id, batch_id)
        return None if row is None else _load(BatchRecord, row.body)

    def replace(self, batch: BatchRecord) -> BatchRecord | None:
        """Write the next version if nobody else did first."""
        updated = batch.model_copy(update={"version": batch.version + 1})
        ok = conditional_put(
            self._row(updated), self._model.version == batch.version, f"batch {batch.batch_id}"
        )
        return updated if ok else None


class DynamoItems:
    """``ItemRepository`` on the items table (partitioned by ``workspace/batch``)."""

    def __init__(self, tables: Tables) -> None:
        self._model = tables.items

    def _row(self, item: ItemRecord) -> Model:
        return self._model(
            batch_scope(item.workspace_id, item.batch_id),
            item.item_id,
            workspace_id=item.workspace_id,
            status=str(item.status),
            version=item.version,
            body=item.model_dump_json(),
        )

    def create(self, item: ItemRecord) -> bool:
        """Store a new item; ``False`` if it exists."""
        return conditional_put(self._row(item), self._model.item_id.does_not_exist(), "item")

    def get(self, workspace_id: str, batch_id: str, item_id: str) -> ItemRecord | None:
        """The item, or ``None``."""
        what = f"item {batch_id}/{item_id}"
        row = get_row(self._model, what, batch_scope(workspace_id, batch_id), item_id)
        return None if row is None else _load(ItemRecord, row.body)

    def list(self, workspace_id: str, batch_id: str) -> Iterator[ItemRecord]:
        """The batch's items in item-id order."""
        with translated(f"items of {batch_id}"):
            for row in self._model.query(batch_scope(workspace_id, batch_id), consistent_read=True):
                yield _load(ItemRecord, row.body)

    def replace(self, item: ItemRecord) -> ItemRecord | None:
        """Write the next version if nobody else did first."""
        updated = item.model_copy(update={"version": item.version + 1})
        what = f"item {item.batch_id}/{item.item_id}"
        ok = conditional_put(self._row(updated), self._model.version == item.version, what)
        return updated if ok else None


class DynamoOutputs:
    """``OutputIndex`` on the outputs table (keyed by workspace, then content key)."""

    def __init__(self, tables: Tables) -> None:
        self._model = tables.outputs

    def get(self, workspace_id: str, content_key: str) -> OutputRecord | None:
        """The workspace's output of this content key, or ``None``."""
        row = get_row(self._model, f"output {content_key}", workspace_id, content_key)
        return None if row is None else _load(OutputRecord, row.body)

    def add(self, record: OutputRecord) -> OutputRecord:
        """Record an output; the first record of a key wins."""
        row = self._model(record.workspace_id, record.content_key, body=record.model_dump_json())
        if conditional_put(row, self._model.content_key.does_not_exist(), "output"):
            return record
        return self.get(record.workspace_id, record.content_key) or record


class DynamoPolicyStates:
    """``PolicyStateRepository`` on the policies table."""

    def __init__(self, tables: Tables) -> None:
        self._model = tables.policies

    def get(self, marketplace: str) -> PolicyState | None:
        """The last state, or ``None``."""
        with translated(f"policy {marketplace}"):
            rows = list(self._model.query(marketplace, consistent_read=True))
        return _load(PolicyState, rows[0].body) if rows else None

    def put(self, state: PolicyState) -> None:
        """Record the state (last write wins: sync runs one at a time)."""
        with translated(f"policy {state.marketplace}"):
            self._model(state.marketplace, body=state.model_dump_json()).save()
