"""Local export destination: a folder, optionally packed into one ZIP when the export closes."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from pixellift.core.errors import ExportDestinationError


def _safe(path: str) -> PurePosixPath:
    rel = PurePosixPath(path)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        msg = f"export path {path!r} must be relative and stay inside the destination"
        raise ExportDestinationError(msg)
    return rel


class FolderExportSink:
    """Writes files under ``root`` (atomically, through a ``.part`` file).

    Parameters
    ----------
    root
        The destination folder (created when missing).
    zip_name
        When given, :meth:`close` also packs every file written in this export into
        ``root / zip_name``.
    """

    def __init__(self, root: Path, *, zip_name: str | None = None) -> None:
        self.root = root
        self.zip_name = zip_name
        self._written: list[str] = []
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            msg = f"{root}: cannot create the export folder ({exc.strerror or exc})"
            raise ExportDestinationError(msg) from exc

    @property
    def location(self) -> str:
        """The folder's path."""
        return str(self.root)

    def read(self, path: str) -> bytes | None:
        """A file's bytes, or ``None`` if it does not exist."""
        target = self.root / _safe(path)
        try:
            return target.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            msg = f"{target}: cannot read ({exc.strerror or exc})"
            raise ExportDestinationError(msg) from exc

    def list(self, prefix: str) -> list[str]:
        """Files under ``prefix`` (relative, ``/``-separated), sorted."""
        base = self.root / _safe(prefix) if prefix.strip("/") else self.root
        if not base.is_dir():
            return []
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in base.rglob("*")
            if p.is_file() and not p.name.endswith(".part")
        )

    def write(self, path: str, data: bytes, *, content_type: str) -> None:
        """Write one file atomically (``content_type`` is not needed on a file system)."""
        del content_type
        target = self.root / _safe(path)
        tmp = target.with_name(target.name + ".part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            tmp.replace(target)
        except OSError as exc:
            msg = f"{target}: cannot write ({exc.strerror or exc})"
            raise ExportDestinationError(msg) from exc
        self._written.append(path)

    def close(self) -> tuple[str, ...]:
        """Pack the files written in this export into the ZIP, if one was asked for."""
        if self.zip_name is None:
            return ()
        archive = self.root / _safe(self.zip_name)
        tmp = archive.with_name(archive.name + ".part")
        try:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
                for rel in sorted(set(self._written)):
                    # Images are already compressed; the manifests are small.
                    zf.write(self.root / rel, arcname=rel)
            tmp.replace(archive)
        except OSError as exc:
            msg = f"{archive}: cannot write the ZIP ({exc.strerror or exc})"
            raise ExportDestinationError(msg) from exc
        return (str(archive),)
