"""Invitations: bring a person into a workspace with a role, by a single-use, expiring token.

The token (:mod:`.invitation_tokens`) is returned once, to the inviter, who hands it to the
invitee (PixelLift sends no e-mail of its own yet); only its digest is stored.

Who may invite is decided by the role blueprints (:mod:`.invitation_checks`): ``invite_users`` on
the workspace, and no role beyond the inviter's own reach. Revoking needs the same.
Every step is in the workspace's audit log: ``access.invitation_created``, ``_accepted`` (with the
``access.role_granted`` it causes), ``_revoked``, and ``_refused`` for a genuine token presented
when used, expired, revoked, for another workspace or by another user.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Final

from pydantic import ValidationError

from pixellift.core.access.authorizer import Authorizer
from pixellift.core.access.invitation_checks import authorize_role
from pixellift.core.access.invitation_records import (
    InvitationRecord,
    InvitationRepository,
    InvitationState,
)
from pixellift.core.access.invitation_tokens import find_by_token, token_digest
from pixellift.core.access.memberships import MembershipServices, grant_role
from pixellift.core.access.model import Action, Principal, Resource, Role
from pixellift.core.access.ports import MembershipRepository
from pixellift.core.access.records import Membership
from pixellift.core.audit.taxonomy import TAXONOMY_VERSION
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import (
    ConcurrentUpdateError,
    InvalidInvitationError,
    InvitationExpiredError,
    InvitationNotFoundError,
    InvitationRecipientError,
    InvitationRevokedError,
    InvitationUsedError,
    InvitationWorkspaceError,
)
from pixellift.core.ports import AuditSink, WallClock

DEFAULT_LIFETIME: Final = timedelta(days=7)
MAX_LIFETIME: Final = timedelta(days=30)


@dataclass(frozen=True)
class InvitationServices:
    """What the invitation use cases need."""

    invitations: InvitationRepository
    memberships: MembershipRepository
    authorizer: Authorizer
    audit: AuditSink
    clock: WallClock
    new_id: Callable[[], str] = lambda: secrets.token_hex(8)
    token: Callable[[int], str] = secrets.token_urlsafe


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation: the token (shown once) and what is stored."""

    token: str
    record: InvitationRecord


def _record_event(
    services: InvitationServices,
    record: InvitationRecord,
    actor: str,
    kind: str,
    after: dict[str, Any] | None = None,
    **subject: str,
) -> None:
    services.audit.record(
        AuditEvent(
            workspace_id=record.workspace_id,
            actor=actor,
            type=f"access.invitation_{kind}",
            at=services.clock.now(),
            subject={"invitation": record.invitation_id, "role": record.role.value} | subject,
            after=after,
            taxonomy_version=TAXONOMY_VERSION,
        )
    )


def _check_role(
    principal: Principal, role: Role, workspace_id: str, services: InvitationServices
) -> None:
    authorize_role(
        principal,
        role,
        workspace_id,
        authorizer=services.authorizer,
        audit=services.audit,
        clock=services.clock,
    )


def invite(
    workspace_id: str,
    role: Role,
    *,
    inviter: Principal,
    services: InvitationServices,
    email: str | None = None,
    user_id: str | None = None,
    lifetime: timedelta = DEFAULT_LIFETIME,
) -> IssuedInvitation:
    """Invite an e-mail address or a user id into the workspace with ``role``.

    Raises
    ------
    InvalidInvitationError
        Not exactly one invitee, a malformed one, a lifetime outside (0, 30 days], or a user
        who holds the role already.
    CrossWorkspaceAccessError, AccessDeniedError
        The inviter may not invite, or not with this role (see :func:`authorize_role`).
    """
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        msg = f"expires: must be more than 0 and at most {MAX_LIFETIME.days} days"
        raise InvalidInvitationError(msg)
    if (email is None) == (user_id is None):
        msg = "invitee: give exactly one of email or user_id"
        raise InvalidInvitationError(msg)
    _check_role(inviter, role, workspace_id, services)
    if user_id is not None:
        held = services.memberships.get(workspace_id, user_id)
        if held is not None and role in held.roles:
            msg = f"user {user_id} holds role {role} in workspace {workspace_id} already"
            raise InvalidInvitationError(msg)
    now = services.clock.now()
    for _ in range(5):
        invitation_id = services.new_id()
        token = f"pli_{workspace_id}_{invitation_id}_{services.token(32)}"
        try:
            record = InvitationRecord(
                workspace_id=workspace_id,
                invitation_id=invitation_id,
                digest=token_digest(token),
                email=email,
                user_id=user_id,
                role=role,
                created_at=now,
                created_by=inviter.actor,
                expires_at=now + lifetime,
            )
        except ValidationError as exc:
            field = "email" if email is not None else "user_id"
            who = email if email is not None else user_id
            msg = f"{field} {who!r}: not a valid {field.replace('_', ' ')}"
            raise InvalidInvitationError(msg) from exc
        if services.invitations.add(record):
            kind = "email" if email is not None else "user"
            expiry = {"expires_at": record.expires_at.isoformat()}
            _record_event(
                services, record, inviter.actor, "created", expiry, **{kind: record.invitee}
            )
            return IssuedInvitation(token, record)
    msg = f"invitation into workspace {workspace_id}: no free id after 5 tries"
    raise ConcurrentUpdateError(msg)


def _refusal(
    record: InvitationRecord, user_id: str, workspace_id: str | None, now: datetime
) -> InvalidInvitationError | None:
    what = f"invitation {record.invitation_id}"
    state = record.state(now)
    if workspace_id is not None and workspace_id != record.workspace_id:
        where = f"workspace {record.workspace_id}, not {workspace_id}"
        return InvitationWorkspaceError(f"{what}: the token is for {where}")
    if state is InvitationState.ACCEPTED:
        when = record.accepted_at.isoformat() if record.accepted_at else ""
        return InvitationUsedError(f"{what}: already used (accepted at {when})")
    if state is InvitationState.REVOKED:
        when = record.revoked_at.isoformat() if record.revoked_at else ""
        return InvitationRevokedError(f"{what}: revoked at {when}")
    if state is InvitationState.EXPIRED:
        return InvitationExpiredError(f"{what}: expired at {record.expires_at.isoformat()}")
    if record.user_id is not None and record.user_id != user_id:
        return InvitationRecipientError(f"{what}: addressed to another user, not {user_id}")
    return None


def _join(
    record: InvitationRecord, user_id: str, why: str, services: InvitationServices
) -> Membership:
    """Grant the invitation's role, retrying a membership changed meanwhile (the token is spent)."""
    members = MembershipServices(services.memberships, services.audit, services.clock)
    actor = f"user:{user_id}"
    grant = partial(
        grant_role,
        record.workspace_id,
        user_id,
        record.role,
        actor=actor,
        services=members,
        justification=why,
    )
    for _ in range(2):
        with suppress(ConcurrentUpdateError):
            return grant()
    return grant()


def accept_invitation(
    token: str,
    user_id: str,
    *,
    services: InvitationServices,
    workspace_id: str | None = None,
) -> Membership:
    """Accept an invitation as ``user_id``: the membership gains the invitation's role.

    ``workspace_id``, when given, is the workspace the caller means to join: a token of another
    workspace is refused.

    Raises
    ------
    InvalidInvitationError
        Malformed or unknown token.
    InvitationUsedError, InvitationRevokedError, InvitationExpiredError,
    InvitationWorkspaceError, InvitationRecipientError
        Refused, with the cause (each audited as ``access.invitation_refused``).
    """
    record = find_by_token(token, services.invitations)
    now = services.clock.now()
    actor = f"user:{user_id}"
    refusal = _refusal(record, user_id, workspace_id, now)
    if refusal is not None:
        _record_event(services, record, actor, "refused", {"reason": str(refusal)})
        raise refusal
    accepted = services.invitations.replace(
        record.model_copy(update={"accepted_at": now, "accepted_by": user_id})
    )
    if accepted is None:
        msg = f"invitation {record.invitation_id}: changed while being accepted; retry"
        raise ConcurrentUpdateError(msg)
    why = f"accepted invitation {record.invitation_id} from {record.created_by}"
    membership = _join(record, user_id, why, services)
    roles = {"roles": sorted(membership.roles)}
    _record_event(services, accepted, actor, "accepted", roles, user=user_id)
    return membership


def revoke_invitation(
    workspace_id: str, invitation_id: str, *, revoker: Principal, services: InvitationServices
) -> InvitationRecord:
    """Refuse the invitation's token from now on (revoking twice keeps the first time).

    Raises
    ------
    InvitationNotFoundError
        The workspace has no such invitation.
    InvalidInvitationError
        It was accepted already (revoke the role instead).
    AccessDeniedError
        The revoker could not have sent this invitation (see :func:`authorize_role`).
    """
    services.authorizer.authorize(revoker, Action.INVITE_USERS, Resource.workspace(workspace_id))
    record = services.invitations.get(workspace_id, invitation_id)
    if record is None:
        msg = f"invitation {invitation_id} does not exist in workspace {workspace_id}"
        raise InvitationNotFoundError(msg)
    _check_role(revoker, record.role, workspace_id, services)
    if record.revoked_at is not None:
        return record
    if record.accepted_at is not None:
        msg = (
            f"invitation {invitation_id}: accepted by {record.accepted_by} already; "
            "revoke the role instead"
        )
        raise InvalidInvitationError(msg)
    now = services.clock.now()
    stored = services.invitations.replace(
        record.model_copy(update={"revoked_at": now, "revoked_by": revoker.actor})
    )
    if stored is None:
        msg = f"invitation {invitation_id}: changed while being revoked; retry"
        raise ConcurrentUpdateError(msg)
    _record_event(services, stored, revoker.actor, "revoked")
    return stored


def invitation_view(record: InvitationRecord, now: datetime) -> dict[str, Any]:
    """What listing an invitation shows: never the digest."""
    return {
        "invitation_id": record.invitation_id,
        "workspace_id": record.workspace_id,
        "email": record.email,
        "user_id": record.user_id,
        "role": record.role.value,
        "state": record.state(now).value,
        "created_at": record.created_at.isoformat(),
        "created_by": record.created_by,
        "expires_at": record.expires_at.isoformat(),
        "accepted_at": record.accepted_at.isoformat() if record.accepted_at else None,
        "accepted_by": record.accepted_by,
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
    }
