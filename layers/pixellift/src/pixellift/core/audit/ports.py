"""Ports of the audit ledger: where entries, heads and keyrings are kept; how heads are signed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from pixellift.core.contracts.audit import AuditEvent

if TYPE_CHECKING:
    from pixellift.core.audit.keyring import Keyring
    from pixellift.core.audit.log import StoredEntry, TreeState
    from pixellift.core.audit.treehead import SignedTreeHead


class AuditStore(Protocol):
    """Append-only entries of each workspace's log (DynamoDB in production)."""

    def append(self, workspace_id: str, events: Sequence[AuditEvent]) -> TreeState:
        """Give each event the next free leaf index, exactly once; return the tree state after.

        The events keep their order and their indexes are consecutive.
        """
        ...

    def state(self, workspace_id: str) -> TreeState:
        """The tree state over every entry written so far."""
        ...

    def entries(self, workspace_id: str, start: int = 0) -> Iterator[StoredEntry]:
        """Entries from leaf ``start`` on, as stored (a broken store yields what it holds)."""
        ...


class TreeHeadArchive(Protocol):
    """Where signed tree heads are published, outside the entries' store (S3 in production)."""

    def publish(self, sth: SignedTreeHead) -> None:
        """Keep ``sth`` and make it the workspace's latest head."""
        ...

    def latest(self, workspace_id: str) -> SignedTreeHead | None:
        """The last head published for the workspace, if any."""
        ...

    def history(self, workspace_id: str) -> list[SignedTreeHead]:
        """Every head published for the workspace, oldest (smallest) first."""
        ...


class TreeHeadSigner(Protocol):
    """Signs tree heads with the workspace's private key."""

    @property
    def public_key(self) -> bytes:
        """The raw public key that checks the signatures."""
        ...

    def sign(self, message: bytes) -> bytes:
        """The signature of ``message``."""
        ...


class SignatureCheck(Protocol):
    """Checks a signature with a public key."""

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is a valid signature of ``message`` under ``public_key``."""
        ...


class KeyringStore(Protocol):
    """Where each workspace's keyring of signing keys is published, next to its tree heads."""

    def keyring(self, workspace_id: str) -> Keyring | None:
        """The workspace's keyring; ``None`` if its key was never rotated."""
        ...

    def publish_keyring(self, keyring: Keyring) -> None:
        """Publish ``keyring`` as the workspace's keyring (replacing the previous one)."""
        ...
