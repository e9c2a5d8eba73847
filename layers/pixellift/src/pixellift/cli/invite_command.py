"""``pixellift access invite|invitations|revoke-invite|accept``: invitations into a workspace.

The inviter is the operator (``PIXELLIFT_USER``), authorised by the role blueprints like every
access command; the token is printed once on stdout for the inviter to hand over (PixelLift sends
no e-mail itself). ``accept`` makes the operator a member with the invited role.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Final

import typer

from pixellift.adapters.aws.access_invitations import DynamoInvitations
from pixellift.adapters.aws.access_repos import DynamoMemberships
from pixellift.cli.operator import authorize_in
from pixellift.cli.progress import stderr
from pixellift.core.access import invitations
from pixellift.core.access.authorizer import Authorizer
from pixellift.core.access.blueprints import load_blueprint
from pixellift.core.access.model import Action, Role

if TYPE_CHECKING:
    from pixellift.cli.access_command import LocalAccess

_DURATION: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$")
_UNITS: Final = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

WorkspaceArg = Annotated[str, typer.Argument(help="The workspace.")]


def parse_duration(text: str) -> timedelta:
    """``30m``, ``12h``, ``7d`` or ``2w`` as a duration.

    Examples
    --------
    >>> parse_duration("7d"), parse_duration("1.5h")
    (datetime.timedelta(days=7), datetime.timedelta(seconds=5400))
    """
    match = _DURATION.match(text)
    if match is None:
        msg = f"{text!r} is not a duration like 30m, 12h, 7d or 2w"
        raise typer.BadParameter(msg, param_hint="--expires")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


def services_of(local: LocalAccess) -> invitations.InvitationServices:
    """Invitation services on the local access tables, auditing to the local ledger."""
    return invitations.InvitationServices(
        invitations=DynamoInvitations(local.tables),
        memberships=DynamoMemberships(local.tables),
        authorizer=Authorizer(load_blueprint(None), audit=local.audit, clock=local.clock),
        audit=local.audit,
        clock=local.clock,
    )


def invite(
    workspace: WorkspaceArg,
    role: Annotated[Role, typer.Option("--role", "-r", help="The role the invitee will hold.")],
    email: Annotated[str | None, typer.Option(help="Invite this e-mail address.")] = None,
    user: Annotated[str | None, typer.Option("--user", "-u", help="Invite this user id.")] = None,
    expires: Annotated[str, typer.Option(help="Lifetime: 30m, 12h, 7d, 2w (at most 30d).")] = "7d",
) -> None:
    """Invite an e-mail address or a user id with a role (the token is printed once)."""
    lifetime = parse_duration(expires)
    if (email is None) == (user is None):
        raise typer.BadParameter("give exactly one of --email or --user", param_hint="--email")
    from pixellift.cli.access_command import local_access  # noqa: PLC0415 - it imports this module

    with local_access() as local:
        inviter = authorize_in(local, Action.INVITE_USERS, workspace)
        issued = invitations.invite(
            workspace,
            role,
            inviter=inviter,
            services=services_of(local),
            email=email,
            user_id=user,
            lifetime=lifetime,
        )
    record = issued.record
    stderr.print(
        f"invitation {record.invitation_id}: {record.invitee} as {record.role} in {workspace} "
        f"until {record.expires_at:%Y-%m-%d %H:%M} UTC; hand this token over (shown once)"
    )
    print(issued.token)  # noqa: T201


def list_invitations(workspace: WorkspaceArg) -> None:
    """List a workspace's invitations: id, role, invitee, state (never a token)."""
    from pixellift.cli.access_command import local_access  # noqa: PLC0415 - it imports this module

    with local_access() as local:
        authorize_in(local, Action.INVITE_USERS, workspace)
        now = local.clock.now()
        for record in DynamoInvitations(local.tables).list(workspace):
            state = record.state(now).value
            by = f" by {record.accepted_by}" if record.accepted_by else ""
            line = f"{record.invitation_id}  {record.role.value:11} {record.invitee:30} {state}{by}"
            print(f"{line}  expires {record.expires_at:%Y-%m-%d %H:%M}")  # noqa: T201


def revoke_invite(
    workspace: WorkspaceArg,
    invitation_id: Annotated[str, typer.Argument(help="The invitation's id.")],
) -> None:
    """Refuse an invitation's token from now on."""
    from pixellift.cli.access_command import local_access  # noqa: PLC0415 - it imports this module

    with local_access() as local:
        revoker = authorize_in(local, Action.INVITE_USERS, workspace)
        invitations.revoke_invitation(
            workspace, invitation_id, revoker=revoker, services=services_of(local)
        )
    stderr.print(f"invitation {invitation_id} revoked")


def accept(
    token: Annotated[str, typer.Argument(help="The invitation token (pli_...).")],
    workspace: Annotated[
        str | None, typer.Option("--workspace", "-w", help="Refuse a token of another workspace.")
    ] = None,
) -> None:
    """Accept an invitation as the operator (PIXELLIFT_USER): join with the invited role."""
    from pixellift.cli.access_command import local_access  # noqa: PLC0415 - it imports this module

    with local_access() as local:
        user = local.settings.operator
        membership = invitations.accept_invitation(
            token, user, services=services_of(local), workspace_id=workspace
        )
    roles = ", ".join(sorted(membership.roles))
    stderr.print(f"{user} joined {membership.workspace_id} ({roles})")


def register_invitations(app: typer.Typer) -> None:
    """Add the invitation commands to ``pixellift access``."""
    app.command("invite")(invite)
    app.command("invitations")(list_invitations)
    app.command("revoke-invite")(revoke_invite)
    app.command("accept")(accept)
