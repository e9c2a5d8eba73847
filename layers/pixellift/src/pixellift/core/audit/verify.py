"""Walk a workspace's log and name the first broken entry.

The checks, in order:

1. every published tree head carries a valid signature: by the workspace's key, when given, or by
   the keyring's key it names, valid when the head was signed (after rotations);
2. entries are stored at consecutive leaf indexes from 0, each entry's bytes hash to its
   recorded leaf hash, are canonical, carry their own index and the previous entry's leaf hash
   (so an entry rewritten in place is named by its successor);
3. the tree over the entries (built bottom-up, level by level) reproduces the root of every
   published head up to its size, and no head covers more entries than the log holds (a deleted
   tail);
4. the store's own tree state neither covers more entries than it holds nor disagrees with them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pixellift.core.audit.encoding import NO_PREVIOUS, decode_entry
from pixellift.core.audit.keyring import Keyring
from pixellift.core.audit.log import StoredEntry, TreeState
from pixellift.core.audit.merkle import EMPTY_ROOT, MerkleTree
from pixellift.core.audit.ports import SignatureCheck
from pixellift.core.audit.treehead import SignedTreeHead, check_signature
from pixellift.core.errors import AuditLogBrokenError, InvalidAuditEventError


@dataclass(frozen=True)
class VerifiedLog:
    """A log that passed every check: its tree and the heads that anchor it."""

    workspace_id: str
    tree: MerkleTree
    heads: tuple[SignedTreeHead, ...]

    @property
    def size(self) -> int:
        """Entries in the log."""
        return self.tree.size

    @property
    def root(self) -> bytes:
        """Root over every entry."""
        return self.tree.root


def _check_entries(workspace: str, entries: Iterable[StoredEntry]) -> list[bytes]:
    """Check entry by entry; return the leaf hashes in order."""
    leaves: list[bytes] = []
    prev = NO_PREVIOUS
    sha = hashlib.sha256
    for position, entry in enumerate(entries):
        if entry.index != position:
            what = f"the next stored entry is {entry.index}"
            cause = f"missing: {what}" if entry.index > position else f"stored again as {what}"
            raise AuditLogBrokenError(workspace, position, cause)
        leaf = sha(b"\x00" + entry.data).digest()
        if leaf != entry.leaf:
            cause = "its bytes do not match its recorded leaf hash: the entry was changed"
            raise AuditLogBrokenError(workspace, position, cause)
        try:
            decoded = decode_entry(entry.data)
        except InvalidAuditEventError as exc:
            raise AuditLogBrokenError(workspace, position, f"not a valid entry: {exc}") from exc
        if decoded.index != position:
            cause = f"its bytes carry index {decoded.index}: entries were removed or reordered"
            raise AuditLogBrokenError(workspace, position, cause)
        if decoded.prev != prev:
            if position == 0:
                raise AuditLogBrokenError(workspace, 0, "the first entry does not start the chain")
            cause = (
                f"changed after entry {position} was appended: that entry chains to leaf hash "
                f"{decoded.prev.hex()}, this entry's hash is now {prev.hex()}"
            )
            raise AuditLogBrokenError(workspace, position - 1, cause)
        if decoded.event.get("workspace_id") != workspace:
            owner = json.dumps(decoded.event.get("workspace_id"))
            raise AuditLogBrokenError(workspace, position, f"it belongs to workspace {owner}")
        leaves.append(leaf)
        prev = leaf
    return leaves


def _check_heads(workspace: str, tree: MerkleTree, heads: Sequence[SignedTreeHead]) -> None:
    good = 0
    for sth in sorted(heads, key=lambda h: (h.head.tree_size, h.head.timestamp_ms)):
        size, signed = sth.head.tree_size, sth.head.issued_at.isoformat()
        if size > tree.size:
            cause = (
                f"missing: the tree head signed at {signed} covers {size} entries, the log holds "
                f"{tree.size} (its tail was deleted)"
            )
            raise AuditLogBrokenError(workspace, tree.size, cause)
        expected = tree.subtree_root(0, size) if size else EMPTY_ROOT
        if expected != sth.head.root_hash:
            cause = (
                f"the first {size} entries do not match the tree head signed at {signed}: "
                f"entries {good}..{size - 1} were changed"
            )
            raise AuditLogBrokenError(workspace, good, cause)
        good = max(good, size)


def _check_state(workspace: str, tree: MerkleTree, state: TreeState) -> None:
    if state.size > tree.size:
        cause = f"missing: the log's tree state covers {state.size} entries (its tail was deleted)"
        raise AuditLogBrokenError(workspace, tree.size, cause)
    if state.size and tree.subtree_root(0, state.size) != state.root:
        cause = f"the log's tree state at size {state.size} does not match the entries"
        raise AuditLogBrokenError(workspace, state.size - 1, cause)


def verify_log(
    workspace_id: str,
    entries: Iterable[StoredEntry],
    *,
    heads: Sequence[SignedTreeHead] = (),
    check: SignatureCheck | None = None,
    public_key: bytes | None = None,
    state: TreeState | None = None,
    keyring: Keyring | None = None,
) -> VerifiedLog:
    """Verify a workspace's log against its published heads and the store's tree state.

    Parameters
    ----------
    workspace_id
        The workspace whose log ``entries`` is.
    entries
        The stored entries in index order (as the store yields them).
    heads
        Published signed tree heads; each needs ``check``.
    check
        Signature verification (Ed25519 in the adapters).
    public_key
        The workspace's known public key: every head must be signed with it.
    state
        The store's tree state, compared with the entries.
    keyring
        The workspace's keys after a rotation: each head must be signed by the key it names,
        valid at its time (instead of ``public_key``).

    Raises
    ------
    AuditLogBrokenError
        Names the first broken entry and the cause.
    InvalidTreeHeadSignatureError
        A published head's signature does not verify.
    UnknownSigningKeyError, RetiredSigningKeyError
        With ``keyring``: a head names an unknown key, or one retired when it was signed.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from pixellift.core.audit.log import plan_block
    >>> from pixellift.core.contracts.audit import AuditEvent
    >>> e = AuditEvent(workspace_id="acme", actor="user:ana", type="batch.started",
    ...     at=datetime(2026, 11, 26, tzinfo=UTC), subject={"batch_id": "b1"})
    >>> block, state = plan_block(TreeState.empty(), [e, e, e])
    >>> verify_log("acme", block.entries, state=state).size
    3
    >>> verify_log("acme", block.entries[:2], state=state)
    Traceback (most recent call last):
    ...
    pixellift.core.errors.AuditLogBrokenError: acme: entry 2: missing: the log's tree state ...
    """
    if heads and check is None:
        msg = "published tree heads need a signature check"
        raise ValueError(msg)
    for sth in heads:
        if check is not None and keyring is not None:
            keyring.check(sth, check)
        elif check is not None:
            check_signature(sth, check, public_key)
        if sth.head.workspace_id != workspace_id:
            cause = f"a tree head of workspace {sth.head.workspace_id} was published here"
            raise AuditLogBrokenError(workspace_id, sth.head.tree_size, cause)
    tree = MerkleTree(_check_entries(workspace_id, entries))
    _check_heads(workspace_id, tree, heads)
    if state is not None:
        _check_state(workspace_id, tree, state)
    return VerifiedLog(workspace_id, tree, tuple(heads))
