"""The key-schema-1 rewrite (``Rescoper``/``rescope``): order, drops and unreadable rows."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pixellift.adapters.aws.legacy_tables import LegacyTables, Rescoper, rescope

TABLES = LegacyTables.with_prefix("old-", "batches-v2", "items-v2", "outputs-v2")


def _batch(batch_id: str, workspace: str) -> dict[str, Any]:
    return {"batch_id": {"S": batch_id}, "workspace_id": {"S": workspace}, "body": {"S": "{}"}}


def _item(batch_id: str, item_id: str, content_key: str | None) -> dict[str, Any]:
    body = {"batch_id": batch_id, "item_id": item_id, "content_key": content_key}
    return {"batch_id": {"S": batch_id}, "item_id": {"S": item_id}, "body": {"S": json.dumps(body)}}


def _output(content_key: str) -> dict[str, Any]:
    body = json.dumps({"content_key": content_key, "output_key": f"objects/{content_key}.jpg"})
    return {"content_key": {"S": content_key}, "body": {"S": body}}


def test_an_output_used_in_two_workspaces_is_indexed_in_each() -> None:
    # GIVEN two workspaces whose items produced the same content key
    rescoper = Rescoper(TABLES)
    rescoper.batch(_batch("b-1", "acme"))
    rescoper.batch(_batch("b-2", "globex"))
    rescoper.item(_item("b-1", "i0", "c"))
    rescoper.item(_item("b-2", "i0", "c"))
    # WHEN the output index entry is rewritten
    entries = rescoper.outputs(_output("c"))
    # THEN each workspace gets its own entry, whose record names it
    assert [e["key"]["workspace_id"]["S"] for e in entries] == ["acme", "globex"]
    assert [json.loads(e["item"]["body"]["S"])["workspace_id"] for e in entries] == [
        "acme",
        "globex",
    ]
    assert rescoper.dropped == []


def test_an_item_moves_into_its_batchs_workspace_partition() -> None:
    # GIVEN a batch of acme and one of its items
    rescoper = Rescoper(TABLES)
    rescoper.batch(_batch("b-1", "acme"))
    # WHEN the item is rewritten
    entry = rescoper.item(_item("b-1", "i0", None))
    # THEN it is keyed by workspace/batch, carries its workspace, and lost the old hash key
    assert entry is not None
    assert entry["table"] == "items-v2"
    assert entry["key"] == {"batch_scope": {"S": "acme/b-1"}, "item_id": {"S": "i0"}}
    assert "batch_id" not in entry["item"]
    assert json.loads(entry["item"]["body"]["S"])["workspace_id"] == "acme"


@pytest.mark.parametrize(
    ("kind", "image", "reason"),
    [
        ("batch", {"batch_id": {"S": "b-9"}}, "unreadable: no string attribute 'workspace_id'"),
        ("item", _item("b-1", "i0", None) | {"body": {"S": "{not json"}}, "unreadable: body is"),
        ("item", _item("b-1", "i0", None) | {"body": {"S": "[1]"}}, "unreadable: body is not a"),
        ("item", _item("b-7", "i3", None), "its batch is not in old-batches"),
        ("outputs", {"content_key": {"S": "c"}}, "unreadable: no string attribute 'body'"),
        ("outputs", _output("c-unused"), "no item in old-items uses it"),
    ],
)
def test_rows_that_cannot_be_carried_are_dropped_with_key_and_reason(
    kind: str, image: dict[str, Any], reason: str
) -> None:
    # GIVEN the rewrite of one workspace's batch
    rescoper = Rescoper(TABLES)
    rescoper.batch(_batch("b-1", "acme"))
    # WHEN a row that cannot be carried is rewritten
    result = getattr(rescoper, kind)(image)
    # THEN nothing is written for it, and the drop names the row and the cause
    assert result in (None, [])
    [dropped] = rescoper.dropped
    assert dropped.reason.startswith(reason)
    assert dropped.table.startswith("old-")


def test_rows_must_come_batches_then_items_then_outputs() -> None:
    # GIVEN a rewrite that has reached the output index
    rescoper = Rescoper(TABLES)
    rescoper.outputs(_output("c"))
    # WHEN an item comes after it
    # THEN it is refused: the index entries already written could not account for it
    with pytest.raises(ValueError, match="legacy items row after outputs rows"):
        rescoper.item(_item("b-1", "i0", "c"))


def test_rescope_keeps_other_tables_and_leaves_deletions_out() -> None:
    # GIVEN a journal with another table's entry and a deleted legacy batch
    entries = [
        {"table": "ledger", "key": {"k": {"S": "1"}}, "item": {"k": {"S": "1"}}},
        {"table": "old-batches", "key": {"batch_id": {"S": "b"}}, "item": None},
    ]
    # WHEN it is rescoped
    done = rescope(entries, TABLES)
    # THEN the other table's entry is kept as it is, and the deletion is gone
    assert done.entries == entries[:1]
    assert (done.batches, done.items, done.outputs, done.dropped) == (0, 0, 0, [])
