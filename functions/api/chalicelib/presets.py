"""Preset routes: read a workspace preset, store a new version of one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalice.app import Response
from pixellift.core.access.model import Action, Resource, ResourceKind
from pixellift.core.pipeline.api_access import get_preset, put_preset
from pixellift.core.pipeline.preset_schema import Preset

from chalicelib.context import ApiContext
from chalicelib.routing import Routes

routes = Routes()


def _view_preset(_api: ApiContext, ws: str, params: Mapping[str, str]) -> tuple[Action, Resource]:
    return Action.VIEW_PRESET, Resource(
        kind=ResourceKind.PRESET, id=params["name"], workspace_id=ws
    )


def _store_preset(api: ApiContext, ws: str, params: Mapping[str, str]) -> tuple[Action, Resource]:
    if api.services().presets.get(ws, params["name"]) is None:
        return Action.CREATE_PRESET, Resource.workspace(ws)
    return Action.EDIT_PRESET, Resource(
        kind=ResourceKind.PRESET, id=params["name"], workspace_id=ws
    )


@routes.merchant("/workspaces/{ws}/presets/{name}", ["GET"], _view_preset)
def get_preset_route(api: ApiContext, ws: str, name: str) -> dict[str, Any]:
    """Get the highest version of a workspace preset (``?version=`` for another)."""
    version = api.query().get("version")
    return get_preset(ws, name, api.services().presets, version)


@routes.merchant("/workspaces/{ws}/presets/{name}", ["PUT"], _store_preset, body=Preset)
def put_preset_route(api: ApiContext, ws: str, name: str) -> Response:
    """Store a new version of a workspace preset.

    The body is a complete preset; versions are never overwritten (409 for an existing one).
    Creating a preset needs ``create_preset``; a new version of one needs ``edit_preset``.
    """
    s = api.services()
    body = api.json_body()
    stored = put_preset(
        ws, name, body, presets=s.presets, workspaces=s.deps.workspaces, clock=s.deps.clock
    )
    return Response(body=stored, status_code=201)
