"""S3 implementation of the ``ObjectStore`` port: one bucket."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pixellift.adapters.aws.errors import error_code, translated
from pixellift.core.errors import ObjectNotFoundError, PermanentError
from pixellift.core.ports import StoredObject

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
else:
    S3Client = object

_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


class S3ObjectStore:
    """Objects of one S3 bucket.

    Parameters
    ----------
    client
        A boto3 S3 client (pointed at moto by ``AWS_ENDPOINT_URL`` or ``mock_aws`` locally).
    bucket
        The bucket name.
    """

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    def get(self, key: str) -> bytes:
        """The object's bytes; a missing key is a permanent error naming bucket and key."""
        try:
            with translated(f"s3://{self.bucket}/{key}"):
                response = self._client.get_object(Bucket=self.bucket, Key=key)
                return response["Body"].read()
        except PermanentError as exc:
            if error_code(exc.__cause__ or exc) in _MISSING:
                msg = f"s3://{self.bucket}/{key}: no such object"
                raise ObjectNotFoundError(msg) from exc
            raise

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store ``data`` (one PUT: S3 replaces objects atomically)."""
        with translated(f"s3://{self.bucket}/{key}"):
            self._client.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentType=content_type
            )

    def head(self, key: str) -> StoredObject | None:
        """Size and ETag, or ``None`` for a missing key."""
        try:
            with translated(f"s3://{self.bucket}/{key}"):
                response = self._client.head_object(Bucket=self.bucket, Key=key)
        except PermanentError as exc:
            if error_code(exc.__cause__ or exc) in _MISSING:
                return None
            raise
        return StoredObject(key, int(response["ContentLength"]), response["ETag"].strip('"'))

    def list(self, prefix: str) -> Iterator[StoredObject]:
        """Every object under ``prefix``, in key order (all pages)."""
        paginator = self._client.get_paginator("list_objects_v2")
        with translated(f"s3://{self.bucket}/{prefix}"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    yield StoredObject(obj["Key"], int(obj["Size"]), obj["ETag"].strip('"'))

    def copy(self, source_key: str, target_key: str) -> None:
        """Server-side copy within the bucket."""
        with translated(f"s3://{self.bucket}/{source_key} -> {target_key}"):
            self._client.copy_object(
                Bucket=self.bucket,
                Key=target_key,
                CopySource={"Bucket": self.bucket, "Key": source_key},
            )
