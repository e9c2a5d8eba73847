"""Ports of the exports package: where a finished pack is written."""

from __future__ import annotations

from typing import Protocol


class ExportSink(Protocol):
    """A destination for exported files, addressed by ``/``-separated relative paths.

    Raises
    ------
    ExportDestinationError
        The destination refuses a write or cannot be read.
    """

    @property
    def location(self) -> str:
        """Where the files go, for messages and manifests (a folder path or ``s3://`` URL)."""
        ...

    def read(self, path: str) -> bytes | None:
        """The bytes of a file written earlier, or ``None`` if there is none."""
        ...

    def list(self, prefix: str) -> list[str]:
        """Relative paths of the files under ``prefix``, sorted."""
        ...

    def write(self, path: str, data: bytes, *, content_type: str) -> None:
        """Write (or replace) one file atomically."""
        ...

    def close(self) -> tuple[str, ...]:
        """Finish the export (for example, write the ZIP); return any extra artefacts made."""
        ...
