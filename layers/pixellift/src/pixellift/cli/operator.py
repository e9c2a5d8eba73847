"""Authorise a CLI action for its operator through the role blueprints, as the API does a key.

The operator is ``PIXELLIFT_USER`` (else the login name); their roles are the memberships in the
local access state (``pixellift access grant``). A refused action stops the command before it
changes anything, with exit status 2 and the roles that would allow it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from pixellift.cli.progress import stderr
from pixellift.core.access.authorizer import Authorizer
from pixellift.core.access.blueprints import load_blueprint
from pixellift.core.access.model import Action, Principal, Resource, ResourceKind
from pixellift.core.access.operator import operator_principal
from pixellift.core.errors import AccessDeniedError, CrossWorkspaceAccessError

if TYPE_CHECKING:
    from pixellift.cli.access_command import LocalAccess


def authorize_in(
    local: LocalAccess,
    action: Action,
    workspace: str | None = None,
    *,
    kind: ResourceKind = ResourceKind.WORKSPACE,
    resource_id: str | None = None,
) -> Principal:
    """The operator, once the blueprints allow ``action``; else exit 2 with the reason.

    ``resource_id`` defaults to the workspace itself (for workspace-level actions).
    """
    ws = local.workspace(workspace)
    principal = operator_principal(local.settings.operator, ws, local.members())
    resource = Resource(kind=kind, id=resource_id or ws, workspace_id=ws)
    authorizer = Authorizer(load_blueprint(None), audit=local.audit, clock=local.clock)
    try:
        authorizer.authorize(principal, action, resource)
    except (AccessDeniedError, CrossWorkspaceAccessError) as exc:
        roles = authorizer.why_not(principal, action, resource).would_allow
        hint = f"allowed with any of: {', '.join(roles)}" if roles else "no role allows it"
        stderr.print(f"[red]denied[/] {escape(str(exc))}; {hint}")
        raise typer.Exit(2) from exc
    return principal


def authorize_operator(
    action: Action,
    workspace: str | None = None,
    *,
    kind: ResourceKind = ResourceKind.WORKSPACE,
    resource_id: str | None = None,
) -> Principal:
    """Open the local access state and authorise ``action`` (see :func:`authorize_in`)."""
    from pixellift.cli.access_command import local_access  # noqa: PLC0415 - it imports this module

    with local_access() as local:
        return authorize_in(local, action, workspace, kind=kind, resource_id=resource_id)
