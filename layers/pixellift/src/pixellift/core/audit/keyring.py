"""The keyring of a workspace's tree-head signing keys: which key was valid when.

Each key is an Ed25519 public key with an id (derived from the key, :func:`key_id_of`), the time
it became valid and, once rotated out, the time it was retired. Exactly one key is current. The
keyring is published next to the tree heads (``audit/<workspace>/keyring.json``), so an auditor
can fetch it and check every head with the key it names:

- a head without a key id was signed by the original key (the keyring's first);
- a head naming a key the keyring does not hold is refused (:class:`UnknownSigningKeyError`);
- a head signed by a key outside its validity period, after its retirement above all, is
  refused (:class:`RetiredSigningKeyError`): a leaked retired key cannot sign new heads.

A workspace that never rotated has no keyring; its heads are checked against its one key.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final

from pixellift.core.audit.ports import SignatureCheck
from pixellift.core.audit.treehead import (
    ALGORITHM,
    SignedTreeHead,
    check_signature,
    key_id_of,
)
from pixellift.core.errors import (
    InvalidTreeHeadSignatureError,
    RetiredSigningKeyError,
    UnknownSigningKeyError,
)

KEYRING_FORMAT: Final = "pixellift.audit.keyring/1"


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


@dataclass(frozen=True)
class SigningKey:
    """One public key and its validity period ``[valid_from_ms, retired_at_ms)``."""

    key_id: str
    public_key: bytes
    valid_from_ms: int
    retired_at_ms: int | None = None

    def refusal(self, timestamp_ms: int) -> str | None:
        """Why a head signed at ``timestamp_ms`` with this key is not valid (``None``: it is).

        Examples
        --------
        >>> k = SigningKey("ed25519:ab", bytes(32), 1000, retired_at_ms=2000)
        >>> k.refusal(1500) is None, k.refusal(2000)
        (True, 'key ed25519:ab was retired at 1970-01-01T00:00:02+00:00')
        """
        if self.retired_at_ms is not None and timestamp_ms >= self.retired_at_ms:
            return f"key {self.key_id} was retired at {_iso(self.retired_at_ms)}"
        if timestamp_ms < self.valid_from_ms:
            return f"key {self.key_id} was not valid before {_iso(self.valid_from_ms)}"
        return None

    def to_json(self) -> dict[str, Any]:
        """The key as published."""
        return {
            "key_id": self.key_id,
            "algorithm": ALGORITHM,
            "public_key": base64.b64encode(self.public_key).decode("ascii"),
            "valid_from_ms": self.valid_from_ms,
            "retired_at_ms": self.retired_at_ms,
        }


@dataclass(frozen=True)
class Keyring:
    """A workspace's signing keys, oldest first; the last one is current.

    Examples
    --------
    >>> ring = Keyring.original("acme", bytes(32)).rotate(bytes([1] * 32), at_ms=5000)
    >>> [k.retired_at_ms for k in ring.keys], ring.current.valid_from_ms
    ([5000, None], 5000)
    """

    workspace_id: str
    keys: tuple[SigningKey, ...]

    @classmethod
    def original(cls, workspace_id: str, public_key: bytes) -> Keyring:
        """The keyring of a workspace that signed with one key since its first head."""
        return cls(workspace_id, (SigningKey(key_id_of(public_key), public_key, 0),))

    @property
    def current(self) -> SigningKey:
        """The key new heads are signed with."""
        return self.keys[-1]

    def get(self, key_id: str) -> SigningKey | None:
        """The key with this id, if the keyring holds it."""
        return next((k for k in self.keys if k.key_id == key_id), None)

    def rotate(self, public_key: bytes, at_ms: int) -> Keyring:
        """Retire the current key at ``at_ms`` and make ``public_key`` current from then on.

        Raises
        ------
        InvalidTreeHeadSignatureError
            The new key is in the keyring already, or ``at_ms`` is not after the current key's
            start.
        """
        key_id = key_id_of(public_key)
        if self.get(key_id) is not None:
            msg = f"{self.workspace_id}: key {key_id} was used before; rotate to a new key"
            raise InvalidTreeHeadSignatureError(msg)
        if at_ms <= self.current.valid_from_ms:
            since = _iso(self.current.valid_from_ms)
            msg = f"{self.workspace_id}: a rotation must come after {since}"
            raise InvalidTreeHeadSignatureError(msg)
        retired = replace(self.current, retired_at_ms=at_ms)
        fresh = SigningKey(key_id, public_key, at_ms)
        return Keyring(self.workspace_id, (*self.keys[:-1], retired, fresh))

    def key_for(self, sth: SignedTreeHead) -> SigningKey:
        """The key that must have signed ``sth``, valid when it was signed.

        Raises
        ------
        UnknownSigningKeyError
            The head names a key the keyring does not hold.
        RetiredSigningKeyError
            The head was signed outside the key's validity period (after its retirement).
        InvalidTreeHeadSignatureError
            The head carries another public key than the one its key id names.
        """
        head = sth.head
        where = f"{head.workspace_id}: the tree head of size {head.tree_size}"
        key_id = head.key_id or self.keys[0].key_id
        key = self.get(key_id)
        if key is None:
            msg = f"{where} names key {key_id}, which the workspace's keyring does not hold"
            raise UnknownSigningKeyError(msg)
        refusal = key.refusal(head.timestamp_ms)
        if refusal is not None:
            msg = f"{where} signed at {head.issued_at.isoformat()}: {refusal}"
            raise RetiredSigningKeyError(msg)
        if sth.public_key != key.public_key:
            msg = f"{where} carries another public key than its key {key_id}"
            raise InvalidTreeHeadSignatureError(msg)
        return key

    def check(self, sth: SignedTreeHead, check: SignatureCheck) -> None:
        """Raise unless ``sth`` is signed by the key it names, valid at the time it names."""
        check_signature(sth, check, self.key_for(sth).public_key)

    def to_json(self) -> dict[str, Any]:
        """The keyring as published."""
        return {
            "format": KEYRING_FORMAT,
            "workspace_id": self.workspace_id,
            "keys": [k.to_json() for k in self.keys],
        }

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Keyring:
        """Read a published keyring.

        Raises
        ------
        InvalidTreeHeadSignatureError
            Malformed, or a key's id does not match its public key.
        """
        try:
            if body["format"] != KEYRING_FORMAT:
                raise ValueError(body["format"])
            keys = tuple(
                SigningKey(
                    key_id=str(k["key_id"]),
                    public_key=base64.b64decode(k["public_key"], validate=True),
                    valid_from_ms=int(k["valid_from_ms"]),
                    retired_at_ms=None if k["retired_at_ms"] is None else int(k["retired_at_ms"]),
                )
                for k in body["keys"]
            )
            ring = cls(str(body["workspace_id"]), keys)
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            msg = f"malformed audit keyring: {exc}"
            raise InvalidTreeHeadSignatureError(msg) from exc
        forged = [k.key_id for k in keys if k.key_id != key_id_of(k.public_key)]
        if not keys or forged or any(k.retired_at_ms is None for k in keys[:-1]):
            msg = f"{ring.workspace_id}: audit keyring is inconsistent (keys {forged or 'retired'})"
            raise InvalidTreeHeadSignatureError(msg)
        return ring
