"""``pixellift access invite|invitations|revoke-invite|accept`` on a persisted local state."""

from __future__ import annotations

from pixellift.cli.access_command import access_app

from tests.functional.test_access_cli import AccessCli, logged, run

__all__ = ["run"]


def _as(run: AccessCli, user: str, *args: str) -> tuple[int, str, str]:
    result = run.runner.invoke(access_app, list(args), env=run.env | {"PIXELLIFT_USER": user})
    return result.exit_code, result.stdout, result.stderr


def test_invite_then_accept_makes_a_member_and_the_token_is_single_use(run: AccessCli) -> None:
    # GIVEN ops (the workspace's first operator, so its owner) invites bo@x.io as reviewer
    code, token, _ = _as(run, "ops", "invite", "acme", "--email", "bo@x.io", "--role", "reviewer")
    assert code == 0
    token = token.strip()
    assert token.startswith("pli_acme_")
    # WHEN bo accepts in a later run, and then tries again
    joined = _as(run, "bo", "accept", token)
    again = _as(run, "bo", "accept", token)
    # THEN bo is a reviewer (the blueprints now let bo view images, not invite), the second
    # acceptance is refused as used, and the log holds every step
    assert joined[0] == 0 and "bo joined acme (reviewer)" in joined[2]
    assert again[0] == 2 and "already used" in again[2]
    why = run("why", "view_image", "-w", "acme", "-u", "bo", "--kind", "Batch", "--id", "b1")
    assert why.exit_code == 0, why.output
    assert _as(run, "bo", "invite", "acme", "--user", "eve", "--role", "viewer")[0] == 2
    types = [e["type"] for e in logged(run, "acme")]
    assert types[types.index("access.invitation_created") :] == [
        "access.invitation_created",
        "access.role_granted",
        "access.invitation_accepted",
        "access.invitation_refused",
    ]


def test_invitations_list_and_revoke(run: AccessCli) -> None:
    # GIVEN two invitations
    _as(run, "ops", "invite", "acme", "--user", "bo", "--role", "viewer", "--expires", "12h")
    code, token, _ = _as(run, "ops", "invite", "acme", "--email", "cy@x.io", "--role", "admin")
    invitation_id = token.strip().split("_")[2]
    # WHEN one is revoked and the list is shown
    revoked = _as(run, "ops", "revoke-invite", "acme", invitation_id)
    code, listing, _ = _as(run, "ops", "invitations", "acme")
    refused = _as(run, "cy", "accept", token.strip())
    # THEN both are listed with their state, never a token, and the revoked one is refused
    assert revoked[0] == 0 and code == 0
    lines = {line.split()[0]: line for line in listing.splitlines()}
    assert "revoked" in lines[invitation_id] and "cy@x.io" in lines[invitation_id]
    assert any("bo" in line and "pending" in line for line in lines.values())
    assert "pli_" not in listing
    assert refused[0] == 2 and "revoked at" in refused[2]


def test_a_token_for_another_workspace_and_bad_options_are_refused(run: AccessCli) -> None:
    # GIVEN an invitation into acme
    _, token, _ = _as(run, "ops", "invite", "acme", "--email", "bo@x.io", "--role", "viewer")
    # WHEN accepted for rival, or invited without an invitee or with a bad lifetime
    wrong = _as(run, "bo", "accept", token.strip(), "--workspace", "rival")
    neither = _as(run, "ops", "invite", "acme", "--role", "viewer")
    too_long = _as(
        run, "ops", "invite", "acme", "--user", "x", "--role", "viewer", "--expires", "9w"
    )
    garbled = _as(run, "ops", "invite", "acme", "--user", "x", "--role", "viewer", "--expires", "7")
    # THEN each is refused naming the cause
    assert wrong[0] == 2 and "for workspace acme, not rival" in wrong[2]
    assert neither[0] == 2 and "exactly one of --email or --user" in neither[2]
    assert too_long[0] == 2 and "at most 30 days" in too_long[2]
    assert garbled[0] == 2 and "not a duration" in garbled[2]
