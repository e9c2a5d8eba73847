"""Credentials of share links: the HMAC-SHA256 token signer and scrypt password hashes."""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from pixellift.core.access.records import PasswordHash

MIN_SECRET_BYTES: Final = 32
_SCRYPT: Final = {"n": 2**14, "r": 8, "p": 1}


class HmacSigner:
    """``Signer`` with HMAC-SHA256 under one secret.

    Examples
    --------
    >>> s = HmacSigner(b"k" * 32, key_id="k1")
    >>> s.verify(b"data", s.sign(b"data")), s.verify(b"date", s.sign(b"data"))
    (True, False)
    """

    def __init__(self, secret: bytes, key_id: str = "hmac-1") -> None:
        if len(secret) < MIN_SECRET_BYTES:
            msg = "share signing key: needs at least 32 bytes"
            raise ValueError(msg)
        self._secret = secret
        self._key_id = key_id

    @property
    def key_id(self) -> str:
        """The key's name."""
        return self._key_id

    def sign(self, data: bytes) -> bytes:
        """HMAC-SHA256 of ``data``."""
        return hmac.new(self._secret, data, hashlib.sha256).digest()

    def verify(self, data: bytes, signature: bytes) -> bool:
        """Constant-time comparison with the expected signature."""
        return hmac.compare_digest(self.sign(data), signature)


def hash_password(password: str, salt: bytes) -> PasswordHash:
    """The scrypt hash of ``password`` with ``salt`` (N=2^14, r=8, p=1).

    Examples
    --------
    >>> h = hash_password("open sesame", b"s" * 16)
    >>> check_password("open sesame", h), check_password("open sesame!", h)
    (True, False)
    """
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return PasswordHash(salt=salt.hex(), hash=digest.hex(), **_SCRYPT)


def check_password(password: str, stored: PasswordHash) -> bool:
    """Whether ``password`` matches ``stored`` (constant-time comparison)."""
    digest = hashlib.scrypt(
        password.encode(),
        salt=bytes.fromhex(stored.salt),
        n=stored.n,
        r=stored.r,
        p=stored.p,
        dklen=32,
    )
    return hmac.compare_digest(digest.hex(), stored.hash)
