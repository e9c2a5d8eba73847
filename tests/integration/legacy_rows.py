"""A deployment's tables as key schema 1 left them: the old tables and rows, for the copy tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pixellift.adapters.aws.legacy_tables import LegacyTables
from pixellift.core.contracts.records import (
    BatchRecord,
    BatchStatus,
    ItemRecord,
    ItemStatus,
    OutputRecord,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def _s(value: object) -> dict[str, str]:
    return {"S": str(value)}


def _body(record: BatchRecord | ItemRecord | OutputRecord, *, keep_workspace: bool) -> str:
    """The record as key schema 1 stored it: items and outputs had no ``workspace_id`` then."""
    data = record.model_dump(mode="json")
    if not keep_workspace:
        del data["workspace_id"]
    return json.dumps(data)


def _item(workspace: str, batch_id: str, item_id: str, content_key: str | None) -> ItemRecord:
    return ItemRecord(
        workspace_id=workspace,
        batch_id=batch_id,
        item_id=item_id,
        name=f"{item_id}.jpg",
        stem=item_id,
        source_key=f"drop/{batch_id}/{item_id}.jpg",
        content_key=content_key,
        status=ItemStatus.CHARGED,
        version=4,
    )


def _output(content_key: str) -> OutputRecord:
    return OutputRecord(
        workspace_id="-",
        content_key=content_key,
        output_key=f"objects/{content_key}.jpg",
        steps_key=f"objects/{content_key}.steps.json",
        output_bytes=1234,
        extension=".jpg",
        input_sha256="ab" * 32,
        preset_digest="p",
        ruleset_digest="r",
        seconds=1.5,
        created_at=NOW,
    )


def create_legacy_tables(client: DynamoDBClient, tables: LegacyTables) -> None:
    """The key-schema-1 tables, as the stack created them before workspace keys."""
    keys = {"batches": ("batch_id",), "items": ("batch_id", "item_id"), "outputs": ("content_key",)}
    for kind, (old, _) in tables.pairs().items():
        names = keys[kind]
        roles = ("HASH", "RANGE")[: len(names)]
        request: dict[str, Any] = {
            "TableName": old,
            "KeySchema": [
                {"AttributeName": n, "KeyType": r} for n, r in zip(names, roles, strict=True)
            ],
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": "S"} for n in names],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if kind == "batches":
            request["AttributeDefinitions"].append(
                {"AttributeName": "workspace_id", "AttributeType": "S"}
            )
            request["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": "by_workspace",
                    "KeySchema": [{"AttributeName": "workspace_id", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ]
        client.create_table(**request)


def write_legacy_rows(client: DynamoDBClient, tables: LegacyTables) -> None:
    """Two workspaces' batches, their items, an orphan item and the output index, old style.

    ``c-shared`` is used by items of both workspaces, ``c-unused`` by none; ``i00009`` belongs to
    batch ``gone``, which is not in the batches table.
    """
    for workspace, batch_id in (("acme", "b-1"), ("globex", "b-2")):
        batch = BatchRecord(
            batch_id=batch_id,
            workspace_id=workspace,
            marketplace="amazon",
            created_at=NOW,
            status=BatchStatus.COMPLETED,
            version=3,
        )
        client.put_item(
            TableName=tables.batches[0],
            Item={
                "batch_id": _s(batch_id),
                "workspace_id": _s(workspace),
                "status": _s("COMPLETED"),
                "version": {"N": "3"},
                "body": _s(_body(batch, keep_workspace=True)),
            },
        )
    items = [_item("acme", "b-1", f"i0000{n}", f"c-acme-{n}") for n in range(5)]
    items += [_item("acme", "b-1", "i00005", "c-shared"), _item("globex", "b-2", "i00000", None)]
    items += [_item("globex", "b-2", "i00001", "c-shared"), _item("-", "gone", "i00009", "c-x")]
    for record in items:
        client.put_item(
            TableName=tables.items[0],
            Item={
                "batch_id": _s(record.batch_id),
                "item_id": _s(record.item_id),
                "status": _s(record.status),
                "version": {"N": str(record.version)},
                "body": _s(_body(record, keep_workspace=False)),
            },
        )
    for key in (*(f"c-acme-{n}" for n in range(5)), "c-shared", "c-unused"):
        body = _body(_output(key), keep_workspace=False)
        client.put_item(
            TableName=tables.outputs[0], Item={"content_key": _s(key), "body": _s(body)}
        )
