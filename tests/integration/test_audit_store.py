"""The audit ledger on moto: DynamoDB store, S3 tree heads, Ed25519 signing, tamper probes."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import boto3
import pytest
from moto.dynamodb.models import DynamoDBBackend
from pixellift.adapters.aws.audit_local import (
    audit_bucket,
    audit_table,
    create_audit_resources,
    ledger_services,
)
from pixellift.adapters.aws.audit_sink import LedgerAuditSink
from pixellift.adapters.aws.audit_store import HEAD, DynamoAuditStore, block_key
from pixellift.adapters.settings import Settings
from pixellift.core.audit.encoding import decode_entry
from pixellift.core.audit.ledger import LedgerServices, publish_tree_head, verify_workspace
from pixellift.core.audit.treehead import sign_tree_head
from pixellift.core.audit.verify import verify_log
from pixellift.core.errors import (
    AuditLogBrokenError,
    InvalidAuditEventError,
    InvalidTreeHeadSignatureError,
)

from tests.unit.audit.ledgers import sample_events


@pytest.fixture
def ledger(aws: None, settings: Settings) -> LedgerServices:
    create_audit_resources(settings)
    return ledger_services(settings, "acme")


@pytest.fixture
def dynamodb(aws: None) -> object:
    return boto3.client("dynamodb", region_name="us-east-1")


def _block_item(client: object, settings: Settings, start: int) -> dict[str, object]:
    got = client.get_item(  # type: ignore[attr-defined]
        TableName=audit_table(settings),
        Key={"workspace_id": {"S": "acme"}, "event_id": {"S": block_key(start)}},
    )
    item: dict[str, object] = got["Item"]
    return item


def test_appends_get_consecutive_indexes_and_read_back_verified(ledger: LedgerServices) -> None:
    # GIVEN 250 events appended in three calls (blocks of at most 100), one over two lines
    events = sample_events(250)
    events[7] = events[7].model_copy(update={"justification": "first line\nsecond line"})
    for chunk in (events[:1], events[1:180], events[180:]):
        state = ledger.store.append("acme", chunk)
    # WHEN read back and verified
    log = verify_log("acme", ledger.store.entries("acme"), state=ledger.store.state("acme"))
    # THEN every event has its index, in order, and the tree state matches
    assert (log.size, log.root) == (250, state.root)
    assert [e.index for e in ledger.store.entries("acme", start=120)] == list(range(120, 250))
    read = [decode_entry(e.data).to_event() for e in ledger.store.entries("acme")]
    assert read == events


def test_a_lagging_head_is_rolled_forward(
    ledger: LedgerServices, dynamodb: object, settings: Settings
) -> None:
    # GIVEN a log whose head item was lost after its blocks were written (a crash in between)
    state = ledger.store.append("acme", sample_events(30))
    dynamodb.delete_item(  # type: ignore[attr-defined]
        TableName=audit_table(settings),
        Key={"workspace_id": {"S": "acme"}, "event_id": {"S": HEAD}},
    )
    # WHEN the state is read, and more is appended
    assert ledger.store.state("acme") == state
    after = ledger.store.append("acme", sample_events(5))
    # THEN the next events follow on, with no gap and no reuse
    assert after.size == 35
    verify_log("acme", ledger.store.entries("acme"), state=after)


def test_concurrent_writers_never_share_an_index(
    ledger: LedgerServices, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN moto's conditional put made atomic, as DynamoDB's is (moto checks, then writes)
    put_item = DynamoDBBackend.put_item
    lock = threading.Lock()

    def atomic_put_item(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return put_item(*args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "put_item", atomic_put_item)
    # AND three writers, each with its own store instance, appending 10 runs of 3 events
    errors: list[BaseException] = []

    def writer(w: int) -> None:
        store = DynamoAuditStore(
            boto3.client("dynamodb", region_name=settings.region), audit_table(settings)
        )
        try:
            for run in range(10):
                events = sample_events(3)
                tagged = [
                    e.model_copy(update={"subject": e.subject | {"writer": f"{w}-{run}"}})
                    for e in events
                ]
                store.append("acme", tagged)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # WHEN the log is verified
    log = verify_log("acme", ledger.store.entries("acme"), state=ledger.store.state("acme"))
    # THEN all 90 events are there exactly once, each run contiguous
    assert not errors
    assert log.size == 90
    events = [(e.index, e.event) for e in map(_decode, ledger.store.entries("acme"))]
    runs = Counter(e["subject"]["writer"] for _, e in events)
    assert len(runs) == 30
    assert set(runs.values()) == {3}
    for tag in runs:
        where = [i for i, e in events if e["subject"]["writer"] == tag]
        assert where == list(range(where[0], where[0] + 3))


def test_a_writer_with_a_stale_view_moves_past_the_block_it_lost_to(
    ledger: LedgerServices, settings: Settings
) -> None:
    # GIVEN writer B's view of the log, taken before writer A appended 4 events
    writer_b = DynamoAuditStore(
        boto3.client("dynamodb", region_name=settings.region), audit_table(settings)
    )
    ledger.store.append("acme", sample_events(2))
    stale = writer_b.state("acme")
    ledger.store.append("acme", sample_events(4))
    # WHEN B writes its block from the stale view
    after = writer_b._put_block("acme", stale, sample_events(3))  # noqa: SLF001 - the race
    # THEN its conditional put lost at index 2, and it wrote at 6 instead, chained to A's entries
    assert (stale.size, after.size) == (2, 9)
    log = verify_log("acme", ledger.store.entries("acme"))
    assert log.root == after.root


def _decode(entry: object) -> object:
    return decode_entry(entry.data)  # type: ignore[attr-defined]


def test_an_event_of_another_workspace_or_type_is_refused_before_anything_is_written(
    ledger: LedgerServices,
) -> None:
    # GIVEN a run whose last event is not in the taxonomy
    events = sample_events(4)
    events[3] = events[3].model_copy(update={"type": "preset.renamed"})
    # WHEN / THEN the whole run is refused and the log stays empty
    with pytest.raises(InvalidAuditEventError, match="preset.renamed"):
        ledger.store.append("acme", events)
    with pytest.raises(InvalidAuditEventError, match="an event of workspace globex in acme"):
        ledger.store.append("acme", sample_events(1, workspace="globex"))
    assert ledger.store.state("acme").size == 0


def test_the_sink_records_each_workspace_in_its_own_log(ledger: LedgerServices) -> None:
    # GIVEN a sink / WHEN it records events of two workspaces
    sink = LedgerAuditSink(ledger.store)
    sink.record(sample_events(1)[0])
    sink.record_many([*sample_events(4), *sample_events(2, workspace="globex")])
    # THEN each log holds its own
    assert ledger.store.state("acme").size == 5
    assert ledger.store.state("globex").size == 2


def test_published_heads_are_kept_and_verified(ledger: LedgerServices) -> None:
    # GIVEN heads published at 10 and 25 entries (and a repeat publish that adds nothing)
    ledger.store.append("acme", sample_events(10))
    first = publish_tree_head(ledger, "acme")
    assert publish_tree_head(ledger, "acme") == first
    ledger.store.append("acme", sample_events(15))
    second = publish_tree_head(ledger, "acme")
    # WHEN the workspace is verified
    log = verify_workspace(ledger, "acme")
    # THEN both heads are in the archive, in order, and match
    assert [h.head.tree_size for h in ledger.archive.history("acme")] == [10, 25]
    assert ledger.archive.latest("acme") == second
    assert (log.size, len(log.heads)) == (25, 2)


def test_an_edited_stored_entry_is_named(
    ledger: LedgerServices, dynamodb: object, settings: Settings
) -> None:
    # GIVEN entry 13 (in the block at 10) edited directly in the table
    ledger.store.append("acme", sample_events(10))
    ledger.store.append("acme", sample_events(10))
    item = _block_item(dynamodb, settings, 10)
    texts = item["entries"]["S"].split("\n")  # type: ignore[index]
    texts[3] = texts[3].replace("user:ana0", "user:eve0")
    item["entries"] = {"S": "\n".join(texts)}
    dynamodb.put_item(TableName=audit_table(settings), Item=item)  # type: ignore[attr-defined]
    # WHEN / THEN
    with pytest.raises(AuditLogBrokenError, match="entry 13: its bytes do not match"):
        verify_workspace(ledger, "acme")


def test_reordered_stored_entries_are_named(
    ledger: LedgerServices, dynamodb: object, settings: Settings
) -> None:
    # GIVEN entries 2 and 3 swapped with their hashes inside the stored block
    ledger.store.append("acme", sample_events(6))
    item = _block_item(dynamodb, settings, 0)
    texts = item["entries"]["S"].split("\n")  # type: ignore[index]
    texts[2], texts[3] = texts[3], texts[2]
    item["entries"] = {"S": "\n".join(texts)}
    leaves = bytes.fromhex(item["leaves"]["S"])  # type: ignore[index]
    swapped = leaves[:64] + leaves[96:128] + leaves[64:96] + leaves[128:]
    item["leaves"] = {"S": swapped.hex()}
    dynamodb.put_item(TableName=audit_table(settings), Item=item)  # type: ignore[attr-defined]
    # WHEN / THEN
    with pytest.raises(AuditLogBrokenError, match="entry 2: its bytes carry index 3"):
        verify_workspace(ledger, "acme")


def test_a_deleted_tail_is_named_against_the_published_head(
    ledger: LedgerServices, dynamodb: object, settings: Settings
) -> None:
    # GIVEN a head published at 20 entries, then the last block and the head item deleted
    ledger.store.append("acme", sample_events(10))
    ledger.store.append("acme", sample_events(10))
    publish_tree_head(ledger, "acme")
    for key in (block_key(10), HEAD):
        dynamodb.delete_item(  # type: ignore[attr-defined]
            TableName=audit_table(settings),
            Key={"workspace_id": {"S": "acme"}, "event_id": {"S": key}},
        )
    # WHEN / THEN verification names the first missing entry, and no new head is signed
    with pytest.raises(AuditLogBrokenError, match="entry 10: missing: the tree head signed"):
        verify_workspace(ledger, "acme")
    with pytest.raises(AuditLogBrokenError, match="entry 10"):
        publish_tree_head(ledger, "acme")


def test_a_forged_head_in_the_bucket_is_rejected(
    ledger: LedgerServices, settings: Settings
) -> None:
    # GIVEN a head re-signed with another key and dropped into the bucket
    from pixellift.adapters.aws.audit_signer import Ed25519Signer

    ledger.store.append("acme", sample_events(4))
    genuine = publish_tree_head(ledger, "acme")
    forger = Ed25519Signer.from_bytes(b"\x07" * 32)
    ledger.archive.publish(sign_tree_head(genuine.head, forger))
    # WHEN / THEN
    with pytest.raises(InvalidTreeHeadSignatureError, match="another public key"):
        verify_workspace(ledger, "acme")
    assert audit_bucket(settings) == "pixellift-audit"
