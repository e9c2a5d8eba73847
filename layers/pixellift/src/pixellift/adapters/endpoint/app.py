"""A model server's request handling, independent of any HTTP library.

:class:`EndpointApp` maps a :class:`Request` to a :class:`Response`: ``GET /ping`` answers 200
once the model is loaded, ``POST /invocations`` decodes the photos, runs the model on each (on a
bounded pool of worker threads, so a batch uses several cores and concurrent requests cannot
oversubscribe them) and writes the answer in the negotiated media type. The HTTP binding lives in
:mod:`pixellift.adapters.endpoint.server`; tests call :meth:`EndpointApp.handle` directly too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Final

from pixellift.adapters.endpoint.failures import RequestError, failure
from pixellift.adapters.endpoint.inference import EndpointModel, ImageJob, Inference
from pixellift.adapters.endpoint.jobs import FailedItem, Limits, media_type, parse_body
from pixellift.adapters.endpoint.render import Outcome, negotiate, render_binary, render_json
from pixellift.adapters.endpoint.tensors import RawSegmenter, answer_tensor
from pixellift.core.contracts.endpoints import (
    JSON,
    TENSOR,
    ErrorResponse,
    ItemError,
    PingResponse,
)

_LOG: Final = logging.getLogger(__name__)
_ROUTES: Final = {"/ping": "GET", "/invocations": "POST"}
_CLIENT_ERROR: Final = 400
_SERVER_ERROR: Final = 500


@dataclass(frozen=True)
class Request:
    """An HTTP request; header names are lower-case."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class Response:
    """An HTTP response."""

    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def error_response(error: ItemError, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """The JSON error body for a failed request."""
    body = ErrorResponse(error=error).model_dump_json().encode()
    return Response(error.status, JSON, body, headers)


class EndpointApp:
    """Serves one model over the SageMaker inference contract.

    Parameters
    ----------
    model
        The loaded model.
    limits
        Request size, batch size and pixel limits.
    workers
        Photos processed at once, across all requests.
    """

    def __init__(self, model: EndpointModel, *, limits: Limits, workers: int = 1) -> None:
        self.model = model
        self.limits = limits
        raw = getattr(model, "raw", None)
        self._raw = raw if isinstance(raw, RawSegmenter) else None  # the model takes tensors
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="model")

    def close(self) -> None:
        """Stop the worker threads (after the photos in progress)."""
        self._pool.shutdown(wait=True)

    def handle(self, request: Request) -> Response:
        """Answer one request; never raises."""
        path = request.path.split("?", 1)[0]
        try:
            allowed = _ROUTES.get(path)
            if allowed is None:
                raise RequestError(404, "NotFound", f"no route {path!r}; use /ping or /invocations")
            if request.method not in (allowed, "HEAD" if allowed == "GET" else allowed):
                raise RequestError(
                    405, "MethodNotAllowed", f"{path} takes {allowed}, not {request.method}"
                )
            if path == "/ping":
                return self._ping()
            return self._invoke(request)
        except RequestError as exc:
            level = logging.INFO if exc.status < _SERVER_ERROR else logging.ERROR
            _LOG.log(level, "%s %s -> %d %s", request.method, path, exc.status, exc.message)
            extra = (("Allow", _ROUTES.get(path, "")),) if exc.status == 405 else ()  # noqa: PLR2004
            return error_response(exc.to_wire(), extra)
        except Exception as exc:
            _LOG.exception("%s %s failed", request.method, path)
            return error_response(failure(exc, "request"))

    def _ping(self) -> Response:
        body = PingResponse(kind=self.model.kind, model=self.model.name).model_dump_json()
        return Response(200, JSON, body.encode())

    def _invoke(self, request: Request) -> Response:
        if len(request.body) > self.limits.max_request_bytes:
            raise RequestError(
                413,
                "RequestTooLarge",
                f"the body is {len(request.body):,} bytes, over the "
                f"{self.limits.max_request_bytes:,}-byte limit",
            )
        content_type = media_type(request.headers.get("content-type"))
        if content_type == TENSOR:
            header, body = request.headers.get("content-type"), request.body
            output = self._pool.submit(answer_tensor, self._raw, header, body).result()
            return Response(200, TENSOR, output)
        parsed = parse_body(content_type, request.body, self.model.kind, self.limits)
        answer = negotiate(request.headers.get("accept"), parsed.form, self.model.kind)
        outcomes = list(self._pool.map(self._run, parsed.jobs))
        ids = [job.id for job in parsed.jobs]
        if answer == JSON:
            body = render_json(self.model.kind, self.model.name, ids, outcomes, parsed)
            return Response(200, JSON, body)
        done: list[Inference] = []
        for outcome in outcomes:
            if isinstance(outcome, FailedItem):
                error = outcome.error
                raise RequestError(error.status, error.type, error.message)
            done.append(outcome)
        return Response(200, answer, render_binary(answer, done))

    def _run(self, job: ImageJob | FailedItem) -> Outcome:
        if isinstance(job, FailedItem):
            return job
        try:
            return self.model.run(job)
        except Exception as exc:  # one photo's failure is reported on that photo
            error = failure(exc, f"image {job.id}")
            if error.status >= _SERVER_ERROR:
                _LOG.exception("model %s failed on image %s", self.model.name, job.id)
            elif error.status >= _CLIENT_ERROR:
                _LOG.info("image %s: %s", job.id, error.message)
            return FailedItem(job.id, error)
