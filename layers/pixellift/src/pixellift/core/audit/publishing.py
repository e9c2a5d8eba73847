"""Scheduled publishing: sign and publish the tree head of every workspace whose log has entries.

One run visits each workspace once. A workspace whose log is broken (or whose published heads no
longer verify) gets no new signature; it is reported by name and cause, and the others are still
published. Errors that a retry may cure (a store that is unavailable) end the run, which is safe
to repeat: a head that did not change is not published again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from pixellift.core.audit.ledger import LedgerServices, publish_tree_head
from pixellift.core.audit.ports import (
    AuditStore,
    KeyringStore,
    SignatureCheck,
    TreeHeadArchive,
    TreeHeadSigner,
)
from pixellift.core.errors import PermanentError
from pixellift.core.ports import WallClock


class WorkspaceDirectory(Protocol):
    """Every workspace of the installation (the workspaces table in production)."""

    def workspace_ids(self) -> Iterator[str]:
        """The id of each workspace, in no particular order."""
        ...


@dataclass(frozen=True)
class PublisherServices:
    """What publishing every workspace's head needs.

    Parameters
    ----------
    workspaces
        The workspaces to visit.
    store, archive, check, clock
        The ledger's entries, its published heads, signature verification and time.
    signer_for
        The signing key of a workspace (one key for all, deployed; one per workspace, locally).
        Asked only for workspaces whose log has entries.
    keyrings
        Published keyrings: a workspace whose key rotated is checked against its keyring, and
        its head is signed only if ``signer_for`` gives its current key.
    """

    workspaces: WorkspaceDirectory
    store: AuditStore
    archive: TreeHeadArchive
    check: SignatureCheck
    clock: WallClock
    signer_for: Callable[[str], TreeHeadSigner]
    keyrings: KeyringStore | None = None

    def ledger(self, workspace_id: str) -> LedgerServices:
        """The ledger services of one workspace."""
        return LedgerServices(
            store=self.store,
            archive=self.archive,
            signer=self.signer_for(workspace_id),
            check=self.check,
            clock=self.clock,
            keyrings=self.keyrings,
        )


class PublishedHead(BaseModel):
    """The signed head a workspace has after the run."""

    model_config = ConfigDict(frozen=True)

    workspace_id: str
    tree_size: int
    root_hash: str
    timestamp_ms: int
    new: bool
    """Signed and published by this run (``False``: the log had not grown since the last head)."""


class PublishFailure(BaseModel):
    """A workspace whose head was not published, with the cause."""

    model_config = ConfigDict(frozen=True)

    workspace_id: str
    error: str
    message: str


class PublishReport(BaseModel):
    """What one run did, workspace by workspace.

    Examples
    --------
    >>> head = PublishedHead(
    ...     workspace_id="acme", tree_size=3, root_hash="ab", timestamp_ms=1, new=True
    ... )
    >>> report = PublishReport(heads=(head,), empty=("solo",))
    >>> report.published_count, report.failed_count
    (1, 0)
    """

    model_config = ConfigDict(frozen=True)

    heads: tuple[PublishedHead, ...] = ()
    empty: tuple[str, ...] = ()
    """Workspaces with no entries yet (nothing to sign)."""
    failed: tuple[PublishFailure, ...] = ()

    @property
    def published_count(self) -> int:
        """Heads signed and published by this run."""
        return sum(head.new for head in self.heads)

    @property
    def failed_count(self) -> int:
        """Workspaces whose head could not be published."""
        return len(self.failed)


def publish_all_heads(services: PublisherServices) -> PublishReport:
    """Publish a signed tree head for every workspace whose log has grown since its last head.

    Raises
    ------
    TransientError
        A store or the archive is unavailable; running again is safe.
    """
    heads: list[PublishedHead] = []
    empty: list[str] = []
    failed: list[PublishFailure] = []
    for workspace_id in sorted(set(services.workspaces.workspace_ids())):
        if services.store.state(workspace_id).size == 0:
            empty.append(workspace_id)
            continue
        try:
            ledger = services.ledger(workspace_id)
            before = services.archive.latest(workspace_id)
            sth = publish_tree_head(ledger, workspace_id)
        except PermanentError as exc:
            failed.append(
                PublishFailure(
                    workspace_id=workspace_id, error=type(exc).__name__, message=str(exc)
                )
            )
            continue
        heads.append(
            PublishedHead(
                workspace_id=workspace_id,
                tree_size=sth.head.tree_size,
                root_hash=sth.head.root_hash.hex(),
                timestamp_ms=sth.head.timestamp_ms,
                new=before != sth,
            )
        )
    return PublishReport(heads=tuple(heads), empty=tuple(empty), failed=tuple(failed))
