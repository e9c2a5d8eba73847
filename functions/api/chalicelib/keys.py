"""API-key routes: issue, list, rotate and revoke the keys of a workspace."""

from __future__ import annotations

from typing import Any

from chalice.app import Response
from pixellift.core.access.model import Action
from pixellift.core.pipeline.api_access import (
    IssueKey,
    RotateKey,
    issue_api_key,
    list_api_keys,
    revoke_api_key,
    rotate_api_key,
)

from chalicelib.context import ApiContext
from chalicelib.routing import Routes, on_workspace

routes = Routes()


@routes.merchant("/workspaces/{ws}/keys", ["POST"], on_workspace(Action.MANAGE_KEYS), body=IssueKey)
def issue_key_route(api: ApiContext, ws: str) -> Response:
    """Issue an API key holding the given roles in the workspace.

    The key is in this answer only; it is stored as a SHA-256 digest. Only an owner may issue an
    owner key.
    """
    request = IssueKey.model_validate(api.json_body())
    answer = issue_api_key(ws, request, api.caller(), api.services().access)
    return Response(body=answer, status_code=201)


@routes.merchant("/workspaces/{ws}/keys", ["GET"], on_workspace(Action.MANAGE_KEYS))
def list_keys_route(api: ApiContext, ws: str) -> dict[str, Any]:
    """List the workspace's API keys: prefixes, roles, rotation and revocation (never a key)."""
    return list_api_keys(ws, api.services().access)


@routes.merchant(
    "/workspaces/{ws}/keys/{prefix}/rotate",
    ["POST"],
    on_workspace(Action.MANAGE_KEYS),
    body=RotateKey,
)
def rotate_key_route(api: ApiContext, ws: str, prefix: str) -> Response:
    """Rotate an API key: a successor with the same roles; the old key works for a grace period."""
    raw = api.request().raw_body
    request = RotateKey.model_validate(api.json_body() if raw else {})
    answer = rotate_api_key(ws, prefix, request, api.caller(), api.services().access)
    return Response(body=answer, status_code=201)


@routes.merchant("/workspaces/{ws}/keys/{prefix}", ["DELETE"], on_workspace(Action.MANAGE_KEYS))
def revoke_key_route(api: ApiContext, ws: str, prefix: str) -> dict[str, Any]:
    """Revoke an API key at once."""
    return revoke_api_key(ws, prefix, api.caller(), api.services().access)
