"""Role memberships: granting and revoking a user's roles in a workspace, audited."""

from __future__ import annotations

from dataclasses import dataclass

from pixellift.core.access.model import Principal, PrincipalKind, Role
from pixellift.core.access.ports import MembershipRepository
from pixellift.core.access.records import Membership
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import ConcurrentUpdateError
from pixellift.core.ports import AuditSink, WallClock


@dataclass(frozen=True)
class MembershipServices:
    """What the membership use cases need."""

    memberships: MembershipRepository
    audit: AuditSink
    clock: WallClock


def user_principal(user_id: str, workspace_id: str, memberships: MembershipRepository) -> Principal:
    """The user with their roles in ``workspace_id`` (the only ones a decision there needs)."""
    found = memberships.get(workspace_id, user_id)
    roles = {workspace_id: found.roles} if found is not None and found.roles else {}
    return Principal(kind=PrincipalKind.USER, id=user_id, roles=roles)


def _change(
    workspace_id: str,
    user_id: str,
    role: Role,
    *,
    grant: bool,
    actor: str,
    services: MembershipServices,
    justification: str,
) -> Membership:
    current = services.memberships.get(workspace_id, user_id)
    before = current.roles if current is not None else frozenset()
    after = before | {role} if grant else before - {role}
    if after == before:
        return current or Membership(
            workspace_id=workspace_id,
            user_id=user_id,
            roles=after,
            updated_at=services.clock.now(),
            updated_by=actor,
        )
    updated = Membership(
        workspace_id=workspace_id,
        user_id=user_id,
        roles=after,
        updated_at=services.clock.now(),
        updated_by=actor,
        version=0 if current is None else current.version + 1,
    )
    if not services.memberships.put(updated):
        msg = f"membership of {user_id} in {workspace_id}: changed meanwhile; retry"
        raise ConcurrentUpdateError(msg)
    services.audit.record(
        AuditEvent(
            workspace_id=workspace_id,
            actor=actor,
            type="access.role_granted" if grant else "access.role_revoked",
            at=updated.updated_at,
            subject={"user": user_id, "role": role.value},
            before={"roles": sorted(before)},
            after={"roles": sorted(after)},
            justification=justification,
        )
    )
    return updated


def grant_role(
    workspace_id: str,
    user_id: str,
    role: Role,
    *,
    actor: str,
    services: MembershipServices,
    justification: str = "",
) -> Membership:
    """Add ``role`` to the user's roles in the workspace (recorded as ``access.role_granted``)."""
    return _change(
        workspace_id,
        user_id,
        role,
        grant=True,
        actor=actor,
        services=services,
        justification=justification,
    )


def revoke_role(
    workspace_id: str,
    user_id: str,
    role: Role,
    *,
    actor: str,
    services: MembershipServices,
    justification: str = "",
) -> Membership:
    """Remove ``role`` (recorded as ``access.role_revoked``); the user may keep other roles."""
    return _change(
        workspace_id,
        user_id,
        role,
        grant=False,
        actor=actor,
        services=services,
        justification=justification,
    )
