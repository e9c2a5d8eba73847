"""PixelLift merchant API: batches, status and outputs, presets, API keys, share links, invitations.

Every route under ``/workspaces/{ws}`` needs an API key in ``x-api-key``; the key stands for a
principal with roles in its own workspace, and the role blueprints (Cedar) decide each route's
action on the resource it names. A key of another workspace is refused (403) and the attempt is
audited in the workspace it reached for. ``POST /shares/open`` and ``POST /invitations/accept``
need no key: the share or invitation token is the credential. Errors are JSON ``{"error",
"message"[, "fields"]}`` with a 4xx status naming what was wrong, or 503 when a backing service is
busy. Ports are built from the environment on first use; ``use`` replaces them (tests, the local
server).

Regenerate the OpenAPI document with ``python functions/api/app.py > docs/api/openapi.json``.
"""

from __future__ import annotations

import contextvars
import functools
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from chalice.app import Chalice, Request, Response
from pixellift.adapters.aws.access_http import (
    GoneError,
    Guard,
    answer_errors,
    authorised,
    on_batch,
    on_workspace,
    parse_json_body,
)
from pixellift.adapters.aws.access_invitation_http import (
    InvitationStores,
    accept_answer,
    dynamo_invitation_stores,
    invitation_services,
)
from pixellift.adapters.aws.access_wiring import dynamo_access_services
from pixellift.adapters.aws.audit_sink import LedgerAuditSink
from pixellift.adapters.aws.audit_store import DynamoAuditStore
from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.aws.dynamodb_repos import (
    DynamoBatches,
    DynamoItems,
    DynamoPresets,
    DynamoWorkspaces,
)
from pixellift.adapters.aws.ledger import DynamoLedgerBilling, ledger_billing
from pixellift.adapters.aws.s3_store import S3ObjectStore
from pixellift.adapters.aws.stepfunctions import StepFunctionsStarter
from pixellift.adapters.settings import Settings
from pixellift.adapters.system import UtcClock, UuidIds
from pixellift.core.access import invitation_api
from pixellift.core.access.invitations import InvitationServices
from pixellift.core.access.model import Action, Principal, Resource, ResourceKind
from pixellift.core.billing.caps import Cap
from pixellift.core.billing.ledger import MAIN
from pixellift.core.billing.usage import period_bounds, to_csv, usage_rows
from pixellift.core.billing.views import balance_view, bucket_rows
from pixellift.core.errors import (
    AccessDeniedError,
    InvalidShareLinkError,
    ShareLinkExpiredError,
    ShareLinkRevokedError,
    StoreUnavailableError,
)
from pixellift.core.pipeline.api_access import (
    AccessServices,
    CreateShare,
    IssueKey,
    OpenShare,
    RotateKey,
    create_share,
    get_preset,
    issue_api_key,
    list_api_keys,
    open_share,
    put_preset,
    revoke_api_key,
    revoke_share,
    rotate_api_key,
    shared_view,
)
from pixellift.core.pipeline.api_batches import (
    ApiDeps,
    CreateBatch,
    batch_summary,
    create_batch,
    find_batch,
    start_batch,
)
from pixellift.core.pipeline.api_credits import (
    EstimateRequest,
    TopUp,
    price_batch,
    record_top_up,
)
from pixellift.core.pipeline.api_export import batch_bulk_sheet
from pixellift.core.pipeline.api_openapi import Route, openapi_document, render
from pixellift.core.pipeline.api_preview import PreviewShare, share_preview
from pixellift.core.pipeline.api_status import batch_outputs, item_statuses
from pixellift.core.pipeline.preset_schema import Preset
from pixellift.core.ports import PresetRepository
from pydantic import BaseModel

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class ApiServices:
    """Everything the routes use."""

    deps: ApiDeps
    presets: PresetRepository
    access: AccessServices
    billing: DynamoLedgerBilling | None = None
    """Credits routes answer 503 without it (a deployment without the ledger)."""


class S3UploadSigner:
    """``UploadSigner``: pre-signed ``PutObject`` URLs into one bucket."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def presign_put(self, key: str, content_type: str, expires_seconds: int) -> str:
        """A URL for one PUT of ``key``; the client must send the same ``Content-Type``."""
        return self._client.generate_presigned_url(
            "put_object",
            Params={"Bucket": self._bucket, "Key": key, "ContentType": content_type},
            ExpiresIn=expires_seconds,
        )


def signing_client(region: str, endpoint_url: str | None = None) -> S3Client:
    """An S3 client that signs URLs with Signature Version 4 (the only one new regions accept)."""
    config = Config(signature_version="s3v4")
    return boto3.client("s3", region_name=region, endpoint_url=endpoint_url, config=config)


def build_services(env: Mapping[str, str]) -> ApiServices:
    """Wire the API's ports from the function's environment."""
    settings = Settings.from_env(env)
    tables = Tables.bound(settings.tables, settings.region, settings.endpoint_url)
    s3 = boto3.client("s3", region_name=settings.region, endpoint_url=settings.endpoint_url)
    sfn = boto3.client(
        "stepfunctions", region_name=settings.region, endpoint_url=settings.endpoint_url
    )
    deps = ApiDeps(
        drop=S3ObjectStore(s3, settings.drop_bucket),
        outputs=S3ObjectStore(s3, settings.output_bucket),
        workspaces=DynamoWorkspaces(tables),
        batches=DynamoBatches(tables),
        items=DynamoItems(tables),
        starter=StepFunctionsStarter(sfn, settings.pipeline_arn),
        clock=UtcClock(),
        ids=UuidIds(),
        signer=S3UploadSigner(
            signing_client(settings.region, settings.endpoint_url), settings.drop_bucket
        ),
        max_concurrency=settings.max_concurrency,
    )
    access = dynamo_access_services(env, settings.region, settings.endpoint_url, deps.clock)
    dynamodb = boto3.client(
        "dynamodb", region_name=settings.region, endpoint_url=settings.endpoint_url
    )
    audit = LedgerAuditSink(DynamoAuditStore(dynamodb, settings.tables.audit))
    billing = ledger_billing(settings, tables, deps.clock, audit)
    return ApiServices(deps=deps, presets=DynamoPresets(tables), access=access, billing=billing)


app = Chalice(app_name="pixellift-api")
_services: list[ApiServices] = []

_caller: contextvars.ContextVar[Principal] = contextvars.ContextVar("caller")
JSON_BODY: dict[str, type[BaseModel]] = {
    "create_batch_route": CreateBatch,
    "put_preset_route": Preset,
    "issue_key_route": IssueKey,
    "rotate_key_route": RotateKey,
    "create_share_route": CreateShare,
    "open_share_route": OpenShare,
    "preview_share_route": PreviewShare,
    "top_up_route": TopUp,
    "estimate_route": EstimateRequest,
    "put_cap_route": Cap,
}
"""Request-body model of each view that takes one (drives validation docs and OpenAPI)."""


def use(services: ApiServices) -> None:
    """Serve with ``services`` instead of the ones built from the environment."""
    _services[:] = [services]


def services() -> ApiServices:
    """The ports in use, built from ``os.environ`` on first call."""
    if not _services:
        _services.append(build_services(os.environ))
    return _services[0]


def _request() -> Request:
    request = app.current_request
    if request is None:
        msg = "no request is being handled"
        raise RuntimeError(msg)
    return request


def _json_body() -> dict[str, Any]:
    return parse_json_body(_request().raw_body)


def _preset_guard(ws: str, params: Mapping[str, str]) -> tuple[Action, Resource]:
    if services().presets.get(ws, params["name"]) is None:
        return Action.CREATE_PRESET, Resource.workspace(ws)
    return Action.EDIT_PRESET, Resource(
        kind=ResourceKind.PRESET, id=params["name"], workspace_id=ws
    )


def _share_guard(ws: str, _: Mapping[str, str]) -> tuple[Action, Resource]:
    return Action.SHARE, CreateShare.model_validate(_json_body()).target(ws)


def _revoke_share_guard(ws: str, params: Mapping[str, str]) -> tuple[Action, Resource]:
    link = services().access.share_services().links.get(ws, params["link_id"])
    if link is None:  # decided on the workspace's batches; the view then answers 404
        return Action.SHARE, Resource(kind=ResourceKind.BATCH, id="*", workspace_id=ws)
    return Action.SHARE, Resource(kind=link.target_kind, id=link.target_id, workspace_id=ws)


def merchant_route(
    path: str, methods: list[str], guard: Guard
) -> Callable[[Callable[..., Any]], Any]:
    """A route authorised by the blueprints, turning errors into JSON 4xx/5xx answers.

    The key is authenticated first, so nothing is looked up for a caller without a valid key;
    then the guard names the action and the resource, and the authoriser decides.
    """

    def decorate(view: Callable[..., Any]) -> Any:
        @functools.wraps(view)
        def guarded(ws: str, **params: str) -> Any:
            def run() -> Any:
                key = _request().headers.get("x-api-key")
                _caller.set(authorised(services().access, key, guard, ws, params))
                return view(ws, **params)

            return answer_errors(run)

        return app.route(path, methods=methods)(guarded)

    return decorate


@merchant_route("/workspaces/{ws}/batches", ["POST"], on_workspace(Action.RUN_BATCH))
def create_batch_route(ws: str) -> Response:
    """Create a batch.

    Give ``files`` to get one pre-signed PUT URL per photo, or ``inline`` base64 photos (6 MB in
    all) stored at once. Then call ``start``.
    """
    request = CreateBatch.model_validate(_json_body())
    return Response(body=create_batch(ws, request, services().deps), status_code=201)


@merchant_route("/workspaces/{ws}/batches/{batch_id}/start", ["POST"], on_batch(Action.RUN_BATCH))
def start_batch_route(ws: str, batch_id: str) -> dict[str, Any]:
    """Start processing a batch whose photos are all uploaded.

    Starting again returns the run under way (``started`` false).
    """
    return start_batch(ws, batch_id, services().deps)


@merchant_route("/workspaces/{ws}/batches/{batch_id}", ["GET"], on_batch(Action.VIEW_IMAGE))
def get_batch_route(ws: str, batch_id: str) -> dict[str, Any]:
    """Get a batch's status and item counts."""
    return batch_summary(find_batch(ws, batch_id, services().deps))


@merchant_route("/workspaces/{ws}/batches/{batch_id}/items", ["GET"], on_batch(Action.VIEW_IMAGE))
def list_items_route(ws: str, batch_id: str) -> dict[str, Any]:
    """List the status, findings and outcome of every item of a batch."""
    return {"batch_id": batch_id, "items": list(item_statuses(ws, batch_id, services().deps))}


@merchant_route("/workspaces/{ws}/batches/{batch_id}/outputs", ["GET"], on_batch(Action.VIEW_IMAGE))
def list_outputs_route(ws: str, batch_id: str) -> dict[str, Any]:
    """List a batch's published files and its manifest and report keys."""
    return batch_outputs(ws, batch_id, services().deps)


def _export_guard(ws: str, params: Mapping[str, str]) -> tuple[Action, Resource]:
    destination = f"bulk:{params['template']}"
    return Action.EXPORT, Resource(kind=ResourceKind.DESTINATION, id=destination, workspace_id=ws)


@merchant_route("/workspaces/{ws}/batches/{batch_id}/export/{template}", ["GET"], _export_guard)
def export_batch_route(ws: str, batch_id: str, template: str) -> dict[str, Any]:
    """A marketplace bulk sheet (amazon, shopify, ebay, walmart, google) of a published batch.

    Lists the images that passed the Compliance Gate, by SKU and role from their names
    (CSV AutoMap), with URLs under ``?base_url=`` or paths relative to the batch folder; the
    answer holds the CSV text and its row-level issues.
    """
    params: dict[str, str] = dict(_request().query_params or {})
    return batch_bulk_sheet(ws, batch_id, template, params.get("base_url"), services().deps)


def _billing() -> DynamoLedgerBilling:
    billing = services().billing
    if billing is None:
        msg = "credits are not configured for this deployment"
        raise StoreUnavailableError(msg)
    return billing


@merchant_route("/workspaces/{ws}/credits", ["GET"], on_workspace(Action.MANAGE_CREDITS))
def credits_route(ws: str) -> dict[str, Any]:
    """The workspace's balance, holds, each batch's estimate against its actual cost, buckets."""
    billing = _billing()
    billing.open_workspace(ws)
    return balance_view(billing.ledger, ws)


@merchant_route("/workspaces/{ws}/credits/top-ups", ["POST"], on_workspace(Action.MANAGE_CREDITS))
def top_up_route(ws: str) -> Response:
    """Record funding paid elsewhere; the same ``id`` never credits twice (then 200, not 201)."""
    billing = _billing()
    billing.open_workspace(ws)
    request = TopUp.model_validate(_json_body())
    answer = record_top_up(ws, request, billing.ledger, billing.currency)
    return Response(body=answer, status_code=201 if answer["created"] else 200)


@merchant_route("/workspaces/{ws}/credits/estimate", ["POST"], on_workspace(Action.MANAGE_CREDITS))
def estimate_route(ws: str) -> dict[str, Any]:
    """Price a batch before creating it: photos × operations × price, as a range."""
    billing = _billing()
    billing.open_workspace(ws)
    request = EstimateRequest.model_validate(_json_body())
    today = services().deps.clock.now().date()
    available = billing.ledger.account(ws, MAIN).available
    return price_batch(
        request.photos,
        request.marketplace,
        variants=request.variants,
        prices=billing.prices,
        plan=billing.plan,
        on=today,
        available_minor=available,
    )


@merchant_route("/workspaces/{ws}/credits/caps", ["GET"], on_workspace(Action.MANAGE_CREDITS))
def caps_route(ws: str) -> dict[str, Any]:
    """The workspace's spend caps (scope, period, limit in minor units, time zone, thresholds)."""
    return {"caps": [c.model_dump(mode="json") for c in _billing().guard.caps(ws).caps]}


@merchant_route("/workspaces/{ws}/credits/caps", ["PUT"], on_workspace(Action.MANAGE_CREDITS))
def put_cap_route(ws: str) -> dict[str, Any]:
    """Add or replace the cap of a scope and period (a hard cap refuses what would pass it)."""
    billing = _billing()
    billing.open_workspace(ws)
    cap = Cap.model_validate(_json_body())
    billing.guard.set_cap(ws, cap)
    return {"caps": [c.model_dump(mode="json") for c in billing.guard.caps(ws).caps]}


@merchant_route("/workspaces/{ws}/credits/buckets", ["GET"], on_workspace(Action.MANAGE_CREDITS))
def buckets_route(ws: str) -> dict[str, Any]:
    """Each client bucket's balance, funding lots, burn rate and days to empty."""
    billing = _billing()
    billing.open_workspace(ws)
    return {"buckets": bucket_rows(billing.buckets, ws, billing.ledger.today())}


@merchant_route("/workspaces/{ws}/credits/usage", ["GET"], on_workspace(Action.MANAGE_CREDITS))
def usage_route(ws: str) -> dict[str, Any]:
    """The ledger movements of ``?period=YYYY-MM`` (or ``YYYY-MM-DD..YYYY-MM-DD``) as CSV text.

    ``?tz=`` sets the time zone the period is read in (default UTC).
    """
    params: dict[str, str] = dict(_request().query_params or {})
    start, end = period_bounds(params.get("period", ""), params.get("tz", "UTC"))
    rows = usage_rows(_billing().ledger.store.transfers(ws), start, end)
    return {"period": params.get("period"), "rows": len(rows), "csv": to_csv(rows)}


def _view_preset(ws: str, params: Mapping[str, str]) -> tuple[Action, Resource]:
    return Action.VIEW_PRESET, Resource(
        kind=ResourceKind.PRESET, id=params["name"], workspace_id=ws
    )


@merchant_route("/workspaces/{ws}/presets/{name}", ["GET"], _view_preset)
def get_preset_route(ws: str, name: str) -> dict[str, Any]:
    """Get the highest version of a workspace preset (``?version=`` for another)."""
    params: dict[str, str] = dict(_request().query_params or {})
    version = params.get("version")
    return get_preset(ws, name, services().presets, version)


@merchant_route("/workspaces/{ws}/presets/{name}", ["PUT"], _preset_guard)
def put_preset_route(ws: str, name: str) -> Response:
    """Store a new version of a workspace preset.

    The body is a complete preset; versions are never overwritten (409 for an existing one).
    Creating a preset needs ``create_preset``; a new version of one needs ``edit_preset``.
    """
    s = services()
    body = _json_body()
    stored = put_preset(
        ws, name, body, presets=s.presets, workspaces=s.deps.workspaces, clock=s.deps.clock
    )
    return Response(body=stored, status_code=201)


@merchant_route("/workspaces/{ws}/keys", ["POST"], on_workspace(Action.MANAGE_KEYS))
def issue_key_route(ws: str) -> Response:
    """Issue an API key holding the given roles in the workspace.

    The key is in this answer only; it is stored as a SHA-256 digest. Only an owner may issue an
    owner key.
    """
    request = IssueKey.model_validate(_json_body())
    return Response(
        body=issue_api_key(ws, request, _caller.get(), services().access), status_code=201
    )


@merchant_route("/workspaces/{ws}/keys", ["GET"], on_workspace(Action.MANAGE_KEYS))
def list_keys_route(ws: str) -> dict[str, Any]:
    """List the workspace's API keys: prefixes, roles, rotation and revocation (never a key)."""
    return list_api_keys(ws, services().access)


@merchant_route("/workspaces/{ws}/keys/{prefix}/rotate", ["POST"], on_workspace(Action.MANAGE_KEYS))
def rotate_key_route(ws: str, prefix: str) -> Response:
    """Rotate an API key: a successor with the same roles; the old key works for a grace period."""
    raw = _request().raw_body
    request = RotateKey.model_validate(_json_body() if raw else {})
    answer = rotate_api_key(ws, prefix, request, _caller.get(), services().access)
    return Response(body=answer, status_code=201)


@merchant_route("/workspaces/{ws}/keys/{prefix}", ["DELETE"], on_workspace(Action.MANAGE_KEYS))
def revoke_key_route(ws: str, prefix: str) -> dict[str, Any]:
    """Revoke an API key at once."""
    return revoke_api_key(ws, prefix, _caller.get(), services().access)


@merchant_route("/workspaces/{ws}/shares", ["POST"], _share_guard)
def create_share_route(ws: str) -> Response:
    """Create a share link to a batch or one of its images.

    Scoped (view, annotate, approve), expiring (at most 90 days), optionally password-protected;
    the answer holds the signed token to hand out.
    """
    request = CreateShare.model_validate(_json_body())
    find_batch(ws, request.id.split("/", 1)[0], services().deps)
    return Response(
        body=create_share(ws, request, _caller.get(), services().access), status_code=201
    )


@merchant_route("/workspaces/{ws}/shares/{link_id}", ["DELETE"], _revoke_share_guard)
def revoke_share_route(ws: str, link_id: str) -> dict[str, Any]:
    """Revoke a share link at once."""
    return revoke_share(ws, link_id, _caller.get(), services().access)


@app.route("/shares/open", methods=["POST"])
def open_share_route() -> Any:
    """Open a share link: what it grants, and the shared batch's status and items.

    No API key: the signed token is the credential (with the password, if the link has one).
    Every opening and every refusal is audited. 403 for a tampered token or a wrong password,
    410 for an expired or revoked link.
    """

    def run() -> dict[str, Any]:
        try:
            grant = open_share(OpenShare.model_validate(_json_body()), services().access)
        except (ShareLinkExpiredError, ShareLinkRevokedError) as exc:
            raise GoneError(str(exc)) from exc
        except InvalidShareLinkError as exc:
            raise AccessDeniedError(str(exc)) from exc
        return shared_view(grant, services().deps)

    return answer_errors(run)


@app.route("/shares/preview", methods=["POST"])
def preview_share_route() -> Any:
    """A watermarked preview (base64 JPEG, at most 1024 px) of one shared item's output.

    No API key: the signed token (and password) is the credential, as for ``/shares/open``.
    """

    def run() -> dict[str, Any]:
        request = PreviewShare.model_validate(_json_body())
        try:
            grant = open_share(request, services().access)
        except (ShareLinkExpiredError, ShareLinkRevokedError) as exc:
            raise GoneError(str(exc)) from exc
        except InvalidShareLinkError as exc:
            raise AccessDeniedError(str(exc)) from exc
        return share_preview(grant, request.item_id, services().deps)

    return answer_errors(run)


_invitation_stores: list[InvitationStores] = []
JSON_BODY.update(
    invite_route=invitation_api.Invite, accept_invitation_route=invitation_api.AcceptInvitation
)


def use_invitations(stores: InvitationStores) -> None:
    """Keep invitations and memberships in ``stores`` instead of the environment's tables."""
    _invitation_stores[:] = [stores]


def invitations() -> InvitationServices:
    """Invitation services on the stores in use, deciding and auditing as the access services."""
    if not _invitation_stores:
        settings = Settings.from_env(os.environ)
        stores = dynamo_invitation_stores(os.environ, settings.region, settings.endpoint_url)
        _invitation_stores.append(stores)
    return invitation_services(services().access, _invitation_stores[0])


@merchant_route("/workspaces/{ws}/invitations", ["POST"], on_workspace(Action.INVITE_USERS))
def invite_route(ws: str) -> Response:
    """Invite an e-mail address or a user id into the workspace with a role.

    The inviter may not offer a role that allows more than the inviter may do (403). The answer
    holds the single-use token, once (``delivery: returned``: PixelLift sends no e-mail); it is
    stored as a SHA-256 digest and expires after ``expires_in_seconds`` (default 7 days).
    """
    request = invitation_api.Invite.model_validate(_json_body())
    answer = invitation_api.create_invitation(ws, request, _caller.get(), invitations())
    return Response(body=answer, status_code=201)


@merchant_route("/workspaces/{ws}/invitations", ["GET"], on_workspace(Action.INVITE_USERS))
def list_invitations_route(ws: str) -> dict[str, Any]:
    """List the workspace's invitations: invitee, role, state (never a token)."""
    return invitation_api.list_invitations(ws, invitations())


@merchant_route(
    "/workspaces/{ws}/invitations/{invitation_id}", ["DELETE"], on_workspace(Action.INVITE_USERS)
)
def revoke_invitation_route(ws: str, invitation_id: str) -> dict[str, Any]:
    """Revoke a pending invitation at once."""
    return invitation_api.revoke(ws, invitation_id, _caller.get(), invitations())


@app.route("/invitations/accept", methods=["POST"])
def accept_invitation_route() -> Any:
    """Accept an invitation: ``user_id`` joins the token's workspace with the invited role.

    No API key: the token is the credential. 410 for a used, revoked or expired invitation; 403
    for an unknown token, one of another workspace than ``workspace_id``, or one addressed to
    another user. Every refusal of a genuine token is audited.
    """
    return answer_errors(lambda: accept_answer(_json_body(), invitations()))


def openapi() -> dict[str, Any]:
    """The OpenAPI document of the app."""
    routes = [
        Route(path, method, entry.view_name, entry.view_function)
        for path, methods in app.routes.items()
        for method, entry in methods.items()
    ]
    public = {"open_share_route", "preview_share_route", "accept_invitation_route"}
    return openapi_document(routes, JSON_BODY, public=public)


if __name__ == "__main__":
    sys.stdout.write(render(openapi()))
