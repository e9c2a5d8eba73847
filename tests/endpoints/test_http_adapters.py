from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from pixellift.adapters.endpoint.clients import RemoteMatter, RemoteSegmenter
from pixellift.adapters.endpoint.http_transport import HttpTransport
from pixellift.adapters.endpoint.inference import MattingModel, SegmentationModel
from pixellift.adapters.endpoint.resilience import CircuitBreaker, ResilientInvoker
from pixellift.adapters.local.edge_matter import EdgeMatter
from pixellift.adapters.local.onnx_models import OnnxSegmenter
from pixellift.core.errors import ModelEndpointUnavailableError
from pixellift.core.imaging.segmentation import ModelInputSpec

from tests.endpoints.conftest import FakeClock
from tests.fakes.segmenters import FakeSegmenter


@pytest.mark.parametrize("profile", ["arrays", "files"])
def test_http_segmenter_gives_the_in_process_masks(
    serve, http_invoker, identity_segmenter, coffee, profile
):
    # GIVEN the same segmenter in process and behind an HTTP server
    server = serve(SegmentationModel(identity_segmenter), None)
    remote = RemoteSegmenter(http_invoker(server.url), profile=profile)

    # WHEN a real photo goes through both
    local_alpha = identity_segmenter.predict(coffee)
    remote_alpha = remote.predict(coffee)

    # THEN the masks are identical, value for value
    assert remote_alpha.dtype == np.float32
    np.testing.assert_array_equal(remote_alpha, local_alpha)


def test_http_segmenter_carries_non_8_bit_masks_exactly_as_arrays(
    serve, http_invoker, identity_model, coffee
):
    # GIVEN a model whose masks are bilinear floats, not 8-bit levels
    spec = ModelInputSpec(rows=320, cols=320, mean=(0, 0, 0), std=(1, 1, 1), resample="bilinear")
    segmenter = OnnxSegmenter(identity_model, spec, name="bilinear", threads=1)
    server = serve(SegmentationModel(segmenter), None)
    local_alpha = segmenter.predict(coffee)

    # WHEN it is called through HTTP in both profiles
    arrays = RemoteSegmenter(http_invoker(server.url), profile="arrays").predict(coffee)
    files = RemoteSegmenter(http_invoker(server.url), profile="files").predict(coffee)

    # THEN arrays are exact and 16-bit PNG is within one 16-bit level
    np.testing.assert_array_equal(arrays, local_alpha)
    assert float(np.abs(files - local_alpha).max()) <= 1 / 65535 + 1e-7


def test_http_segmenter_batches_photos_into_few_requests(
    serve, http_invoker, identity_segmenter, coffee
):
    # GIVEN a segmenter that sends up to 3 photos per request, and 7 photos of several sizes
    server = serve(SegmentationModel(identity_segmenter), None)
    photos = [np.ascontiguousarray(coffee[: 40 + 8 * i, : 60 + 9 * i]) for i in range(7)]
    remote = RemoteSegmenter(http_invoker(server.url), batch_size=3)

    # WHEN they are predicted as a batch
    alphas = remote.predict_batch(photos)

    # THEN each mask matches the photo's in-process mask, in order
    assert len(alphas) == 7
    for photo, alpha in zip(photos, alphas, strict=True):
        np.testing.assert_array_equal(alpha, identity_segmenter.predict(photo))


def test_http_matter_gives_the_in_process_matte(serve, http_invoker, studio_shot):
    # GIVEN a matting server and a coarse mask for a studio shot
    coarse = FakeSegmenter().predict(studio_shot)
    server = serve(MattingModel(EdgeMatter(), None), None)
    remote = RemoteMatter(http_invoker(server.url))

    # WHEN the pair is matted remotely and in process
    got = remote.matte(studio_shot, coarse)
    expected = EdgeMatter().matte(studio_shot, coarse)

    # THEN alpha and foreground are identical
    np.testing.assert_array_equal(got.alpha, expected.alpha)
    np.testing.assert_array_equal(got.foreground, expected.foreground)


@pytest.mark.model
@pytest.mark.slow
def test_http_segmenter_matches_in_process_u2netp_on_a_real_photo(
    serve, http_invoker, coffee, u2netp_pair
):
    # GIVEN U2-Net-p in process and behind a server (separate sessions)
    local, served = u2netp_pair
    server = serve(SegmentationModel(served), None)

    # WHEN the photo goes through both
    remote = RemoteSegmenter(http_invoker(server.url)).predict(coffee)

    # THEN the masks are identical
    np.testing.assert_array_equal(remote, local.predict(coffee))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_http_adapter_turns_a_refused_connection_into_a_transient_error(http_invoker, coffee):
    # GIVEN a URL where nothing listens
    remote = RemoteSegmenter(http_invoker(f"http://127.0.0.1:{_free_port()}"))

    # WHEN a photo is sent
    # THEN the error is the transient one the state machine retries
    with pytest.raises(ModelEndpointUnavailableError, match="cannot connect to http://127.0.0.1"):
        remote.predict(coffee)


class _Scripted(BaseHTTPRequestHandler):
    """Answers with the next scripted (status, delay) and counts requests."""

    protocol_version = "HTTP/1.1"
    script: list[tuple[int, float]] = []
    seen = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen += 1
        status, delay = type(self).script.pop(0)
        time.sleep(delay)
        body = b'{"error": {"status": %d, "type": "Busy", "message": "slow down"}}' % status
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def scripted():
    _Scripted.script, _Scripted.seen = [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_http_adapter_retries_429_with_backoff_then_gives_up(scripted, coffee):
    # GIVEN an endpoint that answers 429 four times
    _Scripted.script = [(429, 0.0)] * 4
    delays: list[float] = []
    transport = HttpTransport(f"http://127.0.0.1:{scripted.server_address[1]}")
    invoker = ResilientInvoker(
        transport, breaker=CircuitBreaker("t", clock=FakeClock()), sleep=delays.append
    )

    # WHEN a photo is sent
    with pytest.raises(ModelEndpointUnavailableError, match="still throttling after 4 attempts"):
        try:
            RemoteSegmenter(invoker).predict(coffee[:20, :20])
        finally:
            transport.close()

    # THEN it was tried four times with three growing backoff caps
    assert _Scripted.seen == 4
    assert len(delays) == 3
    assert all(0.0 <= d <= cap for d, cap in zip(delays, [0.1, 0.2, 0.4], strict=True))


def test_http_adapter_times_out_a_hung_endpoint(scripted, http_invoker, coffee):
    # GIVEN an endpoint that takes 2 s to answer, and a 0.3 s read timeout
    _Scripted.script = [(200, 2.0)]
    remote = RemoteSegmenter(
        http_invoker(f"http://127.0.0.1:{scripted.server_address[1]}", read_timeout_s=0.3)
    )

    # WHEN a photo is sent
    # THEN the call fails after the timeout with the transient error
    with pytest.raises(ModelEndpointUnavailableError, match="did not answer within 0.3 s"):
        remote.predict(coffee[:20, :20])


def test_remote_models_share_one_breaker_per_endpoint(segmentation_server, coffee):
    # GIVEN adapters built from the same http:// target
    from pixellift.adapters.endpoint.targets import RemoteModels

    models = RemoteModels(FakeClock())
    first = models.segmenter(segmentation_server.url)
    second = models.segmenter(segmentation_server.url)

    # WHEN one of them is used
    try:
        alpha = first.predict(coffee)
    finally:
        models.invoker(segmentation_server.url).transport.close()

    # THEN it works and both share the invoker (and so the circuit breaker)
    assert alpha.shape == (100, 150)
    assert models.invoker(segmentation_server.url) is models.invoker(segmentation_server.url)
    assert first.name == second.name == f"remote:{segmentation_server.url}"


@pytest.mark.parametrize("target", ["ftp://host", "sagemaker:", "segmentation"])
def test_remote_models_refuse_an_unknown_target(target):
    # GIVEN / WHEN / THEN a target that is neither http:// nor sagemaker:<name> is refused
    from pixellift.adapters.endpoint.targets import RemoteModels

    with pytest.raises(ValueError, match="neither http://host:port nor sagemaker:<endpoint name>"):
        RemoteModels(FakeClock()).segmenter(target)


def test_remote_models_build_sagemaker_adapters_in_the_files_profile():
    # GIVEN a sagemaker: target (no call is made)
    from pixellift.adapters.endpoint.targets import RemoteModels

    models = RemoteModels(FakeClock(), region_name="eu-west-1")

    # WHEN the three adapters are built
    adapters = [
        models.segmenter("sagemaker:seg"),
        models.matter("sagemaker:mat"),
        models.ocr_reader("sagemaker:ocr"),
    ]

    # THEN each targets its endpoint with JSON and PNG payloads
    assert [a.name for a in adapters] == [
        "remote:sagemaker:seg",
        "remote:sagemaker:mat",
        "remote:sagemaker:ocr",
    ]
    assert {a.profile for a in adapters} == {"files"}
