"""The invitation routes: invite, list, revoke with a key; accept with the token alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from pixellift.core.access.api_keys import issue_key
from pixellift.core.access.model import Role

from tests.functional.test_api_batches import Api, api, load_api
from tests.unit.access.memory import MemoryInvitations, MemoryMemberships

__all__ = ["api"]


@pytest.fixture
def members(api: Api) -> Iterator[MemoryMemberships]:
    """The app's invitations and memberships, in memory for this test."""
    memberships = MemoryMemberships()
    module = load_api()
    module.use_invitations((MemoryInvitations(), memberships))
    yield memberships
    module.use_invitations((MemoryInvitations(), MemoryMemberships()))


def _key(api: Api, ws: str, role: Role) -> str:
    services = api.client_services().access.keys
    return issue_key(ws, [role], actor="system:test", services=services).key


def _invite(api: Api, key: str = "acme", **body: Any) -> tuple[int, Any]:
    body = {"email": "bo@x.io", "role": "reviewer"} | body
    return api.call("POST", "/workspaces/acme/invitations", body, key=key)


def test_invite_accept_and_single_use(api: Api, members: MemoryMemberships) -> None:
    # GIVEN acme's owner key invites bo@x.io as reviewer
    status, created = _invite(api)
    assert status == 201, created
    # WHEN bo accepts with the token alone (no key), then again
    body = {"token": created["token"], "user_id": "bo"}
    accepted = api.call("POST", "/invitations/accept", body, key=None)
    again = api.call("POST", "/invitations/accept", body, key=None)
    # THEN bo is a reviewer of acme; the second use is gone; every step is audited
    assert accepted == (200, {"workspace_id": "acme", "user_id": "bo", "roles": ["reviewer"]})
    assert again[0] == 410 and "already used" in again[1]["message"]
    membership = members.get("acme", "bo")
    assert membership is not None and membership.roles == {Role.REVIEWER}
    assert created["delivery"] == "returned" and created["state"] == "pending"
    assert [e.type for e in api.audit.events] == [
        "access.invitation_created",
        "access.role_granted",
        "access.invitation_accepted",
        "access.invitation_refused",
    ]


def test_list_and_revoke(api: Api, members: MemoryMemberships) -> None:
    # GIVEN two invitations
    _, first = _invite(api)
    _invite(api, email=None, user_id="cy", role="viewer")
    # WHEN the first is revoked, the list read, and the revoked token presented
    revoked = api.call("DELETE", f"/workspaces/acme/invitations/{first['invitation_id']}")
    status, listed = api.call("GET", "/workspaces/acme/invitations")
    gone = api.call(
        "POST", "/invitations/accept", {"token": first["token"], "user_id": "bo"}, key=None
    )
    missing = api.call("DELETE", "/workspaces/acme/invitations/ffffffffffffffff")
    # THEN
    assert revoked[0] == 200 and revoked[1]["state"] == "revoked"
    assert status == 200
    assert sorted(i["state"] for i in listed["invitations"]) == ["pending", "revoked"]
    assert "token" not in str(listed) and "digest" not in str(listed)
    assert gone[0] == 410 and "revoked at" in gone[1]["message"]
    assert missing[0] == 404


def test_expired_foreign_and_misaddressed_tokens_are_refused(
    api: Api, members: MemoryMemberships, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an invitation for user bo that lives one hour
    _, created = _invite(api, email=None, user_id="bo", expires_in_seconds=3600)
    token = created["token"]
    # WHEN presented for rival, by eve, tampered, then after expiry
    rival = api.call(
        "POST", "/invitations/accept", {"token": token, "user_id": "bo", "workspace_id": "rival"}
    )
    eve = api.call("POST", "/invitations/accept", {"token": token, "user_id": "eve"}, key=None)
    other = token[:-1] + ("B" if token[-1] != "B" else "C")
    forged = api.call("POST", "/invitations/accept", {"token": other, "user_id": "bo"}, key=None)
    later = api.fakes.clock.now() + timedelta(hours=1)
    monkeypatch.setattr(api.fakes.clock, "now", lambda: later)
    expired = api.call("POST", "/invitations/accept", {"token": token, "user_id": "bo"}, key=None)
    # THEN each is refused naming the cause, and nobody joined
    assert rival[0] == 403 and "for workspace acme, not rival" in rival[1]["message"]
    assert eve[0] == 403 and "another user" in eve[1]["message"]
    assert forged[0] == 403 and "unknown invitation" in forged[1]["message"]
    assert expired[0] == 410 and "expired at" in expired[1]["message"]
    assert list(members.list("acme")) == []


@pytest.mark.parametrize(
    ("role", "offered", "status"),
    [
        (Role.ADMIN, "admin", 201),
        (Role.ADMIN, "owner", 403),
        (Role.ADMIN, "finance", 403),
        (Role.OWNER, "finance", 201),
        (Role.CONTRIBUTOR, "viewer", 403),
    ],
)
def test_a_key_invites_only_within_its_own_reach(
    api: Api, members: MemoryMemberships, role: Role, offered: str, status: int
) -> None:
    # GIVEN a key of acme holding one role
    key = _key(api, "acme", role)
    # WHEN it invites with a role
    got, answer = _invite(api, key=key, role=offered)
    # THEN the blueprints decide (no escalation past the key's own actions)
    assert got == status, answer


def test_rival_reaches_no_invitation_of_acme(api: Api, members: MemoryMemberships) -> None:
    # GIVEN an invitation of acme
    _, created = _invite(api)
    path = f"/workspaces/acme/invitations/{created['invitation_id']}"
    # WHEN rival's owner key lists, invites into or revokes in acme
    calls = [
        api.call("GET", "/workspaces/acme/invitations", key="rival"),
        _invite(api, key="rival"),
        api.call("DELETE", path, key="rival"),
    ]
    # THEN all are refused and audited in acme as cross-workspace attempts
    assert [c[0] for c in calls] == [403, 403, 403]
    assert api.audit.events[-1].type == "access.denied_cross_workspace"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "reviewer"}, "exactly one of email or user_id"),
        ({"email": "nope", "role": "reviewer"}, "email"),
        ({"email": "bo@x.io", "role": "emperor"}, "role"),
        ({"email": "bo@x.io", "role": "viewer", "expires_in_seconds": 31 * 86_400}, "expires"),
    ],
)
def test_bad_invitations_answer_400_naming_the_field(
    api: Api, members: MemoryMemberships, body: dict[str, Any], field: str
) -> None:
    # GIVEN / WHEN
    status, answer = api.call("POST", "/workspaces/acme/invitations", body)
    # THEN
    assert status == 400, answer
    assert field in str(answer)


def test_the_openapi_document_lists_the_invitation_routes() -> None:
    # GIVEN the app / WHEN its document is built
    document = load_api().openapi()
    # THEN the four routes are there, and accept needs no key
    paths = document["paths"]
    assert {"post", "get"} <= set(paths["/workspaces/{ws}/invitations"])
    assert "delete" in paths["/workspaces/{ws}/invitations/{invitation_id}"]
    assert paths["/invitations/accept"]["post"].get("security") == []
