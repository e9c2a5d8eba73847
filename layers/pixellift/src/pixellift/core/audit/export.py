"""Exports of a verified log, in JSON and CSV, carrying the proofs and a verification token.

``docs/audit-format.md`` documents both formats and how an outside auditor checks them.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Sequence
from typing import Any, Final

from pixellift.core.audit.encoding import event_fields
from pixellift.core.audit.keyring import Keyring
from pixellift.core.audit.merkle import leaf_hash, verify_consistency, verify_inclusion
from pixellift.core.audit.ports import SignatureCheck
from pixellift.core.audit.query import AuditQuery, LoggedEvent
from pixellift.core.audit.treehead import SignedTreeHead, check_signature
from pixellift.core.audit.verify import VerifiedLog
from pixellift.core.errors import InvalidProofError

EXPORT_FORMAT: Final = "pixellift.audit.export/1"
CSV_COLUMNS: Final = (
    "leaf_index",
    "at",
    "actor",
    "type",
    "subject",
    "before",
    "after",
    "justification",
    "leaf_hash",
    "inclusion_proof",
    "entry_base64",
    "tree_size",
    "root_hash",
    "verification_token",
)


def _matching_head(log: VerifiedLog, sth: SignedTreeHead) -> None:
    head = sth.head
    signed = (head.workspace_id, head.tree_size, head.root_hash)
    if signed != (log.workspace_id, log.size, log.root):
        msg = (
            f"{log.workspace_id}: the tree head (size {head.tree_size}) is not the head of the "
            f"verified log (size {log.size})"
        )
        raise InvalidProofError(msg)


def export_json(
    log: VerifiedLog,
    sth: SignedTreeHead,
    events: Sequence[LoggedEvent],
    query: AuditQuery,
    keyring: Keyring | None = None,
) -> dict[str, Any]:
    """The JSON export: selected entries with inclusion proofs against ``sth`` (the log's head).

    Each entry carries its canonical bytes (base64), leaf index, leaf hash and audit path (hex);
    ``event`` repeats the decoded event for readers and is not part of what is checked.
    ``consistency`` proves that the tree extends each head published before (``log.heads``), so
    an auditor holding an earlier head can check that nothing was rewritten since. ``keyring``
    (after a key rotation) is carried as published, so the head's key can be looked up by id.
    """
    _matching_head(log, sth)
    consistency = [
        {
            "from_tree_size": h.head.tree_size,
            "from_root_hash": h.head.root_hash.hex(),
            "from_timestamp_ms": h.head.timestamp_ms,
            "proof": [p.hex() for p in log.tree.consistency_proof(h.head.tree_size)],
        }
        for h in sorted(log.heads, key=lambda h: h.head.tree_size)
        if 0 < h.head.tree_size < log.size
    ]
    rows = [
        {
            "leaf_index": e.index,
            "entry": base64.b64encode(e.entry.data).decode("ascii"),
            "leaf_hash": e.entry.leaf.hex(),
            "inclusion_proof": [p.hex() for p in log.tree.inclusion_proof(e.index)],
            "event": event_fields(e.event),
        }
        for e in events
    ]
    document: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "workspace_id": log.workspace_id,
        "tree_size": log.size,
        "root_hash": log.root.hex(),
        "hash": "RFC 9162 SHA-256: leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || l || r)",
        "signed_tree_head": sth.to_json(),
        "signed_tree_head_bytes": base64.b64encode(sth.head.encode()).decode("ascii"),
        "public_key": base64.b64encode(sth.public_key).decode("ascii"),
        "verification_token": sth.token(),
        "query": query.to_json(),
        "consistency": consistency,
        "entries": rows,
    }
    if keyring is not None:
        document["keyring"] = keyring.to_json()
    return document


def export_csv(
    log: VerifiedLog, sth: SignedTreeHead, events: Sequence[LoggedEvent], query: AuditQuery
) -> str:
    """The CSV export: one row per selected entry, each carrying the head it is proven against."""
    document = export_json(log, sth, events, query)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row, e in zip(document["entries"], events, strict=True):
        fields = row["event"]
        writer.writerow(
            [
                e.index,
                fields["at"],
                e.event.actor,
                e.event.type,
                json.dumps(e.event.subject, sort_keys=True),
                json.dumps(fields["before"], sort_keys=True),
                json.dumps(fields["after"], sort_keys=True),
                e.event.justification,
                row["leaf_hash"],
                " ".join(row["inclusion_proof"]),
                row["entry"],
                document["tree_size"],
                document["root_hash"],
                document["verification_token"],
            ]
        )
    return out.getvalue()


def check_export(
    document: dict[str, Any],
    check: SignatureCheck,
    public_key: bytes | None = None,
    keyring: Keyring | None = None,
) -> int:
    """Check a JSON export as an auditor would; return the number of entries proven.

    The head is checked with ``public_key`` or, after rotations, with the key ``keyring`` (the
    auditor's copy of the published keyring) holds under the head's key id.

    Raises
    ------
    InvalidProofError
        An entry's bytes, leaf hash or audit path do not lead to the signed root, or a
        consistency proof does not lead from an earlier head to it.
    InvalidTreeHeadSignatureError
        The signed tree head does not verify.
    UnknownSigningKeyError, RetiredSigningKeyError
        With ``keyring``: the head names an unknown key, or one retired when it was signed.
    """
    sth = SignedTreeHead.from_json(document["signed_tree_head"])
    if keyring is not None:
        keyring.check(sth, check)
    else:
        check_signature(sth, check, public_key)
    size, root = sth.head.tree_size, sth.head.root_hash
    if (document["tree_size"], document["root_hash"]) != (size, root.hex()):
        msg = "the export's tree size or root differs from its signed tree head"
        raise InvalidProofError(msg)
    for step in document.get("consistency", []):
        old_size, old_root = int(step["from_tree_size"]), bytes.fromhex(step["from_root_hash"])
        proof = [bytes.fromhex(p) for p in step["proof"]]
        verify_consistency(old_size, size, old_root, root, proof)
    for row in document["entries"]:
        data = base64.b64decode(row["entry"], validate=True)
        leaf = leaf_hash(data)
        if leaf.hex() != row["leaf_hash"]:
            msg = f"entry {row['leaf_index']}: its bytes do not hash to its leaf hash"
            raise InvalidProofError(msg)
        proof = [bytes.fromhex(p) for p in row["inclusion_proof"]]
        verify_inclusion(leaf, int(row["leaf_index"]), size, proof, root)
    return len(document["entries"])
