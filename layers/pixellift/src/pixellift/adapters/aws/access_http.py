"""The HTTP edge of the merchant API's access checks (Chalice): guards and JSON error answers.

Every merchant route names, through a :data:`Guard`, the action it performs and the resource it
performs it on; :func:`authorised` authenticates the key first (so nothing is looked up for a
caller without a valid key) and then lets the blueprints decide. :func:`answer_errors` turns the
error taxonomy into JSON answers: 400 invalid, 401 no usable key, 403 denied, 404 not found,
409 conflict, 410 gone, 503 busy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final

from chalice.app import Response
from pydantic import ValidationError

from pixellift.core.access.api_keys import authenticate
from pixellift.core.access.model import Action, Principal, Resource, ResourceKind
from pixellift.core.errors import (
    AccessDeniedError,
    EmptyBatchError,
    IllegalTransitionError,
    InvalidApiKeyError,
    PermanentError,
    PresetNotFoundError,
    RecordNotFoundError,
    TransientError,
    UnknownWorkspaceError,
)
from pixellift.core.pipeline.api_access import AccessServices

Guard = Callable[[str, Mapping[str, str]], tuple[Action, Resource]]
"""What a route does to what: ``(ws, path parameters) -> (action, resource)``."""

NOT_FOUND: Final = (RecordNotFoundError, UnknownWorkspaceError, PresetNotFoundError)
CONFLICT: Final = (IllegalTransitionError, EmptyBatchError)


class BadBodyError(ValueError):
    """The request body is not a JSON object."""


class GoneError(ValueError):
    """What the request names existed but is no more (an expired or revoked share link)."""


def on_workspace(action: Action) -> Guard:
    """The route acts on the workspace itself."""
    return lambda ws, _: (action, Resource.workspace(ws))


def on_batch(action: Action) -> Guard:
    """The route acts on the batch named by ``{batch_id}``."""
    return lambda ws, p: (
        action,
        Resource(kind=ResourceKind.BATCH, id=p["batch_id"], workspace_id=ws),
    )


def authorised(
    access: AccessServices,
    api_key: str | None,
    guard: Guard,
    ws: str,
    params: Mapping[str, str],
) -> Principal:
    """The caller, once its key is valid and the blueprints allow the guard's action.

    Raises
    ------
    InvalidApiKeyError, CrossWorkspaceAccessError, AccessDeniedError
        See :func:`pixellift.core.pipeline.api_access.authorize_request`.
    """
    principal = authenticate(api_key, access.keys.keys, access.keys.clock)
    action, resource = guard(ws, params)
    access.authorizer.authorize(principal, action, resource)
    return principal


def parse_json_body(raw: bytes | str | None) -> dict[str, Any]:
    """The body as a JSON object.

    Raises
    ------
    BadBodyError
        Not JSON, or not an object.
    """
    try:
        body = json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"body: not valid JSON ({exc})"
        raise BadBodyError(msg) from exc
    if not isinstance(body, dict):
        msg = "body: expected a JSON object"
        raise BadBodyError(msg)
    return body


def error_response(status: int, error: str, message: str, **extra: Any) -> Response:
    """A JSON error answer ``{"error", "message", ...}``."""
    body = {"error": error, "message": message} | extra
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json"})


def _fields(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
        for e in exc.errors(include_url=False)
    ]


def answer_errors(call: Callable[[], Any]) -> Any:  # noqa: PLR0911 - one answer per error family
    """``call()``, or the JSON answer for the error it raised."""
    try:
        return call()
    except BadBodyError as exc:
        field = [{"field": "body", "message": str(exc)}]
        return error_response(400, "ValidationError", str(exc), fields=field)
    except ValidationError as exc:
        count = f"{exc.error_count()} invalid field(s)"
        return error_response(400, "ValidationError", count, fields=_fields(exc))
    except InvalidApiKeyError as exc:
        return error_response(401, "Unauthorized", str(exc))
    except AccessDeniedError as exc:
        return error_response(403, "Forbidden", str(exc))
    except NOT_FOUND as exc:
        return error_response(404, type(exc).__name__, str(exc))
    except CONFLICT as exc:
        return error_response(409, type(exc).__name__, str(exc))
    except GoneError as exc:
        return error_response(410, "Gone", str(exc))
    except PermanentError as exc:
        return error_response(400, type(exc).__name__, str(exc))
    except TransientError as exc:
        return error_response(503, type(exc).__name__, str(exc))
