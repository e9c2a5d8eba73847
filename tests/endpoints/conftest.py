"""Endpoint tier: model servers started in process on loopback, with small real models."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from PIL import Image, ImageDraw, ImageFont
from pixellift.adapters.endpoint.app import EndpointApp
from pixellift.adapters.endpoint.http_transport import HttpTransport
from pixellift.adapters.endpoint.inference import EndpointModel, SegmentationModel
from pixellift.adapters.endpoint.jobs import Limits
from pixellift.adapters.endpoint.resilience import CircuitBreaker, ResilientInvoker
from pixellift.adapters.endpoint.server import EndpointServer
from pixellift.adapters.local.model_cache import ModelCache
from pixellift.adapters.local.onnx_models import OnnxSegmenter, load_segmenter
from pixellift.adapters.settings import Settings
from pixellift.core.errors import PhotoPipelineError
from pixellift.core.imaging.segmentation import U2NETP_SPEC

from tests.fakes.onnx_models import write_identity_model


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def identity_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_identity_model(tmp_path_factory.mktemp("models") / "identity.onnx")


@pytest.fixture(scope="session")
def identity_segmenter(identity_model: Path) -> OnnxSegmenter:
    return OnnxSegmenter(identity_model, U2NETP_SPEC, name="identity", threads=1)


def jpeg(rgb: np.ndarray, quality: int = 92) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def png(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def coffee() -> np.ndarray:
    """A real photo (scikit-image's coffee cup, public domain), reduced to 100 x 150."""
    photo = Image.fromarray(skimage.data.coffee()).resize((150, 100), Image.Resampling.LANCZOS)
    return np.asarray(photo)


@pytest.fixture(scope="session")
def studio_shot() -> np.ndarray:
    """A blue product on a light studio sweep: the classical path segments it."""
    rows, cols = 90, 120
    photo = np.full((rows, cols, 3), 242, np.uint8)
    rr, cc = np.mgrid[0:rows, 0:cols]
    photo[((rr - 45) / 28) ** 2 + ((cc - 60) / 34) ** 2 <= 1] = (40, 70, 190)
    return photo


def text_photo(lines: list[tuple[str, int]]) -> np.ndarray:
    """White text on dark bands over the coffee photo, at 300 x 450 (Pillow's own font)."""
    photo = Image.fromarray(skimage.data.coffee()).resize((450, 300), Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(photo)
    top = 24
    for text, size in lines:
        font = ImageFont.load_default(size=size)
        left, upper, right, lower = draw.textbbox((0, 0), text, font=font)
        draw.rectangle((12, top - 8, 28 + right - left, top + lower - upper + 8), fill=(20, 20, 20))
        draw.text((20 - left, top - upper), text, font=font, fill=(255, 255, 255))
        top += lower - upper + 36
    return np.asarray(photo)


@pytest.fixture
def serve() -> Iterator[Callable[[EndpointModel, Limits | None], EndpointServer]]:
    """Start servers on free loopback ports; they are shut down after the test."""
    servers: list[EndpointServer] = []

    def start(model: EndpointModel, limits: Limits | None = None) -> EndpointServer:
        app = EndpointApp(model, limits=limits or Limits(), workers=2)
        server = EndpointServer(app, "127.0.0.1", 0).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture
def http_invoker() -> Iterator[Callable[..., ResilientInvoker]]:
    """HTTP invokers (fake clock, no real sleeping) whose connections close after the test."""
    transports: list[HttpTransport] = []

    def make(url: str, **timeouts: float) -> ResilientInvoker:
        transport = HttpTransport(url, **timeouts)
        transports.append(transport)
        breaker = CircuitBreaker(transport.target, clock=FakeClock())
        return ResilientInvoker(transport, breaker=breaker, sleep=lambda _s: None)

    yield make
    for transport in transports:
        transport.close()


@pytest.fixture
def segmentation_server(
    serve: Callable[[EndpointModel, Limits | None], EndpointServer],
    identity_segmenter: OnnxSegmenter,
) -> EndpointServer:
    return serve(SegmentationModel(identity_segmenter), None)


@pytest.fixture(scope="session")
def u2netp_pair() -> tuple[OnnxSegmenter, OnnxSegmenter]:
    """U2-Net-p twice (one in process, one to serve: separate sessions), or a skip."""
    cache = ModelCache(Settings.from_env({}).model_dir)
    try:
        return (
            load_segmenter("u2netp", cache, threads=1),
            load_segmenter("u2netp", cache, threads=1),
        )
    except PhotoPipelineError as exc:
        pytest.skip(f"U2-Net-p is not in the model cache ({exc})")
