"""In-memory access stores, audit sink and a settable clock (typed against the ports)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from pixellift.core.access.invitation_records import InvitationRecord
from pixellift.core.access.records import ApiKeyRecord, Membership, ShareLinkRecord
from pixellift.core.contracts.audit import AuditEvent


@dataclass
class SetClock:
    """A clock that stands still until moved."""

    at: datetime = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        """The set time."""
        return self.at

    def advance(self, delta: timedelta) -> None:
        """Move forward."""
        self.at += delta


@dataclass
class MemoryAudit:
    """Keeps every event in order."""

    events: list[AuditEvent] = field(default_factory=list)

    def record(self, event: AuditEvent) -> None:
        """Append."""
        self.events.append(event)

    def types(self) -> list[str]:
        """The event types, in order."""
        return [e.type for e in self.events]


class MemoryMemberships:
    """``MembershipRepository`` in a dict."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Membership] = {}
        self._lock = threading.Lock()

    def get(self, workspace_id: str, user_id: str) -> Membership | None:
        """The membership or ``None``."""
        return self.rows.get((workspace_id, user_id))

    def put(self, membership: Membership) -> bool:
        """Write if the version follows the stored one."""
        key = (membership.workspace_id, membership.user_id)
        with self._lock:
            stored = self.rows.get(key)
            expected = -1 if stored is None else stored.version
            if membership.version != expected + 1:
                return False
            self.rows[key] = membership
            return True

    def list(self, workspace_id: str) -> Iterator[Membership]:
        """The workspace's memberships by user."""
        for (ws, _), row in sorted(self.rows.items()):
            if ws == workspace_id:
                yield row


R = TypeVar("R", ApiKeyRecord, ShareLinkRecord, InvitationRecord)


class _WorkspaceRows(Generic[R]):
    """Versioned records of workspaces in a dict, keyed by ``(workspace, <id_field>)``."""

    id_field: str

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], R] = {}

    def _key(self, record: R) -> tuple[str, str]:
        return record.workspace_id, str(getattr(record, self.id_field))

    def add(self, record: R) -> bool:
        """Store if the id is free in the workspace."""
        key = self._key(record)
        if key in self.rows:
            return False
        self.rows[key] = record
        return True

    def get(self, workspace_id: str, record_id: str) -> R | None:
        """The record or ``None``."""
        return self.rows.get((workspace_id, record_id))

    def replace(self, record: R) -> R | None:
        """Next version if the stored one matches."""
        key = self._key(record)
        stored = self.rows.get(key)
        if stored is None or stored.version != record.version:
            return None
        updated = record.model_copy(update={"version": record.version + 1})
        self.rows[key] = updated
        return updated

    def list(self, workspace_id: str) -> Iterator[R]:
        """The workspace's records by id."""
        for (ws, _), row in sorted(self.rows.items()):
            if ws == workspace_id:
                yield row


class MemoryKeys(_WorkspaceRows[ApiKeyRecord]):
    """``ApiKeyRepository`` in a dict."""

    id_field = "prefix"


class MemoryLinks(_WorkspaceRows[ShareLinkRecord]):
    """``ShareLinkRepository`` in a dict."""

    id_field = "link_id"


class MemoryInvitations(_WorkspaceRows[InvitationRecord]):
    """``InvitationRepository`` in a dict."""

    id_field = "invitation_id"
