"""Merchant API use cases for invitations: invite, list, revoke (with a key), accept (a token).

PixelLift sends no e-mail of its own: the invitation token is in the answer to the inviter, once,
to be handed to the invitee (``"delivery": "returned"``). Accepting needs no API key: the token
is the credential, and the answer names the membership it created.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from pixellift.core.access.invitation_records import Email
from pixellift.core.access.invitations import (
    DEFAULT_LIFETIME,
    MAX_LIFETIME,
    InvitationServices,
    accept_invitation,
    invitation_view,
    invite,
    revoke_invitation,
)
from pixellift.core.access.model import Principal, Role
from pixellift.core.contracts.records import Id


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Invite(_Request):
    """Invite one e-mail address or one user id into the workspace with ``role``."""

    email: Email | None = None
    user_id: Id | None = None
    role: Role
    expires_in_seconds: Annotated[int, Field(gt=0, le=int(MAX_LIFETIME.total_seconds()))] = int(
        DEFAULT_LIFETIME.total_seconds()
    )


class AcceptInvitation(_Request):
    """An invitation token, the user id joining, and (optionally) the workspace meant."""

    token: Annotated[str, Field(min_length=1, max_length=400)]
    user_id: Id
    workspace_id: Id | None = None


def create_invitation(
    workspace_id: str, request: Invite, caller: Principal, services: InvitationServices
) -> dict[str, Any]:
    """Invite; the token is in this answer only.

    Raises
    ------
    InvalidInvitationError, AccessDeniedError
        See :func:`pixellift.core.access.invitations.invite`.
    """
    issued = invite(
        workspace_id,
        request.role,
        inviter=caller,
        services=services,
        email=request.email,
        user_id=request.user_id,
        lifetime=timedelta(seconds=request.expires_in_seconds),
    )
    view = invitation_view(issued.record, services.clock.now())
    return {"token": issued.token, "delivery": "returned"} | view


def list_invitations(workspace_id: str, services: InvitationServices) -> dict[str, Any]:
    """The workspace's invitations and their states (never a token or digest)."""
    now = services.clock.now()
    found = services.invitations.list(workspace_id)
    return {"invitations": [invitation_view(record, now) for record in found]}


def revoke(
    workspace_id: str, invitation_id: str, caller: Principal, services: InvitationServices
) -> dict[str, Any]:
    """Revoke an invitation of the workspace."""
    record = revoke_invitation(workspace_id, invitation_id, revoker=caller, services=services)
    return invitation_view(record, services.clock.now())


def accept(request: AcceptInvitation, services: InvitationServices) -> dict[str, Any]:
    """Accept an invitation: the membership it created or extended.

    Raises
    ------
    InvalidInvitationError
        And its subclasses: used, expired, revoked, another workspace's, another user's.
    """
    membership = accept_invitation(
        request.token, request.user_id, services=services, workspace_id=request.workspace_id
    )
    return {
        "workspace_id": membership.workspace_id,
        "user_id": membership.user_id,
        "roles": sorted(membership.roles),
    }
