"""``KeyringStore`` on S3: each workspace's signing-key keyring, next to its tree heads.

Key: ``<prefix>/<workspace>/keyring.json`` in the tree-head bucket (the heads are under
``<prefix>/<workspace>/tree-heads/``), so an auditor who can fetch the heads can fetch the keys
that check them. The document is the public keys only (``docs/audit-format.md``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final

from pixellift.adapters.aws.errors import translated
from pixellift.core.audit.keyring import Keyring
from pixellift.core.errors import InvalidTreeHeadSignatureError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

KEYRING: Final = "keyring.json"
_MISSING: Final = frozenset({"404", "NoSuchKey", "NotFound"})


class S3Keyrings:
    """The keyrings of every workspace in the tree-head bucket.

    Parameters
    ----------
    client
        An S3 client.
    bucket
        The tree-head bucket.
    prefix
        Key prefix of the audit objects (as for the heads).
    """

    def __init__(self, client: S3Client, bucket: str, prefix: str = "audit") -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix.strip("/")

    def key(self, workspace_id: str) -> str:
        """The keyring object's key."""
        return f"{self._prefix}/{workspace_id}/{KEYRING}"

    def keyring(self, workspace_id: str) -> Keyring | None:
        """The published keyring, or ``None`` if the workspace's key never rotated."""
        key = self.key(workspace_id)
        try:
            body = self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except self._client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return None
            with translated(f"s3://{self._bucket}/{key}"):
                raise
        try:
            ring = Keyring.from_json(json.loads(body))
        except ValueError as exc:
            msg = f"s3://{self._bucket}/{key}: not an audit keyring: {exc}"
            raise InvalidTreeHeadSignatureError(msg) from exc
        if ring.workspace_id != workspace_id:
            msg = f"s3://{self._bucket}/{key}: the keyring of workspace {ring.workspace_id}"
            raise InvalidTreeHeadSignatureError(msg)
        return ring

    def publish_keyring(self, keyring: Keyring) -> None:
        """Write the keyring (public keys and validity periods only)."""
        key = self.key(keyring.workspace_id)
        body = json.dumps(keyring.to_json(), sort_keys=True, indent=2).encode("utf-8")
        with translated(f"s3://{self._bucket}/{key}"):
            self._client.put_object(
                Bucket=self._bucket, Key=key, Body=body, ContentType="application/json"
            )
