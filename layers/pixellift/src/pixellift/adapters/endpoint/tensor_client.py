"""``Segmenter`` that prepares the model's input here and runs only the model on the endpoint.

The ``tensor`` wire profile (:mod:`pixellift.adapters.endpoint.tensors`): pre- and
post-processing are the core's, run in this process exactly as the in-process segmenter runs
them, so the masks are identical; what crosses the wire is the model's input and output tensor
(1.6 MB for U2-Net-p whatever the photo's size, against 16 MB for a 2000 × 2000 photo and its mask).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pixellift.adapters.endpoint.codec import WireFormatError, dump_npy, load_npy
from pixellift.adapters.endpoint.resilience import ResilientInvoker
from pixellift.core.contracts.endpoints import TENSOR
from pixellift.core.errors import ModelEndpointUnavailableError
from pixellift.core.imaging.segmentation import (
    ModelInputSpec,
    postprocess_mask,
    preprocess_for_segmentation,
)
from pixellift.core.types import Alpha, RgbImage


class TensorSegmenter:
    """``Segmenter`` on a segmentation endpoint, sending model-input tensors.

    Parameters
    ----------
    invoker
        Transport with retries and circuit breaker.
    model
        The served model's name (the endpoint refuses tensors prepared for another model).
    spec
        That model's input specification (the registry's, as the server loads it).
    name
        Reported model name; ``remote:<target>`` by default.
    """

    def __init__(
        self,
        invoker: ResilientInvoker,
        model: str,
        spec: ModelInputSpec,
        *,
        name: str | None = None,
    ) -> None:
        self._invoker = invoker
        self._model = model
        self._spec = spec
        self._name = name or f"remote:{invoker.transport.target}"

    @property
    def name(self) -> str:
        """Identifier recorded in step logs."""
        return self._name

    def predict(self, rgb: RgbImage) -> Alpha:
        """Foreground probability at the photo's size.

        Raises
        ------
        ModelEndpointUnavailableError
            The endpoint is down, keeps failing, or answered something unreadable.
        PermanentError
            The endpoint refused the tensor (another model, wrong shape).
        """
        tensor = preprocess_for_segmentation(rgb, self._spec)
        content_type = f"{TENSOR}; model={self._model}"
        reply = self._invoker.invoke(dump_npy(tensor), content_type, TENSOR)
        target = self._invoker.transport.target
        try:
            raw = np.asarray(load_npy(reply.body), dtype=np.float32)
        except WireFormatError as exc:
            msg = f"model endpoint {target} sent an unreadable tensor: {exc}"
            raise ModelEndpointUnavailableError(msg) from exc
        if not raw.size:
            msg = f"model endpoint {target} sent an empty {list(raw.shape)} tensor"
            raise ModelEndpointUnavailableError(msg)
        try:
            return postprocess_mask(raw, (int(rgb.shape[0]), int(rgb.shape[1])), self._spec)
        except ValueError as exc:
            msg = f"model endpoint {target} sent a tensor the model's spec cannot read: {exc}"
            raise ModelEndpointUnavailableError(msg) from exc

    def predict_batch(self, images: Sequence[RgbImage]) -> list[Alpha]:
        """Probability maps of several photos (one small request each)."""
        return [self.predict(rgb) for rgb in images]
