"""Ledger use cases: verify a workspace's log, and sign and publish its tree head."""

from __future__ import annotations

from dataclasses import dataclass

from pixellift.core.audit.keyring import Keyring
from pixellift.core.audit.ports import (
    AuditStore,
    KeyringStore,
    SignatureCheck,
    TreeHeadArchive,
    TreeHeadSigner,
)
from pixellift.core.audit.treehead import (
    SignedTreeHead,
    TreeHead,
    key_id_of,
    sign_tree_head,
    timestamp_ms,
)
from pixellift.core.audit.verify import VerifiedLog, verify_log
from pixellift.core.errors import RetiredSigningKeyError, UnknownSigningKeyError
from pixellift.core.ports import WallClock


@dataclass(frozen=True)
class LedgerServices:
    """What the ledger's use cases need.

    Parameters
    ----------
    store
        The entries.
    archive
        Published signed tree heads.
    signer
        The workspace's signing key.
    check
        Signature verification.
    clock
        Time of each signed head.
    keyrings
        Published keyrings (after a key rotation); without one, every head must be signed by
        ``signer``'s key.
    """

    store: AuditStore
    archive: TreeHeadArchive
    signer: TreeHeadSigner
    check: SignatureCheck
    clock: WallClock
    keyrings: KeyringStore | None = None

    def keyring(self, workspace_id: str) -> Keyring | None:
        """The workspace's published keyring, if its key was ever rotated."""
        return None if self.keyrings is None else self.keyrings.keyring(workspace_id)


def verify_workspace(services: LedgerServices, workspace_id: str) -> VerifiedLog:
    """Verify the workspace's stored entries against every published head and the tree state.

    Raises
    ------
    AuditLogBrokenError
        Names the first broken entry and the cause.
    InvalidTreeHeadSignatureError
        A published head does not verify with the workspace's key.
    UnknownSigningKeyError, RetiredSigningKeyError
        After a rotation: a head names a key not in the keyring, or one retired by then.
    """
    keyring = services.keyring(workspace_id)
    return verify_log(
        workspace_id,
        services.store.entries(workspace_id),
        heads=services.archive.history(workspace_id),
        check=services.check,
        public_key=services.signer.public_key if keyring is None else None,
        state=services.store.state(workspace_id),
        keyring=keyring,
    )


def publish_tree_head(services: LedgerServices, workspace_id: str) -> SignedTreeHead:
    """Verify the log, then sign and publish its current head.

    A log that no longer extends the heads published before (a deleted tail, a changed entry)
    fails verification, so it never gets a new signature.
    """
    return _publish(services, verify_workspace(services, workspace_id))


def current_key_start(services: LedgerServices, workspace_id: str) -> int:
    """When the signer's key became valid (0 without a keyring).

    Raises
    ------
    RetiredSigningKeyError, UnknownSigningKeyError
        After a rotation, the signer's key is a retired one, or not in the keyring at all.
    """
    keyring = services.keyring(workspace_id)
    if keyring is None:
        return 0
    key_id = key_id_of(services.signer.public_key)
    if key_id == keyring.current.key_id:
        return keyring.current.valid_from_ms
    known = keyring.get(key_id)
    error = UnknownSigningKeyError if known is None else RetiredSigningKeyError
    state = "is not in its keyring" if known is None else "was retired"
    current = keyring.current.key_id
    msg = f"{workspace_id}: the signing key {key_id} {state}; the current key is {current}"
    raise error(msg)


def _publish(services: LedgerServices, log: VerifiedLog) -> SignedTreeHead:
    workspace_id = log.workspace_id
    latest = services.archive.latest(workspace_id)
    if latest is not None and (latest.head.tree_size, latest.head.root_hash) == (
        log.size,
        log.root,
    ):
        return latest
    start = current_key_start(services, workspace_id)
    stamp = max(timestamp_ms(services.clock.now()), start)
    key_id = key_id_of(services.signer.public_key)
    head = TreeHead(workspace_id, log.size, stamp, log.root, key_id)
    sth = sign_tree_head(head, services.signer)
    services.archive.publish(sth)
    return sth


def head_for_export(
    services: LedgerServices, workspace_id: str
) -> tuple[VerifiedLog, SignedTreeHead]:
    """The verified log and a signed head of exactly its size (published if new)."""
    log = verify_workspace(services, workspace_id)
    return log, _publish(services, log)
