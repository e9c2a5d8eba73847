"""Role grants and revocations per workspace, audited with before and after."""

from __future__ import annotations

from pixellift.core.access.authorizer import Authorizer
from pixellift.core.access.blueprints import load_blueprint
from pixellift.core.access.memberships import (
    MembershipServices,
    grant_role,
    revoke_role,
    user_principal,
)
from pixellift.core.access.model import Action, Resource, Role

from tests.unit.access.memory import MemoryAudit, MemoryMemberships, SetClock


def _services() -> tuple[MembershipServices, MemoryAudit, MemoryMemberships]:
    audit, rows = MemoryAudit(), MemoryMemberships()
    return MembershipServices(memberships=rows, audit=audit, clock=SetClock()), audit, rows


def test_grant_then_revoke_changes_what_the_user_may_do() -> None:
    # GIVEN ana granted finance in acme
    services, _, rows = _services()
    grant_role("acme", "ana", Role.FINANCE, actor="user:olu", services=services)
    authz = Authorizer(load_blueprint("1"))
    ws = Resource.workspace("acme")
    allowed_before = authz.decide(
        user_principal("ana", "acme", rows), Action.MANAGE_CREDITS, ws
    ).allowed
    # WHEN the role is revoked
    revoke_role("acme", "ana", Role.FINANCE, actor="user:olu", services=services)
    allowed_after = authz.decide(
        user_principal("ana", "acme", rows), Action.MANAGE_CREDITS, ws
    ).allowed
    # THEN she could manage credits before and cannot after
    assert (allowed_before, allowed_after) == (True, False)


def test_role_changes_are_audited_with_before_and_after() -> None:
    # GIVEN two grants and a revocation
    services, audit, _ = _services()
    grant_role("acme", "ana", Role.VIEWER, actor="user:olu", services=services)
    grant_role(
        "acme", "ana", Role.REVIEWER, actor="user:olu", services=services, justification="QA"
    )
    revoke_role("acme", "ana", Role.VIEWER, actor="user:olu", services=services)
    # THEN each is an event with the roles before and after
    assert audit.types() == ["access.role_granted", "access.role_granted", "access.role_revoked"]
    second = audit.events[1]
    assert second.before == {"roles": ["viewer"]}
    assert second.after == {"roles": ["reviewer", "viewer"]}
    assert second.justification == "QA"
    assert audit.events[2].after == {"roles": ["reviewer"]}


def test_granting_a_held_role_changes_nothing() -> None:
    # GIVEN a role granted twice
    services, audit, rows = _services()
    grant_role("acme", "ana", Role.VIEWER, actor="user:olu", services=services)
    grant_role("acme", "ana", Role.VIEWER, actor="user:olu", services=services)
    # THEN one event and one version
    assert len(audit.events) == 1
    assert rows.rows[("acme", "ana")].version == 0


def test_roles_are_per_workspace() -> None:
    # GIVEN ana owner in rival only
    services, _, rows = _services()
    grant_role("rival", "ana", Role.OWNER, actor="user:olu", services=services)
    # THEN she holds nothing in acme
    assert user_principal("ana", "acme", rows).roles_in("acme") == frozenset()
    assert user_principal("ana", "rival", rows).roles_in("rival") == {Role.OWNER}
