"""The vocabulary of access decisions: roles, actions, resources and principals."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field

from pixellift.core.contracts.records import Id


class Role(StrEnum):
    """The role blueprints a principal can hold in a workspace."""

    OWNER = "owner"
    ADMIN = "admin"
    CONTRIBUTOR = "contributor"
    REVIEWER = "reviewer"
    APPROVER = "approver"
    PUBLISHER = "publisher"
    FINANCE = "finance"
    VIEWER = "viewer"
    AUDITOR = "auditor"


class ResourceKind(StrEnum):
    """What a decision is about; every kind belongs to exactly one workspace."""

    WORKSPACE = "Workspace"
    IMAGE = "Image"
    BATCH = "Batch"
    COLLECTION = "Collection"
    PRESET = "Preset"
    DESTINATION = "Destination"


class Action(StrEnum):
    """Everything a role can be allowed to do."""

    VIEW_IMAGE = "view_image"
    ANNOTATE_IMAGE = "annotate_image"
    APPROVE_IMAGE = "approve_image"
    SHARE = "share"
    VIEW_PRESET = "view_preset"
    CREATE_PRESET = "create_preset"
    EDIT_PRESET = "edit_preset"
    RUN_BATCH = "run_batch"
    SCHEDULE_BATCH = "schedule_batch"
    EXPORT = "export"
    MANAGE_CREDITS = "manage_credits"
    INVITE_USERS = "invite_users"
    MANAGE_ROLES = "manage_roles"
    MANAGE_KEYS = "manage_keys"
    VIEW_AUDIT = "view_audit"


_ASSETS: Final = frozenset({ResourceKind.IMAGE, ResourceKind.BATCH, ResourceKind.COLLECTION})
APPLIES_TO: Final[Mapping[Action, frozenset[ResourceKind]]] = {
    Action.VIEW_IMAGE: _ASSETS,
    Action.ANNOTATE_IMAGE: _ASSETS,
    Action.APPROVE_IMAGE: _ASSETS,
    Action.SHARE: _ASSETS,
    Action.VIEW_PRESET: frozenset({ResourceKind.PRESET}),
    Action.CREATE_PRESET: frozenset({ResourceKind.WORKSPACE}),
    Action.EDIT_PRESET: frozenset({ResourceKind.PRESET}),
    Action.RUN_BATCH: frozenset({ResourceKind.WORKSPACE, ResourceKind.BATCH}),
    Action.SCHEDULE_BATCH: frozenset({ResourceKind.WORKSPACE, ResourceKind.BATCH}),
    Action.EXPORT: frozenset({ResourceKind.DESTINATION}),
    Action.MANAGE_CREDITS: frozenset({ResourceKind.WORKSPACE}),
    Action.INVITE_USERS: frozenset({ResourceKind.WORKSPACE}),
    Action.MANAGE_ROLES: frozenset({ResourceKind.WORKSPACE}),
    Action.MANAGE_KEYS: frozenset({ResourceKind.WORKSPACE}),
    Action.VIEW_AUDIT: frozenset({ResourceKind.WORKSPACE}),
}
"""The resource kinds each action is decided on (the schema's ``appliesTo``)."""


class PrincipalKind(StrEnum):
    """Who asks: a person (later also through SSO groups) or an API key."""

    USER = "User"
    API_KEY = "ApiKey"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Resource(_Frozen):
    """A thing in one workspace.

    Examples
    --------
    >>> Resource(kind=ResourceKind.BATCH, id="b-1", workspace_id="acme").uid
    'acme/b-1'
    """

    kind: ResourceKind
    id: Annotated[str, Field(min_length=1, max_length=400)]
    workspace_id: Id

    @property
    def uid(self) -> str:
        """The entity id: the workspace and the id, so equal ids in two workspaces differ."""
        return f"{self.workspace_id}/{self.id}"

    @classmethod
    def workspace(cls, workspace_id: str) -> Resource:
        """The workspace itself, for workspace-wide actions (invite, manage credits…).

        Examples
        --------
        >>> Resource.workspace("acme").kind
        <ResourceKind.WORKSPACE: 'Workspace'>
        """
        return cls(kind=ResourceKind.WORKSPACE, id=workspace_id, workspace_id=workspace_id)


class Principal(_Frozen):
    """Who asks, with the roles they hold per workspace.

    An API key belongs to one workspace (``home_workspace``); a user has none and may hold
    different roles in different workspaces.

    Examples
    --------
    >>> ana = Principal(kind=PrincipalKind.USER, id="ana",
    ...     roles={"acme": frozenset({Role.VIEWER}), "rival": frozenset({Role.OWNER})})
    >>> [r.value for r in ana.roles_in("acme")], ana.actor
    (['viewer'], 'user:ana')
    """

    kind: PrincipalKind
    id: Id
    roles: Mapping[str, frozenset[Role]] = {}
    home_workspace: Id | None = None

    def roles_in(self, workspace_id: str) -> frozenset[Role]:
        """The roles held in the workspace (empty: none)."""
        return self.roles.get(workspace_id, frozenset())

    @property
    def actor(self) -> str:
        """The audit actor: ``user:<id>`` or ``key:<id>``."""
        return f"{'key' if self.kind is PrincipalKind.API_KEY else 'user'}:{self.id}"

    def with_roles(self, workspace_id: str, roles: frozenset[Role]) -> Principal:
        """The same principal holding ``roles`` in the workspace (the simulator's what-if)."""
        return self.model_copy(update={"roles": dict(self.roles) | {workspace_id: roles}})
