"""Merchant API use cases for access and presets: keys, roles, share links, preset versions.

Every request presents an API key (``x-api-key``); the key stands for a principal holding roles in
its own workspace, and the role blueprints decide each route's action on the resource it names
(:mod:`pixellift.core.access`). Keys are stored as SHA-256 digests only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pixellift.core.access.api_keys import (
    KeyServices,
    authenticate,
    issue_key,
    key_view,
    revoke_key,
    rotate_key,
)
from pixellift.core.access.authorizer import Authorizer
from pixellift.core.access.model import Action, Principal, Resource, ResourceKind, Role
from pixellift.core.access.records import ShareScope
from pixellift.core.access.share_links import (
    MAX_LIFETIME,
    ShareGrant,
    ShareServices,
    create_share_link,
    link_view,
    open_share_link,
    revoke_share_link,
)
from pixellift.core.contracts.records import PresetVersion
from pixellift.core.errors import (
    AccessDeniedError,
    IllegalTransitionError,
    InvalidPresetError,
    MissingConfigurationError,
    PresetNotFoundError,
    UnknownWorkspaceError,
)
from pixellift.core.pipeline.api_batches import ApiDeps, batch_summary, find_batch
from pixellift.core.pipeline.api_status import item_statuses
from pixellift.core.pipeline.preset_schema import Preset
from pixellift.core.ports import PresetRepository, WallClock, WorkspaceRepository


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IssueKey(_Request):
    """A new API key for the workspace, holding ``roles``."""

    roles: Annotated[list[Role], Field(min_length=1)]
    name: Annotated[str, Field(max_length=100)] = ""


class RotateKey(_Request):
    """Rotation: the old key keeps working for ``grace_seconds`` (at most 30 days)."""

    grace_seconds: Annotated[int, Field(ge=0, le=30 * 86_400)] = 86_400


class CreateShare(_Request):
    """A share link to one batch, or one image (``<batch id>/<item id>``) of the workspace."""

    kind: Literal["Batch", "Image"]
    id: Annotated[str, Field(min_length=1, max_length=400, pattern=r"^[A-Za-z0-9._:@/-]+$")]
    scopes: Annotated[list[ShareScope], Field(min_length=1)]
    expires_in_seconds: Annotated[int, Field(gt=0, le=int(MAX_LIFETIME.total_seconds()))]
    password: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    def target(self, workspace_id: str) -> Resource:
        """The shared resource in ``workspace_id``."""
        return Resource(kind=ResourceKind(self.kind), id=self.id, workspace_id=workspace_id)


class OpenShare(_Request):
    """A share token, and its password when the link has one."""

    token: Annotated[str, Field(min_length=1, max_length=2000)]
    password: Annotated[str, Field(max_length=200)] | None = None


@dataclass(frozen=True)
class AccessServices:
    """What the API's access checks and access routes use."""

    authorizer: Authorizer
    keys: KeyServices
    shares: ShareServices | None
    """``None`` when no share signing key is configured (share routes then refuse)."""

    def share_services(self) -> ShareServices:
        """The share-link services.

        Raises
        ------
        MissingConfigurationError
            No signing key is configured.
        """
        if self.shares is None:
            msg = "share links: no signing key is configured (PIXELLIFT_SHARE_SIGNING_KEY)"
            raise MissingConfigurationError(msg)
        return self.shares


def authorize_request(
    api_key: str | None, action: Action, resource: Resource, access: AccessServices
) -> Principal:
    """The principal behind ``api_key``, if the blueprints allow it ``action`` on ``resource``.

    Raises
    ------
    InvalidApiKeyError
        No usable key (missing, malformed, unknown, revoked, past its rotation grace).
    CrossWorkspaceAccessError
        The key belongs to another workspace (audited in the resource's workspace).
    AccessDeniedError
        The key's roles do not allow the action.
    """
    principal = authenticate(api_key, access.keys.keys, access.keys.clock)
    access.authorizer.authorize(principal, action, resource)
    return principal


def issue_api_key(
    workspace_id: str, request: IssueKey, caller: Principal, access: AccessServices
) -> dict[str, Any]:
    """Issue a key; only an owner may issue an owner key. The key is in this answer only.

    Raises
    ------
    AccessDeniedError
        A non-owner asked for an owner key.
    """
    if Role.OWNER in request.roles and Role.OWNER not in caller.roles_in(workspace_id):
        msg = f"{caller.actor}: only an owner may issue a key with the owner role"
        raise AccessDeniedError(msg)
    issued = issue_key(
        workspace_id, request.roles, actor=caller.actor, services=access.keys, name=request.name
    )
    return {"api_key": issued.key} | key_view(issued.record)


def rotate_api_key(
    workspace_id: str, prefix: str, request: RotateKey, caller: Principal, access: AccessServices
) -> dict[str, Any]:
    """Rotate a key of the workspace; the answer holds the successor key, once."""
    grace = timedelta(seconds=request.grace_seconds)
    issued = rotate_key(workspace_id, prefix, actor=caller.actor, services=access.keys, grace=grace)
    return {"api_key": issued.key, "rotated": prefix} | key_view(issued.record)


def revoke_api_key(
    workspace_id: str, prefix: str, caller: Principal, access: AccessServices
) -> dict[str, Any]:
    """Revoke a key of the workspace."""
    return key_view(revoke_key(workspace_id, prefix, actor=caller.actor, services=access.keys))


def list_api_keys(workspace_id: str, access: AccessServices) -> dict[str, Any]:
    """The workspace's keys (prefixes, roles, states; never a digest)."""
    return {"keys": [key_view(r) for r in access.keys.keys.list(workspace_id)]}


def create_share(
    workspace_id: str, request: CreateShare, caller: Principal, access: AccessServices
) -> dict[str, Any]:
    """Create a share link; its token is in the answer."""
    created = create_share_link(
        request.target(workspace_id),
        request.scopes,
        timedelta(seconds=request.expires_in_seconds),
        actor=caller.actor,
        services=access.share_services(),
        password=request.password,
    )
    return {"token": created.token} | link_view(created.record)


def open_share(request: OpenShare, access: AccessServices) -> ShareGrant:
    """Open a share link (no API key: the token is the credential)."""
    return open_share_link(
        request.token, services=access.share_services(), password=request.password
    )


def shared_view(grant: ShareGrant, deps: ApiDeps) -> dict[str, Any]:
    """What an opened link shows: the link, the shared batch, and its items (or the one image).

    Raises
    ------
    BatchNotFoundError
        The shared batch no longer exists.
    """
    link = grant.link
    batch_id = link.target_id.split("/", 1)[0]
    items = [
        item
        for item in item_statuses(link.workspace_id, batch_id, deps)
        if link.target_kind is not ResourceKind.IMAGE
        or f"{batch_id}/{item['item_id']}" == link.target_id
    ]
    return {
        "link": link_view(link),
        "batch": batch_summary(find_batch(link.workspace_id, batch_id, deps)),
        "items": items,
    }


def revoke_share(
    workspace_id: str, link_id: str, caller: Principal, access: AccessServices
) -> dict[str, Any]:
    """Revoke a share link of the workspace."""
    shares = access.share_services()
    return link_view(revoke_share_link(workspace_id, link_id, actor=caller.actor, services=shares))


def _preset_view(version: PresetVersion) -> dict[str, Any]:
    return {
        "name": version.name,
        "version": version.version,
        "created_at": version.created_at.isoformat(),
        "preset": version.body,
    }


def get_preset(
    workspace_id: str, name: str, presets: PresetRepository, version: str | None = None
) -> dict[str, Any]:
    """The workspace preset's highest version (or ``version``).

    Raises
    ------
    PresetNotFoundError
        The workspace has no such preset (or version).
    """
    found = presets.get(workspace_id, name, version)
    if found is None:
        msg = f"preset {name} does not exist in workspace {workspace_id}"
        raise PresetNotFoundError(msg)
    return _preset_view(found)


def put_preset(
    workspace_id: str,
    name: str,
    body: dict[str, Any],
    *,
    presets: PresetRepository,
    workspaces: WorkspaceRepository,
    clock: WallClock,
) -> dict[str, Any]:
    """Validate ``body`` as a :class:`Preset` named ``name`` and store it as a new version.

    Raises
    ------
    InvalidPresetError
        The body is not a valid preset, or names another preset.
    IllegalTransitionError
        That version exists already: versions are never overwritten.
    UnknownWorkspaceError
        No such workspace.
    """
    if workspaces.get(workspace_id) is None:
        msg = f"workspace {workspace_id} does not exist"
        raise UnknownWorkspaceError(msg)
    preset = Preset.model_validate(body)
    if preset.name != name:
        msg = f"name: the body names preset {preset.name!r}, the path {name!r}"
        raise InvalidPresetError(msg)
    version = PresetVersion(
        workspace_id=workspace_id,
        name=name,
        version=preset.version,
        body=preset.model_dump(mode="json"),
        created_at=clock.now(),
    )
    if not presets.add(version):
        msg = f"version: preset {name} {preset.version} exists already; raise the version"
        raise IllegalTransitionError(msg)
    return _preset_view(version)
