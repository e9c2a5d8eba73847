"""DurableState: moto's tables and the output bucket survive a restart through the journal."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import boto3
from moto import mock_aws
from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.aws.dynamodb_repos import DynamoItems, DynamoWorkspaces
from pixellift.adapters.aws.s3_store import S3ObjectStore
from pixellift.adapters.local.durable import DurableState
from pixellift.adapters.settings import Settings
from pixellift.core.contracts.records import ItemRecord, Workspace

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def session(settings: Settings) -> tuple[Tables, S3ObjectStore, DurableState]:
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
    )
    return tables, S3ObjectStore(client, "out"), durable


def test_writes_survive_a_restart(settings: Settings) -> None:
    # GIVEN items, a changed item and an object written while the state was attached
    with mock_aws():
        tables, store, durable = session(settings)
        durable.restore()
        with durable.attached():
            items = DynamoItems(tables)
            items.create(ItemRecord(batch_id="b", item_id="i1", name="a", stem="a", source_key="k"))
            stored = items.get("b", "i1")
            assert stored is not None
            items.replace(stored.model_copy(update={"attempts": 3}))
            store.put("objects/c-1.jpg", b"jpeg bytes", content_type="image/jpeg")

    # WHEN a new moto session (a new process) restores the state
    with mock_aws():
        tables, store, durable = session(settings)
        restored = durable.restore()
        item = DynamoItems(tables).get("b", "i1")
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
