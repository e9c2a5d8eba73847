"""Ledger use cases: verify a workspace's log, and sign and publish its tree head."""

from __future__ import annotations

from dataclasses import dataclass

from pixellift.core.audit.ports import AuditStore, SignatureCheck, TreeHeadArchive, TreeHeadSigner
from pixellift.core.audit.treehead import SignedTreeHead, TreeHead, sign_tree_head, timestamp_ms
from pixellift.core.audit.verify import VerifiedLog, verify_log
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
    """

    store: AuditStore
    archive: TreeHeadArchive
    signer: TreeHeadSigner
    check: SignatureCheck
    clock: WallClock


def verify_workspace(services: LedgerServices, workspace_id: str) -> VerifiedLog:
    """Verify the workspace's stored entries against every published head and the tree state.

    Raises
    ------
    AuditLogBrokenError
        Names the first broken entry and the cause.
    InvalidTreeHeadSignatureError
        A published head does not verify with the workspace's key.
    """
    return verify_log(
        workspace_id,
        services.store.entries(workspace_id),
        heads=services.archive.history(workspace_id),
        check=services.check,
        public_key=services.signer.public_key,
        state=services.store.state(workspace_id),
    )


def publish_tree_head(services: LedgerServices, workspace_id: str) -> SignedTreeHead:
    """Verify the log, then sign and publish its current head.

    A log that no longer extends the heads published before (a deleted tail, a changed entry)
    fails verification, so it never gets a new signature.
    """
    return _publish(services, verify_workspace(services, workspace_id))


def _publish(services: LedgerServices, log: VerifiedLog) -> SignedTreeHead:
    workspace_id = log.workspace_id
    latest = services.archive.latest(workspace_id)
    if latest is not None and (latest.head.tree_size, latest.head.root_hash) == (
        log.size,
        log.root,
    ):
        return latest
    head = TreeHead(workspace_id, log.size, timestamp_ms(services.clock.now()), log.root)
    sth = sign_tree_head(head, services.signer)
    services.archive.publish(sth)
    return sth


def head_for_export(
    services: LedgerServices, workspace_id: str
) -> tuple[VerifiedLog, SignedTreeHead]:
    """The verified log and a signed head of exactly its size (published if new)."""
    log = verify_workspace(services, workspace_id)
    return log, _publish(services, log)
