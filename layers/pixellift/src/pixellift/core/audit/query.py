"""Filters over a log (actor, type, SKU, batch, time) and full-text search of justifications."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from pixellift.core.audit.encoding import decode_entry, format_time
from pixellift.core.audit.log import StoredEntry
from pixellift.core.contracts.audit import AuditEvent

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The lower-cased words of ``text``.

    Examples
    --------
    >>> words("New Amazon guidance (2026-11)")
    ['new', 'amazon', 'guidance', '2026', '11']
    """
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class AuditQuery:
    """Which events to keep; every given criterion must hold.

    Parameters
    ----------
    actor
        Exactly this actor (``user:ana``).
    types
        Event types; one ending in ``.`` matches a family (``billing.``).
    sku, batch_id
        The event's subject names this SKU or batch.
    since, until
        ``since <= at < until``.
    text
        Full-text search over justifications: every word of ``text`` must begin a word of the
        justification (case-insensitive), so ``guid amaz`` finds "new Amazon guidance".

    Examples
    --------
    >>> from datetime import UTC
    >>> e = AuditEvent(workspace_id="acme", actor="user:ana", type="preset.changed",
    ...     at=datetime(2026, 11, 26, tzinfo=UTC), subject={"preset": "main", "sku": "SKU-1"},
    ...     before={"fill": 0.85}, justification="new Amazon guidance")
    >>> AuditQuery(types=("preset.",), sku="SKU-1", text="amaz GUID").matches(e)
    True
    >>> AuditQuery(text="ebay").matches(e), AuditQuery(actor="user:bo").matches(e)
    (False, False)
    """

    actor: str | None = None
    types: tuple[str, ...] = ()
    sku: str | None = None
    batch_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""

    def matches(self, event: AuditEvent) -> bool:
        """Whether ``event`` passes every criterion."""
        if self.actor is not None and event.actor != self.actor:
            return False
        if self.types and not any(
            event.type.startswith(t) if t.endswith(".") else event.type == t for t in self.types
        ):
            return False
        if self.sku is not None and event.subject.get("sku") != self.sku:
            return False
        if self.batch_id is not None and event.subject.get("batch_id") != self.batch_id:
            return False
        if self.since is not None and event.at < self.since:
            return False
        if self.until is not None and event.at >= self.until:
            return False
        if self.text:
            have = words(event.justification)
            return all(any(w.startswith(q) for w in have) for q in words(self.text))
        return True

    def to_json(self) -> dict[str, Any]:
        """The criteria that are set, as JSON (recorded in exports)."""
        found: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if value in (None, (), ""):
                continue
            found[key] = format_time(value) if isinstance(value, datetime) else value
        if "types" in found:
            found["types"] = list(found["types"])
        return found


@dataclass(frozen=True)
class LoggedEvent:
    """An event with its place in the log."""

    index: int
    event: AuditEvent
    entry: StoredEntry


def read_events(entries: Iterable[StoredEntry]) -> Iterator[LoggedEvent]:
    """Decode stored entries into events (verify the log first: this trusts the bytes)."""
    for entry in entries:
        yield LoggedEvent(entry.index, decode_entry(entry.data).to_event(), entry)


def select(query: AuditQuery, events: Iterable[LoggedEvent]) -> list[LoggedEvent]:
    """The events that match ``query``, in log order."""
    return [e for e in events if query.matches(e.event)]
