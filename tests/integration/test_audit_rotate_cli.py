"""``pixellift audit rotate-key`` on the local ledger: rotate, keep verifying, export, refuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from pixellift.adapters.aws.audit_signer import Ed25519Check, local_key_path
from pixellift.cli.audit_command import audit_app
from pixellift.core.audit.export import check_export
from pixellift.core.audit.keyring import Keyring
from typer.testing import CliRunner

ENV = {"PIXELLIFT_WORKSPACE": "acme", "PIXELLIFT_USER": "olu"}


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


def _run(state: Path, *args: str, **env: str) -> Result:
    runner = CliRunner(env=ENV | {"PIXELLIFT_STATE_DIR": str(state)} | env)
    return runner.invoke(audit_app, list(args))


def _record(state: Path, batch: str) -> None:
    args = ["record", "--type", "batch.started", "--actor", "user:ana", "--subject"]
    result = _run(state, *args, f"batch_id={batch}")
    assert result.exit_code == 0, result.output


def test_rotate_key_keeps_old_heads_verifying_and_signs_new_ones(state: Path) -> None:
    # GIVEN a log with a published head (olu is the workspace's owner: its first operator)
    _record(state, "b1")
    assert _run(state, "publish").exit_code == 0
    old_pem = local_key_path(state, "acme").read_bytes()
    # WHEN the key is rotated, the log grows and is published and exported
    rotated = _run(state, "rotate-key", "acme", "--justification", "yearly rotation")
    _record(state, "b2")
    published = _run(state, "publish")
    verified = _run(state, "verify")
    exported = _run(state, "export", "--json")
    # THEN the keyring names both keys, the local key changed, and everything verifies
    assert rotated.exit_code == 0, rotated.output
    ring = Keyring.from_json(json.loads(rotated.stdout))
    assert [k.retired_at_ms is None for k in ring.keys] == [False, True]
    assert local_key_path(state, "acme").read_bytes() != old_pem
    assert local_key_path(state, "acme").stat().st_mode & 0o777 == 0o600
    assert json.loads(published.stdout)["key_id"] == ring.current.key_id
    assert verified.exit_code == 0, verified.output
    assert "2 signed tree heads match" in verified.stdout  # the old key's, then the new one's
    document = json.loads(exported.stdout)
    assert Keyring.from_json(document["keyring"]) == ring
    assert check_export(document, Ed25519Check(), keyring=ring) == document["tree_size"]
    logged = _run(state, "log", "--type", "audit.", "--json")
    assert json.loads(logged.stdout)["justification"] == "yearly rotation"


def test_a_restored_retired_key_cannot_publish(state: Path) -> None:
    # GIVEN a rotated workspace whose old key file was put back
    _record(state, "b1")
    old_pem = local_key_path(state, "acme").read_bytes()
    assert _run(state, "rotate-key", "acme").exit_code == 0
    local_key_path(state, "acme").write_bytes(old_pem)
    _record(state, "b2")
    # WHEN it publishes / THEN refused as retired
    result = _run(state, "publish")
    assert result.exit_code == 1
    assert "was retired" in result.stderr


def test_rotate_key_is_authorised_and_refused_with_a_shared_key_file(
    state: Path, tmp_path: Path
) -> None:
    # GIVEN acme owned by olu
    _record(state, "b1")
    # WHEN another user, or a setup with one key file for all, rotates
    stranger = _run(state, "rotate-key", "acme", PIXELLIFT_USER="eve")
    shared = _run(state, "rotate-key", "acme", PIXELLIFT_AUDIT_KEY_FILE=str(tmp_path / "k.pem"))
    # THEN both are refused with the cause
    assert stranger.exit_code == 2 and "may not manage_keys" in stranger.stderr
    assert shared.exit_code == 2 and "PIXELLIFT_AUDIT_KEY_FILE" in shared.stderr
