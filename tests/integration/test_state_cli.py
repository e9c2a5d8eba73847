"""``pixellift state rescope`` on a deployment's tables (moto), configured from the environment."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.aws.dynamodb_repos import DynamoItems
from pixellift.adapters.aws.rescope_tables import legacy_tables
from pixellift.adapters.settings import TableNames
from pixellift.cli.state_command import state_app
from typer.testing import CliRunner

from tests.integration.legacy_rows import create_legacy_tables, write_legacy_rows

runner = CliRunner()
PREFIX = "pixellift-prod-"


@pytest.fixture
def prod(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tables]:
    """A deployment named by ``PIXELLIFT_TABLE_PREFIX``: new tables empty, old tables full."""
    monkeypatch.setenv("PIXELLIFT_TABLE_PREFIX", PREFIX)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for table in ("BATCHES", "ITEMS", "OUTPUTS"):
        monkeypatch.delenv(f"PIXELLIFT_{table}_TABLE", raising=False)
    names = TableNames.from_env({"PIXELLIFT_TABLE_PREFIX": PREFIX})
    with mock_aws():
        tables = Tables.bound(names, "us-east-1")
        tables.create_missing()
        client = boto3.client("dynamodb", region_name="us-east-1")
        legacy = legacy_tables(names)
        create_legacy_tables(client, legacy)
        write_legacy_rows(client, legacy)
        yield tables


def test_a_dry_run_then_the_copy_from_the_command_line(prod: Tables) -> None:
    # WHEN an operator looks first, then copies
    dry = runner.invoke(state_app, ["rescope", "--dry-run", "--json"])
    done = runner.invoke(state_app, ["rescope"])

    # THEN the dry run's JSON names the derived tables and what would move, and wrote nothing
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.stdout)
    assert report["dry_run"] is True
    assert report["tables"]["items"] == {
        "from": f"{PREFIX}items",
        "to": f"{PREFIX}items-v2",
        "scanned": 9,
        "copied": 8,
        "present": 0,
    }
    assert [d["reason"] for d in report["dropped"]] == [
        f"its batch is not in {PREFIX}batches",
        f"no item in {PREFIX}items uses it",
    ]
    # AND the copy printed its summary and the items are in their workspace
    assert done.exit_code == 0, done.output
    assert f"items: {PREFIX}items -> {PREFIX}items-v2: 9 scanned, 8 copied" in done.stdout
    assert "dropped: 2" in done.stdout
    assert f"{PREFIX}items batch_id=gone item_id=i00009" in done.stdout
    assert DynamoItems(prod).get("globex", "b-2", "i00001") is not None


def test_a_rerun_reports_everything_present(prod: Tables) -> None:
    # GIVEN a finished copy
    assert runner.invoke(state_app, ["rescope"]).exit_code == 0
    # WHEN it is run again
    again = runner.invoke(state_app, ["rescope", "--json"])
    # THEN nothing is copied
    tables = json.loads(again.stdout)["tables"]
    assert {kind: (t["copied"], t["present"]) for kind, t in tables.items()} == {
        "batches": (0, 2),
        "items": (0, 8),
        "outputs": (0, 7),
    }


def test_a_wrong_legacy_prefix_is_refused_with_the_missing_table(prod: Tables) -> None:
    # WHEN the old tables are named with a prefix nothing has
    result = runner.invoke(state_app, ["rescope", "--legacy-prefix", "pixellift-dev-"])
    # THEN the command stops with status 2, naming the table
    assert result.exit_code == 2  # noqa: PLR2004
    assert "old batches table pixellift-dev-batches does not exist" in result.output


def test_custom_table_names_are_refused_without_a_legacy_prefix(
    prod: Tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a table named one by one (not …-v2)
    monkeypatch.setenv("PIXELLIFT_ITEMS_TABLE", "items-2026")
    # WHEN the copy is asked for without a prefix
    result = runner.invoke(state_app, ["rescope", "--dry-run"])
    # THEN it explains that the old names must be given
    assert result.exit_code == 2  # noqa: PLR2004
    assert "legacy prefix" in result.output
