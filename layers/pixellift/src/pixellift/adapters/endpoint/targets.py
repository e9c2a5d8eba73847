"""Build a remote model adapter from a target string, for the composition root.

A target is ``http://host:port`` (a local server: ``pixellift endpoint serve`` or the container
run by hand) or ``sagemaker:<endpoint name>``. One circuit breaker is made per target, so every
adapter of the process that calls the same endpoint fails fast together.
"""

from __future__ import annotations

import threading
from typing import Final

from pixellift.adapters.endpoint.clients import RemoteMatter, RemoteOcrReader, RemoteSegmenter
from pixellift.adapters.endpoint.http_transport import HttpTransport
from pixellift.adapters.endpoint.resilience import CircuitBreaker, ResilientInvoker
from pixellift.adapters.endpoint.tensor_client import TensorSegmenter
from pixellift.core.ports import Clock, Segmenter

SAGEMAKER_PREFIX: Final = "sagemaker:"


class RemoteModels:
    """Adapters for model endpoints, with one breaker per endpoint.

    Parameters
    ----------
    clock
        Time source of the circuit breakers.
    region_name
        AWS region for ``sagemaker:`` targets (default: the SDK's own resolution).
    """

    def __init__(self, clock: Clock, *, region_name: str | None = None) -> None:
        self._clock = clock
        self._region = region_name
        self._invokers: dict[str, ResilientInvoker] = {}
        self._lock = threading.Lock()

    def invoker(self, target: str) -> ResilientInvoker:
        """The shared invoker of ``target``.

        Raises
        ------
        ValueError
            The target is neither an ``http://`` URL nor ``sagemaker:<name>``.
        """
        with self._lock:
            found = self._invokers.get(target)
            if found is None:
                found = self._make(target)
                self._invokers[target] = found
            return found

    def _make(self, target: str) -> ResilientInvoker:
        if target.startswith(SAGEMAKER_PREFIX) and len(target) > len(SAGEMAKER_PREFIX):
            from pixellift.adapters.aws.sagemaker_models import (
                sagemaker_invoker,
                sagemaker_runtime_client,
            )

            client = sagemaker_runtime_client(region_name=self._region)
            name = target.removeprefix(SAGEMAKER_PREFIX)
            return sagemaker_invoker(name, client=client, clock=self._clock)
        if target.startswith("http://"):
            transport = HttpTransport(target)
            breaker = CircuitBreaker(transport.target, clock=self._clock)
            return ResilientInvoker(transport, breaker=breaker)
        raise ValueError(
            f"model endpoint {target!r} is neither http://host:port nor sagemaker:<endpoint name>"
        )

    def segmenter(self, target: str, model: str | None = None) -> Segmenter:
        """A ``Segmenter`` on the segmentation endpoint at ``target``.

        When ``model`` (the served model) is one the registry knows, the photo's model-input
        tensor travels instead of its pixels (the ``tensor`` profile: 1.6 MB for U2-Net-p,
        within SageMaker's 6 MB payload whatever the photo's size); otherwise the photo does (an
        array over HTTP, JSON with PNG to SageMaker).
        """
        if model is not None:
            from pixellift.adapters.local.onnx_models import MODEL_REGISTRY

            registered = MODEL_REGISTRY.get(model)
            if registered is not None:
                return TensorSegmenter(self.invoker(target), model, registered.spec)
        if target.startswith(SAGEMAKER_PREFIX):
            from pixellift.adapters.aws.sagemaker_models import sagemaker_segmenter

            return sagemaker_segmenter(self.invoker(target))
        return RemoteSegmenter(self.invoker(target))

    def matter(self, target: str) -> RemoteMatter:
        """A ``Matter`` on the matting endpoint at ``target``."""
        if target.startswith(SAGEMAKER_PREFIX):
            from pixellift.adapters.aws.sagemaker_models import sagemaker_matter

            return sagemaker_matter(self.invoker(target))
        return RemoteMatter(self.invoker(target))

    def ocr_reader(self, target: str) -> RemoteOcrReader:
        """An ``OcrReader`` on the OCR endpoint at ``target``."""
        if target.startswith(SAGEMAKER_PREFIX):
            from pixellift.adapters.aws.sagemaker_models import sagemaker_ocr_reader

            return sagemaker_ocr_reader(self.invoker(target))
        return RemoteOcrReader(self.invoker(target))
