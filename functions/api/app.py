"""PixelLift merchant API: batches, their status and outputs, and presets (API Gateway via Chalice).

Every route is under ``/workspaces/{ws}`` and needs that workspace's key in ``x-api-key``. Errors
are JSON ``{"error", "message"[, "fields"]}`` with a 4xx status naming what was wrong, or 503 when a
backing service is busy. Ports are built from the environment on first use; ``use`` replaces them
(tests, the local server).

Regenerate the OpenAPI document with ``python functions/api/app.py > docs/api/openapi.json``.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from chalice.app import Chalice, Request, Response
from pixellift.adapters.aws.dynamodb_models import Tables
from pixellift.adapters.aws.dynamodb_repos import (
    DynamoBatches,
    DynamoItems,
    DynamoPresets,
    DynamoWorkspaces,
)
from pixellift.adapters.aws.s3_store import S3ObjectStore
from pixellift.adapters.aws.stepfunctions import StepFunctionsStarter
from pixellift.adapters.settings import Settings
from pixellift.adapters.system import UtcClock, UuidIds
from pixellift.core.errors import (
    EmptyBatchError,
    IllegalTransitionError,
    PermanentError,
    PresetNotFoundError,
    RecordNotFoundError,
    TransientError,
    UnknownWorkspaceError,
)
from pixellift.core.pipeline.api_access import (
    ApiKeyStore,
    DigestKeyStore,
    get_preset,
    key_opens,
    put_preset,
)
from pixellift.core.pipeline.api_batches import (
    ApiDeps,
    CreateBatch,
    batch_summary,
    create_batch,
    find_batch,
    start_batch,
)
from pixellift.core.pipeline.api_openapi import Route, openapi_document, render
from pixellift.core.pipeline.api_status import batch_outputs, item_statuses
from pixellift.core.pipeline.preset_schema import Preset
from pixellift.core.ports import PresetRepository
from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

API_KEYS_VARIABLE = "PIXELLIFT_API_KEYS"
"""JSON object: workspace id → list of SHA-256 hex digests of its API keys."""


@dataclass(frozen=True)
class ApiServices:
    """Everything the routes use."""

    deps: ApiDeps
    presets: PresetRepository
    keys: ApiKeyStore


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
    keys = DigestKeyStore.from_json(env.get(API_KEYS_VARIABLE, ""))
    return ApiServices(deps=deps, presets=DynamoPresets(tables), keys=keys)


app = Chalice(app_name="pixellift-api")
_services: list[ApiServices] = []

_NOT_FOUND = (RecordNotFoundError, UnknownWorkspaceError, PresetNotFoundError)
_CONFLICT = (IllegalTransitionError, EmptyBatchError)
JSON_BODY: dict[str, type[BaseModel]] = {
    "create_batch_route": CreateBatch,
    "put_preset_route": Preset,
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


def _error(status: int, error: str, message: str, **extra: Any) -> Response:
    body = {"error": error, "message": message} | extra
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json"})


def _fields(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
        for e in exc.errors(include_url=False)
    ]


def _request() -> Request:
    request = app.current_request
    if request is None:
        msg = "no request is being handled"
        raise RuntimeError(msg)
    return request


def _json_body() -> dict[str, Any]:
    raw = _request().raw_body
    try:
        body = json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"body: not valid JSON ({exc})"
        raise _BadBody(msg) from exc
    if not isinstance(body, dict):
        msg = "body: expected a JSON object"
        raise _BadBody(msg)
    return body


class _BadBody(ValueError):
    """The request body is not a JSON object."""


def merchant_route(path: str, methods: list[str]) -> Callable[[Callable[..., Any]], Any]:
    """A route that checks the workspace's API key and turns errors into JSON 4xx/5xx answers."""

    def decorate(view: Callable[..., Any]) -> Any:
        @functools.wraps(view)
        def guarded(ws: str, **params: str) -> Any:
            key = _request().headers.get("x-api-key")
            if not key:
                return _error(401, "Unauthorized", "x-api-key: header is missing")
            if not key_opens(services().keys, ws, key):
                return _error(403, "Forbidden", f"x-api-key: the key does not open workspace {ws}")
            try:
                return view(ws, **params)
            except _BadBody as exc:
                return _error(
                    400,
                    "ValidationError",
                    str(exc),
                    fields=[{"field": "body", "message": str(exc)}],
                )
            except ValidationError as exc:
                return _error(
                    400,
                    "ValidationError",
                    f"{exc.error_count()} invalid field(s)",
                    fields=_fields(exc),
                )
            except _NOT_FOUND as exc:
                return _error(404, type(exc).__name__, str(exc))
            except _CONFLICT as exc:
                return _error(409, type(exc).__name__, str(exc))
            except PermanentError as exc:
                return _error(400, type(exc).__name__, str(exc))
            except TransientError as exc:
                return _error(503, type(exc).__name__, str(exc))

        return app.route(path, methods=methods)(guarded)

    return decorate


@merchant_route("/workspaces/{ws}/batches", ["POST"])
def create_batch_route(ws: str) -> Response:
    """Create a batch.

    Give ``files`` to get one pre-signed PUT URL per photo, or ``inline`` base64 photos (6 MB in
    all) stored at once. Then call ``start``.
    """
    request = CreateBatch.model_validate(_json_body())
    return Response(body=create_batch(ws, request, services().deps), status_code=201)


@merchant_route("/workspaces/{ws}/batches/{batch_id}/start", ["POST"])
def start_batch_route(ws: str, batch_id: str) -> dict[str, Any]:
    """Start processing a batch whose photos are all uploaded.

    Starting again returns the run under way (``started`` false).
    """
    return start_batch(ws, batch_id, services().deps)


@merchant_route("/workspaces/{ws}/batches/{batch_id}", ["GET"])
def get_batch_route(ws: str, batch_id: str) -> dict[str, Any]:
    """Get a batch's status and item counts."""
    return batch_summary(find_batch(ws, batch_id, services().deps))


@merchant_route("/workspaces/{ws}/batches/{batch_id}/items", ["GET"])
def list_items_route(ws: str, batch_id: str) -> dict[str, Any]:
    """List the status, findings and outcome of every item of a batch."""
    return {"batch_id": batch_id, "items": list(item_statuses(ws, batch_id, services().deps))}


@merchant_route("/workspaces/{ws}/batches/{batch_id}/outputs", ["GET"])
def list_outputs_route(ws: str, batch_id: str) -> dict[str, Any]:
    """List a batch's published files and its manifest and report keys."""
    return batch_outputs(ws, batch_id, services().deps)


@merchant_route("/workspaces/{ws}/presets/{name}", ["GET"])
def get_preset_route(ws: str, name: str) -> dict[str, Any]:
    """Get the highest version of a workspace preset (``?version=`` for another)."""
    params: dict[str, str] = dict(_request().query_params or {})
    version = params.get("version")
    return get_preset(ws, name, services().presets, version)


@merchant_route("/workspaces/{ws}/presets/{name}", ["PUT"])
def put_preset_route(ws: str, name: str) -> Response:
    """Store a new version of a workspace preset.

    The body is a complete preset; versions are never overwritten (409 for an existing one).
    """
    s = services()
    body = _json_body()
    stored = put_preset(
        ws, name, body, presets=s.presets, workspaces=s.deps.workspaces, clock=s.deps.clock
    )
    return Response(body=stored, status_code=201)


def openapi() -> dict[str, Any]:
    """The OpenAPI document of the app."""
    routes = [
        Route(path, method, entry.view_name, entry.view_function)
        for path, methods in app.routes.items()
        for method, entry in methods.items()
    ]
    return openapi_document(routes, JSON_BODY)


if __name__ == "__main__":
    sys.stdout.write(render(openapi()))
