"""Filters, search and exports; the JSON export is checked by an independent RFC 9162 verifier."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pixellift.adapters.aws.audit_signer import Ed25519Check, Ed25519Signer
from pixellift.core.audit.export import check_export, export_csv, export_json
from pixellift.core.audit.query import AuditQuery, read_events, select
from pixellift.core.audit.treehead import SignedTreeHead, TreeHead, sign_tree_head
from pixellift.core.audit.verify import VerifiedLog, verify_log
from pixellift.core.errors import InvalidProofError, InvalidTreeHeadSignatureError

from tests.unit.audit.ledgers import START, build_log, sample_events


def independent_check(document: dict[str, Any]) -> list[int]:
    """An outside auditor's check, written from RFC 9162 §2.1.3.2 alone; returns proven indexes."""
    sth = document["signed_tree_head"]
    version, key_line = (2, f"{sth['key_id']}\n") if "key_id" in sth else (1, "")
    signed = (
        f"pixellift-audit-tree-head/{version}\n{sth['workspace_id']}\n{sth['tree_size']}\n"
        f"{sth['timestamp_ms']}\n{sth['root_hash']}\n{key_line}"
    ).encode()
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(document["public_key"]))
    key.verify(base64.b64decode(sth["signature"]), signed)  # raises InvalidSignature
    size, root = sth["tree_size"], bytes.fromhex(sth["root_hash"])
    proven = []
    for row in document["entries"]:
        r = hashlib.sha256(b"\x00" + base64.b64decode(row["entry"])).digest()
        fn, sn = row["leaf_index"], size - 1
        for sibling in map(bytes.fromhex, row["inclusion_proof"]):
            assert sn != 0
            if fn % 2 == 1 or fn == sn:
                r = hashlib.sha256(b"\x01" + sibling + r).digest()
                while fn % 2 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
            else:
                r = hashlib.sha256(b"\x01" + r + sibling).digest()
            fn, sn = fn >> 1, sn >> 1
        assert sn == 0
        assert r == root
        proven.append(row["leaf_index"])
    return proven


def _exported(signer: Ed25519Signer, query: AuditQuery) -> tuple[VerifiedLog, SignedTreeHead, Any]:
    entries, state = build_log(sample_events(37))
    log = verify_log("acme", entries, state=state)
    sth = sign_tree_head(TreeHead("acme", log.size, 1_795_651_200_000, log.root), signer)
    return log, sth, select(query, read_events(entries))


def test_filters_select_by_actor_type_sku_batch_and_time() -> None:
    # GIVEN 37 events
    entries, _ = build_log(sample_events(37))
    events = list(read_events(entries))
    # WHEN / THEN each filter keeps exactly the matching events
    assert [e.index for e in select(AuditQuery(actor="user:ana1"), events)] == list(range(1, 37, 3))
    assert {e.event.type for e in select(AuditQuery(types=("batch.",)), events)} == {
        "batch.started",
        "batch.state_changed",
    }
    assert [e.index for e in select(AuditQuery(sku="SKU-3"), events)] == [3]
    assert [e.index for e in select(AuditQuery(batch_id="b4"), events)] == [4]
    window = AuditQuery(since=START + timedelta(minutes=5), until=START + timedelta(minutes=8))
    assert [e.index for e in select(window, events)] == [5, 6, 7]
    combined = AuditQuery(types=("override.applied", "access.role_granted"), actor="user:ana2")
    assert [e.index for e in select(combined, events)] == list(range(5, 37, 6))


def test_search_finds_words_of_justifications_by_prefix() -> None:
    # GIVEN the sample events
    entries, _ = build_log(sample_events(37))
    events = list(read_events(entries))
    # WHEN searched / THEN all words must begin a word of the justification, any case
    assert {e.event.type for e in select(AuditQuery(text="IVORY pack"), events)} == {
        "override.applied"
    }
    assert select(AuditQuery(text="ivory amazon"), events) == []
    assert len(select(AuditQuery(text="rota"), events)) == 6


def test_json_export_passes_an_independent_rfc9162_check(signer: Ed25519Signer) -> None:
    # GIVEN the overrides of a 37-entry log, exported with the log's signed head
    query = AuditQuery(types=("override.",))
    log, sth, selected = _exported(signer, query)
    document = json.loads(json.dumps(export_json(log, sth, selected, query)))
    # WHEN checked with nothing but hashlib and an Ed25519 key
    proven = independent_check(document)
    # THEN every exported entry is proven against the signed root, and the format is as documented
    assert proven == [3, 9, 15, 21, 27, 33]
    assert document["tree_size"] == 37
    assert document["root_hash"] == log.root.hex()
    assert document["query"] == {"types": ["override."]}
    assert document["verification_token"].startswith("pxa1.")
    assert check_export(document, Ed25519Check(), signer.public_key) == 6


def test_a_tampered_export_fails_the_check(signer: Ed25519Signer) -> None:
    # GIVEN a full export
    log, sth, selected = _exported(signer, AuditQuery())
    document = export_json(log, sth, selected, AuditQuery())
    # WHEN one entry's bytes are edited (leaf hash recomputed), or a proof hash changed
    edited = json.loads(json.dumps(document))
    row = edited["entries"][7]
    data = base64.b64decode(row["entry"]).replace(b"user:ana1", b"user:eve1")
    row["entry"] = base64.b64encode(data).decode()
    row["leaf_hash"] = hashlib.sha256(b"\x00" + data).hexdigest()
    forged = json.loads(json.dumps(document))
    forged["entries"][2]["inclusion_proof"][1] = "00" * 32
    resigned = json.loads(json.dumps(document))
    resigned["signed_tree_head"]["tree_size"] = 36
    # THEN each is rejected, naming the entry or the head
    with pytest.raises(InvalidProofError, match="leaf 7 of 37"):
        check_export(edited, Ed25519Check())
    with pytest.raises(InvalidProofError, match="leaf 2 of 37"):
        check_export(forged, Ed25519Check())
    with pytest.raises(InvalidTreeHeadSignatureError, match="invalid signature"):
        check_export(resigned, Ed25519Check())


def test_export_proves_consistency_with_earlier_heads(signer: Ed25519Signer) -> None:
    # GIVEN a log of 37 entries verified against heads published at 5 and 20 entries
    entries, state = build_log(sample_events(37))
    tree = verify_log("acme", entries).tree
    earlier = [
        sign_tree_head(TreeHead("acme", n, n, tree.subtree_root(0, n)), signer) for n in (20, 5)
    ]
    log = verify_log("acme", entries, heads=earlier, check=Ed25519Check(), state=state)
    sth = sign_tree_head(TreeHead("acme", 37, 99, log.root), signer)
    # WHEN exported
    document = export_json(log, sth, [], AuditQuery())
    # THEN it carries a consistency proof from each earlier head, and a forged one fails
    assert [c["from_tree_size"] for c in document["consistency"]] == [5, 20]
    assert check_export(document, Ed25519Check()) == 0
    document["consistency"][1]["from_root_hash"] = document["consistency"][0]["from_root_hash"]
    with pytest.raises(InvalidProofError, match="consistency 20 -> 37"):
        check_export(document, Ed25519Check())


def test_an_export_refuses_a_head_of_another_size(signer: Ed25519Signer) -> None:
    # GIVEN a head signed at 36 entries for a log of 37
    log, _, selected = _exported(signer, AuditQuery())
    stale = sign_tree_head(TreeHead("acme", 36, 1, log.tree.subtree_root(0, 36)), signer)
    # WHEN / THEN
    with pytest.raises(InvalidProofError, match="not the head of the verified log"):
        export_json(log, stale, selected, AuditQuery())


def test_csv_export_carries_proofs_and_the_token(signer: Ed25519Signer) -> None:
    # GIVEN the batch events, exported as CSV
    query = AuditQuery(batch_id="b1")
    log, sth, selected = _exported(signer, query)
    text = export_csv(log, sth, selected, query)
    # WHEN read back
    rows = list(csv.DictReader(io.StringIO(text)))
    # THEN each row's entry and proof lead to the signed root
    assert [r["leaf_index"] for r in rows] == ["1"]
    as_document = {
        "signed_tree_head": sth.to_json(),
        "public_key": sth.to_json()["public_key"],
        "entries": [
            {
                "leaf_index": int(r["leaf_index"]),
                "entry": r["entry_base64"],
                "inclusion_proof": r["inclusion_proof"].split(),
            }
            for r in rows
        ],
    }
    assert independent_check(as_document) == [1]
    assert rows[0]["verification_token"] == sth.token()
    assert rows[0]["type"] == "batch.started"
