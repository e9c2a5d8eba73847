"""``TreeHeadArchive`` on S3: one object per signed tree head, plus ``latest``.

Keys: ``<prefix>/<workspace>/tree-heads/<tree size, 16 digits>-<timestamp ms>.json`` and
``<prefix>/<workspace>/tree-heads/latest.json``. The heads live in another service than the
entries (and, deployed, in a bucket with versioning and object lock), so whoever can rewrite the
table cannot also rewrite the heads that expose a deleted tail.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final

from pixellift.adapters.aws.errors import translated
from pixellift.core.audit.treehead import SignedTreeHead
from pixellift.core.errors import InvalidTreeHeadSignatureError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

LATEST: Final = "latest.json"


class S3TreeHeadArchive:
    """Signed tree heads of every workspace in one bucket.

    Parameters
    ----------
    client
        An S3 client.
    bucket
        The bucket.
    prefix
        Key prefix of the audit heads.
    """

    def __init__(self, client: S3Client, bucket: str, prefix: str = "audit") -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix.strip("/")

    def folder(self, workspace_id: str) -> str:
        """Key prefix of a workspace's heads."""
        return f"{self._prefix}/{workspace_id}/tree-heads/"

    def key(self, sth: SignedTreeHead) -> str:
        """Key of one head's object."""
        head = sth.head
        return f"{self.folder(head.workspace_id)}{head.tree_size:016d}-{head.timestamp_ms}.json"

    def publish(self, sth: SignedTreeHead) -> None:
        """Write the head's own object, then point ``latest`` at it."""
        body = json.dumps(sth.to_json(), sort_keys=True, indent=2).encode("utf-8")
        with translated(f"s3://{self._bucket}/{self.key(sth)}"):
            for key in (self.key(sth), self.folder(sth.head.workspace_id) + LATEST):
                self._client.put_object(
                    Bucket=self._bucket, Key=key, Body=body, ContentType="application/json"
                )

    def _read(self, key: str) -> SignedTreeHead:
        with translated(f"s3://{self._bucket}/{key}"):
            body = self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        try:
            return SignedTreeHead.from_json(json.loads(body))
        except ValueError as exc:
            msg = f"s3://{self._bucket}/{key}: not a signed tree head: {exc}"
            raise InvalidTreeHeadSignatureError(msg) from exc

    def latest(self, workspace_id: str) -> SignedTreeHead | None:
        """The last published head, if any."""
        key = self.folder(workspace_id) + LATEST
        try:
            self._client.head_object(Bucket=self._bucket, Key=key)
        except self._client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            with translated(f"s3://{self._bucket}/{key}"):
                raise
        return self._read(key)

    def history(self, workspace_id: str) -> list[SignedTreeHead]:
        """Every published head, smallest tree first."""
        keys: list[str] = []
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=self.folder(workspace_id)
        )
        with translated(f"s3://{self._bucket}/{self.folder(workspace_id)}"):
            for page in pages:
                keys.extend(o["Key"] for o in page.get("Contents", []))
        return [self._read(k) for k in sorted(keys) if not k.endswith("/" + LATEST)]
