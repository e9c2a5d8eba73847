"""``pixellift access`` through typer's CliRunner, on a persisted local state folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pixellift.adapters.aws.audit_local import local_ledger
from pixellift.adapters.settings import Settings
from pixellift.cli.access_command import access_app
from pixellift.core.access.blueprints import load_blueprint
from pixellift.core.audit.encoding import decode_entry
from typer.testing import CliRunner, Result


@dataclass
class AccessCli:
    """``pixellift access`` with a state folder of its own."""

    state: Path
    env: dict[str, str]
    runner: CliRunner = field(default_factory=CliRunner)

    def __call__(self, *args: str) -> Result:
        """Run one command."""
        return self.runner.invoke(access_app, list(args), env=self.env)


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AccessCli:
    """The CLI on a fresh state folder."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    state = tmp_path / "state"
    env = {"HOME": str(tmp_path), "PIXELLIFT_STATE_DIR": str(state), "PIXELLIFT_USER": "ops"}
    return AccessCli(state, env)


def logged(run: AccessCli, workspace: str) -> list[dict[str, Any]]:
    """The events of the workspace's audit log, in order."""
    settings = Settings.from_env(run.env)
    with local_ledger(settings, workspace) as services:
        return [decode_entry(e.data).event for e in services.store.entries(workspace)]


def test_key_issue_list_rotate_revoke_persist_across_runs(run: AccessCli) -> None:
    # GIVEN an owner key issued by one run
    issued = run("key", "issue", "-w", "acme", "-r", "owner", "--name", "ci")
    assert issued.exit_code == 0, issued.output
    key = issued.stdout.strip()
    prefix = key.split("_")[2]
    # WHEN later runs list, rotate and revoke
    listed = run("key", "list", "-w", "acme")
    rotated = run("key", "rotate", prefix, "-w", "acme", "--grace-hours", "0")
    new_prefix = rotated.stdout.strip().split("_")[2]
    revoked = run("key", "revoke", new_prefix, "-w", "acme")
    after = run("key", "list", "-w", "acme")
    # THEN each run saw the previous runs' state, and no key is ever listed
    assert key.startswith("plk_acme_")
    assert prefix in listed.stdout and "owner" in listed.stdout and "active" in listed.stdout
    assert (rotated.exit_code, revoked.exit_code) == (0, 0)
    lines = {line.split()[0]: line for line in after.stdout.splitlines()}
    assert "rotated" in lines[prefix] and "revoked" in lines[new_prefix]
    assert key not in after.stdout
    events = logged(run, "acme")
    # AND ops, the first operator of a workspace without members, became its owner
    assert [(e["type"], e["actor"]) for e in events] == [
        ("access.role_granted", "system:cli"),
        ("access.key_issued", "user:ops"),
        ("access.key_issued", "user:ops"),
        ("access.key_rotated", "user:ops"),
        ("access.key_revoked", "user:ops"),
    ]


def test_cli_actions_are_authorised_for_the_operator(run: AccessCli) -> None:
    # GIVEN ops owns acme (its first action), and bob holds no role there
    assert run("key", "issue", "-w", "acme", "-r", "viewer").exit_code == 0
    as_bob = AccessCli(run.state, run.env | {"PIXELLIFT_USER": "bob"})

    # WHEN bob tries to issue a key and to grant himself a role
    issued = as_bob("key", "issue", "-w", "acme", "-r", "owner")
    granted = as_bob("grant", "-u", "bob", "-r", "owner", "-w", "acme")

    # THEN both are denied with exit 2, naming the roles that would allow it
    assert (issued.exit_code, granted.exit_code) == (2, 2)
    assert "user:bob may not manage_keys" in issued.output
    assert "allowed with any of:" in issued.output and "owner" in issued.output
    assert not issued.stdout.startswith("plk_")

    # WHEN ops makes bob an admin / THEN bob may issue keys
    assert run("grant", "-u", "bob", "-r", "admin", "-w", "acme").exit_code == 0
    assert as_bob("key", "issue", "-w", "acme", "-r", "viewer").exit_code == 0


def test_grant_then_why_and_why_not(run: AccessCli) -> None:
    # GIVEN ana, reviewer in acme
    granted = run("grant", "-w", "acme", "-u", "ana", "-r", "reviewer", "--justification", "QA")
    assert granted.exit_code == 0, granted.output
    # WHEN asked why she may annotate a batch, and why she may not approve it
    why = run("why", "annotate_image", "-w", "acme", "-u", "ana", "--kind", "Batch", "--id", "b-1")
    why_not = run(
        "why-not", "approve_image", "-w", "acme", "-u", "ana", "--kind", "Batch", "--id", "b-1"
    )
    # THEN the reviewer policy is named, and the roles that would allow approval are listed
    assert why.exit_code == 0
    assert "permitted by reviewer" in why.stdout
    assert why_not.exit_code == 1
    assert "allowed with any of: owner, admin, approver (in acme)" in why_not.stdout


def test_revoke_role_takes_effect(run: AccessCli) -> None:
    # GIVEN ana granted then revoked finance
    run("grant", "-w", "acme", "-u", "ana", "-r", "finance")
    run("revoke", "-w", "acme", "-u", "ana", "-r", "finance")
    # WHEN asked about managing credits
    answer = run("why", "manage_credits", "-w", "acme", "-u", "ana")
    # THEN it is denied for want of any role
    assert answer.exit_code == 1
    assert "no policy permits it (no role in acme)" in answer.stdout


def test_why_for_a_key(run: AccessCli) -> None:
    # GIVEN a publisher key
    prefix = run("key", "issue", "-w", "acme", "-r", "publisher").stdout.strip().split("_")[2]
    # WHEN asked whether it may export to amazon
    answer = run(
        "why", "export", "-w", "acme", "-k", prefix, "--kind", "Destination", "--id", "amazon"
    )
    # THEN the publisher policy allows it
    assert answer.exit_code == 0
    assert (
        f"ALLOW key:{prefix} export Destination:acme/amazon: permitted by publisher"
        in answer.stdout
    )


def test_share_create_and_revoke(run: AccessCli) -> None:
    # GIVEN a share link made by the CLI
    made = run(
        "share",
        "create",
        "-w",
        "acme",
        "--kind",
        "Batch",
        "--id",
        "b-1",
        "--scope",
        "view",
        "--expires-hours",
        "2",
    )
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    link_id = logged(run, "acme")[-1]["subject"]["share_link"]
    # WHEN it is revoked, and a link that does not exist is revoked
    revoked = run("share", "revoke", link_id, "-w", "acme")
    missing = run("share", "revoke", "nope", "-w", "acme")
    # THEN the token is signed, the revocation works and the missing link is named
    assert token.count(".") == 1
    assert revoked.exit_code == 0
    assert missing.exit_code == 2
    assert "share link nope does not exist in workspace acme" in missing.output


def test_unknown_key_prefix_is_an_error(run: AccessCli) -> None:
    answer = run("key", "revoke", "0123456789ab", "-w", "acme")
    assert answer.exit_code == 2
    assert "key 0123456789ab does not exist in workspace acme" in answer.output


def test_blueprint_diff_of_a_folder_against_the_shipped_version(
    run: AccessCli, tmp_path: Path
) -> None:
    # GIVEN a copy of blueprint 1 where viewer may also annotate
    folder = tmp_path / "2"
    folder.mkdir()
    for name, text in load_blueprint("1").files.items():
        (folder / f"{name}.cedar").write_text(text)
    viewer = folder / "viewer.cedar"
    viewer.write_text(
        viewer.read_text().replace(
            '"view_preset"', '"view_preset", PixelLift::Action::"annotate_image"'
        )
    )
    # WHEN the versions are diffed
    answer = run("blueprint", "diff", "1", str(folder))
    same = run("blueprint", "diff", "1", "1")
    # THEN the gain and the changed line are shown
    assert answer.exit_code == 0, answer.output
    assert answer.stdout.startswith("viewer: gains annotate_image\n")
    assert "+++ 2/viewer" in answer.stdout
    assert "are the same" in same.output


def test_blueprint_diff_names_an_invalid_folder(run: AccessCli, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "x.cedar").write_text("permit(principal, action, resource);")
    answer = run("blueprint", "diff", "1", str(folder))
    assert answer.exit_code == 2
    assert "x: every policy needs an @id" in answer.output
