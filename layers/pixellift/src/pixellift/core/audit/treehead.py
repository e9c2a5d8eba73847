r"""Signed tree heads: a log's size and root, signed so they can be anchored outside the store.

The signed bytes are UTF-8 text, five lines each ending in ``\n``::

    pixellift-audit-tree-head/1
    <workspace id>
    <tree size, decimal>
    <timestamp, milliseconds since 1970-01-01 UTC, decimal>
    <root hash, 64 lowercase hex digits>

A head that names its signing key (every head signed since keys can be rotated) starts with
``pixellift-audit-tree-head/2`` and has a sixth line, the key id (see :mod:`.keyring`); a head in
the first form was signed by the workspace's original key.

Signing happens through the :class:`~pixellift.core.audit.ports.TreeHeadSigner` port (Ed25519 in
the adapters), so the core stays pure.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from pixellift.core.audit.ports import SignatureCheck, TreeHeadSigner
from pixellift.core.errors import InvalidTreeHeadSignatureError

HEADER: Final = "pixellift-audit-tree-head/1"
HEADER_WITH_KEY: Final = "pixellift-audit-tree-head/2"
ALGORITHM: Final = "ed25519"
TOKEN_PREFIX: Final = "pxa1"


@dataclass(frozen=True)
class TreeHead:
    """A log's size and root at a moment.

    Examples
    --------
    >>> head = TreeHead("acme", 8, 1795651200000, bytes(32))
    >>> head.encode().decode().splitlines()[:4]
    ['pixellift-audit-tree-head/1', 'acme', '8', '1795651200000']
    """

    workspace_id: str
    tree_size: int
    timestamp_ms: int
    root_hash: bytes
    key_id: str | None = None
    """The signing key's id; ``None`` in heads signed by the original key before rotation."""

    def encode(self) -> bytes:
        """The documented bytes that are signed (six lines when the head names its key).

        Examples
        --------
        >>> TreeHead("acme", 1, 5, bytes(32), key_id="ed25519:00ff").encode().splitlines()[-1]
        b'ed25519:00ff'
        """
        lines = [
            HEADER if self.key_id is None else HEADER_WITH_KEY,
            self.workspace_id,
            str(self.tree_size),
            str(self.timestamp_ms),
            self.root_hash.hex(),
        ]
        if self.key_id is not None:
            lines.append(self.key_id)
        return "".join(f"{line}\n" for line in lines).encode("utf-8")

    @property
    def issued_at(self) -> datetime:
        """The timestamp as an aware UTC time."""
        return datetime.fromtimestamp(self.timestamp_ms / 1000, tz=UTC)


def timestamp_ms(at: datetime) -> int:
    """Milliseconds since the epoch of an aware time.

    Examples
    --------
    >>> timestamp_ms(datetime(2026, 11, 26, tzinfo=UTC))
    1795651200000
    """
    return int(at.timestamp() * 1000)


@dataclass(frozen=True)
class SignedTreeHead:
    """A tree head, its signature and the public key that checks it."""

    head: TreeHead
    signature: bytes
    public_key: bytes

    def to_json(self) -> dict[str, Any]:
        """The head as published (hashes hex, signature and key base64, and its key id if any)."""
        body = {
            "workspace_id": self.head.workspace_id,
            "tree_size": self.head.tree_size,
            "timestamp_ms": self.head.timestamp_ms,
            "root_hash": self.head.root_hash.hex(),
            "algorithm": ALGORITHM,
            "signature": base64.b64encode(self.signature).decode("ascii"),
            "public_key": base64.b64encode(self.public_key).decode("ascii"),
        }
        if self.head.key_id is not None:
            body["key_id"] = self.head.key_id
        return body

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> SignedTreeHead:
        """Read a published head; raise :class:`InvalidTreeHeadSignatureError` if malformed."""
        try:
            head = TreeHead(
                workspace_id=str(body["workspace_id"]),
                tree_size=int(body["tree_size"]),
                timestamp_ms=int(body["timestamp_ms"]),
                root_hash=bytes.fromhex(body["root_hash"]),
                key_id=None if body.get("key_id") is None else str(body["key_id"]),
            )
            if body.get("algorithm", ALGORITHM) != ALGORITHM:
                msg = f"unsupported signature algorithm {body['algorithm']!r}"
                raise InvalidTreeHeadSignatureError(msg)
            signature = base64.b64decode(body["signature"], validate=True)
            key = base64.b64decode(body["public_key"], validate=True)
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            msg = f"malformed signed tree head: {exc}"
            raise InvalidTreeHeadSignatureError(msg) from exc
        return cls(head, signature, key)

    def token(self) -> str:
        """A compact verification token: the signed bytes and the signature, base64url.

        ``pxa1.<base64url(signed bytes)>.<base64url(signature)>``: with the public key, anyone
        can check the token alone and learn the size and root an export's proofs must reach.
        """
        parts = (self.head.encode(), self.signature)
        encoded = (base64.urlsafe_b64encode(p).decode("ascii").rstrip("=") for p in parts)
        return ".".join((TOKEN_PREFIX, *encoded))


def sign_tree_head(head: TreeHead, signer: TreeHeadSigner) -> SignedTreeHead:
    """Sign ``head`` with the signer's key."""
    return SignedTreeHead(head, signer.sign(head.encode()), signer.public_key)


def check_signature(
    sth: SignedTreeHead, check: SignatureCheck, public_key: bytes | None = None
) -> None:
    """Raise :class:`InvalidTreeHeadSignatureError` unless the signature verifies.

    ``public_key`` pins the key the head must be signed with (the workspace's known key); without
    it the key carried by the head is used.
    """
    key = sth.public_key if public_key is None else public_key
    if public_key is not None and sth.public_key != public_key:
        msg = (
            f"{sth.head.workspace_id}: the tree head of size {sth.head.tree_size} names another "
            "public key than the workspace's"
        )
        raise InvalidTreeHeadSignatureError(msg)
    if sth.head.key_id is not None and sth.head.key_id != key_id_of(key):
        msg = (
            f"{sth.head.workspace_id}: the tree head of size {sth.head.tree_size} names key "
            f"{sth.head.key_id}, not {key_id_of(key)} that it is checked with"
        )
        raise InvalidTreeHeadSignatureError(msg)
    if not check.verify(key, sth.head.encode(), sth.signature):
        msg = (
            f"{sth.head.workspace_id}: the tree head of size {sth.head.tree_size} signed at "
            f"{sth.head.issued_at.isoformat()} has an invalid signature"
        )
        raise InvalidTreeHeadSignatureError(msg)


def key_id_of(public_key: bytes) -> str:
    """The id of a public key: ``ed25519:`` and the first 16 hex digits of its SHA-256.

    Derived from the key, so a head cannot name one key and carry another unnoticed.

    Examples
    --------
    >>> key_id_of(bytes(32))
    'ed25519:66687aadf862bd77'
    """
    return f"{ALGORITHM}:{hashlib.sha256(public_key).hexdigest()[:16]}"


def read_token(token: str) -> tuple[TreeHead, bytes]:
    """Split a verification token into the tree head it signs and the signature.

    Examples
    --------
    >>> class Null:
    ...     public_key = b"k"
    ...     def sign(self, message: bytes) -> bytes:
    ...         return b"sig"
    >>> sth = sign_tree_head(TreeHead("acme", 3, 5, bytes(32)), Null())
    >>> read_token(sth.token()) == (sth.head, b"sig")
    True
    """
    try:
        prefix, head_part, signature_part = token.split(".")
        if prefix != TOKEN_PREFIX:
            raise ValueError(prefix)
        head_bytes, signature = (
            base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)) for p in (head_part, signature_part)
        )
        header, workspace, size, stamp, root, *rest = head_bytes.decode("utf-8").split("\n")
        key_id = rest.pop(0) if header == HEADER_WITH_KEY and len(rest) > 1 else None
        if header not in {HEADER, HEADER_WITH_KEY} or rest != [""] or key_id == "":
            raise ValueError(header)
        if (header == HEADER_WITH_KEY) != (key_id is not None):
            raise ValueError(header)
        head = TreeHead(workspace, int(size), int(stamp), bytes.fromhex(root), key_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        msg = f"not a verification token: {exc}"
        raise InvalidTreeHeadSignatureError(msg) from exc
    return head, signature
