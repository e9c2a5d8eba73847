"""PixelLift merchant API: batches, status and outputs, presets, API keys, share links, invitations.

Every route under ``/workspaces/{ws}`` needs an API key in ``x-api-key``; the key stands for a
principal with roles in its own workspace, and the role blueprints (Cedar) decide each route's
action on the resource it names. A key of another workspace is refused (403) and the attempt is
audited in the workspace it reached for. ``POST /shares/open`` and ``POST /invitations/accept``
need no key: the share or invitation token is the credential. Errors are JSON ``{"error",
"message"[, "fields"]}`` with a 4xx status naming what was wrong, or 503 when a backing service is
busy. Ports are built from the environment on first use; ``use`` replaces them (tests, the local
server).

The routes live in ``chalicelib/``, one module per area; this module binds them to the app.
Regenerate the OpenAPI document with ``python functions/api/app.py > docs/api/openapi.json``.
"""

from __future__ import annotations

import sys
from typing import Any

from chalice.app import Chalice
from chalicelib.batches import routes as batch_routes
from chalicelib.context import ApiContext
from chalicelib.credits import routes as credit_routes
from chalicelib.invitations import routes as invitation_routes
from chalicelib.keys import routes as key_routes
from chalicelib.openapi import openapi_of
from chalicelib.outputs import routes as output_routes
from chalicelib.presets import routes as preset_routes
from chalicelib.routing import register, request_bodies
from chalicelib.shares import routes as share_routes
from chalicelib.wiring import ApiServices, S3UploadSigner, build_services, signing_client
from pixellift.adapters.aws.access_invitation_http import InvitationStores
from pixellift.core.access.invitations import InvitationServices
from pixellift.core.pipeline.api_openapi import render

__all__ = [
    "JSON_BODY",
    "ApiServices",
    "S3UploadSigner",
    "app",
    "build_services",
    "invitations",
    "openapi",
    "services",
    "signing_client",
    "use",
    "use_invitations",
]

ROUTES = (
    batch_routes,
    output_routes,
    preset_routes,
    credit_routes,
    key_routes,
    share_routes,
    invitation_routes,
)

app = Chalice(app_name="pixellift-api")
_context = ApiContext(app)
register(app, _context, ROUTES)

JSON_BODY = request_bodies(ROUTES)
"""Request-body model of each view that takes one (drives validation docs and OpenAPI)."""


def use(services: ApiServices) -> None:
    """Serve with ``services`` instead of the ones built from the environment."""
    _context.use(services)


def services() -> ApiServices:
    """The ports in use, built from ``os.environ`` on first call."""
    return _context.services()


def use_invitations(stores: InvitationStores) -> None:
    """Keep invitations and memberships in ``stores`` instead of the environment's tables."""
    _context.use_invitations(stores)


def invitations() -> InvitationServices:
    """Invitation services on the stores in use, deciding and auditing as the access services."""
    return _context.invitations()


def openapi() -> dict[str, Any]:
    """The OpenAPI document of the app."""
    return openapi_of(app, ROUTES)


if __name__ == "__main__":
    sys.stdout.write(render(openapi()))
