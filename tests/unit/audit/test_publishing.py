"""Publishing every workspace's tree head: in-memory store and archive, real hashing and keys."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from pixellift.adapters.aws.audit_signer import Ed25519Check, Ed25519Signer
from pixellift.core.audit.log import StoredEntry, TreeState, plan_block
from pixellift.core.audit.ports import TreeHeadSigner
from pixellift.core.audit.publishing import PublisherServices, publish_all_heads
from pixellift.core.audit.treehead import SignedTreeHead, check_signature
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import StoreUnavailableError

from tests.unit.audit.ledgers import SEED, sample_events

pytestmark = pytest.mark.unit


class MemoryStore:
    """``AuditStore`` in memory: blocks planned exactly as the DynamoDB store plans them."""

    def __init__(self) -> None:
        self.logs: dict[str, list[StoredEntry]] = {}
        self.states: dict[str, TreeState] = {}

    def append(self, workspace_id: str, events: Sequence[AuditEvent]) -> TreeState:
        block, after = plan_block(self.state(workspace_id), events)
        self.logs.setdefault(workspace_id, []).extend(block.entries)
        self.states[workspace_id] = after
        return after

    def state(self, workspace_id: str) -> TreeState:
        return self.states.get(workspace_id, TreeState.empty())

    def entries(self, workspace_id: str, start: int = 0) -> Iterator[StoredEntry]:
        yield from self.logs.get(workspace_id, [])[start:]


class MemoryArchive:
    """``TreeHeadArchive`` in memory."""

    def __init__(self) -> None:
        self.heads: dict[str, list[SignedTreeHead]] = {}

    def publish(self, sth: SignedTreeHead) -> None:
        self.heads.setdefault(sth.head.workspace_id, []).append(sth)

    def latest(self, workspace_id: str) -> SignedTreeHead | None:
        return self.history(workspace_id)[-1] if self.history(workspace_id) else None

    def history(self, workspace_id: str) -> list[SignedTreeHead]:
        return self.heads.get(workspace_id, [])


class Directory:
    def __init__(self, *ids: str) -> None:
        self.ids = ids

    def workspace_ids(self) -> Iterator[str]:
        yield from self.ids


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at


KEY = Ed25519Signer.from_bytes(SEED)


def _services(*workspaces: str, asked: list[str] | None = None) -> PublisherServices:
    def signer_for(workspace_id: str) -> TreeHeadSigner:
        if asked is not None:
            asked.append(workspace_id)
        return KEY

    return PublisherServices(
        workspaces=Directory(*workspaces),
        store=MemoryStore(),
        archive=MemoryArchive(),
        check=Ed25519Check(),
        clock=Clock(),
        signer_for=signer_for,
    )


def test_heads_are_signed_for_logs_with_entries_and_only_they_need_a_key() -> None:
    # GIVEN three workspaces (one listed twice), one of them without entries
    asked: list[str] = []
    services = _services("bolt", "acme", "calm", "acme", asked=asked)
    services.store.append("acme", sample_events(9, "acme"))
    services.store.append("bolt", sample_events(2, "bolt"))

    # WHEN every head is published
    report = publish_all_heads(services)

    # THEN acme and bolt each got one head of their size that verifies; calm is reported empty
    assert [(h.workspace_id, h.tree_size, h.new) for h in report.heads] == [
        ("acme", 9, True),
        ("bolt", 2, True),
    ]
    assert report.empty == ("calm",) and report.published_count == 2
    for head in report.heads:
        (sth,) = services.archive.history(head.workspace_id)
        check_signature(sth, Ed25519Check(), public_key=KEY.public_key)
        assert sth.head.root_hash.hex() == head.root_hash
    assert asked == ["acme", "bolt"]


def test_a_broken_log_is_reported_and_the_others_are_still_published() -> None:
    # GIVEN two published logs, then an entry of acme's edited and bolt's log grown
    services = _services("acme", "bolt")
    store = services.store
    assert isinstance(store, MemoryStore)
    store.append("acme", sample_events(4, "acme"))
    store.append("bolt", sample_events(4, "bolt"))
    publish_all_heads(services)
    edited = store.logs["acme"][2]
    store.logs["acme"][2] = replace(edited, data=edited.data.replace(b"ana2", b"eve2"))
    store.append("bolt", sample_events(3, "bolt"))

    # WHEN every head is published again
    report = publish_all_heads(services)

    # THEN acme is named as broken, with its entry, and keeps its one head; bolt got its second
    (failure,) = report.failed
    assert (failure.workspace_id, failure.error) == ("acme", "AuditLogBrokenError")
    assert "entry 2" in failure.message
    assert len(services.archive.history("acme")) == 1
    assert [h.head.tree_size for h in services.archive.history("bolt")] == [4, 7]
    assert [(h.workspace_id, h.new) for h in report.heads] == [("bolt", True)]


def test_publishing_again_without_new_entries_signs_nothing() -> None:
    # GIVEN a published log
    services = _services("acme")
    services.store.append("acme", sample_events(5, "acme"))
    (first,) = publish_all_heads(services).heads

    # WHEN published again
    report = publish_all_heads(services)

    # THEN the same head is reported as not new, and the archive holds one
    assert report.heads == (first.model_copy(update={"new": False}),)
    assert report.published_count == 0 and len(services.archive.history("acme")) == 1


def test_an_unavailable_store_ends_the_run_to_be_retried() -> None:
    # GIVEN a store that is unavailable
    services = _services("acme")

    def unavailable(workspace_id: str) -> TreeState:
        raise StoreUnavailableError(f"audit log of {workspace_id}: ThrottlingException")

    services.store.state = unavailable  # type: ignore[method-assign]

    # WHEN / THEN the error reaches the caller (the schedule retries the whole run)
    with pytest.raises(StoreUnavailableError, match="acme"):
        publish_all_heads(services)
