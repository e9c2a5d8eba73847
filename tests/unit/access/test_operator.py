"""The CLI operator: the first in a memberless workspace becomes its Owner; then roles decide."""

from __future__ import annotations

from pixellift.core.access.memberships import MembershipServices, grant_role
from pixellift.core.access.model import Role
from pixellift.core.access.operator import BOOTSTRAP_ACTOR, operator_principal

from tests.unit.access.memory import MemoryAudit, MemoryMemberships, SetClock


def test_the_first_operator_of_a_memberless_workspace_becomes_its_owner() -> None:
    # GIVEN a workspace nobody belongs to
    audit = MemoryAudit()
    services = MembershipServices(MemoryMemberships(), audit, SetClock())

    # WHEN ana acts in it, then bob
    ana = operator_principal("ana", "acme", services)
    bob = operator_principal("bob", "acme", services)

    # THEN ana owns it (a grant recorded by the CLI bootstrap) and bob holds nothing
    assert ana.roles_in("acme") == frozenset({Role.OWNER})
    assert bob.roles_in("acme") == frozenset()
    assert audit.types() == ["access.role_granted"]
    assert audit.events[0].actor == BOOTSTRAP_ACTOR


def test_a_workspace_with_members_grants_nothing_to_a_newcomer() -> None:
    # GIVEN a workspace whose only member is a viewer
    audit = MemoryAudit()
    services = MembershipServices(MemoryMemberships(), audit, SetClock())
    grant_role("acme", "vic", Role.VIEWER, actor="user:ana", services=services)

    # WHEN vic and a newcomer act / THEN vic is a viewer and the newcomer nobody
    assert operator_principal("vic", "acme", services).roles_in("acme") == {Role.VIEWER}
    assert operator_principal("eve", "acme", services).roles_in("acme") == frozenset()
    assert audit.types() == ["access.role_granted"]
