"""Model endpoints on SageMaker, through sagemaker-runtime ``InvokeEndpoint``.

The transport behind the remote ``Segmenter``, ``Matter`` and ``OcrReader`` adapters.
botocore's own retries are switched off (one attempt per call) so that throttling is retried in
one place, with our backoff, and counted by our circuit breaker. Errors are classified for
:class:`~pixellift.adapters.endpoint.resilience.ResilientInvoker`: ``ThrottlingException`` and
``ServiceUnavailable`` are throttling; a container's own 4xx (``ModelError`` with a 4xx
``OriginalStatusCode``) is a rejection carrying the container's reason; everything else (5xx,
timeouts, unreachable or missing endpoint) is a fault that trips the breaker.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from pixellift.adapters.endpoint.clients import RemoteMatter, RemoteOcrReader, RemoteSegmenter
from pixellift.adapters.endpoint.resilience import (
    CircuitBreaker,
    EndpointFaultError,
    EndpointRejectedError,
    EndpointThrottledError,
    Reply,
    ResilientInvoker,
)
from pixellift.core.ports import Clock

if TYPE_CHECKING:
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient
else:
    SageMakerRuntimeClient = object

REALTIME_MAX_PAYLOAD_BYTES: Final = 6 * 1000 * 1000
"""InvokeEndpoint's request limit for real-time endpoints (serverless endpoints take 4 MB)."""
_THROTTLING: Final = frozenset({"ThrottlingException", "ServiceUnavailable"})
_CLIENT_ERROR: Final = 400
_SERVER_ERROR: Final = 500
_TOO_MANY_REQUESTS: Final = 429


def sagemaker_runtime_client(
    *,
    region_name: str | None = None,
    connect_timeout_s: float = 2.0,
    read_timeout_s: float = 70.0,
) -> SageMakerRuntimeClient:
    """A sagemaker-runtime client with explicit timeouts and botocore retries off.

    The read timeout exceeds the 60 s a container has to answer, as AWS recommends.
    """
    config = Config(
        connect_timeout=connect_timeout_s,
        read_timeout=read_timeout_s,
        retries={"max_attempts": 1, "mode": "standard"},
    )
    return boto3.client("sagemaker-runtime", region_name=region_name, config=config)


def _container_error(message: str) -> tuple[str, str]:
    """The error class and reason from the container's JSON error body, when it is one."""
    try:
        error = json.loads(message)["error"]
        return str(error["type"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        return "ModelError", message


class SageMakerTransport:
    """Invokes one SageMaker endpoint.

    Parameters
    ----------
    endpoint_name
        The endpoint.
    client
        A sagemaker-runtime client (see :func:`sagemaker_runtime_client`).
    max_payload_bytes
        Requests above this are refused before sending (6 MB real-time, 4 MB serverless).
    """

    def __init__(
        self,
        endpoint_name: str,
        *,
        client: SageMakerRuntimeClient,
        max_payload_bytes: int = REALTIME_MAX_PAYLOAD_BYTES,
    ) -> None:
        self._endpoint = endpoint_name
        self._client = client
        self.max_payload_bytes = max_payload_bytes

    @property
    def target(self) -> str:
        """``sagemaker:<endpoint name>``."""
        return f"sagemaker:{self._endpoint}"

    def invoke(self, body: bytes, content_type: str, accept: str) -> Reply:
        """Call InvokeEndpoint.

        Raises
        ------
        EndpointThrottledError, EndpointFaultError, EndpointRejectedError
            Classified as the module docstring says.
        """
        if len(body) > self.max_payload_bytes:
            raise EndpointRejectedError(
                413,
                "RequestTooLarge",
                f"the request is {len(body):,} bytes, over the endpoint's "
                f"{self.max_payload_bytes:,}-byte limit; send fewer or smaller photos",
            )
        try:
            response = self._client.invoke_endpoint(
                EndpointName=self._endpoint, Body=body, ContentType=content_type, Accept=accept
            )
            data = response["Body"].read()
        except ClientError as exc:
            raise self._classify(exc) from exc
        except BotoCoreError as exc:
            raise EndpointFaultError(f"{self.target}: {exc}") from exc
        return Reply(response.get("ContentType", ""), data)

    def _classify(self, exc: ClientError) -> Exception:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = str(error.get("Message", ""))
        if code in _THROTTLING:
            return EndpointThrottledError(f"{self.target}: {code}: {message}")
        if code == "ModelError":
            original = exc.response.get("OriginalStatusCode")
            status = (
                int(original) if isinstance(original, int | str) and str(original).isdigit() else 0
            )
            reason = str(exc.response.get("OriginalMessage", message))
            if status == _TOO_MANY_REQUESTS:
                return EndpointThrottledError(f"{self.target}: container throttled: {reason}")
            if _CLIENT_ERROR <= status < _SERVER_ERROR:
                error_type, detail = _container_error(reason)
                return EndpointRejectedError(status, error_type, detail)
        return EndpointFaultError(f"{self.target}: {code or type(exc).__name__}: {message}")


def sagemaker_invoker(
    endpoint_name: str,
    *,
    client: SageMakerRuntimeClient,
    clock: Clock,
    breaker: CircuitBreaker | None = None,
) -> ResilientInvoker:
    """Transport, breaker and retries for one endpoint (share it between clients)."""
    transport = SageMakerTransport(endpoint_name, client=client)
    return ResilientInvoker(
        transport, breaker=breaker or CircuitBreaker(transport.target, clock=clock)
    )


def sagemaker_segmenter(invoker: ResilientInvoker, *, name: str | None = None) -> RemoteSegmenter:
    """``Segmenter`` on a SageMaker segmentation endpoint (JSON with PNG images, under 6 MB)."""
    return RemoteSegmenter(
        invoker, name=name, profile="files", max_request_bytes=REALTIME_MAX_PAYLOAD_BYTES
    )


def sagemaker_matter(invoker: ResilientInvoker, *, name: str | None = None) -> RemoteMatter:
    """``Matter`` on a SageMaker matting endpoint."""
    return RemoteMatter(
        invoker, name=name, profile="files", max_request_bytes=REALTIME_MAX_PAYLOAD_BYTES
    )


def sagemaker_ocr_reader(invoker: ResilientInvoker, *, name: str | None = None) -> RemoteOcrReader:
    """``OcrReader`` on a SageMaker OCR endpoint."""
    return RemoteOcrReader(
        invoker, name=name, profile="files", max_request_bytes=REALTIME_MAX_PAYLOAD_BYTES
    )
