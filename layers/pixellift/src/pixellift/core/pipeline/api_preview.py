"""Merchant API use case: a watermarked preview of a shared image, for the holder of a share link.

The link's token (and password) is the credential; the preview is the item's finished output,
scaled to at most ``PREVIEW_SIDE`` pixels and stamped with a tiled mark, so a shared link never
hands out the clean file.
"""

from __future__ import annotations

import base64
import io
from typing import Annotated, Any, Final

import numpy as np
from PIL import Image
from pydantic import Field

from pixellift.core.access.model import ResourceKind
from pixellift.core.access.share_links import ShareGrant
from pixellift.core.access.watermark import watermark_preview
from pixellift.core.errors import ItemNotFoundError
from pixellift.core.pipeline.api_access import OpenShare
from pixellift.core.pipeline.api_batches import ApiDeps, find_batch

PREVIEW_SIDE: Final = 1024
"""Long side of a preview in pixels."""


class PreviewShare(OpenShare):
    """A share token (and password), and the item of the shared batch to preview."""

    item_id: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._-]+$")]


def share_preview(grant: ShareGrant, item_id: str, deps: ApiDeps) -> dict[str, Any]:
    """The item's output, downscaled and watermarked, as a base64 JPEG.

    Raises
    ------
    ItemNotFoundError
        The item is not in what the link shares, or has no finished output.
    """
    link = grant.link
    batch_id = link.target_id.split("/", 1)[0]
    find_batch(link.workspace_id, batch_id, deps)
    shared = link.target_kind is not ResourceKind.IMAGE or link.target_id == f"{batch_id}/{item_id}"
    item = deps.items.get(link.workspace_id, batch_id, item_id) if shared else None
    if item is None or item.output_key is None:
        msg = f"item {item_id} has no shared preview in link {link.link_id}"
        raise ItemNotFoundError(msg)
    with Image.open(io.BytesIO(deps.outputs.get(item.output_key))) as opened:
        picture = opened.convert("RGB")
    picture.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    marked = watermark_preview(np.asarray(picture))
    out = io.BytesIO()
    Image.fromarray(marked).save(out, "JPEG", quality=80)
    return {
        "item_id": item_id,
        "content_type": "image/jpeg",
        "width": marked.shape[1],
        "height": marked.shape[0],
        "data": base64.b64encode(out.getvalue()).decode("ascii"),
    }
