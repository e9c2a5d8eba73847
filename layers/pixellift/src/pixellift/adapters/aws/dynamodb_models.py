"""pynamodb models of the state tables, bound to the configured table names at run time.

Each item keeps its keys, the attributes conditions and queries need (status, version), and the
whole record as JSON in ``body``: the pydantic record is the schema, the table only stores it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar, cast

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from pixellift.adapters.settings import TableNames

M = TypeVar("M", bound=Model)


class WorkspaceModel(Model):
    """``workspaces``: one per workspace id."""

    workspace_id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute(default=0)
    body = UnicodeAttribute()


class PresetModel(Model):
    """``presets``: every version of every preset of a workspace (range key ``name@version``)."""

    workspace_id = UnicodeAttribute(hash_key=True)
    preset_version = UnicodeAttribute(range_key=True)
    body = UnicodeAttribute()


class BatchModel(Model):
    """``batches``: a workspace's batches (range key: batch id)."""

    workspace_id = UnicodeAttribute(hash_key=True)
    batch_id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()
    version = NumberAttribute(default=0)
    body = UnicodeAttribute()


def batch_scope(workspace_id: str, batch_id: str) -> str:
    """The items table's partition key: the batch, inside its workspace.

    Examples
    --------
    >>> batch_scope("acme", "b-1")
    'acme/b-1'
    """
    return f"{workspace_id}/{batch_id}"


class ItemModel(Model):
    """``items``: the items of a workspace's batch (hash ``workspace/batch``, range item id)."""

    batch_scope = UnicodeAttribute(hash_key=True)
    item_id = UnicodeAttribute(range_key=True)
    workspace_id = UnicodeAttribute()
    status = UnicodeAttribute()
    version = NumberAttribute(default=0)
    body = UnicodeAttribute()


class OutputModel(Model):
    """``outputs``: a workspace's content-addressed output index (range key: content key)."""

    workspace_id = UnicodeAttribute(hash_key=True)
    content_key = UnicodeAttribute(range_key=True)
    body = UnicodeAttribute()


class LedgerModel(Model):
    """``ledger``: charges per workspace (range key: the idempotency key)."""

    workspace_id = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True)
    batch_id = UnicodeAttribute()
    item_id = UnicodeAttribute()
    amount_minor = NumberAttribute()
    currency = UnicodeAttribute()
    body = UnicodeAttribute()


class PolicyModel(Model):
    """``policies``: what policy sync last saw per marketplace."""

    marketplace = UnicodeAttribute(hash_key=True)
    body = UnicodeAttribute()


def bind(base: type[M], table: str, region: str, host: str | None) -> type[M]:
    """A subclass of ``base`` that talks to ``table`` in ``region`` (at ``host`` if given)."""
    meta: dict[str, Any] = {"table_name": table, "region": region}
    meta["billing_mode"] = "PAY_PER_REQUEST"
    if host:
        meta["host"] = host
    return cast("type[M]", type(base.__name__, (base,), {"Meta": type("Meta", (), meta)}))


@dataclass(frozen=True)
class Tables:
    """The models bound to one deployment's tables."""

    workspaces: type[WorkspaceModel]
    presets: type[PresetModel]
    batches: type[BatchModel]
    items: type[ItemModel]
    outputs: type[OutputModel]
    ledger: type[LedgerModel]
    policies: type[PolicyModel]

    @classmethod
    def bound(cls, names: TableNames, region: str, host: str | None = None) -> Tables:
        """Bind every model to its configured table.

        Binding happens once per process: pynamodb keeps one connection per model class, so
        reusing the classes reuses the clients.
        """
        return _bound(names, region, host)

    @classmethod
    def _bind(cls, names: TableNames, region: str, host: str | None) -> Tables:
        return cls(
            workspaces=bind(WorkspaceModel, names.workspaces, region, host),
            presets=bind(PresetModel, names.presets, region, host),
            batches=bind(BatchModel, names.batches, region, host),
            items=bind(ItemModel, names.items, region, host),
            outputs=bind(OutputModel, names.outputs, region, host),
            ledger=bind(LedgerModel, names.ledger, region, host),
            policies=bind(PolicyModel, names.policies, region, host),
        )

    def all(self) -> tuple[type[Model], ...]:
        """Every bound model, for creating the tables locally."""
        return (
            self.workspaces,
            self.presets,
            self.batches,
            self.items,
            self.outputs,
            self.ledger,
            self.policies,
        )

    def create_missing(self) -> None:
        """Create the tables that do not exist (the local runtime; CDK creates them on AWS)."""
        for model in self.all():
            if not model.exists():
                model.create_table(wait=False)


@cache
def _bound(names: TableNames, region: str, host: str | None) -> Tables:
    return Tables._bind(names, region, host)  # noqa: SLF001 - the cached constructor
