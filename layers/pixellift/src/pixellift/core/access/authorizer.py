"""The authoriser: Cedar decisions over the role blueprints, with "why" and "why not".

Each decision passes Cedar only the two entities it needs: the principal, tagged with its roles
in the resource's workspace, and the resource, which always names its workspace (the schema makes
the attribute required, so a request without one cannot be decided). Policies are parsed once per
blueprint. A denial of a principal that holds no role in the resource's workspace (or of an API
key outside its own workspace) is a cross-workspace attempt: :meth:`Authorizer.authorize` records
``access.denied_cross_workspace`` in that workspace's audit log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import cedarpy

from pixellift.core.access.blueprints import Blueprint
from pixellift.core.access.model import (
    APPLIES_TO,
    Action,
    Principal,
    PrincipalKind,
    Resource,
    Role,
)
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import (
    AccessDeniedError,
    CrossWorkspaceAccessError,
    InvalidAccessRequestError,
)
from pixellift.core.ports import AuditSink, WallClock

NAMESPACE: Final = "PixelLift"
CROSS_WORKSPACE_EVENT: Final = "access.denied_cross_workspace"


@dataclass(frozen=True)
class Decision:
    """The answer to one request, with the policies that determined it."""

    allowed: bool
    principal: Principal
    action: Action
    resource: Resource
    determining: tuple[str, ...]
    """``@id`` of each policy that decided: the permits that allowed, or the forbids that denied
    (empty for the default deny, when no policy applied)."""

    @property
    def cross_workspace(self) -> bool:
        """Whether the principal reached outside the workspaces it belongs to."""
        return crosses_wall(self.principal, self.resource)

    def explain(self) -> str:
        """One line: the outcome and why."""
        what = f"{self.principal.actor} {self.action} {self.resource.kind}:{self.resource.uid}"
        if self.allowed:
            return f"ALLOW {what}: permitted by {', '.join(self.determining)}"
        if self.determining:
            return f"DENY {what}: forbidden by {', '.join(self.determining)}"
        held = sorted(self.principal.roles_in(self.resource.workspace_id))
        roles = ", ".join(held) if held else "no role"
        return f"DENY {what}: no policy permits it ({roles} in {self.resource.workspace_id})"


@dataclass(frozen=True)
class WhyNot:
    """A counterfactual for a denial: which single added role would allow the request."""

    decision: Decision
    would_allow: tuple[Role, ...]
    """Roles that, if also held in the resource's workspace, would allow it (empty when a
    forbid decides, since no role overrides it)."""

    def explain(self) -> str:
        """Human-readable: the decision, then what would change it."""
        if self.decision.allowed:
            return self.decision.explain()
        if self.would_allow:
            roles = ", ".join(self.would_allow)
            where = self.decision.resource.workspace_id
            return f"{self.decision.explain()}; allowed with any of: {roles} (in {where})"
        return f"{self.decision.explain()}; no role would allow it"


def crosses_wall(principal: Principal, resource: Resource) -> bool:
    """Whether ``principal`` reaches outside its workspaces for ``resource``.

    Examples
    --------
    >>> from pixellift.core.access.model import ResourceKind
    >>> key = Principal(kind=PrincipalKind.API_KEY, id="k1", home_workspace="acme",
    ...     roles={"acme": frozenset({Role.OWNER})})
    >>> crosses_wall(key, Resource.workspace("acme")), crosses_wall(key, Resource.workspace("b"))
    (False, True)
    """
    ws = resource.workspace_id
    if principal.kind is PrincipalKind.API_KEY and principal.home_workspace != ws:
        return True
    return not principal.roles_in(ws)


def _uid(kind: str, entity_id: str) -> dict[str, str]:
    return {"type": f"{NAMESPACE}::{kind}", "id": entity_id}


def cedar_entities(principal: Principal, resource: Resource) -> list[dict[str, Any]]:
    """The two entities a decision needs.

    The principal is tagged with its roles in the resource's workspace only; the resource names
    its workspace.
    """
    ws = resource.workspace_id
    roles = sorted(principal.roles_in(ws))
    attrs: dict[str, Any] = {}
    if principal.kind is PrincipalKind.API_KEY:
        attrs["workspace"] = principal.home_workspace or ""
    return [
        {
            "uid": _uid(principal.kind.value, principal.id),
            "attrs": attrs,
            "parents": [],
            "tags": {ws: roles} if roles else {},
        },
        {"uid": _uid(resource.kind.value, resource.uid), "attrs": {"workspace": ws}, "parents": []},
    ]


def cedar_request(principal: Principal, action: Action, resource: Resource) -> dict[str, Any]:
    """The Cedar request; refuses an action on a kind of resource it does not apply to.

    Raises
    ------
    InvalidAccessRequestError
        The action does not apply to the resource's kind.
    """
    if resource.kind not in APPLIES_TO[action]:
        kinds = ", ".join(sorted(APPLIES_TO[action]))
        msg = f"{action}: applies to {kinds}, not {resource.kind} {resource.id}"
        raise InvalidAccessRequestError(msg)
    return {
        "principal": _uid(principal.kind.value, principal.id),
        "action": _uid("Action", action.value),
        "resource": _uid(resource.kind.value, resource.uid),
        "context": {},
    }


class Authorizer:
    """Decides requests against one blueprint version.

    Parameters
    ----------
    blueprint
        The policies and schema to decide with.
    audit, clock
        Where cross-workspace denials are recorded, and their time; both optional for pure
        what-if use (the simulator).

    Examples
    --------
    >>> from pixellift.core.access.blueprints import load_blueprint
    >>> from pixellift.core.access.model import ResourceKind
    >>> authz = Authorizer(load_blueprint("1"))
    >>> ana = Principal(kind=PrincipalKind.USER, id="ana", roles={"acme": frozenset({Role.VIEWER})})
    >>> batch = Resource(kind=ResourceKind.BATCH, id="b-1", workspace_id="acme")
    >>> authz.decide(ana, Action.VIEW_IMAGE, batch).explain()
    'ALLOW user:ana view_image Batch:acme/b-1: permitted by viewer'
    >>> authz.why_not(ana, Action.APPROVE_IMAGE, batch).would_allow
    (<Role.OWNER: 'owner'>, <Role.ADMIN: 'admin'>, <Role.APPROVER: 'approver'>)
    """

    def __init__(
        self,
        blueprint: Blueprint,
        *,
        audit: AuditSink | None = None,
        clock: WallClock | None = None,
    ) -> None:
        self.blueprint = blueprint
        self._audit = audit
        self._clock = clock

    def decide(self, principal: Principal, action: Action, resource: Resource) -> Decision:
        """Allow or deny, naming the determining policies (nothing is recorded).

        Raises
        ------
        InvalidAccessRequestError
            The action does not apply to this kind of resource, or Cedar could not evaluate it.
        """
        request = cedar_request(principal, action, resource)
        result = cedarpy.is_authorized(
            request,
            self.blueprint.policies,
            json.dumps(cedar_entities(principal, resource)),
            schema=self.blueprint.schema,
        )
        return self._decision(result, principal, action, resource)

    def _decision(
        self, result: cedarpy.AuthzResult, principal: Principal, action: Action, resource: Resource
    ) -> Decision:
        diagnostics = result.diagnostics
        if result.decision is cedarpy.Decision.NoDecision or diagnostics.errors:
            problems = "; ".join(diagnostics.errors or diagnostics.reasons)
            msg = f"{action} on {resource.kind} {resource.uid}: not decidable ({problems})"
            raise InvalidAccessRequestError(msg)
        names: Mapping[str, str] = diagnostics.id_annotations_by_reason
        determining = tuple(sorted(names.get(r, r) for r in diagnostics.reasons))
        return Decision(result.allowed, principal, action, resource, determining)

    def why(self, principal: Principal, action: Action, resource: Resource) -> Decision:
        """The decision with its determining policies (the simulator's "why")."""
        return self.decide(principal, action, resource)

    def why_not(self, principal: Principal, action: Action, resource: Resource) -> WhyNot:
        """The decision and, for a denial, each role that would allow it if held as well."""
        decision = self.decide(principal, action, resource)
        if decision.allowed or decision.determining:
            return WhyNot(decision, ())
        ws = resource.workspace_id
        held = principal.roles_in(ws)
        candidates = [r for r in Role if r not in held]
        requests = [cedar_request(principal, action, resource) for _ in candidates]
        what_if = [principal.with_roles(ws, held | {r}) for r in candidates]
        entities: list[dict[str, Any]] = [cedar_entities(p, resource)[0] for p in what_if]
        results = [
            cedarpy.is_authorized(
                request,
                self.blueprint.policies,
                json.dumps([entity, cedar_entities(principal, resource)[1]]),
                schema=self.blueprint.schema,
            )
            for request, entity in zip(requests, entities, strict=True)
        ]
        return WhyNot(
            decision, tuple(r for r, res in zip(candidates, results, strict=True) if res.allowed)
        )

    def authorize(self, principal: Principal, action: Action, resource: Resource) -> Decision:
        """The decision if it allows; otherwise raise, after auditing a cross-workspace attempt.

        Raises
        ------
        CrossWorkspaceAccessError
            The principal reached into a workspace it does not belong to.
        AccessDeniedError
            The principal's roles in the workspace do not allow the action.
        """
        decision = self.decide(principal, action, resource)
        if decision.allowed:
            return decision
        if decision.cross_workspace:
            self._record_cross_workspace(decision)
            msg = (
                f"{principal.actor} may not {action} {resource.kind} {resource.id}: it belongs to "
                f"workspace {resource.workspace_id}, outside the principal's workspaces"
            )
            raise CrossWorkspaceAccessError(msg)
        held = ", ".join(sorted(principal.roles_in(resource.workspace_id)))
        msg = (
            f"{principal.actor} may not {action} {resource.kind} {resource.id} in workspace "
            f"{resource.workspace_id} (roles: {held})"
        )
        raise AccessDeniedError(msg)

    def _record_cross_workspace(self, decision: Decision) -> None:
        if self._audit is None or self._clock is None:
            return
        principal, resource = decision.principal, decision.resource
        subject = {
            "action": decision.action.value,
            "resource_kind": resource.kind.value,
            "resource": resource.id,
        }
        if principal.home_workspace is not None:
            subject["home_workspace"] = principal.home_workspace
        self._audit.record(
            AuditEvent(
                workspace_id=resource.workspace_id,
                actor=principal.actor,
                type=CROSS_WORKSPACE_EVENT,
                at=self._clock.now(),
                subject=subject,
                justification=decision.explain(),
            )
        )


def role_actions(blueprint: Blueprint) -> dict[Role, frozenset[Action]]:
    """What each role alone may do in its own workspace under ``blueprint``.

    Examples
    --------
    >>> from pixellift.core.access.blueprints import load_blueprint
    >>> sorted(a.value for a in role_actions(load_blueprint("1"))[Role.VIEWER])
    ['view_image', 'view_preset']
    """
    authz = Authorizer(blueprint)
    table: dict[Role, frozenset[Action]] = {}
    for role in Role:
        user = Principal(
            kind=PrincipalKind.USER, id=f"probe-{role}", roles={"probe": frozenset({role})}
        )
        allowed = set()
        for action in Action:
            kind = sorted(APPLIES_TO[action])[0]
            resource = Resource(kind=kind, id="probe", workspace_id="probe")
            if authz.decide(user, action, resource).allowed:
                allowed.add(action)
        table[role] = frozenset(allowed)
    return table
