"""Model-input tensors on the wire: the client prepares, the endpoint only runs the model.

A photo of 2000 × 2000 pixels is 12 MB as an array; U2-Net-p's input tensor is 1.2 MB and its
output 0.4 MB. With ``application/x-npy-tensor`` the client runs the core's own pre-processing
(:func:`~pixellift.core.imaging.segmentation.preprocess_for_segmentation`) and post-processing
(:func:`~pixellift.core.imaging.segmentation.postprocess_mask`) and sends only the tensor, so the
mask is the in-process one, bit for bit, and the payload stays far below SageMaker's 6 MB cap.
The request names the model it prepared the tensor for (``; model=u2netp``): a tensor prepared for
another model is refused, as is one of the wrong shape or type.
"""

from __future__ import annotations

from typing import Final, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from pixellift.adapters.endpoint.codec import WireFormatError, dump_npy, load_npy
from pixellift.adapters.endpoint.failures import RequestError
from pixellift.core.imaging.segmentation import ModelInputSpec

_CHANNELS: Final = 3


@runtime_checkable
class RawSegmenter(Protocol):
    """A segmenter that can run its model on a prepared input tensor."""

    @property
    def name(self) -> str:
        """The model's name, which a tensor request must name."""
        ...

    @property
    def spec(self) -> ModelInputSpec:
        """How the model's input is prepared and its output read."""
        ...

    def infer(self, tensor: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """The model's first output."""
        ...


def input_shape(spec: ModelInputSpec) -> tuple[int, int, int, int]:
    """The input tensor's shape for a batch of one.

    Examples
    --------
    >>> from pixellift.core.imaging.segmentation import U2NETP_SPEC
    >>> input_shape(U2NETP_SPEC)
    (1, 3, 320, 320)
    """
    if spec.input_layout == "NCHW":
        return (1, _CHANNELS, spec.rows, spec.cols)
    return (1, spec.rows, spec.cols, _CHANNELS)


def declared_model(content_type: str | None) -> str | None:
    """The ``model`` parameter of a ``Content-Type`` header.

    Examples
    --------
    >>> declared_model("application/x-npy-tensor; model=u2netp")
    'u2netp'
    >>> declared_model("application/x-npy-tensor") is None
    True
    """
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "model" and value.strip():
            return value.strip().strip('"')
    return None


def answer_tensor(raw: RawSegmenter | None, content_type: str | None, body: bytes) -> bytes:
    """Run the model on the request's input tensor; its output tensor as ``.npy``.

    Raises
    ------
    RequestError
        415 when this endpoint's model cannot take tensors; 409 when the tensor was prepared
        for another model; 400 when it is not a float32 tensor of the model's input shape.
    """
    if raw is None:
        raise RequestError(
            415, "UnsupportedMediaType", "this endpoint takes photos, not model-input tensors"
        )
    declared = declared_model(content_type)
    if declared != raw.name:
        raise RequestError(
            409,
            "ModelMismatch",
            f"the tensor was prepared for model {declared or '(unnamed)'}; this endpoint serves "
            f"{raw.name}: name it with '; model={raw.name}' and prepare it with that model's spec",
        )
    try:
        tensor = load_npy(body)
    except WireFormatError as exc:
        raise RequestError(400, "WireFormatError", str(exc)) from exc
    expected = input_shape(raw.spec)
    if tensor.dtype != np.float32 or tuple(tensor.shape) != expected:
        raise RequestError(
            400,
            "WireFormatError",
            f"the tensor must be float32 {list(expected)} for {raw.name}, "
            f"got {tensor.dtype} {list(tensor.shape)}",
        )
    if not np.isfinite(tensor).all():
        raise RequestError(400, "WireFormatError", "the tensor holds NaN or infinite values")
    output = raw.infer(np.array(tensor, dtype=np.float32))  # a writable copy of the view
    return dump_npy(np.asarray(output, dtype=np.float32))
