"""``pixellift audit`` end to end on the local ledger: record, verify, publish, export, tamper."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import Result
from pixellift.cli.audit_command import audit_app
from typer.testing import CliRunner

from tests.unit.audit.test_export import independent_check


def _runner(state: Path) -> CliRunner:
    return CliRunner(env={"PIXELLIFT_STATE_DIR": str(state), "PIXELLIFT_WORKSPACE": "acme"})


@pytest.fixture
def cli(tmp_path: Path) -> CliRunner:
    return _runner(tmp_path / "state")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A state folder holding five events (copied by each test that needs them): the CLI operator
    made owner of the memberless workspace on its first command (entry 0), then four recorded."""
    state = tmp_path_factory.mktemp("recorded") / "state"
    _record_some(_runner(state))
    return state


@pytest.fixture
def four(recorded: Path, tmp_path: Path) -> CliRunner:
    shutil.copytree(recorded, tmp_path / "state")
    return _runner(tmp_path / "state")


def _run(cli: CliRunner, *args: str) -> Result:
    return cli.invoke(audit_app, list(args))


def _record_some(cli: CliRunner) -> None:
    runs = [
        ("preset.changed", ["preset=amazon-main", "sku=SKU-1"], "new Amazon guidance on fill"),
        ("batch.started", ["batch_id=b1"], ""),
        ("override.applied", ["item_id=i7", "rule=MAIN_IMAGE_WHITE_BACKGROUND"], "ivory packaging"),
        ("billing.transfer_posted", ["transfer_id=t1", "batch_id=b1"], ""),
    ]
    for kind, subject, why in runs:
        args = ["record", "--type", kind, "--actor", "user:ana"]
        for pair in subject:
            args += ["--subject", pair]
        if kind in {"preset.changed", "override.applied"}:
            args += ["--before", '{"fill": 0.85}', "--after", '{"fill": 0.9}']
        result = _run(cli, *args, "--justification", why)
        assert result.exit_code == 0, result.output


def test_recorded_events_verify_publish_and_list(four: CliRunner) -> None:
    # GIVEN the operator's grant and four recorded events
    # WHEN published, verified and listed with a search
    published = _run(four, "publish")
    verified = _run(four, "verify")
    found = _run(four, "log", "--search", "ivory", "--json")
    granted = _run(four, "log", "--type", "access.role_granted", "--json")
    # THEN the head covers them, verification passes, and the search finds the override
    assert json.loads(published.output)["tree_size"] == 5
    assert verified.exit_code == 0
    assert "acme: 5 entries verified" in verified.output
    assert "1 signed tree heads match" in verified.output
    rows = [json.loads(line) for line in found.output.splitlines()]
    assert [(r["leaf_index"], r["type"]) for r in rows] == [(3, "override.applied")]
    assert [json.loads(line)["leaf_index"] for line in granted.output.splitlines()] == [0]


def test_an_invalid_event_is_refused_with_the_cause(cli: CliRunner) -> None:
    # GIVEN / WHEN an override without justification
    result = _run(
        cli,
        "record",
        "--type",
        "override.applied",
        "--actor",
        "user:ana",
        "--subject",
        "item_id=i7",
        "--subject",
        "rule=MAIN_IMAGE_WHITE_BACKGROUND",
        "--after",
        '{"blocking": false}',
    )
    # THEN it is refused and names the rule
    assert result.exit_code == 1
    assert "a justification is required" in result.output


def test_json_export_is_checked_independently(four: CliRunner, tmp_path: Path) -> None:
    # GIVEN four recorded events, exported to a file
    out = tmp_path / "audit.json"
    result = _run(four, "export", "--json", "--out", str(out))
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    # WHEN checked with an independent RFC 9162 + Ed25519 check
    proven = independent_check(document)
    # THEN every entry is proven against the signed head the export carries
    assert proven == [0, 1, 2, 3, 4]
    assert document["signed_tree_head"]["tree_size"] == 5
    csv_text = _run(four, "export", "--csv", "--batch", "b1").output
    assert len(csv_text.splitlines()) == 3  # header + two b1 events


def _journal(tmp_path: Path) -> Path:
    return tmp_path / "state" / "runtime" / "dynamodb.jsonl"


def test_an_entry_edited_in_the_stored_state_is_named(four: CliRunner, tmp_path: Path) -> None:
    # GIVEN four events, and the persisted table edited: the override's justification changed
    journal = _journal(tmp_path)
    text = journal.read_text()
    assert "ivory packaging" in text
    journal.write_text(text.replace("ivory packaging", "white packaging"))
    # WHEN verified / THEN exit 1, naming entry 3 and why
    result = _run(four, "verify")
    assert result.exit_code == 1
    assert "broken acme: entry 3: its bytes do not match its recorded leaf hash" in " ".join(
        result.output.split()
    )


def test_a_deleted_tail_is_named_against_the_published_head(
    four: CliRunner, tmp_path: Path
) -> None:
    # GIVEN a published head over four events, then every trace of the last one removed
    assert _run(four, "publish").exit_code == 0
    journal = _journal(tmp_path)
    lines = journal.read_text().splitlines()
    kept = [line for line in lines if "b#0000000000000004" not in line and '"head"' not in line]
    assert len(kept) == len(lines) - 2
    journal.write_text("\n".join(kept) + "\n")
    # WHEN verified / THEN the signed head exposes the missing tail
    result = _run(four, "verify")
    assert result.exit_code == 1
    assert "entry 4: missing: the tree head signed at" in " ".join(result.output.split())
