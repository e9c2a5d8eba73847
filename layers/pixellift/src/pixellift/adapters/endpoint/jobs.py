"""Read an ``/invocations`` body into photos to process, or say exactly what is wrong with it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final, Literal

from pydantic import ValidationError

from pixellift.adapters.endpoint.codec import (
    NPY_MAGIC,
    WireFormatError,
    as_alpha,
    as_rgb,
    decode_alpha,
    load_npy,
    unpack_npz,
)
from pixellift.adapters.endpoint.failures import RequestError, failure
from pixellift.adapters.endpoint.inference import ImageJob
from pixellift.core.contracts.endpoints import (
    IMAGE_MEDIA_TYPES,
    JSON,
    NPY,
    NPZ,
    BatchRequest,
    EndpointKind,
    ItemError,
)
from pixellift.core.imaging.decode import decode_image

BodyForm = Literal["image", "npy", "npz", "json"]
_NPZ_KEY: Final = re.compile(r"^(image|coarse)_(0|[1-9][0-9]{0,4})$")
_MAX_VALIDATION_ERRORS: Final = 5


@dataclass(frozen=True)
class Limits:
    """What one request may carry."""

    max_request_bytes: int = 64 * 2**20
    max_batch: int = 16
    max_pixels: int = 50_000_000


@dataclass(frozen=True)
class FailedItem:
    """A photo of a batch that could not be read, and why."""

    id: str
    error: ItemError


@dataclass
class ParsedBody:
    """The photos of a request; items that could not be read carry their error instead."""

    form: BodyForm
    jobs: list[ImageJob | FailedItem] = field(default_factory=list)
    return_mask: bool = True
    return_foreground: bool = False


def media_type(header: str | None) -> str:
    """The bare media type of a ``Content-Type`` or ``Accept`` entry, lower-cased.

    Examples
    --------
    >>> media_type("Image/PNG; charset=binary")
    'image/png'
    """
    return (header or "").split(";", 1)[0].strip().lower()


def _rgb_from_file(data: bytes, what: str, limits: Limits) -> ImageJob:
    if data.startswith(NPY_MAGIC):
        rgb = as_rgb(load_npy(data), what, max_pixels=limits.max_pixels)
    else:
        rgb = decode_image(data, what, max_pixels=limits.max_pixels).rgb
    return ImageJob(id="0", rgb=rgb)


def _too_many(count: int, limits: Limits) -> RequestError:
    return RequestError(
        413,
        "TooManyImages",
        f"the request holds {count} images, over the limit of {limits.max_batch}",
    )


def parse_body(content_type: str, body: bytes, kind: EndpointKind, limits: Limits) -> ParsedBody:
    """Decode a request body according to its media type.

    Raises
    ------
    RequestError
        415 for an unknown media type; 400 for a body that does not follow its format (the
        reason names the field or array); 413 for too many images or pixels; 4xx from decoding
        a single image file.
    """
    if not body:
        raise RequestError(400, "EmptyBody", "the request body is empty")
    if content_type in IMAGE_MEDIA_TYPES:
        try:
            return ParsedBody("image", [_rgb_from_file(body, "request body", limits)])
        except Exception as exc:
            error = failure(exc, "request body")
            raise RequestError(error.status, error.type, error.message) from exc
    if content_type == NPY:
        try:
            rgb = as_rgb(load_npy(body), "request body", max_pixels=limits.max_pixels)
        except WireFormatError as exc:
            raise RequestError(400, "WireFormatError", str(exc)) from exc
        return ParsedBody("npy", [ImageJob(id="0", rgb=rgb)])
    if content_type == NPZ:
        return ParsedBody("npz", _npz_jobs(body, kind, limits))
    if content_type == JSON:
        return _json_jobs(body, kind, limits)
    expected = ", ".join(sorted({*IMAGE_MEDIA_TYPES, JSON, NPY, NPZ}))
    raise RequestError(
        415,
        "UnsupportedMediaType",
        f"Content-Type {content_type or '(none)'!r} is not accepted; send one of: {expected}",
    )


def _npz_jobs(body: bytes, kind: EndpointKind, limits: Limits) -> list[ImageJob | FailedItem]:
    try:
        arrays = unpack_npz(body, max_arrays=2 * limits.max_batch)
    except WireFormatError as exc:
        raise RequestError(400, "WireFormatError", str(exc)) from exc
    unknown = sorted(name for name in arrays if not _NPZ_KEY.fullmatch(name))
    if unknown:
        raise RequestError(
            400, "WireFormatError", f"unexpected arrays {unknown}: use image_<i> and coarse_<i>"
        )
    count = sum(1 for name in arrays if name.startswith("image_"))
    if count == 0 or any(f"image_{i}" not in arrays for i in range(count)):
        raise RequestError(
            400, "WireFormatError", "the archive must hold image_0 .. image_<n-1> without gaps"
        )
    if count > limits.max_batch:
        raise _too_many(count, limits)
    jobs: list[ImageJob | FailedItem] = []
    for index in range(count):
        try:
            rgb = as_rgb(arrays[f"image_{index}"], f"image_{index}", max_pixels=limits.max_pixels)
            coarse = arrays.get(f"coarse_{index}")
            alpha = None
            if coarse is not None:
                if kind != "matting":
                    raise WireFormatError(f"coarse_{index}: only the matting endpoint takes one")
                alpha = as_alpha(coarse, f"coarse_{index}", (rgb.shape[0], rgb.shape[1]))
        except WireFormatError as exc:
            raise RequestError(400, "WireFormatError", str(exc)) from exc
        jobs.append(ImageJob(id=str(index), rgb=rgb, coarse=alpha))
    stray = [f"coarse_{i}" for i in range(count, 2 * limits.max_batch) if f"coarse_{i}" in arrays]
    if stray:
        raise RequestError(400, "WireFormatError", f"{stray[0]} has no matching image")
    return jobs


def _validation_message(exc: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}"
        for error in exc.errors(include_url=False)[:_MAX_VALIDATION_ERRORS]
    ]
    more = exc.error_count() - len(problems)
    return "; ".join(problems) + (f"; and {more} more" if more > 0 else "")


def _json_jobs(body: bytes, kind: EndpointKind, limits: Limits) -> ParsedBody:
    try:
        request = BatchRequest.model_validate_json(body)
    except ValidationError as exc:
        raise RequestError(400, "InvalidRequest", _validation_message(exc)) from exc
    if len(request.instances) > limits.max_batch:
        raise _too_many(len(request.instances), limits)
    parsed = ParsedBody("json", [], request.return_mask, request.return_foreground)
    for index, instance in enumerate(request.instances):
        item_id = instance.id if instance.id is not None else str(index)
        where = f"instances.{index} ({item_id})"
        try:
            if instance.coarse is not None and kind != "matting":
                raise RequestError(400, "InvalidRequest", "only the matting endpoint takes coarse")
            job = _rgb_from_file(instance.image, where, limits)
            coarse = None
            if instance.coarse is not None:
                shape = (job.rgb.shape[0], job.rgb.shape[1])
                coarse = decode_alpha(instance.coarse, "coarse", shape)
            parsed.jobs.append(ImageJob(id=item_id, rgb=job.rgb, coarse=coarse))
        except Exception as exc:  # one unreadable photo fails alone
            parsed.jobs.append(FailedItem(item_id, failure(exc, where)))
    return parsed
