"""The OpenAPI document of an app, from its registered routes and their declarations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalice.app import Chalice
from pixellift.core.pipeline.api_openapi import Route, openapi_document

from chalicelib.routing import Routes, public_views, request_bodies


def openapi_of(app: Chalice, tables: Sequence[Routes]) -> dict[str, Any]:
    """The document of every route ``app`` serves; bodies and public views come from ``tables``."""
    routes = [
        Route(path, method, entry.view_name, entry.view_function)
        for path, methods in app.routes.items()
        for method, entry in methods.items()
    ]
    return openapi_document(routes, request_bodies(tables), public=public_views(tables))
