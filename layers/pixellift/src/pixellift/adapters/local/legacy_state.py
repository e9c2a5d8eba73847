"""Carry a local state written before batches, items and outputs were keyed by workspace.

A state folder journaled before key schema 2 holds entries for ``<prefix>batches``,
``<prefix>items`` and ``<prefix>outputs``; the runtime now reads ``…-v2`` tables keyed by
workspace (docs/adr/0008-workspace-scoped-state.md). When the journal is replayed,
:class:`~pixellift.adapters.local.durable.DurableState` rewrites the old entries with
:func:`rescope`, the rewrite a deployment's retained tables go through as well
(``pixellift state rescope``), so nothing a seller ran before is lost. The rewritten journal is
compacted, so this happens once.
"""

from __future__ import annotations

from pixellift.adapters.aws.legacy_tables import Dropped, Entry, LegacyTables, Rescoped, rescope

__all__ = ["Dropped", "Entry", "LegacyTables", "Rescoped", "rescope"]
