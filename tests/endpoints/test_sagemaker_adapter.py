from __future__ import annotations

import io

import numpy as np
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from pixellift.adapters.aws.sagemaker_models import (
    SageMakerTransport,
    sagemaker_invoker,
    sagemaker_runtime_client,
    sagemaker_segmenter,
)
from pixellift.adapters.endpoint.app import EndpointApp, Request
from pixellift.adapters.endpoint.codec import dump_npy, encode_png
from pixellift.adapters.endpoint.inference import SegmentationModel
from pixellift.adapters.endpoint.jobs import Limits
from pixellift.adapters.endpoint.resilience import CircuitBreaker, ResilientInvoker
from pixellift.adapters.endpoint.tensor_client import TensorSegmenter
from pixellift.adapters.local.onnx_models import OnnxSegmenter
from pixellift.core.contracts.endpoints import JSON, BatchRequest, ImageInstance
from pixellift.core.errors import (
    CorruptImageError,
    ModelEndpointUnavailableError,
    PermanentError,
)
from pixellift.core.imaging.segmentation import U2NETP_SPEC, preprocess_for_segmentation

from tests.endpoints.conftest import FakeClock

ENDPOINT = "pixellift-segmentation-dev"


@pytest.fixture
def client():
    client = sagemaker_runtime_client(region_name="eu-west-1")
    with Stubber(client) as stubber:
        client.stubber = stubber
        yield client
        stubber.assert_no_pending_responses()


def _body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


def _container_answer(segmenter, request_body: bytes) -> bytes:
    """What the real segmentation container answers to this request body."""
    app = EndpointApp(SegmentationModel(segmenter), limits=Limits())
    try:
        headers = {"content-type": "application/json", "accept": "application/json"}
        response = app.handle(Request("POST", "/invocations", headers, request_body))
    finally:
        app.close()
    assert response.status == 200
    return response.body


def _invoker(client, sleeps: list[float] | None = None) -> ResilientInvoker:
    transport = SageMakerTransport(ENDPOINT, client=client)
    breaker = CircuitBreaker(transport.target, clock=FakeClock(), failure_threshold=2)
    return ResilientInvoker(
        transport, breaker=breaker, sleep=(sleeps if sleeps is not None else []).append
    )


def _model_error(client, status: int, message: str) -> None:
    client.stubber.add_client_error(
        "invoke_endpoint",
        service_error_code="ModelError",
        service_message=f"Received client error ({status}) from primary",
        http_status_code=424,
        modeled_fields={"OriginalStatusCode": status, "OriginalMessage": message},
    )


def test_sagemaker_segmenter_sends_json_and_reads_the_container_answer(
    client, identity_segmenter, coffee
):
    # GIVEN the exact body the adapter must send for a photo, and the container's answer to it
    body = BatchRequest(instances=(ImageInstance(image=encode_png(coffee)),)).model_dump_json()
    client.stubber.add_response(
        "invoke_endpoint",
        {"Body": _body(_container_answer(identity_segmenter, body.encode())), "ContentType": JSON},
        expected_params={
            "EndpointName": ENDPOINT,
            "Body": body.encode(),
            "ContentType": "application/json",
            "Accept": "application/json",
        },
    )
    segmenter = sagemaker_segmenter(sagemaker_invoker(ENDPOINT, client=client, clock=FakeClock()))

    # WHEN the photo is segmented through SageMaker
    alpha = segmenter.predict(coffee)

    # THEN the mask equals the in-process one
    np.testing.assert_array_equal(alpha, identity_segmenter.predict(coffee))


def test_throttling_exception_is_retried_then_answered(client):
    # GIVEN SageMaker throttling twice, then answering
    sleeps: list[float] = []
    for _ in range(2):
        client.stubber.add_client_error(
            "invoke_endpoint", service_error_code="ThrottlingException", http_status_code=400
        )
    client.stubber.add_response(
        "invoke_endpoint", {"Body": _body(b"{}"), "ContentType": "application/json"}
    )

    # WHEN one request is sent
    reply = _invoker(client, sleeps).invoke(b"{}", "application/json", "application/json")

    # THEN it got through on the third attempt after two backoff waits
    assert reply.body == b"{}"
    assert len(sleeps) == 2


def test_container_4xx_becomes_the_core_error_it_names(client):
    # GIVEN a container that rejects the photo as corrupt
    _model_error(
        client,
        400,
        '{"error": {"status": 400, "type": "CorruptImageError", "message": "truncated"}}',
    )

    # WHEN the request is sent
    # THEN the core's CorruptImageError is raised with the container's reason
    with pytest.raises(CorruptImageError, match="truncated"):
        _invoker(client).invoke(b"{}", "application/json", "application/json")


def test_container_5xx_and_a_missing_endpoint_trip_the_breaker(client):
    # GIVEN a container failing with 500, then an endpoint that does not exist
    _model_error(client, 500, '{"error": {"status": 500, "type": "RuntimeError"}}')
    client.stubber.add_client_error(
        "invoke_endpoint",
        service_error_code="ValidationError",
        service_message=f"Endpoint {ENDPOINT} of account 123 not found.",
        http_status_code=400,
    )
    invoker = _invoker(client)

    # WHEN three requests are sent
    for match in ("ModelError", "not found", "failing fast"):
        with pytest.raises(ModelEndpointUnavailableError, match=match):
            invoker.invoke(b"{}", "application/json", "application/json")

    # THEN the third failed fast: the breaker (threshold 2) is open
    assert invoker.breaker.state == "open"


def test_a_request_over_the_payload_limit_is_refused_before_sending(client):
    # GIVEN a transport capped at 1 kB (no response is stubbed: a call would fail the test)
    transport = SageMakerTransport(ENDPOINT, client=client, max_payload_bytes=1000)
    invoker = ResilientInvoker(transport, breaker=CircuitBreaker("t", clock=FakeClock()))

    # WHEN a 2 kB body is sent
    # THEN a permanent error names the limit
    with pytest.raises(PermanentError, match="over the endpoint's 1,000-byte limit"):
        invoker.invoke(b"x" * 2000, "application/json", "application/json")


def test_tensor_segmenter_goes_through_sagemaker_with_the_model_named(
    client, identity_model, coffee
):
    # GIVEN the container's answer to the photo's model-input tensor (the served model: u2netp)
    served = OnnxSegmenter(identity_model, U2NETP_SPEC, name="u2netp", threads=1)
    tensor = dump_npy(preprocess_for_segmentation(coffee, U2NETP_SPEC))
    app = EndpointApp(SegmentationModel(served), limits=Limits())
    content_type = "application/x-npy-tensor; model=u2netp"
    try:
        headers = {"content-type": content_type, "accept": "application/x-npy-tensor"}
        answer = app.handle(Request("POST", "/invocations", headers, tensor))
    finally:
        app.close()
    client.stubber.add_response(
        "invoke_endpoint",
        {"Body": _body(answer.body), "ContentType": "application/x-npy-tensor"},
        expected_params={
            "EndpointName": ENDPOINT,
            "Body": tensor,
            "ContentType": content_type,
            "Accept": "application/x-npy-tensor",
        },
    )
    invoker = sagemaker_invoker(ENDPOINT, client=client, clock=FakeClock())

    # WHEN the photo is segmented through SageMaker in the tensor profile
    alpha = TensorSegmenter(invoker, "u2netp", U2NETP_SPEC).predict(coffee)

    # THEN the mask equals the in-process one, and the payload is the 1.2 MB tensor
    np.testing.assert_array_equal(alpha, served.predict(coffee))
    assert len(tensor) < 1_300_000


def test_remote_models_send_tensors_when_the_served_model_is_known():
    # GIVEN sagemaker: and http:// targets serving a registry model (no call is made)
    from pixellift.adapters.endpoint.targets import RemoteModels

    models = RemoteModels(FakeClock(), region_name="eu-west-1")

    # WHEN segmenters are built for u2netp and for an operator's own model
    known = models.segmenter("sagemaker:seg", "u2netp")
    unknown = models.segmenter("sagemaker:seg", "my-model")

    # THEN the known model gets tensors, the other one the photo
    assert isinstance(known, TensorSegmenter)
    assert not isinstance(unknown, TensorSegmenter)
