"""The OpenAPI 3.1 document of the merchant API, generated from its routes.

Summaries and descriptions come from the view functions' docstrings, request bodies from the
pydantic models the views validate with, so the document cannot drift from the code unnoticed:
a test compares the checked-in ``docs/api/openapi.json`` with this output.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class Route:
    """One route of the app: what the web framework registered."""

    path: str
    method: str
    view_name: str
    view: Callable[..., Any]


_PARAM = re.compile(r"{(\w+)}")

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "Error class, e.g. ValidationError."},
        "message": {"type": "string"},
        "fields": {
            "type": "array",
            "description": "One entry per invalid field (validation errors only).",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

_ERRORS = {
    "400": "Invalid request; the body names each invalid field.",
    "401": "No x-api-key header, or the key is malformed, unknown, revoked or rotated out.",
    "403": "The key's roles do not allow this, or the key belongs to another workspace.",
    "404": "No such workspace, batch, preset, key or share link.",
    "409": "The request conflicts with the resource's state.",
    "503": "A backing service is busy; retry with backoff.",
}


_PUBLIC_ERRORS = {
    "400": "Invalid request; the body names each invalid field.",
    "403": "The token is malformed or altered, or the password is missing or wrong.",
    "410": "The link expired or was revoked.",
    "503": "A backing service is busy; retry with backoff.",
}


def _operation(route: Route, body: type[BaseModel] | None, *, public: bool) -> dict[str, Any]:
    doc = inspect.getdoc(route.view) or route.view_name
    summary, _, description = doc.partition("\n\n")
    operation: dict[str, Any] = {
        "operationId": route.view_name,
        "summary": summary.strip(),
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _PARAM.findall(route.path)
        ],
        "responses": {"200": {"description": "Success.", "content": {"application/json": {}}}},
    }
    if description.strip():
        operation["description"] = description.strip()
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{body.__name__}"}}
            },
        }
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for status, text in (_PUBLIC_ERRORS if public else _ERRORS).items():
        operation["responses"][status] = {"description": text} | error
    if public:
        operation["security"] = []
    return operation


def openapi_document(
    routes: Iterable[Route],
    bodies: Mapping[str, type[BaseModel]],
    public: Collection[str] = (),
) -> dict[str, Any]:
    """The OpenAPI document of ``routes``; ``bodies`` maps view names to request-body models.

    Views named in ``public`` need no API key (their own credential is in the body).

    Examples
    --------
    >>> def get_thing(ws: str) -> None:
    ...     '''Get a thing.'''
    >>> doc = openapi_document([Route("/w/{ws}", "GET", "get_thing", get_thing)], {})
    >>> operation = doc["paths"]["/w/{ws}"]["get"]
    >>> operation["summary"], operation["parameters"][0]["name"]
    ('Get a thing.', 'ws')
    """
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, Any] = {}
    for route in sorted(routes, key=lambda r: (r.path, r.method)):
        body = bodies.get(route.view_name)
        if body is not None:
            schema = body.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[body.__name__] = schema
        operation = _operation(route, body, public=route.view_name in public)
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "PixelLift merchant API",
            "version": "1.0.0",
            "description": (
                "Batches of product photos, their status and outputs, presets, API keys and "
                "share links."
            ),
        },
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"}},
        },
    }


def render(document: Mapping[str, Any]) -> str:
    """The document as checked in: indented, newline at the end.

    Examples
    --------
    >>> print(render({"openapi": "3.1.0"}), end="")
    {
      "openapi": "3.1.0"
    }
    """
    return json.dumps(document, indent=2) + "\n"
