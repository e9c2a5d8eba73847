"""What ingest and the API's start share: which files are photos, a batch's items, its runs.

The module imports no imaging code, so the API function can use it without OpenCV or onnxruntime.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import Final

from pixellift.core.contracts.records import BatchRecord, ItemRecord
from pixellift.core.contracts.tasks import ExecutionInput, SourceObject
from pixellift.core.pipeline.keys import item_id_for, unique_stems
from pixellift.core.ports import ItemRepository

PHOTO_SUFFIXES: Final = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".heic", ".heif", ".avif", ".bmp", ".gif"}
)
"""Files a prefix listing picks up; explicit keys are taken whatever their suffix."""


def is_photo_key(key: str) -> bool:
    """Whether a listed key names a photo, by its suffix.

    Examples
    --------
    >>> is_photo_key("acme/amazon/IMG_1.JPG"), is_photo_key("acme/amazon/notes.txt")
    (True, False)
    """
    return posixpath.splitext(key)[1].lower() in PHOTO_SUFFIXES


def write_items(
    items: ItemRepository,
    workspace_id: str,
    batch_id: str,
    objects: Sequence[SourceObject],
    names: Sequence[str],
) -> None:
    """Create one item per object, ids by position; items that exist are left as they are."""
    stems = unique_stems(list(names))
    for index, (obj, name, stem) in enumerate(zip(objects, names, stems, strict=True)):
        items.create(
            ItemRecord(
                workspace_id=workspace_id,
                batch_id=batch_id,
                item_id=item_id_for(index),
                name=name,
                stem=stem,
                source_key=obj.key,
                source_etag=obj.etag,
            )
        )


def run_execution(batch: BatchRecord, max_concurrency: int) -> tuple[str, str]:
    """The execution name and JSON input of the batch's run number ``batch.runs``.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> batch = BatchRecord(batch_id="b-1", workspace_id="acme", marketplace="amazon",
    ...     created_at=datetime(2026, 11, 26, tzinfo=UTC), item_count=2, runs=1)
    >>> name, payload = run_execution(batch, 4)
    >>> name, '"items":["i00000","i00001"]' in payload
    ('b-1-r1', True)
    """
    payload = ExecutionInput(
        batch_id=batch.batch_id,
        workspace_id=batch.workspace_id,
        items=tuple(item_id_for(i) for i in range(batch.item_count)),
        max_concurrency=max_concurrency,
    )
    return f"{batch.batch_id}-r{batch.runs}", payload.model_dump_json()
