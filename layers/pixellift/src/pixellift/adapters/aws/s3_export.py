"""S3 export destination: a bucket and key prefix, through the ``ObjectStore`` port."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import urlsplit

from pixellift.core.errors import ExportDestinationError, ObjectNotFoundError
from pixellift.core.ports import ObjectStore


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` as ``(bucket, prefix/)``.

    Examples
    --------
    >>> parse_s3_url("s3://shop-exports/packs/2026")
    ('shop-exports', 'packs/2026/')
    """
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        msg = f"{url!r} is not an s3://bucket/prefix URL"
        raise ExportDestinationError(msg)
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


class ObjectStoreExportSink:
    """Writes files as objects under ``prefix`` of one store (an :class:`S3ObjectStore`).

    Parameters
    ----------
    store
        The bucket.
    prefix
        Key prefix, ending in ``/`` (or empty).
    label
        How the destination is named in messages and manifests (``s3://bucket/prefix``).
    zip_name
        When given, :meth:`close` also stores every file of this export in one ZIP object.
    """

    def __init__(
        self, store: ObjectStore, prefix: str, *, label: str, zip_name: str | None = None
    ) -> None:
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        self.store = store
        self.prefix = prefix
        self.label = label
        self.zip_name = zip_name
        self._written: dict[str, bytes] = {}

    @property
    def location(self) -> str:
        """The ``s3://`` URL of the prefix."""
        return self.label

    def read(self, path: str) -> bytes | None:
        """An object's bytes, or ``None`` if there is none."""
        try:
            return self.store.get(self.prefix + path)
        except ObjectNotFoundError:
            return None

    def list(self, prefix: str) -> list[str]:
        """Paths (relative to the export prefix) of the objects under ``prefix``."""
        start = len(self.prefix)
        return sorted(o.key[start:] for o in self.store.list(self.prefix + prefix))

    def write(self, path: str, data: bytes, *, content_type: str) -> None:
        """Put one object (S3 replaces objects atomically)."""
        self.store.put(self.prefix + path, data, content_type=content_type)
        if self.zip_name is not None:
            self._written[path] = data

    def close(self) -> tuple[str, ...]:
        """Store the ZIP of this export's files, if one was asked for."""
        if self.zip_name is None:
            return ()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
            for path in sorted(self._written):
                zf.writestr(path, self._written[path])
        self.store.put(self.prefix + self.zip_name, buf.getvalue(), content_type="application/zip")
        return (f"{self.label.rstrip('/')}/{self.zip_name}",)


def s3_export_sink(
    url: str, *, region: str, endpoint_url: str | None, zip_name: str | None = None
) -> ObjectStoreExportSink:
    """An export sink for ``s3://bucket/prefix`` (pointed at moto by ``endpoint_url`` locally)."""
    import boto3

    from pixellift.adapters.aws.s3_store import S3ObjectStore

    bucket, prefix = parse_s3_url(url)
    client = boto3.client("s3", region_name=region, endpoint_url=endpoint_url)
    label = f"s3://{bucket}/{prefix}".rstrip("/")
    return ObjectStoreExportSink(
        S3ObjectStore(client, bucket), prefix, label=label, zip_name=zip_name
    )
