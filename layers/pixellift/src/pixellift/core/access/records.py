"""Stored access records: role memberships, API keys and share links (all per workspace)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from pixellift.core.access.model import ResourceKind, Role
from pixellift.core.contracts.records import Id

Hex = Annotated[str, Field(pattern=r"^[0-9a-f]+$")]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Membership(_Record):
    """The roles one user holds in one workspace.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> m = Membership(workspace_id="acme", user_id="ana", roles=frozenset({Role.VIEWER}),
    ...     updated_at=datetime(2026, 11, 26, tzinfo=UTC), updated_by="user:olu")
    >>> [r.value for r in m.roles]
    ['viewer']
    """

    workspace_id: Id
    user_id: Id
    roles: frozenset[Role]
    updated_at: datetime
    updated_by: str
    version: int = 0


class ApiKeyRecord(_Record):
    """An API key at rest: its lookup prefix and the SHA-256 digest of the key, never the key."""

    workspace_id: Id
    prefix: Annotated[str, Field(pattern=r"^[0-9a-f]{12}$")]
    digest: Annotated[Hex, Field(min_length=64, max_length=64)]
    roles: frozenset[Role]
    name: str = ""
    created_at: datetime
    created_by: str
    expires_at: datetime | None = None
    """Set when the key is rotated: the end of its grace period."""
    revoked_at: datetime | None = None
    replaced_by: str | None = None
    version: int = 0

    def refusal(self, now: datetime) -> str | None:
        """Why the key no longer opens anything at ``now`` (``None``: it does)."""
        if self.revoked_at is not None and self.revoked_at <= now:
            return f"key {self.prefix} was revoked at {self.revoked_at.isoformat()}"
        if self.expires_at is not None and self.expires_at <= now:
            ended = self.expires_at.isoformat()
            return f"key {self.prefix} was rotated; its grace period ended {ended}"
        return None


class ShareScope(StrEnum):
    """What the holder of a share link may do with its target."""

    VIEW = "view"
    ANNOTATE = "annotate"
    APPROVE = "approve"


class PasswordHash(_Record):
    """An scrypt hash of a share link's password, with its salt and cost parameters."""

    salt: Hex
    hash: Hex
    n: int
    r: int
    p: int


class ShareLinkRecord(_Record):
    """A share link: what it opens, for how long, and whether it was revoked."""

    workspace_id: Id
    link_id: Id
    target_kind: ResourceKind
    target_id: Annotated[str, Field(min_length=1, max_length=400)]
    scopes: frozenset[ShareScope]
    created_at: datetime
    created_by: str
    expires_at: datetime
    password: PasswordHash | None = None
    revoked_at: datetime | None = None
    version: int = 0
