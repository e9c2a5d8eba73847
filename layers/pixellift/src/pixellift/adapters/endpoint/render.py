"""Write a model server's answer in the media type the client accepts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from pixellift.adapters.endpoint.codec import (
    alpha_to_wire,
    dump_npy,
    encode_alpha_png,
    encode_cutout_png,
    encode_png,
    pack_npz,
)
from pixellift.adapters.endpoint.failures import RequestError
from pixellift.adapters.endpoint.inference import Inference
from pixellift.adapters.endpoint.jobs import BodyForm, FailedItem, ParsedBody
from pixellift.core.contracts.endpoints import (
    JSON,
    NPY,
    NPZ,
    PNG,
    EncodedImage,
    EndpointKind,
    ItemError,
    MaskItem,
    MatteItem,
    MattingResponse,
    OcrItem,
    OcrResponse,
    SegmentationResponse,
)
from pixellift.core.contracts.ocr_reading import PixelBox
from pixellift.core.imaging.segmentation import mask_confidence
from pixellift.core.types import Alpha

Outcome = Inference | FailedItem
_HALF: Final = 0.5


def offered(form: BodyForm, kind: EndpointKind) -> tuple[str, ...]:
    """Media types this request can be answered with, the default first."""
    if kind == "ocr":
        return (JSON,)
    if form == "image":
        return (PNG, JSON, NPZ)
    if form == "npy":
        return (NPY, NPZ, JSON) if kind == "segmentation" else (NPZ, JSON)
    if form == "npz":
        return (NPZ, JSON)
    return (JSON,)


def negotiate(accept: str | None, form: BodyForm, kind: EndpointKind) -> str:
    """Pick the answer's media type from an ``Accept`` header (first acceptable entry wins).

    Raises
    ------
    RequestError
        406 when nothing the header lists can be produced for this request.

    Examples
    --------
    >>> negotiate("application/json, */*", "image", "segmentation")
    'application/json'
    >>> negotiate(None, "image", "segmentation")
    'image/png'
    """
    choices = offered(form, kind)
    if not accept or not accept.strip():
        return choices[0]
    for entry in accept.split(","):
        parts = [part.strip().lower() for part in entry.split(";")]
        if any(part.replace(" ", "") in ("q=0", "q=0.0") for part in parts[1:]):
            continue
        wanted = parts[0]
        if wanted == "*/*":
            return choices[0]
        for choice in choices:
            if wanted == choice or (wanted.endswith("/*") and choice.startswith(wanted[:-1])):
                return choice
    raise RequestError(
        406,
        "NotAcceptable",
        f"cannot answer {accept!r} for this {kind} request; it can be answered with "
        + ", ".join(choices),
    )


def _bbox(alpha: Alpha) -> PixelBox | None:
    inside = alpha >= _HALF
    rows, cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
    if rows.size == 0:
        return None
    return PixelBox(
        top=int(rows[0]), left=int(cols[0]), bottom=int(rows[-1]) + 1, right=int(cols[-1]) + 1
    )


def _mask_fields(alpha: Alpha, with_mask: bool) -> dict[str, object]:
    mask = None
    if with_mask:
        data, depth = encode_alpha_png(alpha)
        mask = EncodedImage(bit_depth=8 if depth == 8 else 16, data=data)  # noqa: PLR2004
    return {
        "rows": int(alpha.shape[0]),
        "cols": int(alpha.shape[1]),
        "confidence": mask_confidence(alpha),
        "coverage": float(np.count_nonzero(alpha >= _HALF) / alpha.size),
        "bbox": _bbox(alpha),
        "mask": mask,
    }


def _json_item(
    kind: EndpointKind, item_id: str, outcome: Outcome, parsed: ParsedBody
) -> MaskItem | MatteItem | OcrItem:
    error: ItemError | None = outcome.error if isinstance(outcome, FailedItem) else None
    if kind == "ocr":
        reading = None if isinstance(outcome, FailedItem) else outcome.reading
        return OcrItem(id=item_id, error=error, reading=reading)
    if isinstance(outcome, FailedItem) or outcome.alpha is None:
        return (MatteItem if kind == "matting" else MaskItem)(id=item_id, error=error)
    fields = _mask_fields(outcome.alpha, parsed.return_mask)
    if kind == "segmentation":
        return MaskItem(id=item_id, **fields)  # type: ignore[arg-type]
    foreground = None
    if parsed.return_foreground and outcome.foreground is not None:
        foreground = EncodedImage(data=encode_png(outcome.foreground))
    return MatteItem(
        id=item_id,
        foreground=foreground,
        coarse_source=outcome.coarse_source,
        **fields,  # type: ignore[arg-type]
    )


def render_json(
    kind: EndpointKind,
    model: str,
    ids: Sequence[str],
    outcomes: Sequence[Outcome],
    parsed: ParsedBody,
) -> bytes:
    """The JSON answer: one item per photo, in request order."""
    items = [_json_item(kind, i, o, parsed) for i, o in zip(ids, outcomes, strict=True)]
    if kind == "ocr":
        response: SegmentationResponse | MattingResponse | OcrResponse = OcrResponse(
            model=model, results=tuple(i for i in items if isinstance(i, OcrItem))
        )
    elif kind == "matting":
        response = MattingResponse(
            model=model, results=tuple(i for i in items if isinstance(i, MatteItem))
        )
    else:
        response = SegmentationResponse(
            model=model, results=tuple(i for i in items if isinstance(i, MaskItem))
        )
    return response.model_dump_json(exclude_none=True).encode()


def render_binary(media: str, outcomes: Sequence[Inference]) -> bytes:
    """A PNG or ``.npy`` (one photo) or ``.npz`` answer; every outcome succeeded."""
    if media == PNG:
        only = outcomes[0]
        if only.alpha is None:
            raise RequestError(406, "NotAcceptable", "this endpoint answers in JSON only")
        if only.foreground is not None:
            return encode_cutout_png(only.foreground, only.alpha)
        levels = np.rint(np.clip(only.alpha, 0.0, 1.0) * 255.0).astype(np.uint8)
        return encode_png(levels)
    if media == NPY:
        alpha = outcomes[0].alpha
        if alpha is None:
            raise RequestError(406, "NotAcceptable", "this endpoint has no single-array answer")
        return dump_npy(alpha_to_wire(alpha))
    arrays: dict[str, npt.NDArray[np.generic]] = {}
    for index, outcome in enumerate(outcomes):
        if outcome.alpha is not None:
            arrays[f"alpha_{index}"] = alpha_to_wire(outcome.alpha)
        if outcome.foreground is not None:
            arrays[f"foreground_{index}"] = outcome.foreground
    return pack_npz(arrays)
