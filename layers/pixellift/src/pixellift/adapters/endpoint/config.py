"""Configuration of a model server, parsed once from an environment mapping.

Variables (all optional):

- ``SAGEMAKER_BIND_TO_PORT``: port, default 8080 (SageMaker sets it for multi-container models);
- ``PIXELLIFT_ENDPOINT_MODEL_DIR``: model artefacts; default ``/opt/ml/model`` in the container,
  the local model cache for ``pixellift endpoint serve``;
- ``PIXELLIFT_SEGMENTATION_MODEL``: registry name or ``.onnx`` path, default ``u2netp``;
- ``PIXELLIFT_THREADS``: onnxruntime intra-op threads, default 0 (onnxruntime decides);
- ``PIXELLIFT_ONNX_PROVIDERS``: onnxruntime execution providers, comma-separated; default CUDA
  when the image's onnxruntime has it (``onnxruntime-gpu``), else the CPU;
- ``PIXELLIFT_ENDPOINT_WORKERS``: photos processed at once, default the CPU count (at most 8);
- ``PIXELLIFT_ENDPOINT_MAX_REQUEST_BYTES``: largest request body, default 64 MiB;
- ``PIXELLIFT_ENDPOINT_MAX_BATCH``: most photos per request, default 16;
- ``PIXELLIFT_MAX_PIXELS``: largest photo in pixels, default 50 million;
- ``PIXELLIFT_OCR_MIN_CONFIDENCE``: OCR lines below it are dropped, default 0.5.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from pixellift.adapters.endpoint.jobs import Limits
from pixellift.adapters.settings import names_list
from pixellift.core.contracts.endpoints import ENDPOINT_KINDS, EndpointKind

CONTAINER_MODEL_DIR: Final = Path("/opt/ml/model")
SAGEMAKER_PORT: Final = 8080
_MAX_DEFAULT_WORKERS: Final = 8
_MAX_PORT: Final = 65535


def _int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value}")
    return value


@dataclass(frozen=True)
class EndpointConfig:
    """Everything a model server needs to start."""

    kind: EndpointKind
    model_dir: Path
    host: str = "0.0.0.0"  # noqa: S104 - a container must listen on all interfaces
    port: int = SAGEMAKER_PORT
    segmentation_model: str = "u2netp"
    threads: int = 0
    providers: tuple[str, ...] = ()
    workers: int = 1
    limits: Limits = field(default_factory=Limits)
    ocr_min_confidence: float = 0.5

    @classmethod
    def from_env(
        cls,
        kind: str,
        env: Mapping[str, str],
        *,
        model_dir: Path,
        host: str,
        cpu_count: int,
    ) -> EndpointConfig:
        """Read the configuration (pass ``os.environ`` at the edge).

        Parameters
        ----------
        kind
            ``segmentation``, ``matting`` or ``ocr``.
        env
            The environment.
        model_dir
            Where artefacts are when ``PIXELLIFT_ENDPOINT_MODEL_DIR`` is unset.
        host
            Interface to bind.
        cpu_count
            CPUs available, for the default number of workers.

        Raises
        ------
        ValueError
            An unknown kind or a malformed variable (the message names it).
        """
        if kind not in ENDPOINT_KINDS:
            raise ValueError(f"unknown endpoint {kind!r}: use one of {', '.join(ENDPOINT_KINDS)}")
        port = _int(env, "SAGEMAKER_BIND_TO_PORT", SAGEMAKER_PORT, 0)
        if port > _MAX_PORT:
            raise ValueError(f"SAGEMAKER_BIND_TO_PORT must be a TCP port, got {port}")
        default_workers = max(1, min(cpu_count, _MAX_DEFAULT_WORKERS))
        limits = Limits(
            max_request_bytes=_int(
                env, "PIXELLIFT_ENDPOINT_MAX_REQUEST_BYTES", Limits.max_request_bytes, 1
            ),
            max_batch=_int(env, "PIXELLIFT_ENDPOINT_MAX_BATCH", Limits.max_batch, 1),
            max_pixels=_int(env, "PIXELLIFT_MAX_PIXELS", Limits.max_pixels, 1),
        )
        return cls(
            kind=kind,
            model_dir=Path(env.get("PIXELLIFT_ENDPOINT_MODEL_DIR") or model_dir),
            host=host,
            port=port,
            segmentation_model=env.get("PIXELLIFT_SEGMENTATION_MODEL") or "u2netp",
            threads=_int(env, "PIXELLIFT_THREADS", 0, 0),
            providers=names_list(env.get("PIXELLIFT_ONNX_PROVIDERS")),
            workers=_int(env, "PIXELLIFT_ENDPOINT_WORKERS", default_workers, 1),
            limits=limits,
            ocr_min_confidence=_float(env, "PIXELLIFT_OCR_MIN_CONFIDENCE", 0.5),
        )
