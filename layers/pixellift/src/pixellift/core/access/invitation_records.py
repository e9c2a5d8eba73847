"""Stored invitations into a workspace, and the port of their store.

An invitation names one invitee (an e-mail address or a user id), the role the invitee will
hold, and how long the token stays usable. Like an API key, the token itself is never stored:
the record keeps the SHA-256 digest of it. Accepting, revoking and expiring do not delete the
row; the record keeps when and by whom, so a second use of the token is named as such.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pixellift.core.access.model import Role
from pixellift.core.contracts.records import Id

Email = Annotated[
    str, Field(max_length=254, pattern=r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
]
"""An e-mail address, kept as given but compared lower-cased."""
InvitationId = Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]


class InvitationState(StrEnum):
    """Where an invitation stands at a moment."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


class InvitationRecord(BaseModel):
    """An invitation at rest: who is invited, with which role, and what became of it.

    Examples
    --------
    >>> from datetime import UTC, datetime, timedelta
    >>> t = datetime(2026, 11, 26, tzinfo=UTC)
    >>> inv = InvitationRecord(workspace_id="acme", invitation_id="0123456789abcdef",
    ...     digest="0" * 64, email="Bo@Example.com", role=Role.REVIEWER, created_at=t,
    ...     created_by="user:ana", expires_at=t + timedelta(days=7))
    >>> inv.invitee, inv.state(t), inv.state(t + timedelta(days=7))
    ('bo@example.com', <InvitationState.PENDING: 'pending'>, <InvitationState.EXPIRED: 'expired'>)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    workspace_id: Id
    invitation_id: InvitationId
    digest: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    email: Email | None = None
    user_id: Id | None = None
    role: Role
    created_at: datetime
    created_by: str
    expires_at: datetime
    accepted_at: datetime | None = None
    accepted_by: Id | None = None
    """The user id the membership was created for."""
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    version: int = 0

    @model_validator(mode="after")
    def _one_invitee(self) -> InvitationRecord:
        if (self.email is None) == (self.user_id is None):
            msg = "an invitation names exactly one of email or user_id"
            raise ValueError(msg)
        return self

    @property
    def invitee(self) -> str:
        """The e-mail address (lower-cased) or the user id the invitation is for."""
        return self.email.lower() if self.email is not None else str(self.user_id)

    def state(self, now: datetime) -> InvitationState:
        """Accepted or revoked (whichever came first), else expired, else pending."""
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if now >= self.expires_at:
            return InvitationState.EXPIRED
        return InvitationState.PENDING


class InvitationRepository(Protocol):
    """Invitations, per workspace (every read names the workspace)."""

    def add(self, record: InvitationRecord) -> bool:
        """Store a new invitation; ``False`` if the workspace has that id already."""
        ...

    def get(self, workspace_id: str, invitation_id: str) -> InvitationRecord | None:
        """The invitation, or ``None``."""
        ...

    def replace(self, record: InvitationRecord) -> InvitationRecord | None:
        """Write ``record`` as ``version + 1`` if the stored version is ``record.version``."""
        ...

    def list(self, workspace_id: str) -> Iterator[InvitationRecord]:
        """Every invitation of the workspace, by id."""
        ...
