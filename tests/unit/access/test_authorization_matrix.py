"""Every role × action × own/other workspace, for users and API keys, against the blueprints."""

from __future__ import annotations

import pytest
from pixellift.core.access.authorizer import Authorizer
from pixellift.core.access.blueprints import load_blueprint
from pixellift.core.access.model import (
    APPLIES_TO,
    Action,
    Principal,
    PrincipalKind,
    Resource,
    ResourceKind,
    Role,
)
from pixellift.core.errors import CrossWorkspaceAccessError

from tests.unit.access.memory import MemoryAudit, SetClock

A = Action
READ = {A.VIEW_IMAGE, A.VIEW_PRESET}
EXPECTED: dict[Role, set[Action]] = {
    Role.OWNER: set(Action),
    Role.ADMIN: set(Action) - {A.MANAGE_CREDITS},
    Role.CONTRIBUTOR: READ
    | {A.ANNOTATE_IMAGE, A.CREATE_PRESET, A.EDIT_PRESET, A.RUN_BATCH, A.SCHEDULE_BATCH},
    Role.REVIEWER: READ | {A.ANNOTATE_IMAGE},
    Role.APPROVER: READ | {A.ANNOTATE_IMAGE, A.APPROVE_IMAGE},
    Role.PUBLISHER: READ | {A.EXPORT, A.SHARE},
    Role.FINANCE: {A.MANAGE_CREDITS, A.VIEW_AUDIT},
    Role.VIEWER: READ,
    Role.AUDITOR: READ | {A.VIEW_AUDIT},
}
"""The blueprint table as the product defines it (written out here, not derived from Cedar)."""

AUTHZ = Authorizer(load_blueprint("1"))


def _principal(kind: PrincipalKind, role: Role) -> Principal:
    home = "acme" if kind is PrincipalKind.API_KEY else None
    return Principal(
        kind=kind, id=f"p-{role}", roles={"acme": frozenset({role})}, home_workspace=home
    )


CASES = [
    (kind, role, action, kind_of_resource, workspace)
    for kind in PrincipalKind
    for role in Role
    for action in Action
    for kind_of_resource in sorted(APPLIES_TO[action])
    for workspace in ("acme", "rival")
]


@pytest.mark.parametrize(("kind", "role", "action", "resource_kind", "workspace"), CASES)
def test_blueprint_decision_matches_the_role_table(
    kind: PrincipalKind, role: Role, action: Action, resource_kind: ResourceKind, workspace: str
) -> None:
    # GIVEN a principal holding one role in acme, and a resource in acme or rival
    principal = _principal(kind, role)
    resource = Resource(kind=resource_kind, id="r1", workspace_id=workspace)
    # WHEN the request is decided
    decision = AUTHZ.decide(principal, action, resource)
    # THEN it is allowed only in the own workspace and only for the role's actions
    expected = workspace == "acme" and action in EXPECTED[role]
    assert decision.allowed is expected, decision.explain()
    if expected:
        assert decision.determining == (role.value,)


def test_user_holds_different_roles_in_different_workspaces() -> None:
    # GIVEN ana, viewer in acme and owner in rival
    ana = Principal(
        kind=PrincipalKind.USER,
        id="ana",
        roles={"acme": frozenset({Role.VIEWER}), "rival": frozenset({Role.OWNER})},
    )
    # WHEN she manages roles in each
    in_acme = AUTHZ.decide(ana, A.MANAGE_ROLES, Resource.workspace("acme"))
    in_rival = AUTHZ.decide(ana, A.MANAGE_ROLES, Resource.workspace("rival"))
    # THEN only rival allows it
    assert (in_acme.allowed, in_rival.allowed) == (False, True)


def test_api_key_tagged_for_another_workspace_is_stopped_by_the_wall() -> None:
    # GIVEN a key of rival that (wrongly) carries owner roles for acme as well
    key = Principal(
        kind=PrincipalKind.API_KEY,
        id="k1",
        home_workspace="rival",
        roles={"rival": frozenset({Role.OWNER}), "acme": frozenset({Role.OWNER})},
    )
    # WHEN it reads an acme batch
    decision = AUTHZ.why_not(
        key,
        A.VIEW_IMAGE,
        Resource(kind=ResourceKind.BATCH, id="b-1", workspace_id="acme"),
    )
    # THEN the wall forbids it, and no role would help
    assert not decision.decision.allowed
    assert decision.decision.determining == ("wall.api_key_home",)
    assert decision.would_allow == ()
    assert "forbidden by wall.api_key_home" in decision.explain()


def test_policy_count_stays_constant_as_principals_grow() -> None:
    # GIVEN the blueprint
    blueprint = load_blueprint("1")
    # WHEN 1,000 users in 100 workspaces are decided
    users = [
        Principal(
            kind=PrincipalKind.USER, id=f"u{i}", roles={f"w{i % 100}": frozenset({Role.VIEWER})}
        )
        for i in range(1000)
    ]
    allowed = [
        AUTHZ.decide(
            u,
            A.VIEW_IMAGE,
            Resource(kind=ResourceKind.IMAGE, id="x", workspace_id=f"w{i % 100}"),
        ).allowed
        for i, u in enumerate(users)
    ]
    # THEN every one is allowed by the same ten policies (nine roles and one wall)
    assert all(allowed)
    assert len(blueprint.policy_ids) == len(Role) + 1


def test_authorize_raises_and_audits_a_cross_workspace_attempt() -> None:
    # GIVEN an authoriser with an audit sink, and an acme key
    audit = MemoryAudit()
    authz = Authorizer(load_blueprint("1"), audit=audit, clock=SetClock())
    key = _principal(PrincipalKind.API_KEY, Role.OWNER)
    # WHEN it reaches for rival's workspace
    with pytest.raises(CrossWorkspaceAccessError, match="belongs to workspace rival"):
        authz.authorize(key, A.VIEW_AUDIT, Resource.workspace("rival"))
    # THEN rival's log records the attempt with the key's home
    [event] = audit.events
    assert (event.type, event.workspace_id, event.actor) == (
        "access.denied_cross_workspace",
        "rival",
        "key:p-owner",
    )
    assert event.subject["home_workspace"] == "acme"
