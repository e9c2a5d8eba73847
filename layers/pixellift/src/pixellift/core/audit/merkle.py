"""RFC 9162 Merkle trees: hashing, roots, inclusion and consistency proofs.

Hashes follow RFC 9162 §2.1.1 with SHA-256: a leaf is ``SHA-256(0x00 || data)``, an interior node
``SHA-256(0x01 || left || right)``, the empty tree ``SHA-256()``. A tree of ``n`` leaves splits at
the largest power of two below ``n``. Building the tree level by level, pairing neighbours and
carrying an unpaired last node up unchanged, gives the same nodes, so :class:`MerkleTree` builds
bottom-up and answers proofs from its levels; :class:`Frontier` keeps only the roots of the
perfect subtrees (the "compact range"), so appending costs ``O(log n)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from pixellift.core.errors import InvalidProofError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""Root of the empty tree (RFC 9162 §2.1.1)."""


def leaf_hash(data: bytes) -> bytes:
    """Hash of one leaf: ``SHA-256(0x00 || data)``.

    Examples
    --------
    >>> leaf_hash(b"").hex()
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'
    """
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    r"""Hash of an interior node: ``SHA-256(0x01 || left || right)``.

    Examples
    --------
    >>> node_hash(leaf_hash(b""), leaf_hash(b"\x00")).hex()
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'
    """
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly below ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    r"""A tree over leaf hashes, built bottom-up level by level.

    Parameters
    ----------
    leaves
        Leaf hashes (see :func:`leaf_hash`), in log order.

    Examples
    --------
    >>> tree = MerkleTree([leaf_hash(b""), leaf_hash(b"\x00"), leaf_hash(b"\x10")])
    >>> tree.root.hex()[:16], [p.hex()[:8] for p in tree.inclusion_proof(2)]
    ('aeb6bcfe274b70a1', ['fac54203'])
    """

    def __init__(self, leaves: Sequence[bytes]) -> None:
        level = list(leaves)
        self.size = len(level)
        self.levels: list[list[bytes]] = [level]
        sha = hashlib.sha256
        while len(level) > 1:
            pairs = range(0, len(level) - 1, 2)
            up = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in pairs]
            if len(level) % 2:
                up.append(level[-1])
            self.levels.append(up)
            level = up

    @property
    def root(self) -> bytes:
        """The tree head hash (``SHA-256()`` for the empty tree)."""
        return self.levels[-1][0] if self.size else EMPTY_ROOT

    def inclusion_proof(self, index: int) -> list[bytes]:
        """Audit path of leaf ``index`` in this tree (RFC 9162 §2.1.3.1), leaf level first."""
        if not 0 <= index < self.size:
            msg = f"leaf {index} is outside a tree of {self.size} leaves"
            raise InvalidProofError(msg)
        proof: list[bytes] = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                proof.append(level[sibling])
            index >>= 1
        return proof

    def subtree_root(self, start: int, end: int) -> bytes:
        """``MTH(D[start:end])`` for a range the RFC's recursion visits."""
        width = end - start
        if width & (width - 1) == 0 and start % width == 0:
            return self.levels[width.bit_length() - 1][start // width]
        k = _split(width)
        return node_hash(self.subtree_root(start, start + k), self.subtree_root(start + k, end))

    def consistency_proof(self, old_size: int) -> list[bytes]:
        """Proof that the first ``old_size`` leaves are a prefix of this tree (RFC 9162 2.1.4.1)."""
        if not 0 < old_size <= self.size:
            msg = f"no consistency proof from size {old_size} to size {self.size}"
            raise InvalidProofError(msg)
        return self._subproof(old_size, 0, self.size, complete=True)

    def _subproof(self, m: int, start: int, end: int, *, complete: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if complete else [self.subtree_root(start, end)]
        k = _split(n)
        if m <= k:
            return [
                *self._subproof(m, start, start + k, complete=complete),
                self.subtree_root(start + k, end),
            ]
        return [
            *self._subproof(m - k, start + k, end, complete=False),
            self.subtree_root(start, start + k),
        ]


def root_hash(leaves: Sequence[bytes]) -> bytes:
    """``MTH`` of the given leaf hashes.

    Examples
    --------
    >>> root_hash([]).hex()[:16]
    'e3b0c44298fc1c14'
    """
    return MerkleTree(leaves).root


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an audit path (RFC 9162 §2.1.3.2); raise :class:`InvalidProofError` if it fails.

    Every element of the proof is used: a proof with extra or missing hashes fails.

    Examples
    --------
    >>> leaves = [leaf_hash(bytes([i])) for i in range(5)]
    >>> tree = MerkleTree(leaves)
    >>> verify_inclusion(leaves[3], 3, 5, tree.inclusion_proof(3), tree.root)
    >>> verify_inclusion(leaves[2], 3, 5, tree.inclusion_proof(3), tree.root)
    Traceback (most recent call last):
    ...
    pixellift.core.errors.InvalidProofError: leaf 3 of 5: the proof leads to ..., not the root ...
    """
    if not 0 <= index < size:
        msg = f"leaf {index} is outside a tree of {size} leaves"
        raise InvalidProofError(msg)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            msg = f"leaf {index} of {size}: the proof has more hashes than the tree has levels"
            raise InvalidProofError(msg)
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        msg = f"leaf {index} of {size}: the proof is missing hashes"
        raise InvalidProofError(msg)
    if r != root:
        msg = f"leaf {index} of {size}: the proof leads to {r.hex()}, not the root {root.hex()}"
        raise InvalidProofError(msg)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check a consistency proof (RFC 9162 §2.1.4.2); raise :class:`InvalidProofError` if it fails.

    Examples
    --------
    >>> tree = MerkleTree([leaf_hash(bytes([i])) for i in range(7)])
    >>> old = MerkleTree(tree.levels[0][:3]).root
    >>> verify_consistency(3, 7, old, tree.root, tree.consistency_proof(3))
    >>> verify_consistency(3, 7, tree.root, tree.root, tree.consistency_proof(3))
    Traceback (most recent call last):
    ...
    pixellift.core.errors.InvalidProofError: consistency 3 -> 7: the proof does not lead ...
    """
    where = f"consistency {old_size} -> {new_size}"
    if not 0 <= old_size <= new_size:
        msg = f"{where}: the old tree is larger than the new one"
        raise InvalidProofError(msg)
    if old_size in (new_size, 0):
        if proof:
            msg = f"{where}: the proof must be empty"
            raise InvalidProofError(msg)
        if old_size and old_root != new_root:
            msg = f"{where}: trees of the same size have different roots"
            raise InvalidProofError(msg)
        return
    path = list(proof)
    if not path:
        msg = f"{where}: the proof is empty"
        raise InvalidProofError(msg)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fr, sr = _walk_consistency(where, old_size, new_size, path)
    if fr != old_root:
        msg = f"{where}: the proof does not lead to the old root"
        raise InvalidProofError(msg)
    if sr != new_root:
        msg = f"{where}: the proof does not lead to the new root"
        raise InvalidProofError(msg)


def _walk_consistency(
    where: str, old_size: int, new_size: int, path: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """Steps 3-6 of RFC 9162 §2.1.4.2: the old and new roots the whole path leads to."""
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            msg = f"{where}: the proof has more hashes than the tree has levels"
            raise InvalidProofError(msg)
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        msg = f"{where}: the proof is missing hashes"
        raise InvalidProofError(msg)
    return fr, sr


class Frontier:
    """The roots of the perfect subtrees of a growing tree: enough to append and to give the root.

    Parameters
    ----------
    size
        Leaves in the tree so far.
    nodes
        Roots of its perfect subtrees, largest (leftmost) first: one per set bit of ``size``.

    Examples
    --------
    >>> f = Frontier.of([leaf_hash(bytes([i])) for i in range(6)])
    >>> len(f.nodes), f.root() == root_hash([leaf_hash(bytes([i])) for i in range(6)])
    (2, True)
    """

    def __init__(self, size: int = 0, nodes: Iterable[bytes] = ()) -> None:
        self.size = size
        self.nodes = list(nodes)
        if len(self.nodes) != size.bit_count():
            msg = f"a frontier of {size} leaves has {size.bit_count()} nodes, not {len(self.nodes)}"
            raise InvalidProofError(msg)

    @classmethod
    def of(cls, leaves: Iterable[bytes]) -> Frontier:
        """The frontier of a tree over ``leaves``."""
        frontier = cls()
        for leaf in leaves:
            frontier.append(leaf)
        return frontier

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash, merging equal-sized subtrees (amortised constant work)."""
        carry, size = leaf, self.size
        while size & 1:
            carry = node_hash(self.nodes.pop(), carry)
            size >>= 1
        self.nodes.append(carry)
        self.size += 1

    def root(self) -> bytes:
        """The current tree head hash."""
        if not self.nodes:
            return EMPTY_ROOT
        r = self.nodes[-1]
        for node in reversed(self.nodes[:-1]):
            r = node_hash(node, r)
        return r

    def copy(self) -> Frontier:
        """An independent copy (appends to it leave this one unchanged)."""
        return Frontier(self.size, self.nodes)
