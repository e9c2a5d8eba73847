"""Ed25519 keys of the audit ledger: loading, local generation, and verification."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from pixellift.adapters.aws.audit_signer import (
    Ed25519Check,
    Ed25519Signer,
    local_key_path,
    local_signer,
)
from pixellift.core.errors import InvalidTreeHeadSignatureError, MissingConfigurationError

# RFC 8032 §7.1, test 1: secret key, public key and the signature of the empty message.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
RFC8032_SIGNATURE = (
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
    "d25bf5f0595bbe24655141438e7a100b"
)


def test_signatures_match_the_rfc8032_vector() -> None:
    # GIVEN the RFC 8032 test-1 key / WHEN it signs the empty message
    signer = Ed25519Signer.from_bytes(RFC8032_SECRET)
    # THEN key and signature are the published ones, and they verify
    assert signer.public_key.hex() == RFC8032_PUBLIC
    assert signer.sign(b"").hex() == RFC8032_SIGNATURE
    assert Ed25519Check().verify(signer.public_key, b"", signer.sign(b""))
    assert not Ed25519Check().verify(signer.public_key, b"x", signer.sign(b""))


def test_a_pem_key_file_loads(tmp_path: Path) -> None:
    # GIVEN the key written as PEM / WHEN loaded from the file / THEN the same key
    path = tmp_path / "key.pem"
    path.write_bytes(Ed25519Signer.from_bytes(RFC8032_SECRET).private_pem())
    assert Ed25519Signer.from_file(path).public_key.hex() == RFC8032_PUBLIC


def test_keys_that_are_not_ed25519_are_refused(tmp_path: Path) -> None:
    # GIVEN an EC key, garbage, and a missing file
    ec = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # WHEN / THEN each is refused with the cause
    with pytest.raises(MissingConfigurationError, match=r"the private key is \w+, not Ed25519"):
        Ed25519Signer.from_bytes(ec)
    with pytest.raises(MissingConfigurationError, match="not an Ed25519 private key"):
        Ed25519Signer.from_bytes(b"not a key")
    with pytest.raises(MissingConfigurationError, match="cannot read the audit signing key"):
        Ed25519Signer.from_file(tmp_path / "absent.pem")
    with pytest.raises(InvalidTreeHeadSignatureError, match="not an Ed25519 public key"):
        Ed25519Check().verify(b"short", b"", bytes(64))


def test_the_local_key_is_created_once_private_and_reused(tmp_path: Path) -> None:
    # GIVEN an empty state folder / WHEN the workspace's signer is asked for twice
    first = local_signer(tmp_path, "acme")
    second = local_signer(tmp_path, "acme")
    # THEN one key was created, readable by its owner only, and another workspace gets another
    path = local_key_path(tmp_path, "acme")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.public_key == second.public_key
    assert local_signer(tmp_path, "globex").public_key != first.public_key
    assert sorted(p.name for p in path.parent.iterdir()) == ["acme.pem", "globex.pem"]
