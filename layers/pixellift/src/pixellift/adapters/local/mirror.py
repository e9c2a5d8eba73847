"""Mirror local folders to and from buckets: the drop folder up, the published batch down."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from pixellift.core.ports import ObjectStore

CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".json": "application/json",
    ".csv": "text/csv",
}


def upload(store: ObjectStore, root: Path, files: Iterable[Path], prefix: str) -> int:
    """Put each file under ``prefix`` + its path relative to ``root``; unchanged ones are skipped.

    Returns the number of files uploaded.
    """
    uploaded = 0
    for path in files:
        key = prefix + path.relative_to(root).as_posix()
        data = path.read_bytes()
        stored = store.head(key)
        if (
            stored is not None
            and stored.etag == hashlib.md5(data, usedforsecurity=False).hexdigest()
        ):
            continue
        content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        store.put(key, data, content_type=content_type)
        uploaded += 1
    return uploaded


def download(store: ObjectStore, prefix: str, out: Path) -> list[Path]:
    """Write every object under ``prefix`` to ``out`` (same relative paths, atomic per file)."""
    written: list[Path] = []
    for obj in store.list(prefix):
        relative = obj.key[len(prefix) :]
        if not relative or relative.startswith("/") or ".." in relative.split("/"):
            continue
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        part.write_bytes(store.get(obj.key))
        part.replace(target)
        written.append(target)
    return written
