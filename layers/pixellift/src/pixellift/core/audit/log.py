"""Appending to a workspace's log: entries, the tree state a store keeps, and planned blocks.

Stores write entries in *blocks*: one conditional write holds one or more consecutive entries and
is keyed by its first leaf index. A block may only start where the previous one ended, and the
write fails if a block already starts there, so two writers can never give two events the same
index, and a crash never leaves a hole. The tree state (size, frontier, last leaf hash) is a cache
a store may lag behind; :func:`roll_forward` brings it up to date from the blocks after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pixellift.core.audit.encoding import NO_PREVIOUS, encode_entry
from pixellift.core.audit.merkle import Frontier, leaf_hash
from pixellift.core.audit.taxonomy import check_event
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import AuditLogBrokenError, InvalidAuditEventError

MAX_BLOCK_ENTRIES = 100
MAX_BLOCK_BYTES = 300_000
"""A block stays well under DynamoDB's 400 KB item limit."""


@dataclass(frozen=True)
class StoredEntry:
    """One entry as a store keeps it: its leaf index, canonical bytes and recorded leaf hash."""

    index: int
    data: bytes
    leaf: bytes


@dataclass(frozen=True)
class TreeState:
    """What appending needs: the tree's size, its frontier and the last entry's leaf hash.

    Examples
    --------
    >>> TreeState.empty().root.hex()[:8]
    'e3b0c442'
    """

    size: int
    nodes: tuple[bytes, ...]
    last_leaf: bytes

    @classmethod
    def empty(cls) -> TreeState:
        """The state of a log with no entries."""
        return cls(0, (), NO_PREVIOUS)

    @property
    def root(self) -> bytes:
        """The tree head hash over every entry so far."""
        return Frontier(self.size, self.nodes).root()

    def extended(self, leaves: Iterable[bytes]) -> TreeState:
        """The state after appending ``leaves``."""
        frontier = Frontier(self.size, self.nodes)
        last = self.last_leaf
        for leaf in leaves:
            frontier.append(leaf)
            last = leaf
        return TreeState(frontier.size, tuple(frontier.nodes), last)


@dataclass(frozen=True)
class Block:
    """Consecutive entries written together, starting at ``start``."""

    start: int
    entries: tuple[StoredEntry, ...]

    @property
    def end(self) -> int:
        """Leaf index just past the block."""
        return self.start + len(self.entries)


def plan_block(state: TreeState, events: Sequence[AuditEvent]) -> tuple[Block, TreeState]:
    """Encode ``events`` as the block that follows ``state``; return it and the state after it.

    Every event is checked against the taxonomy first; an event of another workspace than the
    first is refused (a log belongs to one workspace).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> e = AuditEvent(workspace_id="acme", actor="user:ana", type="batch.started",
    ...     at=datetime(2026, 11, 26, tzinfo=UTC), subject={"batch_id": "b1"})
    >>> block, after = plan_block(TreeState.empty(), [e, e])
    >>> chained = block.entries[0].leaf.hex() in block.entries[1].data.decode()
    >>> block.start, block.end, after.size, chained
    (0, 2, 2, True)
    """
    if not events:
        msg = "an empty block"
        raise InvalidAuditEventError(msg)
    workspace = events[0].workspace_id
    entries: list[StoredEntry] = []
    prev, index = state.last_leaf, state.size
    for event in events:
        check_event(event)
        if event.workspace_id != workspace:
            msg = f"{event.type}: workspace {event.workspace_id} in a block of {workspace}"
            raise InvalidAuditEventError(msg)
        data = encode_entry(index, prev, event)
        prev = leaf_hash(data)
        entries.append(StoredEntry(index, data, prev))
        index += 1
    return Block(state.size, tuple(entries)), state.extended(e.leaf for e in entries)


def split_blocks(events: Sequence[AuditEvent]) -> list[Sequence[AuditEvent]]:
    """Cut a run of events into groups that each fit one block (by count and a size estimate)."""
    groups: list[Sequence[AuditEvent]] = []
    start, size = 0, 0
    for i, event in enumerate(events):
        estimate = 400 + len(event.model_dump_json())
        if i > start and (i - start >= MAX_BLOCK_ENTRIES or size + estimate > MAX_BLOCK_BYTES):
            groups.append(events[start:i])
            start, size = i, 0
        size += estimate
    if start < len(events):
        groups.append(events[start:])
    return groups


def roll_forward(workspace: str, state: TreeState, blocks: Iterable[Block]) -> TreeState:
    """Bring a lagging tree state up to date with the blocks written after it (in order)."""
    for block in blocks:
        if block.start != state.size:
            cause = f"the block written at {block.start} does not follow the one before"
            raise AuditLogBrokenError(workspace, state.size, cause)
        state = state.extended(e.leaf for e in block.entries)
    return state
