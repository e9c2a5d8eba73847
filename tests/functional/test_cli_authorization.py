"""Every workspace action of the CLI is decided by the role blueprints for its operator."""

from __future__ import annotations

from pathlib import Path

import pytest
from pixellift.cli.main import app
from typer.testing import CliRunner

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A fresh state folder whose workspace ``acme`` is owned by ``ops`` (its first operator)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    state = {
        "HOME": str(tmp_path),
        "PIXELLIFT_STATE_DIR": str(tmp_path / "state"),
        "PIXELLIFT_WORKSPACE": "acme",
        "PIXELLIFT_USER": "ops",
    }
    owned = CliRunner().invoke(app, ["access", "key", "issue", "-r", "viewer"], env=state)
    assert owned.exit_code == 0, owned.output
    return state


def _as(env: dict[str, str], user: str, *args: str):
    return CliRunner().invoke(app, list(args), env=env | {"PIXELLIFT_USER": user})


def test_a_user_without_a_role_may_not_run_export_or_read_the_audit_log(env, tmp_path):
    # WHEN bob, who holds no role in acme, runs a batch, builds a QuickSet and reads the log
    ran = _as(env, "bob", "run", str(SAMPLES), "-m", "amazon", "--out", str(tmp_path / "out"))
    packed = _as(env, "bob", "quickset", str(SAMPLES), "--channels", "amazon",
                 "--out", str(tmp_path / "pack"))  # fmt: skip
    audited = _as(env, "bob", "audit", "verify")
    topped = _as(env, "bob", "credits", "top-up", "10")

    # THEN each is refused before any work, with exit 2 and the reason
    assert (ran.exit_code, packed.exit_code, audited.exit_code, topped.exit_code) == (2, 2, 2, 2)
    assert "user:bob may not manage_credits" in topped.output
    assert "user:bob may not run_batch" in ran.output
    assert "user:bob may not export" in packed.output
    assert "user:bob may not view_audit" in audited.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "pack").exists()


def test_the_role_granted_decides(env):
    # GIVEN bob made an auditor of acme by its owner
    granted = _as(env, "ops", "access", "grant", "-u", "bob", "-r", "auditor")
    assert granted.exit_code == 0, granted.output

    # WHEN bob verifies the audit log, and tries to manage keys
    verified = _as(env, "bob", "audit", "verify")
    issued = _as(env, "bob", "access", "key", "issue", "-r", "viewer")

    # THEN reading the log is allowed and managing keys is not
    assert verified.exit_code == 0, verified.output
    assert issued.exit_code == 2
