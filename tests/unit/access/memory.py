"""In-memory access stores, audit sink and a settable clock (typed against the ports)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

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


class MemoryKeys:
    """``ApiKeyRepository`` in a dict."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], ApiKeyRecord] = {}

    def add(self, record: ApiKeyRecord) -> bool:
        """Store if the prefix is free."""
        key = (record.workspace_id, record.prefix)
        if key in self.rows:
            return False
        self.rows[key] = record
        return True

    def get(self, workspace_id: str, prefix: str) -> ApiKeyRecord | None:
        """The key or ``None``."""
        return self.rows.get((workspace_id, prefix))

    def replace(self, record: ApiKeyRecord) -> ApiKeyRecord | None:
        """Next version if the stored one matches."""
        key = (record.workspace_id, record.prefix)
        stored = self.rows.get(key)
        if stored is None or stored.version != record.version:
            return None
        updated = record.model_copy(update={"version": record.version + 1})
        self.rows[key] = updated
        return updated

    def list(self, workspace_id: str) -> Iterator[ApiKeyRecord]:
        """The workspace's keys."""
        yield from (r for r in self.rows.values() if r.workspace_id == workspace_id)


class MemoryLinks:
    """``ShareLinkRepository`` in a dict."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], ShareLinkRecord] = {}

    def add(self, record: ShareLinkRecord) -> bool:
        """Store if the id is free."""
        key = (record.workspace_id, record.link_id)
        if key in self.rows:
            return False
        self.rows[key] = record
        return True

    def get(self, workspace_id: str, link_id: str) -> ShareLinkRecord | None:
        """The link or ``None``."""
        return self.rows.get((workspace_id, link_id))

    def replace(self, record: ShareLinkRecord) -> ShareLinkRecord | None:
        """Next version if the stored one matches."""
        key = (record.workspace_id, record.link_id)
        stored = self.rows.get(key)
        if stored is None or stored.version != record.version:
            return None
        updated = record.model_copy(update={"version": record.version + 1})
        self.rows[key] = updated
        return updated


class MemoryInvitations:
    """``InvitationRepository`` in a dict."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], InvitationRecord] = {}

    def add(self, record: InvitationRecord) -> bool:
        """Store if the id is free in the workspace."""
        key = (record.workspace_id, record.invitation_id)
        if key in self.rows:
            return False
        self.rows[key] = record
        return True

    def get(self, workspace_id: str, invitation_id: str) -> InvitationRecord | None:
        """The invitation or ``None``."""
        return self.rows.get((workspace_id, invitation_id))

    def replace(self, record: InvitationRecord) -> InvitationRecord | None:
        """Next version if the stored one matches."""
        key = (record.workspace_id, record.invitation_id)
        stored = self.rows.get(key)
        if stored is None or stored.version != record.version:
            return None
        updated = record.model_copy(update={"version": record.version + 1})
        self.rows[key] = updated
        return updated

    def list(self, workspace_id: str) -> Iterator[InvitationRecord]:
        """The workspace's invitations by id."""
        for (ws, _), row in sorted(self.rows.items()):
            if ws == workspace_id:
                yield row
