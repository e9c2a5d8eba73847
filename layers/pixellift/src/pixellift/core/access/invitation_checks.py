"""Who may invite with which role: ``invite_users``, and no role beyond the inviter's own reach.

Both are decided by the Cedar authoriser over the blueprint in use: the inviter needs
``invite_users`` on the workspace, and must be allowed there every action the offered role
allows (so an Admin, who may not manage credits, cannot invite an Owner or a Finance member).
Refusals are recorded as ``access.denied`` (the authoriser records cross-workspace attempts).
"""

from __future__ import annotations

from pixellift.core.access.authorizer import Authorizer
from pixellift.core.access.model import APPLIES_TO, Action, Principal, PrincipalKind, Resource, Role
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import AccessDeniedError, CrossWorkspaceAccessError
from pixellift.core.ports import AuditSink, WallClock


def missing_for_role(
    principal: Principal, role: Role, workspace_id: str, authorizer: Authorizer
) -> tuple[Action, ...]:
    """The actions ``role`` allows in the workspace that ``principal`` is not allowed there.

    Empty means granting ``role`` gives nobody more than ``principal`` has: no escalation.

    Examples
    --------
    >>> from pixellift.core.access.blueprints import load_blueprint
    >>> authz = Authorizer(load_blueprint("1"))
    >>> admin = Principal(kind=PrincipalKind.USER, id="ana",
    ...     roles={"acme": frozenset({Role.ADMIN})})
    >>> missing_for_role(admin, Role.REVIEWER, "acme", authz)
    ()
    >>> missing_for_role(admin, Role.OWNER, "acme", authz)
    (<Action.MANAGE_CREDITS: 'manage_credits'>,)
    """
    probe = Principal(
        kind=PrincipalKind.USER, id="invitation-probe", roles={workspace_id: frozenset({role})}
    )
    missing = []
    for action in Action:
        kind = sorted(APPLIES_TO[action])[0]
        resource = Resource(kind=kind, id=workspace_id, workspace_id=workspace_id)
        if authorizer.decide(probe, action, resource).allowed and not (
            authorizer.decide(principal, action, resource).allowed
        ):
            missing.append(action)
    return tuple(missing)


def authorize_role(
    principal: Principal,
    role: Role,
    workspace_id: str,
    *,
    authorizer: Authorizer,
    audit: AuditSink,
    clock: WallClock,
) -> None:
    """Allow ``principal`` to invite with ``role`` (or revoke such an invitation), else raise.

    Raises
    ------
    CrossWorkspaceAccessError, AccessDeniedError
        No ``invite_users`` in the workspace, or the role allows something the principal may
        not do (recorded as ``access.denied``).
    """
    try:
        authorizer.authorize(principal, Action.INVITE_USERS, Resource.workspace(workspace_id))
    except CrossWorkspaceAccessError:
        raise  # audited by the authoriser, in the workspace reached for
    except AccessDeniedError as exc:
        _record_denial(audit, clock, principal, role=role, workspace_id=workspace_id, why=str(exc))
        raise
    missing = missing_for_role(principal, role, workspace_id, authorizer)
    if not missing:
        return
    actions = ", ".join(missing)
    msg = (
        f"{principal.actor} may not invite into workspace {workspace_id} with role {role}: it "
        f"allows {actions}, which {principal.actor} may not do there"
    )
    _record_denial(audit, clock, principal, role=role, workspace_id=workspace_id, why=msg)
    raise AccessDeniedError(msg)


def _record_denial(
    audit: AuditSink,
    clock: WallClock,
    principal: Principal,
    *,
    role: Role,
    workspace_id: str,
    why: str,
) -> None:
    audit.record(
        AuditEvent(
            workspace_id=workspace_id,
            actor=principal.actor,
            type="access.denied",
            at=clock.now(),
            subject={"action": Action.INVITE_USERS.value, "role": role.value},
            justification=why,
        )
    )
