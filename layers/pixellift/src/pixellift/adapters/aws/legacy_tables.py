"""Rewrite key-schema-1 batches, items and outputs for the workspace-keyed ``-v2`` tables.

Until key schema 2 the batches table was keyed by batch id, the items table by batch id and item
id, and the output index by content key alone (docs/adr/0008-workspace-scoped-state.md). The
rewrite is the same wherever the old rows come from: the local runtime's journal
(:class:`~pixellift.adapters.local.durable.DurableState`) or a scan of a deployment's retained
tables (:mod:`pixellift.adapters.aws.rescope_tables`). Rows are DynamoDB JSON
(``{"attr": {"S": "..."}}``), as both the journal and the DynamoDB client hold them:

* a batch keeps its image (it always carried ``workspace_id``);
* an item gets its batch's workspace, in its record and in its ``workspace/batch`` partition key;
* an output index entry is written once for each workspace whose items used it (an entry no item
  used is dropped: the index is a cache, and the published files stay where they are).

An item whose batch is unknown cannot be placed in a workspace; it is dropped, and so is a row
that cannot be read. Each drop is reported with its key and its reason. This module is pure
(standard library only), so both adapters can share it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Entry = dict[str, Any]
"""One row to write: ``{"table": name, "key": {...}, "item": {...} | None}``."""

LEGACY_KEYS = {
    "batches": ("batch_id",),
    "items": ("batch_id", "item_id"),
    "outputs": ("content_key",),
}
"""Key attributes of the key-schema-1 tables (hash, then range)."""

_PHASES = ("batches", "items", "outputs")


@dataclass(frozen=True)
class LegacyTables:
    """The tables of key schema 1 and the tables that replace them: ``(old, new)`` names."""

    batches: tuple[str, str]
    items: tuple[str, str]
    outputs: tuple[str, str]

    @classmethod
    def of(cls, batches: str, items: str, outputs: str) -> LegacyTables | None:
        """The pairs for the current names, when they are the default ``…-v2`` names.

        Examples
        --------
        >>> LegacyTables.of("p-batches-v2", "p-items-v2", "p-outputs-v2").items
        ('p-items', 'p-items-v2')
        >>> LegacyTables.of("custom", "p-items-v2", "p-outputs-v2") is None
        True
        """
        names = (batches, items, outputs)
        if not all(name.endswith("-v2") for name in names):
            return None
        return cls(*((name.removesuffix("-v2"), name) for name in names))

    @classmethod
    def with_prefix(cls, prefix: str, batches: str, items: str, outputs: str) -> LegacyTables:
        """The old tables named ``<prefix>batches`` … paired with the current names.

        Examples
        --------
        >>> LegacyTables.with_prefix("old-", "b", "i", "o").outputs
        ('old-outputs', 'o')
        """
        return cls(
            (f"{prefix}batches", batches), (f"{prefix}items", items), (f"{prefix}outputs", outputs)
        )

    def names(self) -> frozenset[str]:
        """The legacy table names."""
        return frozenset({self.batches[0], self.items[0], self.outputs[0]})

    def pairs(self) -> dict[str, tuple[str, str]]:
        """``{"batches": (old, new), ...}`` in the order the rewrite reads them.

        Examples
        --------
        >>> list(LegacyTables.with_prefix("", "b2", "i2", "o2").pairs())
        ['batches', 'items', 'outputs']
        """
        return {"batches": self.batches, "items": self.items, "outputs": self.outputs}


@dataclass(frozen=True)
class Dropped:
    """A legacy row that was not carried over, and why."""

    table: str
    key: dict[str, str]
    reason: str

    def __str__(self) -> str:
        """``table key=value …: reason``."""
        keys = " ".join(f"{name}={value}" for name, value in self.key.items())
        return f"{self.table} {keys}: {self.reason}"


class _UnreadableError(ValueError):
    """A legacy row lacks an attribute the rewrite needs, or its body is not a JSON record."""


def _text(image: dict[str, Any], name: str) -> str:
    try:
        return str(image[name]["S"])
    except (KeyError, TypeError) as exc:
        raise _UnreadableError(f"no string attribute {name!r}") from exc


def _body(image: dict[str, Any]) -> dict[str, Any]:
    text = _text(image, "body")
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise _UnreadableError(f"body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise _UnreadableError("body is not a JSON object")
    return body


def _plain_key(kind: str, image: dict[str, Any]) -> dict[str, str]:
    values = {n: image.get(n) for n in LEGACY_KEYS[kind]}
    return {n: str(v.get("S", "?")) if isinstance(v, dict) else "?" for n, v in values.items()}


class Rescoper:
    """Rewrite legacy rows one at a time: every batch first, then every item, then outputs.

    Items need their batch's workspace, and output entries the workspaces whose items used them,
    so the order is required; a row of an earlier table after a later one raises ``ValueError``.
    Only batch ids and content keys are remembered, not the rows, so a scan can stream through.
    """

    def __init__(self, tables: LegacyTables) -> None:
        self.tables = tables
        self.dropped: list[Dropped] = []
        self._workspace_of: dict[str, str] = {}
        self._users: defaultdict[str, set[str]] = defaultdict(set)
        self._phase = 0

    def _enter(self, kind: str) -> None:
        phase = _PHASES.index(kind)
        if phase < self._phase:
            raise ValueError(f"a legacy {kind} row after {_PHASES[self._phase]} rows")
        self._phase = phase

    def _drop(self, kind: str, image: dict[str, Any], reason: str) -> None:
        self.dropped.append(Dropped(self.tables.pairs()[kind][0], _plain_key(kind, image), reason))

    def batch(self, image: dict[str, Any]) -> Entry | None:
        """The batch for the new table (``None``, and a drop, when it cannot be read)."""
        self._enter("batches")
        try:
            batch_id, workspace = _text(image, "batch_id"), _text(image, "workspace_id")
        except _UnreadableError as exc:
            self._drop("batches", image, f"unreadable: {exc}")
            return None
        self._workspace_of[batch_id] = workspace
        key = {n: image[n] for n in ("workspace_id", "batch_id")}
        return {"table": self.tables.batches[1], "key": key, "item": image}

    def item(self, image: dict[str, Any]) -> Entry | None:
        """The item in its batch's workspace (``None``, and a drop, when it has no known batch)."""
        self._enter("items")
        try:
            batch_id, body = _text(image, "batch_id"), _body(image)
            _text(image, "item_id")
        except _UnreadableError as exc:
            self._drop("items", image, f"unreadable: {exc}")
            return None
        workspace = self._workspace_of.get(batch_id)
        if workspace is None:
            self._drop("items", image, f"its batch is not in {self.tables.batches[0]}")
            return None
        body["workspace_id"] = workspace
        if body.get("content_key"):
            self._users[str(body["content_key"])].add(workspace)
        scope = {"S": f"{workspace}/{batch_id}"}
        moved = {n: v for n, v in image.items() if n != "batch_id"}
        moved |= {"batch_scope": scope, "workspace_id": {"S": workspace}}
        moved["body"] = {"S": json.dumps(body)}
        key = {"batch_scope": scope, "item_id": image["item_id"]}
        return {"table": self.tables.items[1], "key": key, "item": moved}

    def outputs(self, image: dict[str, Any]) -> list[Entry]:
        """One index entry per workspace whose items used the content key (none: a drop)."""
        self._enter("outputs")
        try:
            content_key, body = _text(image, "content_key"), _body(image)
        except _UnreadableError as exc:
            self._drop("outputs", image, f"unreadable: {exc}")
            return []
        workspaces = sorted(self._users.get(content_key, ()))
        if not workspaces:
            self._drop("outputs", image, f"no item in {self.tables.items[0]} uses it")
        entries: list[Entry] = []
        for workspace in workspaces:
            key = {"workspace_id": {"S": workspace}, "content_key": {"S": content_key}}
            record = {"S": json.dumps(body | {"workspace_id": workspace})}
            entries.append(
                {"table": self.tables.outputs[1], "key": key, "item": key | {"body": record}}
            )
        return entries


@dataclass
class Rescoped:
    """The rewritten entries, and what could not be carried."""

    entries: list[Entry] = field(default_factory=list)
    batches: int = 0
    items: int = 0
    outputs: int = 0
    dropped: list[Dropped] = field(default_factory=list)

    def dropped_from(self, table: str) -> int:
        """How many rows of the legacy ``table`` were dropped."""
        return sum(d.table == table for d in self.dropped)


def rescope(entries: Iterable[Entry], tables: LegacyTables) -> Rescoped:
    """Rewrite the legacy tables' entries for the workspace-keyed tables; keep the others.

    Entries whose ``item`` is ``None`` (a deletion) are left out.

    Examples
    --------
    >>> tables = LegacyTables.of("batches-v2", "items-v2", "outputs-v2")
    >>> body = json.dumps({"batch_id": "b", "item_id": "i0", "content_key": "c"})
    >>> old = [
    ...     {"table": "batches", "key": {"batch_id": {"S": "b"}},
    ...      "item": {"batch_id": {"S": "b"}, "workspace_id": {"S": "acme"}}},
    ...     {"table": "items", "key": {"batch_id": {"S": "b"}, "item_id": {"S": "i0"}},
    ...      "item": {"batch_id": {"S": "b"}, "item_id": {"S": "i0"}, "body": {"S": body}}},
    ...     {"table": "items", "key": {"batch_id": {"S": "x"}, "item_id": {"S": "i0"}},
    ...      "item": {"batch_id": {"S": "x"}, "item_id": {"S": "i0"}, "body": {"S": body}}},
    ... ]
    >>> out = rescope(old, tables)
    >>> [e["table"] for e in out.entries], out.entries[1]["key"]["batch_scope"]
    (['batches-v2', 'items-v2'], {'S': 'acme/b'})
    >>> [str(d) for d in out.dropped]
    ['items batch_id=x item_id=i0: its batch is not in batches']
    """
    rows = list(entries)
    legacy = tables.names()
    result = Rescoped(entries=[e for e in rows if e["table"] not in legacy])
    rescoper = Rescoper(tables)
    live = {
        kind: [e["item"] for e in rows if e["table"] == old and e["item"] is not None]
        for kind, (old, _) in tables.pairs().items()
    }
    for image in live["batches"]:
        if (entry := rescoper.batch(image)) is not None:
            result.entries.append(entry)
            result.batches += 1
    for image in live["items"]:
        if (entry := rescoper.item(image)) is not None:
            result.entries.append(entry)
            result.items += 1
    for image in live["outputs"]:
        written = rescoper.outputs(image)
        result.entries.extend(written)
        result.outputs += len(written)
    result.dropped = rescoper.dropped
    return result
