"""Audit events: what every capability records about who changed what, and why.

The governance ledger stores them (append-only, Merkle-hashed per workspace); every other
capability hands them to the :class:`~pixellift.core.ports.AuditSink` port and never learns how
they are kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from pixellift.core.contracts.records import Id

EventType = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$", max_length=100)]
"""A dotted event type from the taxonomy, e.g. ``billing.transfer_posted``."""


class AuditEvent(BaseModel):
    """One thing that happened in a workspace.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> e = AuditEvent(workspace_id="acme", actor="user:ana", type="preset.changed",
    ...     at=datetime(2026, 11, 26, tzinfo=UTC), subject={"preset": "amazon-main"},
    ...     before={"fill": 0.85}, after={"fill": 0.9}, justification="new Amazon guidance")
    >>> e.type
    'preset.changed'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    workspace_id: Id
    actor: Annotated[str, Field(min_length=1, max_length=200)]
    """Who did it: ``user:<id>``, ``key:<id>``, ``system:<component>``."""
    type: EventType
    at: datetime
    subject: dict[str, str] = {}
    """What it is about: ``batch_id``, ``item_id``, ``sku``, ``preset``, ``transfer_id``…"""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    justification: str = ""
    taxonomy_version: str = "1"
