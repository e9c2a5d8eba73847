from __future__ import annotations

import base64
import io
import json
import socket
import zipfile

import numpy as np
import pytest
from pixellift.adapters.endpoint.codec import dump_npy, pack_npz
from pixellift.adapters.endpoint.inference import SegmentationModel
from pixellift.adapters.endpoint.jobs import Limits
from pixellift.core.contracts.endpoints import ErrorResponse, SegmentationResponse

from tests.endpoints.conftest import jpeg, png
from tests.endpoints.raw_http import call, invoke
from tests.fakes.segmenters import FailingSegmenter

SMALL = np.full((8, 8, 3), 128, np.uint8)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _json(payload: object) -> bytes:
    return json.dumps(payload).encode()


def _pickled_npz() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, image_0=np.array([{"a": 1}], dtype=object))
    return buffer.getvalue()


def _error(answer) -> tuple[int, str, str]:
    error = ErrorResponse.model_validate_json(answer.body).error
    assert error.status == answer.status
    return answer.status, error.type, error.message


BAD_BODIES = [
    pytest.param(
        (b"", "image/png", None),
        (400, "EmptyBody", "empty"),
        id="empty-body",
    ),
    pytest.param(
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "image/png", None),
        (400, "CorruptImageError", "request body"),
        id="corrupt-png",
    ),
    pytest.param(
        (jpeg(SMALL)[:-40][:60], "image/jpeg", None),
        (400, "CorruptImageError", "request body"),
        id="truncated-jpeg",
    ),
    pytest.param(
        (b"hello, world", "image/jpeg", None),
        (415, "UnsupportedImageFormatError", "text file"),
        id="not-an-image",
    ),
    pytest.param(
        (png(SMALL), "text/plain", None),
        (415, "UnsupportedMediaType", "text/plain"),
        id="unknown-content-type",
    ),
    pytest.param(
        (png(SMALL), "image/png", "text/csv"),
        (406, "NotAcceptable", "text/csv"),
        id="unanswerable-accept",
    ),
    pytest.param(
        (b"{not json", "application/json", None),
        (400, "InvalidRequest", "body"),
        id="malformed-json",
    ),
    pytest.param(
        (_json({"images": []}), "application/json", None),
        (400, "InvalidRequest", "instances: Field required"),
        id="missing-instances",
    ),
    pytest.param(
        (_json({"instances": []}), "application/json", None),
        (400, "InvalidRequest", "instances: "),
        id="empty-batch",
    ),
    pytest.param(
        (_json({"instances": [{"image": "not base64!"}]}), "application/json", None),
        (400, "InvalidRequest", "instances.0.image: Value error, not valid base64"),
        id="bad-base64",
    ),
    pytest.param(
        (_json({"instances": [{"image": _b64(png(SMALL)), "extra": 1}]}), "application/json", None),
        (400, "InvalidRequest", "instances.0.extra"),
        id="unknown-field",
    ),
    pytest.param(
        (b"PK\x03\x04 not really", "application/x-npz", None),
        (400, "WireFormatError", ".npz"),
        id="not-an-npz",
    ),
    pytest.param(
        (_pickled_npz(), "application/x-npz", None),
        (400, "WireFormatError", "pickles"),
        id="pickled-npz",
    ),
    pytest.param(
        (dump_npy(SMALL)[:-10], "application/x-npy", None),
        (400, "WireFormatError", "cut short"),
        id="npy-cut-short",
    ),
    pytest.param(
        (dump_npy(SMALL.astype(np.float32)), "application/x-npy", None),
        (400, "WireFormatError", "request body must be a uint8"),
        id="npy-wrong-dtype",
    ),
    pytest.param(
        (b"not an array", "application/x-npy", None),
        (400, "WireFormatError", ".npy"),
        id="not-an-npy",
    ),
    pytest.param(
        (pack_npz({"image_0": SMALL.astype(np.float32)}), "application/x-npz", None),
        (400, "WireFormatError", "image_0 must be a uint8"),
        id="npz-wrong-dtype",
    ),
    pytest.param(
        (pack_npz({"image_0": SMALL, "image_2": SMALL}), "application/x-npz", None),
        (400, "WireFormatError", "without gaps"),
        id="npz-gap",
    ),
    pytest.param(
        (pack_npz({"photo": SMALL}), "application/x-npz", None),
        (400, "WireFormatError", "unexpected arrays ['photo']"),
        id="npz-unknown-array",
    ),
    pytest.param(
        (
            pack_npz({"image_0": SMALL, "coarse_0": np.zeros((8, 8), np.float32)}),
            "application/x-npz",
            None,
        ),
        (400, "WireFormatError", "only the matting"),
        id="coarse-for-segmentation",
    ),
]


@pytest.mark.parametrize(("request_parts", "expected"), BAD_BODIES)
def test_invocations_rejects_bad_input_with_a_4xx_and_the_reason(
    segmentation_server, request_parts, expected
):
    # GIVEN a request whose body or headers break the contract
    body, content_type, accept = request_parts
    status, error_type, reason = expected

    # WHEN it is posted
    answer = invoke(segmentation_server, body, content_type, accept)

    # THEN the status says what kind of problem it is and the body names it
    got_status, got_type, message = _error(answer)
    assert (got_status, got_type) == (status, error_type)
    assert reason in message


def test_invocations_rejects_a_body_over_the_size_limit_before_decoding_it(
    serve, identity_segmenter
):
    # GIVEN a server that accepts at most 1000 bytes
    server = serve(SegmentationModel(identity_segmenter), Limits(max_request_bytes=1000))

    # WHEN a 3 MB body is posted
    answer = invoke(server, b"\x89PNG" + bytes(3_000_000), "image/png")

    # THEN the client gets the 413 (not a reset connection), naming the limit, and the
    # connection is closed
    assert _error(answer)[:2] == (413, "RequestTooLarge")
    assert "3,000,004 bytes, over the 1,000-byte limit" in answer.json()["error"]["message"]
    assert answer.headers["connection"] == "close"


def test_invocations_rejects_more_images_than_the_batch_limit(serve, identity_segmenter):
    # GIVEN a server taking at most two photos per request
    server = serve(SegmentationModel(identity_segmenter), Limits(max_batch=2))

    # WHEN three are sent
    answer = invoke(server, pack_npz({f"image_{i}": SMALL for i in range(3)}), "application/x-npz")

    # THEN it answers 413 and says how many it takes
    assert _error(answer)[:2] == (413, "TooManyImages")
    assert "limit of 2" in answer.json()["error"]["message"]


def test_invocations_rejects_a_decompression_bomb(serve, identity_segmenter):
    # GIVEN a server taking photos of at most 1000 pixels
    server = serve(SegmentationModel(identity_segmenter), Limits(max_pixels=1000))

    # WHEN a 40 x 40 PNG (1600 pixels) is posted
    answer = invoke(server, png(np.zeros((40, 40, 3), np.uint8)), "image/png")

    # THEN it answers 413 before decoding the pixels
    assert _error(answer)[:2] == (413, "DecompressionBombError")


def test_invocations_requires_a_content_length(segmentation_server):
    # GIVEN a raw connection sending a chunked body
    request = (
        b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", segmentation_server.port), timeout=10) as sock:
        # WHEN it is sent
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):  # the server closes the connection after answering
            chunks.append(chunk)
        reply = b"".join(chunks).decode()

    # THEN the server answers 411 Length Required with a JSON reason
    assert reply.startswith("HTTP/1.1 411")
    assert '"LengthRequired"' in reply


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("GET", "/predict", 404, None),
        ("POST", "/ping", 405, "GET"),
        ("GET", "/invocations", 405, "POST"),
    ],
)
def test_unknown_routes_and_methods_get_404_and_405(
    segmentation_server, method, path, status, allow
):
    # GIVEN a running server
    # WHEN a route or method outside the contract is used
    answer = call(segmentation_server, method, path)

    # THEN it answers 404 or 405 (naming the allowed method)
    assert answer.status == status
    assert answer.headers.get("allow") == allow


def test_one_bad_photo_in_a_json_batch_fails_alone(segmentation_server):
    # GIVEN a batch with one good photo and one corrupt file
    body = _json(
        {
            "instances": [
                {"id": "good", "image": _b64(png(SMALL))},
                {"id": "bad", "image": _b64(b"\x89PNG\r\n\x1a\nbroken")},
            ]
        }
    )

    # WHEN it is posted
    answer = invoke(segmentation_server, body, "application/json")

    # THEN the batch succeeds, the good photo has its mask and the bad one its reason
    assert answer.status == 200
    good, bad = SegmentationResponse.model_validate_json(answer.body).results
    assert good.error is None and good.mask is not None
    assert (bad.id, bad.error.status, bad.error.type) == ("bad", 400, "CorruptImageError")
    assert bad.error.message.startswith("instances.1 (bad): ")


def test_a_model_fault_is_a_500_without_internal_details(serve):
    # GIVEN a server whose model crashes
    server = serve(
        SegmentationModel(FailingSegmenter(RuntimeError("CUDA out of memory at 0x7f"))), None
    )

    # WHEN a valid photo is posted
    answer = invoke(server, png(SMALL), "image/png")

    # THEN it answers 500, names the error class but not its internals
    status, error_type, message = _error(answer)
    assert (status, error_type) == (500, "RuntimeError")
    assert message == "image 0: internal error"


def test_a_zip_bomb_npz_is_refused_by_array_count(serve, identity_segmenter):
    # GIVEN a server taking at most one photo, and an archive with many members
    server = serve(SegmentationModel(identity_segmenter), Limits(max_batch=1))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(5):
            archive.writestr(f"image_{index}.npy", b"")

    # WHEN it is posted
    answer = invoke(server, buffer.getvalue(), "application/x-npz")

    # THEN it is refused before any array is read
    assert _error(answer)[:2] == (400, "WireFormatError")
    assert "over 2" in answer.json()["error"]["message"]
