"""Merchant API use case: a marketplace bulk-upload sheet of a batch's published images.

The batch's images that passed the Compliance Gate (``blocked/`` ones are never listed) are
mapped to SKUs and roles by CSV AutoMap from their names, and filled into the marketplace's
template with public URLs under ``base_url`` or paths relative to the batch folder.
"""

from __future__ import annotations

import posixpath
from typing import Any

from pixellift.core.errors import BulkTemplateError, IllegalTransitionError
from pixellift.core.exports.automap import map_paths
from pixellift.core.exports.bulk_csv import TEMPLATES, ListingImage, build_sheet
from pixellift.core.pipeline.api_batches import ApiDeps, find_batch
from pixellift.core.pipeline.batch_items import is_photo_key
from pixellift.core.pipeline.keys import batch_prefix

_NOT_LISTED = ("blocked/", "steps/")


def published_images(prefix: str, keys: list[str]) -> list[str]:
    """Paths of the gate-passed published images, relative to the batch folder.

    Examples
    --------
    >>> published_images("acme/b-1/", ["acme/b-1/MUG-1_main.jpg", "acme/b-1/blocked/x.jpg",
    ...     "acme/b-1/steps/MUG-1_main.steps.json", "acme/b-1/manifest.json"])
    ['MUG-1_main.jpg']
    """
    relative = (k[len(prefix) :] for k in keys if k.startswith(prefix))
    return sorted(p for p in relative if is_photo_key(p) and not p.startswith(_NOT_LISTED))


def batch_bulk_sheet(
    workspace_id: str, batch_id: str, template: str, base_url: str | None, deps: ApiDeps
) -> dict[str, Any]:
    """The filled template as CSV text, with its row-level issues.

    Raises
    ------
    BatchNotFoundError
        No such batch in this workspace.
    IllegalTransitionError
        The batch is not published yet.
    BulkTemplateError
        An unknown template or a malformed base URL.
    """
    if template not in TEMPLATES:
        msg = f"unknown bulk template {template!r}; use {', '.join(TEMPLATES)}"
        raise BulkTemplateError(msg)
    batch = find_batch(workspace_id, batch_id, deps)
    if batch.manifest_key is None:
        msg = f"batch {batch_id} is not published yet ({batch.status.value})"
        raise IllegalTransitionError(msg)
    prefix = batch_prefix(workspace_id, batch_id)
    paths = published_images(prefix, [o.key for o in deps.outputs.list(prefix)])
    mapped = map_paths(paths)
    images = [
        ListingImage(
            m.sku,
            m.role,
            posixpath.join(prefix, m.path) if base_url else m.path,
            position=m.index or 0,
            colour=m.colour,
            size=m.size,
        )  # fmt: skip
        for m in mapped.images
    ]
    sheet = build_sheet(template, images, base_url=base_url)
    return {
        "batch_id": batch_id,
        "template": template,
        "ok": sheet.ok,
        "rows": len(sheet.rows),
        "csv": sheet.to_csv(),
        "issues": [
            {"row": i.row, "sku": i.sku, "severity": i.severity, "message": i.message}
            for i in sheet.issues
        ],
        "unmapped": [{"path": p, "cause": c} for p, c in mapped.unmapped],
    }
