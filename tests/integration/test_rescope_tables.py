"""``rescope_tables``: a deployment's pre-workspace tables copied into the workspace-keyed ones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.aws.dynamodb_repos import DynamoBatches, DynamoItems, DynamoOutputs
from pixellift.adapters.aws.legacy_tables import LegacyTables
from pixellift.adapters.aws.rescope_tables import legacy_tables, rescope_tables
from pixellift.adapters.settings import Settings, TableNames
from pixellift.core.contracts.records import BatchRecord
from pixellift.core.errors import MissingConfigurationError, StoreUnavailableError

from tests.integration.legacy_rows import create_legacy_tables, write_legacy_rows

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

NOW = datetime(2026, 11, 26, tzinfo=UTC)


@pytest.fixture
def deployment(tables: Tables, settings: Settings) -> tuple[DynamoDBClient, LegacyTables, Tables]:
    """moto with the new tables (empty) and the retained old tables (full)."""
    client = boto3.client("dynamodb", region_name=settings.region)
    legacy = legacy_tables(settings.tables)
    create_legacy_tables(client, legacy)
    write_legacy_rows(client, legacy)
    return client, legacy, tables


Deployment = tuple["DynamoDBClient", LegacyTables, Tables]


def _run(deployment: Deployment, **options: Any) -> Any:
    client, legacy, _ = deployment
    return rescope_tables(client, legacy, sleep=lambda _: None, **options)


def _count(client: DynamoDBClient, table: str) -> int:
    return int(client.scan(TableName=table, Select="COUNT")["Count"])


def test_old_rows_are_readable_through_the_repositories_in_their_workspaces(
    deployment: Deployment,
) -> None:
    # GIVEN a deployment with its old tables retained
    _, _, tables = deployment
    # WHEN the copy runs, two rows to a page
    report = _run(deployment, page_size=2, workers=3)
    # THEN every batch and item is readable with its workspace, and not with another one
    acme = DynamoBatches(tables).get("acme", "b-1")
    assert acme is not None and (acme.version, acme.status) == (3, "COMPLETED")
    assert DynamoBatches(tables).get("globex", "b-1") is None
    listed = list(DynamoItems(tables).list("acme", "b-1"))
    assert [i.item_id for i in listed] == [f"i0000{n}" for n in range(6)]
    assert all(i.workspace_id == "acme" and i.version == 4 for i in listed)
    globex = DynamoItems(tables).get("globex", "b-2", "i00001")
    assert globex is not None and globex.content_key == "c-shared"
    # AND an output used by two workspaces is indexed in each
    for workspace in ("acme", "globex"):
        shared = DynamoOutputs(tables).get(workspace, "c-shared")
        assert shared is not None and shared.workspace_id == workspace
    assert DynamoOutputs(tables).get("globex", "c-acme-0") is None
    counts = report.as_dict()["tables"]
    assert [counts[k]["scanned"] for k in ("batches", "items", "outputs")] == [2, 9, 7]
    assert [counts[k]["copied"] for k in ("batches", "items", "outputs")] == [2, 8, 7]


def test_items_of_unknown_batches_and_unused_outputs_are_reported_dropped(
    deployment: Deployment,
) -> None:
    # GIVEN an item of a batch the old batches table lacks, and an output no item used
    client, legacy, tables = deployment
    # WHEN the copy runs
    report = _run(deployment)
    # THEN both are reported with their keys and reasons, and neither is written
    assert [str(d) for d in report.dropped] == [
        f"{legacy.items[0]} batch_id=gone item_id=i00009: its batch is not in {legacy.batches[0]}",
        f"{legacy.outputs[0]} content_key=c-unused: no item in {legacy.items[0]} uses it",
    ]
    assert _count(client, legacy.items[1]) == 8  # noqa: PLR2004
    assert DynamoOutputs(tables).get("acme", "c-unused") is None


def test_a_second_run_copies_nothing_and_changes_nothing(deployment: Deployment) -> None:
    # GIVEN a completed copy
    client, legacy, _ = deployment
    first = _run(deployment)
    before = client.scan(TableName=legacy.items[1], ConsistentRead=True)["Items"]
    # WHEN it runs again
    again = _run(deployment)
    # THEN every row is found present and the new tables are unchanged
    for kind, row in again.as_dict()["tables"].items():
        assert row["copied"] == 0, kind
        assert row["present"] == first.as_dict()["tables"][kind]["copied"], kind
    assert client.scan(TableName=legacy.items[1], ConsistentRead=True)["Items"] == before


def test_a_dry_run_reports_the_copy_and_writes_nothing(deployment: Deployment) -> None:
    # GIVEN the old tables and empty new ones
    client, legacy, _ = deployment
    # WHEN a dry run goes first, then the real copy
    dry = _run(deployment, dry_run=True)
    written = [_count(client, new) for _, new in legacy.pairs().values()]
    real = _run(deployment)
    # THEN the dry run wrote nothing, and predicted exactly what the copy did
    assert written == [0, 0, 0]
    assert dry.dry_run and not real.dry_run
    assert dry.as_dict()["tables"] == real.as_dict()["tables"]
    assert dry.dropped == real.dropped
    # AND old tables are untouched by both
    assert [_count(client, old) for old, _ in legacy.pairs().values()] == [2, 9, 7]


def test_a_record_the_new_code_wrote_is_kept(deployment: Deployment) -> None:
    # GIVEN batch b-1 already run again since the upgrade, so the new table has a newer record
    _, _, tables = deployment
    rerun = BatchRecord(
        batch_id="b-1", workspace_id="acme", marketplace="ebay", created_at=NOW, version=7
    )
    assert DynamoBatches(tables).create(rerun)
    # WHEN the copy runs (a dry run first)
    dry = _run(deployment, dry_run=True)
    report = _run(deployment)
    # THEN the newer record stays, counted as present
    kept = DynamoBatches(tables).get("acme", "b-1")
    assert kept is not None and (kept.marketplace, kept.version) == ("ebay", 7)
    for done in (dry, report):
        assert done.as_dict()["tables"]["batches"] | {"from": None, "to": None} == {
            "from": None,
            "to": None,
            "scanned": 2,
            "copied": 1,
            "present": 1,
        }


def _throttle(client: DynamoDBClient, operation: str, times: int) -> list[int]:
    """Answer the next ``times`` calls of ``operation`` with DynamoDB's throttling error."""
    left = [times]

    def handler(**_: object) -> tuple[AWSResponse, dict[str, Any]] | None:
        if left[0] == 0:
            return None
        left[0] -= 1
        error = {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}
        return AWSResponse("https://dynamodb", 400, HTTPHeaders(), None), {
            "Error": error,
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }

    # A before-call handler that answers replaces the request (the stubs type it as returning None).
    client.meta.events.register(f"before-call.dynamodb.{operation}", handler)  # type: ignore[arg-type]
    return left


def test_throttled_scans_and_puts_are_retried_with_backoff(deployment: Deployment) -> None:
    # GIVEN DynamoDB throttling one scan and three puts
    client, legacy, tables = deployment
    _throttle(client, "Scan", 1)
    _throttle(client, "PutItem", 3)
    waits: list[float] = []
    # WHEN the copy runs
    report = rescope_tables(client, legacy, workers=1, sleep=waits.append)
    # THEN it waited, retried, and copied everything
    assert report.retries == 4  # noqa: PLR2004
    assert waits == [0.05, 0.05, 0.1, 0.2]
    assert report.as_dict()["tables"]["items"]["copied"] == 8  # noqa: PLR2004
    assert DynamoItems(tables).get("acme", "b-1", "i00000") is not None


def test_throttling_past_the_last_attempt_stops_and_a_rerun_resumes(
    deployment: Deployment,
) -> None:
    # GIVEN puts throttled more often than the copy tries
    client, legacy, _ = deployment
    left = _throttle(client, "PutItem", 3)
    # WHEN the copy runs with three attempts per request
    with pytest.raises(StoreUnavailableError, match=rf"{legacy.batches[1]} workspace_id=\w+"):
        rescope_tables(client, legacy, workers=1, attempts=3, sleep=lambda _: None)
    # THEN nothing was written, and a later run copies everything
    assert left == [0]
    assert _count(client, legacy.batches[1]) == 0
    assert _run(deployment).as_dict()["tables"]["batches"]["copied"] == 2  # noqa: PLR2004


@pytest.mark.parametrize(
    ("names", "cause"),
    [
        (lambda legacy: LegacyTables.with_prefix("nope-", *(n for _, n in legacy.pairs().values())),
         r"old batches table nope-batches does not exist: name the old tables"),
        (lambda legacy: LegacyTables(legacy.batches, legacy.items, (legacy.outputs[1],) * 2),
         r"old outputs table \S+-outputs-v2 is keyed \('workspace_id', 'content_key'\)"),
        (lambda legacy: LegacyTables(legacy.batches, (legacy.items[0], "missing"), legacy.outputs),
         r"new items table missing does not exist$"),
    ],
)  # fmt: skip
def test_missing_or_misnamed_tables_stop_before_anything_is_written(
    deployment: Deployment,
    names: Callable[[LegacyTables], LegacyTables],
    cause: str,
) -> None:
    # GIVEN table names that do not match the deployment's tables
    client, legacy, _ = deployment
    # WHEN the copy is asked to run with them
    with pytest.raises(MissingConfigurationError, match=cause):
        rescope_tables(client, names(legacy), sleep=lambda _: None)
    # THEN the new tables are still empty
    assert [_count(client, new) for _, new in legacy.pairs().values()] == [0, 0, 0]


def test_custom_table_names_need_a_legacy_prefix() -> None:
    # GIVEN tables named one by one, not ending in -v2
    names = TableNames.from_env({"PIXELLIFT_BATCHES_TABLE": "prod-batches-2026"})
    # THEN the old names cannot be derived without a prefix, and can with one
    with pytest.raises(MissingConfigurationError, match="prod-batches-2026.*legacy prefix"):
        legacy_tables(names)
    assert legacy_tables(names, "prod-").batches == ("prod-batches", "prod-batches-2026")
