"""``AuditSink``: how every capability records its events in the ledger."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from pixellift.core.audit.ports import AuditStore
from pixellift.core.contracts.audit import AuditEvent


class LedgerAuditSink:
    """Records events in the workspace logs of an :class:`AuditStore`.

    Parameters
    ----------
    store
        The ledger's store (``DynamoAuditStore`` deployed and locally).
    """

    def __init__(self, store: AuditStore) -> None:
        self._store = store

    def record(self, event: AuditEvent) -> None:
        """Append one event; it is in the log (with its index) when this returns."""
        self._store.append(event.workspace_id, [event])

    def record_many(self, events: Sequence[AuditEvent]) -> None:
        """Append several events, in order, one write per block of each workspace's run."""
        for workspace_id, run in groupby(events, key=lambda e: e.workspace_id):
            self._store.append(workspace_id, list(run))
