"""The tamper-evident audit ledger: RFC 9162 Merkle trees over canonical event bytes.

Every workspace has its own append-only log. Each entry's canonical bytes (:mod:`.encoding`) are
a leaf of an RFC 9162 Merkle tree (:mod:`.merkle`); signed tree heads (:mod:`.treehead`) anchor
the tree outside the store, so an edited, reordered or deleted entry, and a deleted tail, are
detected (:mod:`.verify`) and named.
"""
