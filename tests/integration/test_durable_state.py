"""DurableState: moto's tables and the output bucket survive a restart through the journal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
from moto import mock_aws
from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.aws.dynamodb_repos import (
    DynamoBatches,
    DynamoItems,
    DynamoOutputs,
    DynamoWorkspaces,
)
from pixellift.adapters.aws.legacy_tables import LegacyTables
from pixellift.adapters.aws.s3_store import S3ObjectStore
from pixellift.adapters.local.durable import DurableState
from pixellift.adapters.settings import Settings
from pixellift.core.contracts.records import ItemRecord, Workspace

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def session(
    settings: Settings, legacy: LegacyTables | None = None
) -> tuple[Tables, S3ObjectStore, DurableState]:
    """Fresh moto resources (as after a restart) and the durable state over them."""
    tables = Tables.bound(settings.tables, settings.region)
    tables.create_missing()
    client = boto3.client("s3", region_name=settings.region)
    client.create_bucket(Bucket="out")
    durable = DurableState(
        settings.state_dir,
        tables=[m.Meta.table_name for m in tables.all()],
        buckets=["out"],
        region=settings.region,
        legacy=legacy,
    )
    return tables, S3ObjectStore(client, "out"), durable


def test_writes_survive_a_restart(settings: Settings) -> None:
    # GIVEN items, a changed item and an object written while the state was attached
    with mock_aws():
        tables, store, durable = session(settings)
        durable.restore()
        with durable.attached():
            items = DynamoItems(tables)
            items.create(
                ItemRecord(
                    workspace_id="acme",
                    batch_id="b",
                    item_id="i1",
                    name="a",
                    stem="a",
                    source_key="k",
                )
            )
            stored = items.get("acme", "b", "i1")
            assert stored is not None
            items.replace(stored.model_copy(update={"attempts": 3}))
            store.put("objects/c-1.jpg", b"jpeg bytes", content_type="image/jpeg")

    # WHEN a new moto session (a new process) restores the state
    with mock_aws():
        tables, store, durable = session(settings)
        restored = durable.restore()
        item = DynamoItems(tables).get("acme", "b", "i1")
        data = store.get("objects/c-1.jpg")

    # THEN the last version of the item and the object are back
    assert restored == 1
    assert item is not None and (item.attempts, item.version) == (3, 1)
    assert data == b"jpeg bytes"


def test_a_line_torn_by_a_kill_is_ignored(settings: Settings) -> None:
    # GIVEN a journal whose last write was cut off mid-line
    with mock_aws():
        tables, _, durable = session(settings)
        durable.restore()
        with durable.attached():
            DynamoWorkspaces(tables).create(
                Workspace(workspace_id="acme", name="A", created_at=NOW)
            )
    journal = Path(settings.state_dir) / "dynamodb.jsonl"
    with journal.open("a", encoding="utf-8") as out:
        out.write('{"table": "pixellift-workspaces", "key": {"workspace_id": {"S": "ot')

    # WHEN the state is restored
    with mock_aws():
        tables, _, durable = session(settings)
        durable.restore()
        workspaces = DynamoWorkspaces(tables)
        found = (workspaces.get("acme"), workspaces.get("ot"))

    # THEN the complete write is back and the torn one never happened
    assert found[0] is not None and found[1] is None
    assert journal.read_text(encoding="utf-8").count("\n") == 1


def test_tables_not_journaled_are_not_restored(settings: Settings) -> None:
    # GIVEN a durable state that journals the items table only
    with mock_aws():
        tables, _, durable = session(settings)
        durable = DurableState(
            settings.state_dir, tables=["pixellift-items"], buckets=[], region="us-east-1"
        )
        durable.restore()
        with durable.attached():
            DynamoWorkspaces(tables).create(
                Workspace(workspace_id="acme", name="A", created_at=NOW)
            )

    # WHEN it is restored / THEN the other table's write is gone
    with mock_aws():
        tables, _, durable = session(settings)
        durable.restore()
        assert DynamoWorkspaces(tables).get("acme") is None


def test_a_table_created_while_attached_comes_back_with_its_items(settings: Settings) -> None:
    # GIVEN a table some capability creates on first use, and an item written to it
    definition = {
        "TableName": "pixellift-extra",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    with mock_aws():
        _, _, durable = session(settings)
        durable.restore()
        with durable.attached():
            client = boto3.client("dynamodb", region_name=settings.region)
            client.create_table(**definition)  # type: ignore[arg-type]
            client.put_item(TableName="pixellift-extra", Item={"pk": {"S": "a"}, "n": {"N": "7"}})

    # WHEN a new moto session restores the state, twice (the second from the compacted journal)
    for _ in range(2):
        with mock_aws():
            _, _, durable = session(settings)
            durable.restore()
            client = boto3.client("dynamodb", region_name=settings.region)
            item = client.get_item(TableName="pixellift-extra", Key={"pk": {"S": "a"}})

            # THEN the table exists again, with its key schema and its item
            described = client.describe_table(TableName="pixellift-extra")["Table"]
            assert described["KeySchema"] == definition["KeySchema"]
            assert item["Item"]["n"] == {"N": "7"}


def test_two_journals_attached_at_once_both_record(settings: Settings, tmp_path: Path) -> None:
    # GIVEN two durable states over different tables, attached one inside the other
    with mock_aws():
        tables, _, outer = session(settings)
        inner = DurableState(
            tmp_path / "inner", tables=["pixellift-workspaces"], buckets=[], region="us-east-1"
        )
        outer.restore()
        inner.restore()
        with outer.attached(), inner.attached():
            DynamoWorkspaces(tables).create(
                Workspace(workspace_id="acme", name="A", created_at=NOW)
            )
            client = boto3.client("dynamodb", region_name=settings.region)
            client.create_table(
                TableName="pixellift-late",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )

    # WHEN each restores alone / THEN each has the workspace, and the late table is journaled
    for durable_root in (settings.state_dir, tmp_path / "inner"):
        with mock_aws():
            tables, _, _ = session(settings)
            state = DurableState(
                durable_root, tables=["pixellift-workspaces"], buckets=[], region="us-east-1"
            )
            state.restore()
            assert DynamoWorkspaces(tables).get("acme") is not None
            names = boto3.client("dynamodb", region_name=settings.region).list_tables()
            assert "pixellift-late" in names["TableNames"]


def _legacy_journal(prefix: str) -> list[dict[str, object]]:
    """Journal lines as a state folder written before key schema 2 holds them."""
    batch = {"batch_id": "b-1", "workspace_id": "acme", "marketplace": "amazon", "version": 3}
    batch |= {"created_at": NOW}
    item = {"batch_id": "b-1", "item_id": "i00000", "name": "a.jpg", "stem": "a"}
    item |= {"source_key": "k", "content_key": "c-1", "status": "CHARGED", "version": 4}
    orphan = item | {"batch_id": "gone", "content_key": None}
    output = {"content_key": "c-1", "output_key": "objects/c-1.jpg", "steps_key": "s"}
    output |= {"output_bytes": 10, "extension": ".jpg", "input_sha256": "ab", "preset_digest": "p"}
    output |= {"ruleset_digest": "r", "seconds": 1.0, "created_at": NOW}
    unused = output | {"content_key": "c-9"}

    def body(record: dict[str, object]) -> dict[str, str]:
        return {"S": json.dumps(record, default=str)}

    def s(value: object) -> dict[str, str]:
        return {"S": str(value)}

    lines: list[dict[str, object]] = [
        {
            "table": f"{prefix}batches",
            "key": {"batch_id": s("b-1")},
            "item": {"batch_id": s("b-1"), "workspace_id": s("acme"), "status": s("COMPLETED"),
                     "version": {"N": "3"}, "body": body(batch)},
        },
    ]  # fmt: skip
    for record in (item, orphan):
        key = {"batch_id": s(record["batch_id"]), "item_id": s("i00000")}
        image = key | {"status": s("CHARGED"), "version": {"N": "4"}, "body": body(record)}
        lines.append({"table": f"{prefix}items", "key": key, "item": image})
    for record in (output, unused):
        key = {"content_key": s(record["content_key"])}
        lines.append(
            {"table": f"{prefix}outputs", "key": key, "item": key | {"body": body(record)}}
        )
    return lines


def test_a_state_from_before_workspace_keys_is_carried_over(settings: Settings) -> None:
    # GIVEN a journal written when batches, items and outputs were keyed without a workspace
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    journal = settings.state_dir / "dynamodb.jsonl"
    journal.write_text("".join(json.dumps(line) + "\n" for line in _legacy_journal("pixellift-")))
    names = settings.tables
    legacy = LegacyTables.of(names.batches, names.items, names.outputs)

    # WHEN the runtime restores it into the workspace-keyed tables
    with mock_aws():
        tables, _, durable = session(settings, legacy=legacy)
        durable.restore()
        batch = DynamoBatches(tables).get("acme", "b-1")
        item = DynamoItems(tables).get("acme", "b-1", "i00000")
        output = DynamoOutputs(tables).get("acme", "c-1")
        unused = DynamoOutputs(tables).get("acme", "c-9")

    # THEN the batch, its item (now in its workspace) and the output it used are readable
    assert legacy is not None and batch is not None and batch.version == 3
    assert item is not None and (item.workspace_id, item.version) == ("acme", 4)
    assert output is not None and output.workspace_id == "acme"
    # AND the item of an unknown batch and the output nobody used are not carried
    assert unused is None
    # AND the journal now holds only the new tables' entries (a second restore is a no-op)
    tables_in_journal = {json.loads(line).get("table") for line in journal.read_text().splitlines()}
    assert tables_in_journal == {names.batches, names.items, names.outputs}
    with mock_aws():
        tables, _, durable = session(settings, legacy=legacy)
        assert durable.restore() == 3
        assert DynamoItems(tables).get("acme", "b-1", "i00000") == item
