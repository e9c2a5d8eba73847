"""Remote implementations of the ``Segmenter``, ``Matter`` and ``OcrReader`` ports.

They talk to a model server through a :class:`ResilientInvoker` (HTTP locally, SageMaker on
AWS) in one of two wire profiles:

- ``"arrays"``: ``.npz`` both ways. Exact (the alpha equals the in-process one bit for bit) and
  cheap; for a server on the same machine or network.
- ``"files"``: JSON with PNG images both ways. Compact, for payload-capped endpoints (SageMaker
  real-time: 6 MB). Masks are exact where they are 8-bit (U2-Net family), else within 1/65535.

Several photos go in one request (``batch_size``), split further so that no request exceeds
``max_request_bytes``; in the ``"files"`` profile a photo whose PNG alone would not fit is sent
as a quality-95 JPEG.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Final, Literal, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ValidationError

from pixellift.adapters.endpoint.codec import (
    WireFormatError,
    as_alpha,
    decode_alpha,
    decode_png,
    dump_npy,
    encode_alpha_png,
    encode_jpeg,
    encode_png,
    load_npy,
    pack_npz,
    unpack_npz,
)
from pixellift.adapters.endpoint.resilience import (
    EndpointRejectedError,
    ResilientInvoker,
    rejected_error,
)
from pixellift.core.contracts.endpoints import (
    JSON,
    NPY,
    NPZ,
    BatchRequest,
    ImageInstance,
    ItemError,
    MaskItem,
    MattingResponse,
    OcrResponse,
    SegmentationResponse,
)
from pixellift.core.contracts.ocr_reading import OcrReading
from pixellift.core.errors import ModelEndpointUnavailableError, PhotoPipelineError
from pixellift.core.ports import Matte
from pixellift.core.types import Alpha, RgbImage

WireProfile = Literal["arrays", "files"]
DEFAULT_MAX_REQUEST_BYTES: Final = 64 * 2**20
JPEG_FALLBACK_QUALITY: Final = 95
_SERVER_ERROR: Final = 500
_T = TypeVar("_T")
_R = TypeVar("_R", bound=BaseModel)


class _Photo:
    """One photo to send: its pixels, optional coarse mask and encoded size."""

    def __init__(
        self, rgb: RgbImage, coarse: Alpha | None, profile: WireProfile, max_bytes: int
    ) -> None:
        self.rgb = rgb
        self.coarse = coarse
        self.instance: ImageInstance | None = None
        if profile == "files":
            mask = None if coarse is None else encode_alpha_png(coarse)[0]
            budget = max_bytes * 3 // 4 - len(mask or b"") - 1024
            image = encode_png(rgb)
            if len(image) > budget:
                # A large photo does not fit a capped payload losslessly: JPEG at quality 95
                # keeps the segmentation within a few grey levels of the PNG's.
                image = encode_jpeg(rgb, JPEG_FALLBACK_QUALITY)
            self.instance = ImageInstance(image=image, coarse=mask)
            self.size = (len(image) + len(mask or b"")) * 4 // 3 + 256
        else:
            self.size = rgb.nbytes + (0 if coarse is None else coarse.nbytes) + 512

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.rgb.shape[0]), int(self.rgb.shape[1])


def _groups(photos: list[_Photo], batch_size: int, max_bytes: int) -> Iterator[list[_Photo]]:
    group: list[_Photo] = []
    size = 0
    for photo in photos:
        if group and (len(group) >= batch_size or size + photo.size > max_bytes):
            yield group
            group, size = [], 0
        group.append(photo)
        size += photo.size
    if group:
        yield group


class _RemoteModel:
    """Shared request plumbing of the remote adapters.

    Parameters
    ----------
    invoker
        Transport with retries and circuit breaker.
    name
        Reported model name; ``remote:<target>`` by default.
    profile
        ``"arrays"`` (``.npz``) or ``"files"`` (JSON with PNG).
    batch_size
        Most photos per request.
    max_request_bytes
        Requests are split to stay under this size.
    """

    def __init__(
        self,
        invoker: ResilientInvoker,
        *,
        name: str | None = None,
        profile: WireProfile = "arrays",
        batch_size: int = 8,
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    ) -> None:
        self._invoker = invoker
        self._name = name or f"remote:{invoker.transport.target}"
        self.profile: WireProfile = profile
        self._batch_size = max(1, batch_size)
        self._max_bytes = max_request_bytes

    @property
    def name(self) -> str:
        """Identifier recorded in step logs."""
        return self._name

    def _run(
        self,
        photos: list[_Photo],
        send: Callable[[list[_Photo]], list[_T]],
    ) -> list[_T]:
        results: list[_T] = []
        for group in _groups(photos, self._batch_size, self._max_bytes):
            results.extend(send(group))
        return results

    def _fault(self, cause: str) -> ModelEndpointUnavailableError:
        target = self._invoker.transport.target
        return ModelEndpointUnavailableError(f"model endpoint {target} {cause}")

    def _send_arrays(self, group: list[_Photo], accept: str) -> bytes:
        if len(group) == 1 and group[0].coarse is None:
            # One photo travels as a bare .npy array: no zip, no CRC over its bytes.
            return self._invoker.invoke(dump_npy(group[0].rgb), NPY, accept).body
        arrays: dict[str, npt.NDArray[np.generic]] = {}
        for index, photo in enumerate(group):
            arrays[f"image_{index}"] = photo.rgb
            if photo.coarse is not None:
                arrays[f"coarse_{index}"] = photo.coarse
        return self._invoker.invoke(pack_npz(arrays), NPZ, accept).body

    def _read_arrays(self, body: bytes, count: int) -> dict[str, npt.NDArray[np.generic]]:
        try:
            return unpack_npz(body, max_arrays=2 * count)
        except WireFormatError as exc:
            raise self._fault(f"sent an unreadable answer: {exc}") from exc

    def _send_json(self, group: list[_Photo], model: type[_R], *, foreground: bool = False) -> _R:
        instances = tuple(p.instance for p in group if p.instance is not None)
        request = BatchRequest(instances=instances, return_foreground=foreground)
        body = self._invoker.invoke(request.model_dump_json().encode(), JSON, JSON).body
        try:
            return model.model_validate_json(body)
        except ValidationError as exc:
            raise self._fault(f"sent an answer that breaks the contract: {exc}") from exc

    def _item_error(self, error: ItemError) -> PhotoPipelineError:
        if error.status >= _SERVER_ERROR:
            return self._fault(f"failed on a photo: {error.type}: {error.message}")
        rejection = EndpointRejectedError(error.status, error.type, error.message)
        return rejected_error(rejection, f"model endpoint {self._invoker.transport.target}")

    def _mask(self, item: MaskItem, shape: tuple[int, int]) -> Alpha:
        if item.error is not None:
            raise self._item_error(item.error)
        if item.mask is None:
            raise self._fault("sent no mask")
        try:
            return decode_alpha(item.mask.data, "mask", shape)
        except WireFormatError as exc:
            raise self._fault(f"sent an unreadable mask: {exc}") from exc

    def _alpha(
        self, arrays: dict[str, npt.NDArray[np.generic]], index: int, shape: tuple[int, int]
    ) -> Alpha:
        array = arrays.get(f"alpha_{index}")
        if array is None:
            raise self._fault(f"sent no alpha_{index}")
        try:
            return as_alpha(array, f"alpha_{index}", shape)
        except WireFormatError as exc:
            raise self._fault(f"sent an unreadable alpha: {exc}") from exc


class RemoteSegmenter(_RemoteModel):
    """``Segmenter`` on a segmentation endpoint."""

    def predict(self, rgb: RgbImage) -> Alpha:
        """Foreground probability at the photo's size."""
        return self.predict_batch([rgb])[0]

    def predict_batch(self, images: Sequence[RgbImage]) -> list[Alpha]:
        """Probability maps for several photos, in as few requests as the limits allow."""
        photos = [_Photo(rgb, None, self.profile, self._max_bytes) for rgb in images]
        return self._run(photos, self._send)

    def _send(self, group: list[_Photo]) -> list[Alpha]:
        if self.profile == "arrays" and len(group) == 1:
            body = self._send_arrays(group, NPY)
            try:
                return [as_alpha(load_npy(body), "alpha", group[0].shape)]
            except WireFormatError as exc:
                raise self._fault(f"sent an unreadable alpha: {exc}") from exc
        if self.profile == "arrays":
            arrays = self._read_arrays(self._send_arrays(group, NPZ), len(group))
            return [self._alpha(arrays, i, p.shape) for i, p in enumerate(group)]
        response = self._send_json(group, SegmentationResponse)
        if len(response.results) != len(group):
            raise self._fault(f"answered {len(response.results)} of {len(group)} photos")
        return [self._mask(item, p.shape) for item, p in zip(response.results, group, strict=True)]


class RemoteMatter(_RemoteModel):
    """``Matter`` on a matting endpoint."""

    def matte(self, rgb: RgbImage, coarse: Alpha) -> Matte:
        """Refined alpha and clean foreground at the photo's size."""
        return self.matte_batch([(rgb, coarse)])[0]

    def matte_batch(self, pairs: Sequence[tuple[RgbImage, Alpha]]) -> list[Matte]:
        """Mattes for several photos with their coarse masks."""
        photos = [_Photo(rgb, coarse, self.profile, self._max_bytes) for rgb, coarse in pairs]
        return self._run(photos, self._send)

    def _send(self, group: list[_Photo]) -> list[Matte]:
        if self.profile == "arrays":
            arrays = self._read_arrays(self._send_arrays(group, NPZ), len(group))
            mattes = []
            for index, photo in enumerate(group):
                foreground = arrays.get(f"foreground_{index}")
                if foreground is None or foreground.shape != (*photo.shape, 3):
                    raise self._fault(f"sent no usable foreground_{index}")
                alpha = self._alpha(arrays, index, photo.shape)
                mattes.append(Matte(alpha, np.array(foreground, dtype=np.uint8)))
            return mattes
        response = self._send_json(group, MattingResponse, foreground=True)
        if len(response.results) != len(group):
            raise self._fault(f"answered {len(response.results)} of {len(group)} photos")
        mattes = []
        for item, photo in zip(response.results, group, strict=True):
            alpha = self._mask(item, photo.shape)
            if item.foreground is None:
                raise self._fault("sent no foreground")
            try:
                foreground = decode_png(item.foreground.data)
            except WireFormatError as exc:
                raise self._fault(f"sent an unreadable foreground: {exc}") from exc
            if foreground.shape != (*photo.shape, 3) or foreground.dtype != np.uint8:
                raise self._fault(f"sent a {foreground.shape} foreground for a {photo.shape} photo")
            mattes.append(Matte(alpha, np.asarray(foreground, dtype=np.uint8)))
        return mattes


class RemoteOcrReader(_RemoteModel):
    """``OcrReader`` on an OCR endpoint (the answer is always JSON)."""

    def read(self, rgb: RgbImage) -> OcrReading:
        """Every line of text in the photo."""
        return self.read_batch([rgb])[0]

    def read_batch(self, images: Sequence[RgbImage]) -> list[OcrReading]:
        """Readings of several photos."""
        photos = [_Photo(rgb, None, self.profile, self._max_bytes) for rgb in images]
        return self._run(photos, self._send)

    def _send(self, group: list[_Photo]) -> list[OcrReading]:
        if self.profile == "arrays":
            body = self._send_arrays(group, JSON)
            try:
                response = OcrResponse.model_validate_json(body)
            except ValidationError as exc:
                raise self._fault(f"sent an answer that breaks the contract: {exc}") from exc
        else:
            response = self._send_json(group, OcrResponse)
        if len(response.results) != len(group):
            raise self._fault(f"answered {len(response.results)} of {len(group)} photos")
        readings = []
        for item in response.results:
            if item.error is not None:
                raise self._item_error(item.error)
            if item.reading is None:
                raise self._fault("sent no reading")
            readings.append(item.reading)
        return readings
