"""The versioned event taxonomy: which event types exist and what each must carry.

A taxonomy version never changes once released: a new type, or a new required subject key, makes a
new version that keeps the old one's types. Every event records the version it was written under
(``taxonomy_version``), so old entries stay valid as the taxonomy grows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import InvalidAuditEventError, UnknownAuditEventTypeError


@dataclass(frozen=True)
class EventSpec:
    """One event type.

    Parameters
    ----------
    description
        What happened, in a line.
    subject
        Keys the event's ``subject`` must hold.
    diff
        The event records a change: ``before`` or ``after`` must be given.
    justified
        A human must say why: ``justification`` must not be empty.
    """

    description: str
    subject: tuple[str, ...] = ()
    diff: bool = False
    justified: bool = False


_V1: Final = {
    # Governance: roles, blueprints, API keys, walls, share links.
    "access.role_granted": EventSpec("a role was granted to a user", ("user", "role"), diff=True),
    "access.role_revoked": EventSpec("a role was taken from a user", ("user", "role"), diff=True),
    "access.blueprint_changed": EventSpec("a role blueprint changed", ("blueprint",), diff=True),
    "access.key_issued": EventSpec("an API key was issued", ("key",)),
    "access.key_rotated": EventSpec("an API key was rotated", ("key",)),
    "access.key_revoked": EventSpec("an API key was revoked", ("key",)),
    "access.denied_cross_workspace": EventSpec(
        "a principal reached into another workspace", ("action", "resource")
    ),
    "access.denied": EventSpec("an action was refused", ("action",)),
    "share.created": EventSpec("a share link was created", ("share_link",)),
    "share.opened": EventSpec("a share link was used", ("share_link",)),
    "share.refused": EventSpec("a share link was refused", ("share_link",)),
    "share.revoked": EventSpec("a share link was revoked", ("share_link",)),
    # Presets.
    "preset.created": EventSpec("a preset was created", ("preset",), diff=True),
    "preset.changed": EventSpec("a preset was edited", ("preset",), diff=True),
    "preset.approved": EventSpec("a preset version was approved", ("preset",)),
    "preset.deleted": EventSpec("a preset was deleted", ("preset",), diff=True),
    # Batch runs, items, exports, overrides.
    "batch.started": EventSpec("a batch run started", ("batch_id",)),
    "batch.state_changed": EventSpec("a batch changed state", ("batch_id",), diff=True),
    "batch.completed": EventSpec("a batch run finished", ("batch_id",)),
    "item.state_changed": EventSpec("an item changed state", ("batch_id", "item_id"), diff=True),
    "export.created": EventSpec("outputs were exported", ("batch_id", "destination")),
    "override.applied": EventSpec(
        "a compliance finding was overridden", ("item_id", "rule"), diff=True, justified=True
    ),
    # Billing movements and caps.
    "billing.credits_purchased": EventSpec("credits were bought", ("transfer_id",), diff=True),
    "billing.hold_placed": EventSpec("credits were reserved for a batch", ("transfer_id",)),
    "billing.transfer_posted": EventSpec("a credit transfer was posted", ("transfer_id",)),
    "billing.transfer_voided": EventSpec("a credit transfer was voided", ("transfer_id",)),
    "billing.adjusted": EventSpec("credits were adjusted by hand", ("transfer_id",), diff=True),
    "billing.cap_set": EventSpec("a spending cap was set", ("cap",), diff=True),
    "billing.cap_blocked": EventSpec("a spending cap stopped a charge", ("cap",)),
    "billing.cap_warning": EventSpec("spend crossed a cap's warning threshold", ("cap",)),
    "billing.cap_reached": EventSpec("spend reached a cap", ("cap",)),
    "billing.cap_overrun_approved": EventSpec(
        "an approved request passed a cap", ("cap",), justified=True
    ),
    # The ledger itself.
    "audit.exported": EventSpec("the audit log was exported", ("format",)),
}

_V2: Final = _V1 | {
    # Invitations into a workspace, and rotation of the tree-head signing key.
    "access.invitation_created": EventSpec(
        "a user was invited into the workspace", ("invitation", "role")
    ),
    "access.invitation_accepted": EventSpec(
        "an invitation was accepted", ("invitation", "user", "role"), diff=True
    ),
    "access.invitation_revoked": EventSpec("an invitation was revoked", ("invitation",)),
    "access.invitation_refused": EventSpec("an invitation token was refused", ("invitation",)),
    "audit.key_rotated": EventSpec("the tree-head signing key was rotated", ("key_id",), diff=True),
}

TAXONOMIES: Final[Mapping[str, Mapping[str, EventSpec]]] = MappingProxyType(
    {"1": MappingProxyType(_V1), "2": MappingProxyType(_V2)}
)
"""Every released taxonomy version and its event types."""
TAXONOMY_VERSION: Final = "2"
"""The version new events are written under."""


def check_event(event: AuditEvent) -> EventSpec:
    """Check an event against its taxonomy version; return its type's spec.

    Raises
    ------
    UnknownAuditEventTypeError
        The version, or the type within it, does not exist.
    InvalidAuditEventError
        A required subject key, the before/after diff, or the justification is missing.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> at = datetime(2026, 11, 26, tzinfo=UTC)
    >>> check_event(AuditEvent(workspace_id="acme", actor="user:ana", type="batch.started",
    ...     at=at, subject={"batch_id": "b1"})).description
    'a batch run started'
    >>> check_event(AuditEvent(workspace_id="acme", actor="user:ana", type="override.applied",
    ...     at=at, subject={"item_id": "i1", "rule": "R"}, after={"blocking": False}))
    Traceback (most recent call last):
    ...
    pixellift.core.errors.InvalidAuditEventError: override.applied by user:ana: a justification ...
    """
    where = f"{event.type} by {event.actor}"
    types = TAXONOMIES.get(event.taxonomy_version)
    if types is None:
        msg = f"{where}: unknown taxonomy version {event.taxonomy_version!r}"
        raise UnknownAuditEventTypeError(msg)
    spec = types.get(event.type)
    if spec is None:
        msg = f"{where}: not an event type of taxonomy {event.taxonomy_version}"
        raise UnknownAuditEventTypeError(msg)
    missing = [key for key in spec.subject if not event.subject.get(key)]
    if missing:
        msg = f"{where}: the subject lacks {', '.join(missing)}"
        raise InvalidAuditEventError(msg)
    if spec.diff and event.before is None and event.after is None:
        msg = f"{where}: the change needs a before or an after"
        raise InvalidAuditEventError(msg)
    if spec.justified and not event.justification.strip():
        msg = f"{where}: a justification is required"
        raise InvalidAuditEventError(msg)
    return spec
