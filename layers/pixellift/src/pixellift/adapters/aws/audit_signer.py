"""Ed25519 signing and verification of audit tree heads, with ``cryptography``.

Keys are PEM (PKCS #8) files or raw 32-byte seeds handed in by the caller. The local runtime keeps
one key per workspace under ``PIXELLIFT_STATE_DIR/audit/keys`` and creates it on first use.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from pixellift.core.errors import InvalidTreeHeadSignatureError, MissingConfigurationError

_RAW = serialization.Encoding.Raw
_RAW_PUBLIC = serialization.PublicFormat.Raw
SEED_SIZE = 32


class Ed25519Signer:
    """``TreeHeadSigner`` with an Ed25519 private key.

    Parameters
    ----------
    key
        The private key.
    """

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self._public = key.public_key().public_bytes(_RAW, _RAW_PUBLIC)

    @classmethod
    def generate(cls) -> Ed25519Signer:
        """A signer with a fresh random key."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_bytes(cls, data: bytes) -> Ed25519Signer:
        """A signer from a PEM private key or a raw 32-byte seed."""
        if len(data) == SEED_SIZE:
            return cls(Ed25519PrivateKey.from_private_bytes(data))
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            msg = f"not an Ed25519 private key (PEM or 32 raw bytes): {exc}"
            raise MissingConfigurationError(msg) from exc
        if not isinstance(key, Ed25519PrivateKey):
            msg = f"the private key is {type(key).__name__}, not Ed25519"
            raise MissingConfigurationError(msg)
        return cls(key)

    @classmethod
    def from_file(cls, path: Path) -> Ed25519Signer:
        """A signer from a key file."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            msg = f"{path}: cannot read the audit signing key: {exc.strerror}"
            raise MissingConfigurationError(msg) from exc
        return cls.from_bytes(data)

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte public key."""
        return self._public

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        return self._key.sign(message)

    def private_pem(self) -> bytes:
        """The private key as unencrypted PKCS #8 PEM (for the local key file)."""
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


class Ed25519Check:
    """``SignatureCheck`` for Ed25519 raw public keys."""

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` signs ``message`` under ``public_key``."""
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        except InvalidSignature:
            return False
        except ValueError as exc:
            msg = f"not an Ed25519 public key: {exc}"
            raise InvalidTreeHeadSignatureError(msg) from exc
        return True


def local_key_path(state_dir: Path, workspace_id: str) -> Path:
    """Where the local runtime keeps a workspace's signing key."""
    return state_dir / "audit" / "keys" / f"{workspace_id}.pem"


def install_local_key(state_dir: Path, workspace_id: str, signer: Ed25519Signer) -> Path:
    """Make ``signer`` the workspace's local key (after a rotation); the old key is destroyed.

    The new key is written (mode 0600) beside the old one and renamed over it, so a reader sees
    one key or the other, never a partial file.
    """
    path = local_key_path(state_dir, workspace_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f"{path.name}.{os.getpid()}.next")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(signer.private_pem())
    part.replace(path)
    return path


def local_signer(state_dir: Path, workspace_id: str) -> Ed25519Signer:
    """The workspace's local signing key, generated and stored (mode 0600) on first use."""
    path = local_key_path(state_dir, workspace_id)
    if path.exists():
        return Ed25519Signer.from_file(path)
    signer = Ed25519Signer(Ed25519PrivateKey.generate())
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f"{path.name}.{os.getpid()}.part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(signer.private_pem())
    try:
        os.link(part, path)  # never replaces a key another process created meanwhile
    except FileExistsError:
        return Ed25519Signer.from_file(path)
    finally:
        part.unlink()
    return signer
