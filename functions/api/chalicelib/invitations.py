"""Invitation routes: invite into a workspace, list and revoke invitations, accept one."""

from __future__ import annotations

from typing import Any

from chalice.app import Response
from pixellift.adapters.aws.access_invitation_http import accept_answer
from pixellift.core.access import invitation_api
from pixellift.core.access.model import Action

from chalicelib.context import ApiContext
from chalicelib.routing import Routes, on_workspace

routes = Routes()


@routes.merchant(
    "/workspaces/{ws}/invitations",
    ["POST"],
    on_workspace(Action.INVITE_USERS),
    body=invitation_api.Invite,
)
def invite_route(api: ApiContext, ws: str) -> Response:
    """Invite an e-mail address or a user id into the workspace with a role.

    The inviter may not offer a role that allows more than the inviter may do (403). The answer
    holds the single-use token, once (``delivery: returned``: PixelLift sends no e-mail); it is
    stored as a SHA-256 digest and expires after ``expires_in_seconds`` (default 7 days).
    """
    request = invitation_api.Invite.model_validate(api.json_body())
    answer = invitation_api.create_invitation(ws, request, api.caller(), api.invitations())
    return Response(body=answer, status_code=201)


@routes.merchant("/workspaces/{ws}/invitations", ["GET"], on_workspace(Action.INVITE_USERS))
def list_invitations_route(api: ApiContext, ws: str) -> dict[str, Any]:
    """List the workspace's invitations: invitee, role, state (never a token)."""
    return invitation_api.list_invitations(ws, api.invitations())


@routes.merchant(
    "/workspaces/{ws}/invitations/{invitation_id}", ["DELETE"], on_workspace(Action.INVITE_USERS)
)
def revoke_invitation_route(api: ApiContext, ws: str, invitation_id: str) -> dict[str, Any]:
    """Revoke a pending invitation at once."""
    return invitation_api.revoke(ws, invitation_id, api.caller(), api.invitations())


@routes.public("/invitations/accept", ["POST"], body=invitation_api.AcceptInvitation)
def accept_invitation_route(api: ApiContext) -> dict[str, Any]:
    """Accept an invitation: ``user_id`` joins the token's workspace with the invited role.

    No API key: the token is the credential. 410 for a used, revoked or expired invitation; 403
    for an unknown token, one of another workspace than ``workspace_id``, or one addressed to
    another user. Every refusal of a genuine token is audited.
    """
    return accept_answer(api.json_body(), api.invitations())
