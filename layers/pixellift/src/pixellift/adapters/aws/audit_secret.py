"""The audit ledger's Ed25519 signing key, kept in AWS Secrets Manager.

The secret holds either an unencrypted PKCS #8 PEM private key (``openssl genpkey -algorithm
ed25519``) as its string, or a raw 32-byte seed: as binary, or as a 32-character string (the
placeholder CDK generates is one, random, so a fresh deployment signs from its first run).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from pixellift.adapters.aws.audit_signer import Ed25519Signer
from pixellift.adapters.aws.errors import translated
from pixellift.core.errors import MissingConfigurationError


class SecretReader(Protocol):
    """The part of the Secrets Manager client the key needs."""

    def get_secret_value(self, *, SecretId: str) -> Mapping[str, Any]:  # noqa: N803 (boto3's name)
        """The secret's current version."""
        ...


def secret_key_bytes(secret: Mapping[str, Any], secret_id: str) -> bytes:
    """The key material of a ``GetSecretValue`` response.

    Examples
    --------
    >>> len(secret_key_bytes({"SecretString": "Vq3x8TfLz0aWm2Rk9YpC4nHs7JdE1uGb"}, "k"))
    32
    >>> secret_key_bytes({}, "audit-key")
    Traceback (most recent call last):
    ...
    pixellift.core.errors.MissingConfigurationError: secret audit-key: holds no value
    """
    binary = secret.get("SecretBinary")
    if isinstance(binary, bytes | bytearray):
        return bytes(binary)
    text = secret.get("SecretString")
    if isinstance(text, str) and text:
        return text.encode("utf-8")
    msg = f"secret {secret_id}: holds no value"
    raise MissingConfigurationError(msg)


def signer_from_secret(client: SecretReader, secret_id: str) -> Ed25519Signer:
    """The signer whose private key is the secret's current value.

    Raises
    ------
    MissingConfigurationError
        The secret holds no Ed25519 key (the message names the secret, never its value).
    StoreRequestError, StoreUnavailableError
        Secrets Manager refused the read, or is unavailable.
    """
    with translated(f"secret {secret_id}"):
        secret = client.get_secret_value(SecretId=secret_id)
    data = secret_key_bytes(secret, secret_id)
    try:
        return Ed25519Signer.from_bytes(data)
    except MissingConfigurationError as exc:
        msg = f"secret {secret_id}: {exc}"
        raise MissingConfigurationError(msg) from exc
