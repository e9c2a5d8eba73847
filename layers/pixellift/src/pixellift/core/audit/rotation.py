"""Rotating a workspace's tree-head signing key.

A rotation first verifies the log and anchors it with a last head signed by the outgoing key,
then retires that key and makes the new one current in the keyring, publishes the keyring next to
the heads, and records ``audit.key_rotated`` in the log. Heads signed before the rotation keep
verifying with the key they name (or, without a key id, the original key); a head signed by the
retired key after the rotation is refused. The caller installs the new private key once this
returns (the adapters keep it; the core never sees it).
"""

from __future__ import annotations

from dataclasses import dataclass

from pixellift.core.audit.keyring import Keyring, SigningKey
from pixellift.core.audit.ledger import LedgerServices, current_key_start, publish_tree_head
from pixellift.core.audit.taxonomy import TAXONOMY_VERSION
from pixellift.core.audit.treehead import SignedTreeHead, key_id_of, timestamp_ms
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import MissingConfigurationError


@dataclass(frozen=True)
class Rotation:
    """What a rotation did."""

    keyring: Keyring
    """The keyring as published after the rotation."""
    retired: SigningKey
    current: SigningKey
    final_head: SignedTreeHead | None
    """The last head signed by the retired key (``None`` for an empty log)."""


def rotate_signing_key(
    services: LedgerServices,
    workspace_id: str,
    new_public_key: bytes,
    *,
    actor: str,
    justification: str = "",
) -> Rotation:
    """Retire the signer's key for the workspace and make ``new_public_key`` current.

    Parameters
    ----------
    services
        The ledger, signing with the outgoing (current) key; ``keyrings`` must be set.
    workspace_id
        The workspace whose key rotates.
    new_public_key
        The raw public key of the incoming key.
    actor, justification
        Who rotates, and why (recorded in ``audit.key_rotated``).

    Raises
    ------
    MissingConfigurationError
        No keyring store is configured.
    AuditLogBrokenError, InvalidTreeHeadSignatureError
        The log does not verify: it gets no new signature, and the key is not rotated.
    RetiredSigningKeyError, UnknownSigningKeyError
        The signer's key is not the workspace's current key.
    """
    if services.keyrings is None:
        msg = f"{workspace_id}: no keyring store is configured; the signing key cannot rotate"
        raise MissingConfigurationError(msg)
    start = current_key_start(services, workspace_id)
    final = services.archive.latest(workspace_id)
    if services.store.state(workspace_id).size:
        final = publish_tree_head(services, workspace_id)
    keyring = services.keyring(workspace_id) or Keyring.original(
        workspace_id, services.signer.public_key
    )
    now = services.clock.now()
    at = max(timestamp_ms(now), start + 1)
    if final is not None:
        at = max(at, final.head.timestamp_ms + 1)
    rotated = keyring.rotate(new_public_key, at)
    services.keyrings.publish_keyring(rotated)
    retired, current = rotated.keys[-2], rotated.current
    services.store.append(
        workspace_id,
        [
            AuditEvent(
                workspace_id=workspace_id,
                actor=actor,
                type="audit.key_rotated",
                at=now,
                subject={"key_id": current.key_id},
                before={"key_id": retired.key_id},
                after={"key_id": key_id_of(new_public_key), "valid_from_ms": current.valid_from_ms},
                justification=justification,
                taxonomy_version=TAXONOMY_VERSION,
            )
        ],
    )
    return Rotation(rotated, retired, current, final)
