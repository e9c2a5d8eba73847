"""Carry a local state written before batches, items and outputs were keyed by workspace.

Until key schema 2 the batches table was keyed by batch id, the items table by batch id and item
id, and the output index by content key alone (docs/adr/0008-workspace-scoped-state.md). A state
folder journaled then holds entries for ``<prefix>batches``, ``<prefix>items`` and
``<prefix>outputs``; the runtime now reads ``…-v2`` tables keyed by workspace. :func:`rescope`
rewrites the old entries for the new tables when the journal is replayed, so nothing a seller
ran before is lost:

* a batch keeps its image (it always carried ``workspace_id``);
* an item gets its batch's workspace, in its record and in its ``workspace/batch`` partition key;
* an output index entry is written once for each workspace whose items used it (an entry no item
  used is dropped: the index is a cache, and the published files stay where they are).

An item whose batch is not in the journal cannot be placed in a workspace and is dropped with
its count reported. Entries are moto's DynamoDB JSON (``{"attr": {"S": "..."}}``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

Entry = dict[str, Any]
"""One journal line: ``{"table": name, "key": {...}, "item": {...} | None}``."""


@dataclass(frozen=True)
class LegacyTables:
    """The tables of key schema 1 and the tables that replace them, by physical name."""

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

    def names(self) -> frozenset[str]:
        """The legacy table names."""
        return frozenset({self.batches[0], self.items[0], self.outputs[0]})


@dataclass
class Rescoped:
    """The rewritten entries, and what could not be carried."""

    entries: list[Entry] = field(default_factory=list)
    batches: int = 0
    items: int = 0
    outputs: int = 0
    dropped_items: int = 0
    dropped_outputs: int = 0


def _text(image: dict[str, Any], name: str) -> str:
    return str(image[name]["S"])


def _body(image: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(_text(image, "body"))
    return body


def rescope(entries: list[Entry], tables: LegacyTables) -> Rescoped:
    """Rewrite the legacy tables' entries for the workspace-keyed tables; keep the others.

    Examples
    --------
    >>> tables = LegacyTables.of("batches-v2", "items-v2", "outputs-v2")
    >>> body = json.dumps({"batch_id": "b", "item_id": "i0", "content_key": "c"})
    >>> old = [
    ...     {"table": "batches", "key": {"batch_id": {"S": "b"}},
    ...      "item": {"batch_id": {"S": "b"}, "workspace_id": {"S": "acme"}}},
    ...     {"table": "items", "key": {"batch_id": {"S": "b"}, "item_id": {"S": "i0"}},
    ...      "item": {"batch_id": {"S": "b"}, "item_id": {"S": "i0"}, "body": {"S": body}}},
    ... ]
    >>> out = rescope(old, tables)
    >>> [e["table"] for e in out.entries], out.entries[1]["key"]["batch_scope"]
    (['batches-v2', 'items-v2'], {'S': 'acme/b'})
    """
    (old_batches, new_batches), (old_items, new_items) = tables.batches, tables.items
    old_outputs, new_outputs = tables.outputs
    legacy = tables.names()
    result = Rescoped(entries=[e for e in entries if e["table"] not in legacy])
    live = [e for e in entries if e["table"] in legacy and e["item"] is not None]
    workspace_of: dict[str, str] = {}
    for entry in (e for e in live if e["table"] == old_batches):
        image = entry["item"]
        workspace_of[_text(image, "batch_id")] = _text(image, "workspace_id")
        key = {n: image[n] for n in ("workspace_id", "batch_id")}
        result.entries.append({"table": new_batches, "key": key, "item": image})
        result.batches += 1
    users: defaultdict[str, set[str]] = defaultdict(set)
    for entry in (e for e in live if e["table"] == old_items):
        image, body = dict(entry["item"]), _body(entry["item"])
        workspace = workspace_of.get(_text(image, "batch_id"))
        if workspace is None:
            result.dropped_items += 1
            continue
        body["workspace_id"] = workspace
        if body.get("content_key"):
            users[body["content_key"]].add(workspace)
        scope = {"S": f"{workspace}/{_text(image, 'batch_id')}"}
        del image["batch_id"]
        image |= {"batch_scope": scope, "workspace_id": {"S": workspace}}
        image["body"] = {"S": json.dumps(body)}
        key = {"batch_scope": scope, "item_id": image["item_id"]}
        result.entries.append({"table": new_items, "key": key, "item": image})
        result.items += 1
    for entry in (e for e in live if e["table"] == old_outputs):
        content_key = _text(entry["item"], "content_key")
        if not users.get(content_key):
            result.dropped_outputs += 1
        for workspace in sorted(users.get(content_key, ())):
            body = _body(entry["item"]) | {"workspace_id": workspace}
            key = {"workspace_id": {"S": workspace}, "content_key": {"S": content_key}}
            image = key | {"body": {"S": json.dumps(body)}}
            result.entries.append({"table": new_outputs, "key": key, "item": image})
            result.outputs += 1
    return result
