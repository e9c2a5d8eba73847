"""Start a model server: the SageMaker container's entry point and ``pixellift endpoint serve``.

Models are loaded (and their ONNX sessions opened) before the port is bound, so ``/ping``
answers 200 from the first moment SageMaker can reach it. SIGTERM and SIGINT stop the server
after the requests in progress (SageMaker sends SIGTERM, then SIGKILL 30 s later).
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Final

from pixellift.adapters.endpoint.app import EndpointApp
from pixellift.adapters.endpoint.config import CONTAINER_MODEL_DIR, EndpointConfig
from pixellift.adapters.endpoint.inference import (
    EndpointModel,
    MattingModel,
    OcrModel,
    SegmentationModel,
)
from pixellift.adapters.endpoint.server import EndpointServer
from pixellift.adapters.local.edge_matter import EdgeMatter
from pixellift.adapters.local.model_cache import ModelCache
from pixellift.adapters.local.onnx_models import OnnxSegmenter, load_segmenter
from pixellift.adapters.local.rapid_ocr import RapidOcrReader
from pixellift.core.errors import ModelNotFoundError, PhotoPipelineError

_LOG: Final = logging.getLogger(__name__)


def _segmenter(config: EndpointConfig) -> OnnxSegmenter:
    segmenter = load_segmenter(
        config.segmentation_model,
        ModelCache(config.model_dir),
        threads=config.threads,
        providers=config.providers,
    )
    segmenter.session()
    return segmenter


def build_model(config: EndpointConfig) -> EndpointModel:
    """Load the endpoint's model from ``config.model_dir``.

    Raises
    ------
    ModelNotFoundError, ModelChecksumError, InvalidModelError
        The segmentation model is missing, altered or unloadable (segmentation endpoint), or
        the OCR engine is not installed.
    """
    if config.kind == "segmentation":
        return SegmentationModel(_segmenter(config))
    if config.kind == "matting":
        try:
            segmenter: OnnxSegmenter | None = _segmenter(config)
        except ModelNotFoundError as exc:
            _LOG.warning(
                "no segmentation model (%s): photos sent without a coarse mask are segmented "
                "by the classical plain-background path only",
                exc,
            )
            segmenter = None
        return MattingModel(EdgeMatter(), segmenter)
    reader = RapidOcrReader(min_confidence=config.ocr_min_confidence)
    reader.engine()
    return OcrModel(reader)


def build_app(config: EndpointConfig) -> EndpointApp:
    """The request handler with its model loaded."""
    return EndpointApp(build_model(config), limits=config.limits, workers=config.workers)


def run_until_stopped(
    server: EndpointServer, on_ready: Callable[[EndpointServer], None] | None = None
) -> None:
    """Serve until SIGTERM or SIGINT, then shut down cleanly (main thread only)."""
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        _LOG.info("signal %d: stopping", signum)
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.start()
        if on_ready is not None:
            on_ready(server)
        while not stop.wait(0.5):
            pass
    finally:
        server.shutdown()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _parser(kind: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"serve.py ({kind})", description=f"PixelLift {kind} model server"
    )
    parser.add_argument("command", nargs="?", choices=["serve"], default="serve")
    parser.add_argument("--host", default=None, help="interface (default 0.0.0.0)")
    parser.add_argument("--port", type=int, default=None, help="port (default 8080)")
    parser.add_argument("--model-dir", type=Path, default=None, help="default /opt/ml/model")
    return parser


def container_main(kind: str, argv: Sequence[str], env: Mapping[str, str], cpu_count: int) -> int:
    """Entry point of ``sagemaker_endpoints/<kind>/serve.py``; returns the exit status."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = _parser(kind).parse_args(list(argv))
    try:
        config = EndpointConfig.from_env(
            kind,
            env,
            model_dir=args.model_dir or CONTAINER_MODEL_DIR,
            host=args.host or "0.0.0.0",  # noqa: S104 - SageMaker connects from outside
            cpu_count=cpu_count,
        )
        if args.model_dir is not None:
            config = replace(config, model_dir=args.model_dir)
        if args.port is not None:
            config = replace(config, port=args.port)
        server = EndpointServer(build_app(config), config.host, config.port)
    except (ValueError, OSError, PhotoPipelineError) as exc:
        _LOG.error("cannot start the %s endpoint: %s", kind, exc)  # noqa: TRY400
        return 2
    run_until_stopped(
        server,
        lambda s: _LOG.info(
            "%s endpoint (%s) listening on %s:%d", kind, s.app.model.name, config.host, s.port
        ),
    )
    return 0
