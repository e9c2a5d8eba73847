"""Ports of the access capability: where memberships, keys and links are kept, and signing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from pixellift.core.access.records import ApiKeyRecord, Membership, ShareLinkRecord


class MembershipRepository(Protocol):
    """Role memberships, per workspace."""

    def get(self, workspace_id: str, user_id: str) -> Membership | None:
        """The user's membership of the workspace, or ``None``."""
        ...

    def put(self, membership: Membership) -> bool:
        """Write if the stored version is ``membership.version - 1`` (or absent for version 0)."""
        ...

    def list(self, workspace_id: str) -> Iterator[Membership]:
        """Every membership of the workspace, by user id."""
        ...


class ApiKeyRepository(Protocol):
    """API keys at rest, per workspace, found by the prefix every key carries."""

    def add(self, record: ApiKeyRecord) -> bool:
        """Store a new key; ``False`` if the workspace has that prefix already."""
        ...

    def get(self, workspace_id: str, prefix: str) -> ApiKeyRecord | None:
        """The workspace's key with this prefix (the presented key names both)."""
        ...

    def replace(self, record: ApiKeyRecord) -> ApiKeyRecord | None:
        """Write ``record`` as ``version + 1`` if the stored version is ``record.version``."""
        ...

    def list(self, workspace_id: str) -> Iterator[ApiKeyRecord]:
        """Every key of the workspace."""
        ...


class ShareLinkRepository(Protocol):
    """Share links, per workspace."""

    def add(self, record: ShareLinkRecord) -> bool:
        """Store a new link; ``False`` if the id is taken."""
        ...

    def get(self, workspace_id: str, link_id: str) -> ShareLinkRecord | None:
        """The link, or ``None``."""
        ...

    def replace(self, record: ShareLinkRecord) -> ShareLinkRecord | None:
        """Write ``record`` as ``version + 1`` if the stored version is ``record.version``."""
        ...


class Signer(Protocol):
    """Signs and verifies share tokens (HMAC-SHA256 here; an Ed25519 signer fits the same port)."""

    @property
    def key_id(self) -> str:
        """Names the signing key, so keys can be rolled."""
        ...

    def sign(self, data: bytes) -> bytes:
        """The signature of ``data``."""
        ...

    def verify(self, data: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's signature of ``data`` (constant time)."""
        ...
