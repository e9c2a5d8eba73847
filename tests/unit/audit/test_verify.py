"""Tamper probes: every way of changing a log is detected and the first broken entry named."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from pixellift.adapters.aws.audit_signer import Ed25519Check, Ed25519Signer
from pixellift.core.audit.encoding import encode_entry
from pixellift.core.audit.log import StoredEntry, TreeState, plan_block
from pixellift.core.audit.merkle import leaf_hash
from pixellift.core.audit.treehead import SignedTreeHead, TreeHead, sign_tree_head
from pixellift.core.audit.verify import verify_log
from pixellift.core.errors import AuditLogBrokenError, InvalidTreeHeadSignatureError

from tests.unit.audit.ledgers import build_log, sample_events

EVENTS = sample_events(40)


def _head(signer: Ed25519Signer, entries: list[StoredEntry], size: int) -> SignedTreeHead:
    _, state = build_log_from(entries[:size])
    return sign_tree_head(TreeHead("acme", size, 1_795_651_200_000 + size, state.root), signer)


def build_log_from(entries: list[StoredEntry]) -> tuple[list[StoredEntry], TreeState]:
    return entries, TreeState.empty().extended(e.leaf for e in entries)


def _rewrite(entry: StoredEntry, change: dict[str, object]) -> StoredEntry:
    """The entry with its event changed, re-encoded and re-hashed consistently (a careful edit)."""
    body = json.loads(entry.data)
    body["event"].update(change)
    data = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return StoredEntry(entry.index, data, leaf_hash(data))


def test_an_untouched_log_verifies_against_its_heads(
    signer: Ed25519Signer, check: Ed25519Check
) -> None:
    # GIVEN a 40-entry log, its tree state, and heads published at 10, 25 and 40 entries
    entries, state = build_log(EVENTS)
    heads = [_head(signer, entries, n) for n in (10, 25, 40)]
    # WHEN verified
    log = verify_log(
        "acme", entries, heads=heads, check=check, public_key=signer.public_key, state=state
    )
    # THEN every check passes
    assert (log.size, log.root, len(log.heads)) == (40, state.root, 3)


def test_an_edited_entry_is_named_by_its_leaf_hash() -> None:
    # GIVEN entry 18's justification edited in place (bytes changed, hash not)
    entries, state = build_log(EVENTS)
    edited = entries[18].data.replace(b"Amazon", b"eBay")
    assert edited != entries[18].data
    entries[18] = replace(entries[18], data=edited)
    # WHEN / THEN entry 18 is named
    with pytest.raises(AuditLogBrokenError, match="entry 18: its bytes do not match") as found:
        verify_log("acme", entries, state=state)
    assert found.value.index == 18


def test_an_edited_and_rehashed_entry_is_named_by_its_successor() -> None:
    # GIVEN entry 12 rewritten with its leaf hash recomputed (a careful attacker)
    entries, state = build_log(EVENTS)
    entries[12] = _rewrite(entries[12], {"actor": "user:mallory"})
    # WHEN / THEN entry 13's chain names entry 12
    with pytest.raises(AuditLogBrokenError, match="entry 12: changed after entry 13") as found:
        verify_log("acme", entries, state=state)
    assert found.value.index == 12


def test_a_rewritten_last_entry_is_caught_by_the_signed_head(
    signer: Ed25519Signer, check: Ed25519Check
) -> None:
    # GIVEN heads at 39 and 40 entries, then the last entry and the store's state rewritten
    entries, _ = build_log(EVENTS)
    heads = [_head(signer, entries, 39), _head(signer, entries, 40)]
    entries[39] = _rewrite(entries[39], {"justification": "nothing to see"})
    _, forged_state = build_log_from(entries)
    # WHEN / THEN the head of 40 entries names entry 39
    with pytest.raises(AuditLogBrokenError, match=r"entry 39: the first 40 entries do not match"):
        verify_log("acme", entries, heads=heads, check=check, state=forged_state)


def test_reordered_entries_are_named() -> None:
    # GIVEN entries 5 and 6 swapped (each keeps its own bytes and hash)
    entries, state = build_log(EVENTS)
    entries[5], entries[6] = replace(entries[6], index=5), replace(entries[5], index=6)
    # WHEN / THEN
    with pytest.raises(AuditLogBrokenError, match="entry 5: its bytes carry index 6: entries were"):
        verify_log("acme", entries, state=state)


def test_a_deleted_middle_entry_is_named() -> None:
    # GIVEN entry 20 deleted from the store
    entries, state = build_log(EVENTS)
    del entries[20]
    # WHEN / THEN
    with pytest.raises(AuditLogBrokenError, match="entry 20: missing: the next stored entry is 21"):
        verify_log("acme", entries, state=state)


def test_a_deleted_tail_is_caught_by_the_stores_state() -> None:
    # GIVEN the last five entries deleted, the tree state left alone
    entries, state = build_log(EVENTS)
    # WHEN / THEN
    with pytest.raises(
        AuditLogBrokenError, match="entry 35: missing: the log's tree state covers 40"
    ):
        verify_log("acme", entries[:35], state=state)


def test_a_truncated_log_with_a_matching_state_is_caught_by_the_signed_head(
    signer: Ed25519Signer, check: Ed25519Check
) -> None:
    # GIVEN a head published at 40 entries, then the tail and the state both cut back to 30
    entries, _ = build_log(EVENTS)
    heads = [_head(signer, entries, 40)]
    entries, truncated = build_log_from(entries[:30])
    # WHEN / THEN the head names the first missing entry
    with pytest.raises(
        AuditLogBrokenError, match="entry 30: missing: the tree head signed at .* covers 40"
    ):
        verify_log("acme", entries, heads=heads, check=check, state=truncated)


def test_truncated_entry_bytes_are_named() -> None:
    # GIVEN entry 3's bytes cut short and re-hashed
    entries, state = build_log(EVENTS)
    cut = entries[3].data[:-9]
    entries[3] = StoredEntry(3, cut, leaf_hash(cut))
    # WHEN / THEN
    with pytest.raises(AuditLogBrokenError, match="entry 3: not a valid entry: not JSON"):
        verify_log("acme", entries, state=state)


def test_non_canonical_bytes_are_named() -> None:
    # GIVEN entry 8 re-serialised with spaces (same JSON, other bytes) and re-hashed
    entries, state = build_log(EVENTS)
    spaced = json.dumps(json.loads(entries[8].data), sort_keys=True).encode()
    entries[8] = StoredEntry(8, spaced, leaf_hash(spaced))
    # WHEN / THEN
    with pytest.raises(AuditLogBrokenError, match="entry 8: .*not in canonical form"):
        verify_log("acme", entries, state=state)


def test_an_entry_of_another_workspace_is_named() -> None:
    # GIVEN a log whose entry 0 was written for another workspace
    entries, state = build_log(EVENTS)
    block, _ = plan_block(TreeState.empty(), sample_events(1, workspace="globex"))
    entries[0] = block.entries[0]
    # WHEN / THEN
    with pytest.raises(AuditLogBrokenError, match='entry 0: it belongs to workspace "globex"'):
        verify_log("acme", entries[:1])


def test_a_first_entry_that_does_not_start_the_chain_is_named() -> None:
    # GIVEN an entry 0 that claims a predecessor
    data = encode_entry(0, b"\x01" * 32, EVENTS[0])
    # WHEN / THEN
    with pytest.raises(AuditLogBrokenError, match="entry 0: the first entry does not start"):
        verify_log("acme", [StoredEntry(0, data, leaf_hash(data))])


def test_a_head_with_a_wrong_signature_is_rejected(
    signer: Ed25519Signer, check: Ed25519Check
) -> None:
    # GIVEN a genuine head whose signature has one bit flipped
    entries, state = build_log(EVENTS)
    head = _head(signer, entries, 40)
    forged = replace(head, signature=bytes([head.signature[0] ^ 1]) + head.signature[1:])
    # WHEN / THEN
    with pytest.raises(InvalidTreeHeadSignatureError, match="size 40 .* invalid signature"):
        verify_log("acme", entries, heads=[forged], check=check, state=state)


def test_a_head_signed_with_another_key_is_rejected(
    signer: Ed25519Signer, check: Ed25519Check
) -> None:
    # GIVEN a head signed, validly, by a key that is not the workspace's
    entries, state = build_log(EVENTS)
    other = Ed25519Signer.from_bytes(bytes(32))
    head = _head(other, entries, 40)
    # WHEN / THEN pinning the workspace key rejects it
    with pytest.raises(InvalidTreeHeadSignatureError, match="names another public key"):
        verify_log("acme", entries, heads=[head], check=check, public_key=signer.public_key)


def test_a_head_whose_signed_root_was_swapped_is_rejected(
    signer: Ed25519Signer, check: Ed25519Check
) -> None:
    # GIVEN the head of 40 entries carrying the root of 25 entries, signature unchanged
    entries, state = build_log(EVENTS)
    head = _head(signer, entries, 40)
    swapped = replace(
        head, head=replace(head.head, root_hash=_head(signer, entries, 25).head.root_hash)
    )
    # WHEN / THEN
    with pytest.raises(InvalidTreeHeadSignatureError, match="invalid signature"):
        verify_log("acme", entries, heads=[swapped], check=check, state=state)
