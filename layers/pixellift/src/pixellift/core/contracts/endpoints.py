"""Wire formats of the model endpoints (segmentation, matting, OCR).

Every endpoint answers ``GET /ping`` and ``POST /invocations`` (the SageMaker inference container
contract). ``/invocations`` takes one of three bodies, named by ``Content-Type``:

- an image file (``image/jpeg``, ``image/png``, ``image/webp``, ... or ``application/x-image``):
  one photo;
- ``application/json``: a :class:`BatchRequest`, several photos as base64 files;
- ``application/x-npz``: a numpy ``.npz`` archive of arrays ``image_0`` ... ``image_<n-1>``
  (uint8 ``(rows, cols, 3)``) and, for matting, ``coarse_<i>`` (float32 ``(rows, cols)``):
  lossless and cheap to pack, the format the in-house adapters use.

The answer is chosen by ``Accept``: ``image/png`` (one photo only: the 8-bit alpha matte for
segmentation, the RGBA cut-out for matting), ``application/json`` (the ``*Response`` models
below, for every endpoint) or ``application/x-npz`` (arrays ``alpha_<i>``, ``foreground_<i>`` and
``confidence``). Input errors are answered with a 4xx status and an :class:`ErrorResponse` naming
the cause; 5xx is kept for faults of the server itself.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Final, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from pixellift.core.contracts.ocr_reading import OcrReading, PixelBox

EndpointKind = Literal["segmentation", "matting", "ocr"]
ENDPOINT_KINDS: Final[tuple[EndpointKind, ...]] = ("segmentation", "matting", "ocr")

JSON: Final = "application/json"
NPZ: Final = "application/x-npz"
NPY: Final = "application/x-npy"
TENSOR: Final = "application/x-npy-tensor"
"""A model's own input or output tensor as ``.npy``; the request names the model it was prepared
for (``application/x-npy-tensor; model=u2netp``)."""
PNG: Final = "image/png"
IMAGE_MEDIA_TYPES: Final = frozenset(
    {
        "image/jpeg",
        "image/jpg",
        "image/png",
        "image/webp",
        "image/tiff",
        "image/bmp",
        "image/gif",
        "image/heic",
        "image/heif",
        "image/avif",
        "application/x-image",
        "application/octet-stream",
    }
)
"""Bodies read as one image file; the format is recognised from the bytes, not the name."""

ID_PATTERN: Final = r"^[A-Za-z0-9._:/@-]{1,200}$"


def _decode_base64(value: object) -> object:
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"not valid base64: {exc}") from exc
    return value


def _encode_base64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


Base64Data = Annotated[
    bytes,
    BeforeValidator(_decode_base64),
    PlainSerializer(_encode_base64, return_type=str, when_used="json"),
]
"""Bytes carried as strict base64 text in JSON (no whitespace, no URL-safe alphabet)."""


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ImageInstance(_Wire):
    """One photo of a JSON batch.

    ``image`` holds the bytes of an image file (JPEG, PNG, WebP, HEIC, TIFF, ...) or of a
    ``.npy`` uint8 ``(rows, cols, 3)`` array. ``coarse`` (matting only) is the coarse foreground
    probability at the photo's size, as an 8- or 16-bit grey PNG or a ``.npy`` float32 array;
    without it the matting endpoint segments the photo itself.
    """

    id: Annotated[str, Field(pattern=ID_PATTERN)] | None = None
    image: Base64Data
    coarse: Base64Data | None = None


class BatchRequest(_Wire):
    r"""Several photos in one request.

    Examples
    --------
    >>> request = BatchRequest.model_validate_json('{"instances": [{"image": "iVBORw=="}]}')
    >>> request.instances[0].image[:4]
    b'\x89PNG'
    """

    instances: Annotated[tuple[ImageInstance, ...], Field(min_length=1)]
    return_mask: bool = True
    """Segmentation and matting: include the alpha matte as a PNG (off for statistics only)."""
    return_foreground: bool = False
    """Matting: include the decontaminated foreground colours as an RGB PNG."""


class EncodedImage(_Wire):
    """An image file carried in JSON."""

    media_type: Literal["image/png"] = PNG
    bit_depth: Literal[8, 16] = 8
    data: Base64Data


class ItemError(_Wire):
    """Why one photo (or the whole request) was not processed."""

    status: Annotated[int, Field(ge=400, le=599)]
    type: str
    """The error class, one of ``pixellift.core.errors`` where the cause is ours."""
    message: str


class ErrorResponse(_Wire):
    """Body of every 4xx and 5xx answer."""

    error: ItemError


class MaskItem(_Wire):
    """Segmentation (or matting) of one photo; ``error`` is set instead when it failed.

    ``confidence`` is :func:`pixellift.core.imaging.segmentation.mask_confidence`, ``coverage``
    the fraction of pixels with alpha at least 0.5, and ``bbox`` their bounding box.
    """

    id: str
    error: ItemError | None = None
    rows: int = 0
    cols: int = 0
    confidence: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    coverage: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    bbox: PixelBox | None = None
    mask: EncodedImage | None = None
    """The alpha matte: 8-bit when exact at 8 bits, else 16-bit."""


class MatteItem(MaskItem):
    """Matting of one photo."""

    foreground: EncodedImage | None = None
    coarse_source: Literal["request", "model", "classical"] | None = None
    """Where the coarse mask came from: the request, the segmentation model or the classical
    plain-background path."""


class OcrItem(_Wire):
    """Text read in one photo."""

    id: str
    error: ItemError | None = None
    reading: OcrReading | None = None


class SegmentationResponse(_Wire):
    """JSON answer of the segmentation endpoint, one item per photo in request order."""

    model: str
    results: tuple[MaskItem, ...]


class MattingResponse(_Wire):
    """JSON answer of the matting endpoint."""

    model: str
    results: tuple[MatteItem, ...]


class OcrResponse(_Wire):
    """JSON answer of the OCR endpoint."""

    model: str
    results: tuple[OcrItem, ...]


class PingResponse(_Wire):
    """Body of ``GET /ping`` (SageMaker only looks at the status)."""

    status: Literal["ok"] = "ok"
    kind: EndpointKind
    model: str
