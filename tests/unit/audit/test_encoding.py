"""Canonical entry bytes, the event taxonomy and the signed tree head encoding."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pixellift.adapters.aws.audit_signer import Ed25519Check, Ed25519Signer
from pixellift.core.audit.encoding import NO_PREVIOUS, decode_entry, encode_entry
from pixellift.core.audit.log import TreeState, plan_block, split_blocks
from pixellift.core.audit.taxonomy import TAXONOMIES, TAXONOMY_VERSION, check_event
from pixellift.core.audit.treehead import (
    SignedTreeHead,
    TreeHead,
    check_signature,
    read_token,
    sign_tree_head,
)
from pixellift.core.contracts.audit import AuditEvent
from pixellift.core.errors import (
    InvalidAuditEventError,
    InvalidTreeHeadSignatureError,
    UnknownAuditEventTypeError,
)

from tests.unit.audit.ledgers import START, sample_events


def test_the_same_event_always_encodes_to_the_same_bytes() -> None:
    # GIVEN one event built twice, with subject keys in different orders and another time zone
    a = sample_events(1)[0]
    b = a.model_copy(
        update={
            "subject": dict(reversed(list(a.subject.items()))),
            "at": a.at.astimezone(timezone(timedelta(hours=-5))),
        }
    )
    # WHEN encoded / THEN the bytes are equal, compact, sorted and UTF-8
    data = encode_entry(4, NO_PREVIOUS, a)
    assert data == encode_entry(4, NO_PREVIOUS, b)
    assert b" " not in data.split(b'"justification"')[0]
    assert data.startswith(
        b'{"event":{"actor":"user:ana0","after":{"fill":0.9},"at":"2026-11-26T09'
    )
    assert list(json.loads(data)) == ["event", "format", "index", "prev"]


def test_non_ascii_text_is_kept_as_utf8() -> None:
    # GIVEN a justification in French
    event = sample_events(1)[0].model_copy(
        update={"justification": "accord du client, référence é"}
    )
    # WHEN encoded / THEN the text is UTF-8, not \u escapes, and decodes back equal
    data = encode_entry(0, NO_PREVIOUS, event)
    assert "référence".encode() in data
    assert decode_entry(data).to_event() == event


def test_entry_bytes_never_hold_a_raw_newline() -> None:
    # GIVEN a justification over several lines (stores join entries with newlines)
    event = sample_events(1)[0].model_copy(update={"justification": "line one\nline two\r\n"})
    # WHEN encoded / THEN the newlines are escaped, and come back
    data = encode_entry(0, NO_PREVIOUS, event)
    assert b"\n" not in data
    assert b"\r" not in data
    assert decode_entry(data).to_event().justification == "line one\nline two\r\n"


def test_a_nan_in_a_diff_is_refused() -> None:
    # GIVEN a before/after holding NaN, which has no canonical JSON form
    event = sample_events(1)[0].model_copy(update={"after": {"fill": float("nan")}})
    # WHEN / THEN
    with pytest.raises(InvalidAuditEventError, match="not canonical JSON"):
        encode_entry(0, NO_PREVIOUS, event)


def test_a_naive_time_is_refused() -> None:
    # GIVEN an event whose time has no zone
    event = sample_events(1)[0].model_copy(update={"at": datetime(2026, 11, 26, 9)})
    # WHEN / THEN
    with pytest.raises(InvalidAuditEventError, match="has no time zone"):
        encode_entry(0, NO_PREVIOUS, event)


@pytest.mark.parametrize(
    ("data", "cause"),
    [
        (b'{"event":{},"format":"pixellift.audit/1","index":0', "not JSON"),
        (b'{"event":{},"format":"other/1","index":0,"prev":"00"}', "not an entry of format"),
        (b'{"event":{},"format":"pixellift.audit/1","index":0,"prev":"zz"}', "prev is not a hex"),
        (b'{"event":[],"format":"pixellift.audit/1","index":0,"prev":"00"}', "event is not an"),
        (b'{"format":"pixellift.audit/1","event":{},"index":0,"prev":"00"}', "canonical form"),
    ],
)
def test_malformed_entry_bytes_are_refused(data: bytes, cause: str) -> None:
    # GIVEN / WHEN / THEN
    with pytest.raises(InvalidAuditEventError, match=cause):
        decode_entry(data)


def test_the_taxonomy_checks_type_subject_diff_and_justification() -> None:
    # GIVEN the released taxonomy
    assert TAXONOMY_VERSION in TAXONOMIES
    good = sample_events(6)
    for event in good:
        check_event(event)
    base = good[0]
    # WHEN / THEN each broken rule is named
    with pytest.raises(UnknownAuditEventTypeError, match="not an event type of taxonomy 1"):
        check_event(base.model_copy(update={"type": "preset.renamed"}))
    with pytest.raises(UnknownAuditEventTypeError, match="unknown taxonomy version '9'"):
        check_event(base.model_copy(update={"taxonomy_version": "9"}))
    with pytest.raises(InvalidAuditEventError, match="the subject lacks preset"):
        check_event(base.model_copy(update={"subject": {"sku": "SKU-1"}}))
    with pytest.raises(InvalidAuditEventError, match="needs a before or an after"):
        check_event(base.model_copy(update={"before": None, "after": None}))
    with pytest.raises(InvalidAuditEventError, match="override.applied by .* justification"):
        check_event(good[3].model_copy(update={"justification": "  "}))


def test_taxonomy_covers_every_family_the_ledger_promises() -> None:
    # GIVEN / WHEN the types of version 1 / THEN role grants and revocations, presets, batch runs
    # and state changes, exports, overrides and billing movements are all there
    types = set(TAXONOMIES["1"])
    assert {"access.role_granted", "access.role_revoked", "override.applied"} <= types
    families = {name.split(".")[0] for name in types}
    assert {"access", "preset", "batch", "export", "billing", "share"} <= families


def test_a_block_refuses_events_of_two_workspaces() -> None:
    # GIVEN events of two workspaces
    mixed = [*sample_events(1), *sample_events(1, workspace="globex")]
    # WHEN / THEN
    with pytest.raises(InvalidAuditEventError, match="workspace globex in a block of acme"):
        plan_block(TreeState.empty(), mixed)


def test_large_runs_split_into_blocks_that_fit_an_item() -> None:
    # GIVEN 250 events, two of them (10 and 20) with 200 kB diffs
    events = sample_events(250)
    for big in (10, 20):
        events[big] = events[big].model_copy(update={"after": {"notes": "x" * 200_000}})
    # WHEN split / THEN no block holds more than 100 events or ~300 kB, and order is kept
    groups = split_blocks(events)
    assert [e for g in groups for e in g] == events
    assert max(len(g) for g in groups) <= 100
    assert len(groups[0]) == 20


def test_tree_head_encoding_is_the_documented_text(signer: Ed25519Signer) -> None:
    # GIVEN a head / WHEN encoded / THEN five newline-terminated lines
    head = TreeHead("acme", 8, 1_795_651_200_000, bytes.fromhex("5dc9" + "00" * 30))
    assert head.encode() == (
        b"pixellift-audit-tree-head/1\nacme\n8\n1795651200000\n5dc9" + b"00" * 30 + b"\n"
    )
    assert head.issued_at == datetime(2026, 11, 26, tzinfo=UTC)


def test_signed_head_round_trips_through_json_and_token(
    signer: Ed25519Signer, check: Ed25519Check
) -> None:
    # GIVEN a signed head
    sth = sign_tree_head(TreeHead("acme", 3, int(START.timestamp() * 1000), bytes(32)), signer)
    # WHEN read back from its JSON and from its token
    again = SignedTreeHead.from_json(json.loads(json.dumps(sth.to_json())))
    head, signature = read_token(sth.token())
    # THEN nothing changed and the signature checks
    assert again == sth
    assert (head, signature) == (sth.head, sth.signature)
    check_signature(again, check, signer.public_key)
    assert check.verify(signer.public_key, head.encode(), signature)


@pytest.mark.parametrize("token", ["pxa2.AA.AA", "pxa1.AA", "pxa1.!!.AA", "pxa1.cGl4ZWxsaWZ0Cg.AA"])
def test_malformed_tokens_are_refused(token: str) -> None:
    # GIVEN / WHEN / THEN
    with pytest.raises(InvalidTreeHeadSignatureError, match="not a verification token"):
        read_token(token)


def test_malformed_published_heads_are_refused() -> None:
    # GIVEN heads missing a field, or with another algorithm
    with pytest.raises(InvalidTreeHeadSignatureError, match="malformed signed tree head"):
        SignedTreeHead.from_json({"workspace_id": "acme"})
    body = {
        "workspace_id": "acme",
        "tree_size": 1,
        "timestamp_ms": 1,
        "root_hash": "00" * 32,
        "algorithm": "rsa",
        "signature": "",
        "public_key": "",
    }
    with pytest.raises(InvalidTreeHeadSignatureError, match="unsupported signature algorithm"):
        SignedTreeHead.from_json(body)


def test_an_event_record_round_trips_through_its_entry() -> None:
    # GIVEN every sample event / WHEN planned into a block and decoded / THEN equal events back
    events = sample_events(12)
    block, _ = plan_block(TreeState.empty(), events)
    assert [decode_entry(e.data).to_event() for e in block.entries] == events
    with pytest.raises(InvalidAuditEventError, match="entry 0: the event does not match"):
        decode_entry(
            encode_entry(0, NO_PREVIOUS, events[0]).replace(b'"actor":"user:ana0"', b'"actor":""')
        ).to_event()
    assert isinstance(events[0], AuditEvent)


def test_types_other_capabilities_emit_are_in_the_taxonomy() -> None:
    # GIVEN the event types billing and access control record through the AuditSink port
    from pixellift.core.access.authorizer import CROSS_WORKSPACE_EVENT
    from pixellift.core.billing.service import EVENT_TYPES

    emitted = {
        *EVENT_TYPES.values(),
        CROSS_WORKSPACE_EVENT,
        "billing.cap_set",
        "billing.cap_blocked",
        "access.role_granted",
        "access.role_revoked",
        *(f"access.key_{kind}" for kind in ("issued", "rotated", "revoked")),
        *(f"share.{kind}" for kind in ("created", "opened", "refused", "revoked")),
    }
    # WHEN / THEN the ledger accepts every one of them
    assert emitted <= set(TAXONOMIES[TAXONOMY_VERSION])
