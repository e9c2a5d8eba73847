"""Invitations: single use, expiry, revocation, workspace and recipient checks, no escalation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pixellift.core.access.authorizer import Authorizer
from pixellift.core.access.blueprints import load_blueprint
from pixellift.core.access.invitations import (
    InvitationServices,
    IssuedInvitation,
    accept_invitation,
    invitation_view,
    invite,
    revoke_invitation,
)
from pixellift.core.access.memberships import MembershipServices, grant_role, user_principal
from pixellift.core.access.model import Principal, PrincipalKind, Role
from pixellift.core.audit.taxonomy import check_event
from pixellift.core.errors import (
    AccessDeniedError,
    CrossWorkspaceAccessError,
    InvalidInvitationError,
    InvitationExpiredError,
    InvitationNotFoundError,
    InvitationRecipientError,
    InvitationRevokedError,
    InvitationUsedError,
    InvitationWorkspaceError,
)

from tests.unit.access.memory import (
    MemoryAudit,
    MemoryInvitations,
    MemoryMemberships,
    SetClock,
)


@pytest.fixture
def services() -> InvitationServices:
    audit, clock = MemoryAudit(), SetClock()
    ids = iter(f"{i:016x}" for i in range(1, 100))
    memberships = MemoryMemberships()
    members = MembershipServices(memberships, audit, clock)
    for ws, user, role in [
        ("acme", "olu", Role.OWNER),
        ("acme", "ana", Role.ADMIN),
        ("acme", "rey", Role.REVIEWER),
        ("rival", "zed", Role.OWNER),
    ]:
        grant_role(ws, user, role, actor="system:test", services=members)
    audit.events.clear()
    return InvitationServices(
        invitations=MemoryInvitations(),
        memberships=memberships,
        authorizer=Authorizer(load_blueprint("1"), audit=audit, clock=clock),
        audit=audit,
        clock=clock,
        new_id=lambda: next(ids),
    )


def _user(services: InvitationServices, user: str, ws: str = "acme") -> Principal:
    return user_principal(user, ws, services.memberships)


def _audit(services: InvitationServices) -> MemoryAudit:
    assert isinstance(services.audit, MemoryAudit)
    return services.audit


def _clock(services: InvitationServices) -> SetClock:
    assert isinstance(services.clock, SetClock)
    return services.clock


def _invite_bo(services: InvitationServices, role: Role = Role.REVIEWER) -> IssuedInvitation:
    return invite("acme", role, inviter=_user(services, "ana"), services=services, email="bo@x.io")


def test_accepting_an_invitation_makes_the_invitee_a_member_with_its_role(
    services: InvitationServices,
) -> None:
    # GIVEN an admin invites bo@x.io as reviewer
    issued = _invite_bo(services)
    # WHEN bo accepts with the token
    membership = accept_invitation(issued.token, "bo", services=services)
    # THEN bo holds the role in acme, the token is spent, and each step is audited (taxonomy 2)
    assert membership.roles == {Role.REVIEWER}
    assert _user(services, "bo").roles_in("acme") == {Role.REVIEWER}
    stored = services.invitations.get("acme", issued.record.invitation_id)
    assert stored is not None and stored.accepted_by == "bo"
    assert _audit(services).types() == [
        "access.invitation_created",
        "access.role_granted",
        "access.invitation_accepted",
    ]
    for event in _audit(services).events:
        check_event(event)
    assert issued.token not in str(_audit(services).events)
    assert stored.digest != issued.token and issued.token.startswith("pli_acme_")


def test_a_token_works_once(services: InvitationServices) -> None:
    # GIVEN an accepted invitation
    issued = _invite_bo(services)
    accept_invitation(issued.token, "bo", services=services)
    # WHEN it is presented again, by anyone
    # THEN it is refused as used, and the refusal is audited with the reason
    with pytest.raises(InvitationUsedError, match="already used"):
        accept_invitation(issued.token, "eve", services=services)
    refused = _audit(services).events[-1]
    assert refused.type == "access.invitation_refused"
    assert "already used" in str(refused.after)
    assert _user(services, "eve").roles_in("acme") == frozenset()


def test_an_expired_token_is_refused(services: InvitationServices) -> None:
    # GIVEN a one-day invitation, a day later
    issued = invite(
        "acme",
        Role.VIEWER,
        inviter=_user(services, "ana"),
        services=services,
        user_id="bo",
        lifetime=timedelta(days=1),
    )
    _clock(services).advance(timedelta(days=1))
    # WHEN bo accepts / THEN refused as expired
    with pytest.raises(InvitationExpiredError, match="expired at"):
        accept_invitation(issued.token, "bo", services=services)
    assert _audit(services).types()[-1] == "access.invitation_refused"


def test_a_revoked_token_is_refused(services: InvitationServices) -> None:
    # GIVEN an invitation revoked by the owner
    issued = _invite_bo(services)
    invitation_id = issued.record.invitation_id
    revoked = revoke_invitation(
        "acme", invitation_id, revoker=_user(services, "olu"), services=services
    )
    # WHEN it is accepted / THEN refused as revoked; revoking again changes nothing
    with pytest.raises(InvitationRevokedError, match="revoked at"):
        accept_invitation(issued.token, "bo", services=services)
    again = revoke_invitation(
        "acme", invitation_id, revoker=_user(services, "olu"), services=services
    )
    assert again == revoked and revoked.revoked_by == "user:olu"
    assert _audit(services).types() == [
        "access.invitation_created",
        "access.invitation_revoked",
        "access.invitation_refused",
    ]


def test_a_token_of_another_workspace_is_refused(services: InvitationServices) -> None:
    # GIVEN an invitation into acme
    issued = _invite_bo(services)
    # WHEN it is accepted for rival / THEN refused naming both workspaces, audited in acme
    with pytest.raises(InvitationWorkspaceError, match="for workspace acme, not rival"):
        accept_invitation(issued.token, "bo", services=services, workspace_id="rival")
    assert _audit(services).events[-1].workspace_id == "acme"
    # AND a token edited to name rival is unknown there
    forged = issued.token.replace("pli_acme_", "pli_rival_")
    with pytest.raises(InvalidInvitationError, match="unknown invitation in workspace rival"):
        accept_invitation(forged, "bo", services=services)


def test_an_invitation_for_a_user_is_refused_to_another_user(
    services: InvitationServices,
) -> None:
    # GIVEN an invitation addressed to user bo
    issued = invite(
        "acme", Role.VIEWER, inviter=_user(services, "ana"), services=services, user_id="bo"
    )
    # WHEN eve presents it / THEN refused; bo can still accept it
    with pytest.raises(InvitationRecipientError, match="another user, not eve"):
        accept_invitation(issued.token, "eve", services=services)
    assert accept_invitation(issued.token, "bo", services=services).roles == {Role.VIEWER}


@pytest.mark.parametrize(
    "token",
    ["", "pli_acme", "plk_acme_0123456789ab_" + "a" * 43, "pli_acme_0000000000000001_" + "a" * 43],
)
def test_malformed_or_unknown_tokens_are_refused(services: InvitationServices, token: str) -> None:
    # GIVEN / WHEN / THEN
    with pytest.raises(InvalidInvitationError, match="invitation token"):
        accept_invitation(token, "bo", services=services)


@pytest.mark.parametrize(
    ("inviter", "role", "allowed"),
    [
        ("olu", Role.OWNER, True),
        ("olu", Role.FINANCE, True),
        ("ana", Role.ADMIN, True),
        ("ana", Role.PUBLISHER, True),
        ("ana", Role.OWNER, False),
        ("ana", Role.FINANCE, False),
        ("rey", Role.VIEWER, False),
    ],
)
def test_an_inviter_grants_no_role_beyond_their_own(
    services: InvitationServices, inviter: str, role: Role, allowed: bool
) -> None:
    # GIVEN an owner, an admin and a reviewer of acme
    principal = _user(services, inviter)
    # WHEN each invites with a role
    if allowed:
        issued = invite("acme", role, inviter=principal, services=services, email="bo@x.io")
        assert issued.record.role is role
        return
    # THEN the blueprints refuse escalation (admin: no credits) and reviewers (no invite_users)
    with pytest.raises(AccessDeniedError, match=f"{principal.actor} may not invite"):
        invite("acme", role, inviter=principal, services=services, email="bo@x.io")
    assert list(services.invitations.list("acme")) == []
    assert _audit(services).types()[-1] == "access.denied"


def test_an_admin_cannot_revoke_an_owner_invitation(services: InvitationServices) -> None:
    # GIVEN the owner's invitation of a new owner
    issued = invite(
        "acme", Role.OWNER, inviter=_user(services, "olu"), services=services, email="co@x.io"
    )
    # WHEN the admin revokes it / THEN refused
    with pytest.raises(AccessDeniedError, match="with role owner"):
        revoke_invitation(
            "acme", issued.record.invitation_id, revoker=_user(services, "ana"), services=services
        )


def test_another_workspace_cannot_invite_list_or_revoke(services: InvitationServices) -> None:
    # GIVEN rival's owner and acme's invitation
    zed = _user(services, "zed", ws="acme")
    issued = _invite_bo(services)
    # WHEN zed invites into acme or revokes acme's invitation / THEN walls refuse, audited
    with pytest.raises(CrossWorkspaceAccessError):
        invite("acme", Role.VIEWER, inviter=zed, services=services, email="bo@x.io")
    with pytest.raises(CrossWorkspaceAccessError):
        revoke_invitation("acme", issued.record.invitation_id, revoker=zed, services=services)
    assert _audit(services).types()[-1] == "access.denied_cross_workspace"


def test_an_api_key_of_the_workspace_can_invite() -> None:
    # GIVEN an admin API key principal (no memberships needed)
    audit, clock = MemoryAudit(), SetClock()
    services = InvitationServices(
        MemoryInvitations(), MemoryMemberships(), Authorizer(load_blueprint()), audit, clock
    )
    key = Principal(
        kind=PrincipalKind.API_KEY,
        id="0123456789ab",
        home_workspace="acme",
        roles={"acme": frozenset({Role.ADMIN})},
    )
    # WHEN it invites / THEN the record names the key as the inviter
    issued = invite("acme", Role.CONTRIBUTOR, inviter=key, services=services, email="a@b.co")
    assert issued.record.created_by == "key:0123456789ab"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "exactly one of email or user_id"),
        ({"email": "bo@x.io", "user_id": "bo"}, "exactly one of email or user_id"),
        ({"user_id": "bo b"}, "user_id 'bo b': not a valid user id"),
        ({"email": "not-an-address"}, "email 'not-an-address': not a valid email"),
        ({"email": "bo@x.io", "lifetime": timedelta(days=31)}, "at most 30 days"),
        ({"email": "bo@x.io", "lifetime": timedelta(0)}, "more than 0"),
        ({"user_id": "rey"}, "holds role reviewer in workspace acme already"),
    ],
)
def test_bad_invitations_are_refused_with_the_cause(
    services: InvitationServices, fields: dict[str, object], message: str
) -> None:
    # GIVEN / WHEN / THEN
    with pytest.raises(InvalidInvitationError, match=message):
        invite(
            "acme",
            Role.REVIEWER,
            inviter=_user(services, "ana"),
            services=services,
            **fields,  # type: ignore[arg-type]
        )


def test_revoking_unknown_or_accepted_invitations_is_refused(
    services: InvitationServices,
) -> None:
    # GIVEN an accepted invitation
    issued = _invite_bo(services)
    accept_invitation(issued.token, "bo", services=services)
    olu = _user(services, "olu")
    # WHEN the owner revokes it, or an unknown one / THEN each is refused with the cause
    with pytest.raises(InvalidInvitationError, match="revoke the role instead"):
        revoke_invitation("acme", issued.record.invitation_id, revoker=olu, services=services)
    with pytest.raises(InvitationNotFoundError, match="does not exist in workspace acme"):
        revoke_invitation("acme", "ffffffffffffffff", revoker=olu, services=services)


def test_the_view_shows_the_state_and_never_the_digest(services: InvitationServices) -> None:
    # GIVEN a pending invitation / WHEN viewed now and after expiry
    issued = _invite_bo(services)
    now = services.clock.now()
    pending = invitation_view(issued.record, now)
    expired = invitation_view(issued.record, now + timedelta(days=8))
    # THEN
    assert (pending["state"], expired["state"]) == ("pending", "expired")
    assert pending["email"] == "bo@x.io" and pending["role"] == "reviewer"
    assert issued.record.digest not in str(pending)


def test_an_invitation_record_carries_its_workspace() -> None:
    # GIVEN the stored record type / THEN its workspace is required, as the walls demand
    from pixellift.core.access.invitation_records import InvitationRecord

    assert InvitationRecord.model_fields["workspace_id"].is_required()
