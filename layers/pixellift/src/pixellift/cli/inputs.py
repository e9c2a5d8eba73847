"""Collect input files from the paths given on the command line."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pixellift.core.pipeline.batch_items import PHOTO_SUFFIXES as IMAGE_SUFFIXES


def collect_inputs(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand folders (recursively, image suffixes only) and keep explicit files as given.

    Returns the files to process, in a stable order, and the paths that could not be read, each
    with the cause. Explicit files are always attempted, whatever their suffix, so a wrong file
    gets a clear per-item error instead of being skipped silently.
    """
    files: list[Path] = []
    missing: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
            )
            if not found:
                missing.append((path, "folder holds no image files"))
            candidates = found
        elif path.is_file():
            candidates = [path]
        else:
            missing.append((path, "no such file or folder"))
            continue
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                files.append(candidate)
    return files, missing


def output_stems(files: list[Path]) -> dict[Path, str]:
    """Unique output stems: the input stem, or stem plus source suffix where stems collide.

    Examples
    --------
    >>> sorted(output_stems([Path("a/x.jpg"), Path("b/x.png"), Path("y.jpg")]).values())
    ['x-jpg', 'x-png', 'y']
    """
    counts: dict[str, int] = {}
    for f in files:
        counts[f.stem] = counts.get(f.stem, 0) + 1
    stems: dict[Path, str] = {}
    used: set[str] = set()
    for f in files:
        stem = f.stem if counts[f.stem] == 1 else f"{f.stem}-{f.suffix.lstrip('.').lower()}"
        base, n = stem, 2
        while stem in used:
            stem = f"{base}-{n}"
            n += 1
        used.add(stem)
        stems[f] = stem
    return stems
