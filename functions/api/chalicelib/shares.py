"""Share-link routes: create and revoke links; open one and preview its items without a key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalice.app import Response
from pixellift.adapters.aws.access_http import GoneError
from pixellift.core.access.model import Action, Resource, ResourceKind
from pixellift.core.access.share_links import ShareGrant
from pixellift.core.errors import (
    AccessDeniedError,
    InvalidShareLinkError,
    ShareLinkExpiredError,
    ShareLinkRevokedError,
)
from pixellift.core.pipeline.api_access import (
    CreateShare,
    OpenShare,
    create_share,
    open_share,
    revoke_share,
    shared_view,
)
from pixellift.core.pipeline.api_batches import find_batch
from pixellift.core.pipeline.api_preview import PreviewShare, share_preview

from chalicelib.context import ApiContext
from chalicelib.routing import Routes

routes = Routes()


def _share_guard(api: ApiContext, ws: str, _: Mapping[str, str]) -> tuple[Action, Resource]:
    return Action.SHARE, CreateShare.model_validate(api.json_body()).target(ws)


def _revoke_share_guard(
    api: ApiContext, ws: str, params: Mapping[str, str]
) -> tuple[Action, Resource]:
    link = api.services().access.share_services().links.get(ws, params["link_id"])
    if link is None:  # decided on the workspace's batches; the view then answers 404
        return Action.SHARE, Resource(kind=ResourceKind.BATCH, id="*", workspace_id=ws)
    return Action.SHARE, Resource(kind=link.target_kind, id=link.target_id, workspace_id=ws)


def _grant(api: ApiContext, request: OpenShare) -> ShareGrant:
    """What the link in ``request`` grants: 410 once expired or revoked, 403 when not genuine."""
    try:
        return open_share(request, api.services().access)
    except (ShareLinkExpiredError, ShareLinkRevokedError) as exc:
        raise GoneError(str(exc)) from exc
    except InvalidShareLinkError as exc:
        raise AccessDeniedError(str(exc)) from exc


@routes.merchant("/workspaces/{ws}/shares", ["POST"], _share_guard, body=CreateShare)
def create_share_route(api: ApiContext, ws: str) -> Response:
    """Create a share link to a batch or one of its images.

    Scoped (view, annotate, approve), expiring (at most 90 days), optionally password-protected;
    the answer holds the signed token to hand out.
    """
    request = CreateShare.model_validate(api.json_body())
    find_batch(ws, request.id.split("/", 1)[0], api.services().deps)
    answer = create_share(ws, request, api.caller(), api.services().access)
    return Response(body=answer, status_code=201)


@routes.merchant("/workspaces/{ws}/shares/{link_id}", ["DELETE"], _revoke_share_guard)
def revoke_share_route(api: ApiContext, ws: str, link_id: str) -> dict[str, Any]:
    """Revoke a share link at once."""
    return revoke_share(ws, link_id, api.caller(), api.services().access)


@routes.public("/shares/open", ["POST"], body=OpenShare)
def open_share_route(api: ApiContext) -> dict[str, Any]:
    """Open a share link: what it grants, and the shared batch's status and items.

    No API key: the signed token is the credential (with the password, if the link has one).
    Every opening and every refusal is audited. 403 for a tampered token or a wrong password,
    410 for an expired or revoked link.
    """
    grant = _grant(api, OpenShare.model_validate(api.json_body()))
    return shared_view(grant, api.services().deps)


@routes.public("/shares/preview", ["POST"], body=PreviewShare)
def preview_share_route(api: ApiContext) -> dict[str, Any]:
    """A watermarked preview (base64 JPEG, at most 1024 px) of one shared item's output.

    No API key: the signed token (and password) is the credential, as for ``/shares/open``.
    """
    request = PreviewShare.model_validate(api.json_body())
    return share_preview(_grant(api, request), request.item_id, api.services().deps)
