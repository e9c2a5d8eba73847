"""RFC 9162 hashing and proofs, against the Certificate Transparency reference vectors."""

from __future__ import annotations

import hashlib

import pytest
from pixellift.core.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    MerkleTree,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from pixellift.core.errors import InvalidProofError

# The eight leaves of the CT / trillian reference tree (hex of each leaf's data).
LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
# Published roots of the trees of 1..8 of those leaves.
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# Published audit paths: (leaf index, tree size, path).
INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# Published consistency proofs: (old size, new size, proof).
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        3,
        7,
        [
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
        ],
    ),
]
HASHES = [leaf_hash(d) for d in LEAVES]


def reference_root(leaves: list[bytes]) -> bytes:
    """RFC 9162 MTH by its recursive definition (independent of the level-by-level build)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def test_empty_tree_root_is_the_hash_of_nothing() -> None:
    # GIVEN / WHEN / THEN
    assert MerkleTree([]).root == EMPTY_ROOT == Frontier().root()
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("size", range(1, 9))
def test_root_matches_the_published_vector(size: int) -> None:
    # GIVEN the first `size` reference leaves / WHEN hashed bottom-up and by frontier
    tree = MerkleTree(HASHES[:size])
    # THEN both give the published root
    assert tree.root.hex() == ROOTS[size - 1]
    assert Frontier.of(HASHES[:size]).root().hex() == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proof_matches_the_published_vector(
    index: int, size: int, path: list[str]
) -> None:
    # GIVEN the reference tree of `size` leaves
    tree = MerkleTree(HASHES[:size])
    # WHEN the audit path of `index` is computed / THEN it is the published one, and it verifies
    assert [p.hex() for p in tree.inclusion_proof(index)] == path
    verify_inclusion(HASHES[index], index, size, [bytes.fromhex(p) for p in path], tree.root)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proof_matches_the_published_vector(
    old: int, new: int, proof: list[str]
) -> None:
    # GIVEN the reference trees of `old` and `new` leaves
    tree = MerkleTree(HASHES[:new])
    # WHEN the consistency proof is computed / THEN it is the published one, and it verifies
    assert [p.hex() for p in tree.consistency_proof(old)] == proof
    old_root = bytes.fromhex(ROOTS[old - 1])
    verify_consistency(old, new, old_root, tree.root, [bytes.fromhex(p) for p in proof])


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 31, 32, 33, 100])
def test_every_proof_of_larger_trees_verifies_and_roots_match_the_recursive_definition(
    size: int,
) -> None:
    # GIVEN a tree of `size` distinct leaves
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    tree = MerkleTree(leaves)
    # THEN its root is RFC 9162's MTH, and every inclusion and consistency proof verifies
    assert tree.root == reference_root(leaves) == Frontier.of(leaves).root()
    for i in range(size):
        verify_inclusion(leaves[i], i, size, tree.inclusion_proof(i), tree.root)
    for m in range(1, size + 1):
        assert tree.subtree_root(0, m) == reference_root(leaves[:m])
        verify_consistency(
            m, size, reference_root(leaves[:m]), tree.root, tree.consistency_proof(m)
        )


def _flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 1]) + h[1:]


TREE = MerkleTree(HASHES)
PROOF = TREE.inclusion_proof(5)
FORGED_INCLUSION = {
    "flipped bit in the path": (HASHES[5], 5, 8, [_flip(PROOF[0]), *PROOF[1:]], TREE.root),
    "flipped bit in the leaf": (_flip(HASHES[5]), 5, 8, PROOF, TREE.root),
    "wrong index": (HASHES[5], 4, 8, PROOF, TREE.root),
    # (size 7 would pass: leaf 5 has the same path shape there, so the root, which a signed head
    # binds to its size, decides)
    "wrong tree size": (HASHES[5], 5, 6, PROOF, TREE.root),
    "index past the size": (HASHES[5], 8, 8, PROOF, TREE.root),
    "extra hash": (HASHES[5], 5, 8, [*PROOF, PROOF[0]], TREE.root),
    "missing hash": (HASHES[5], 5, 8, PROOF[:-1], TREE.root),
    "another tree's root": (HASHES[5], 5, 8, PROOF, bytes.fromhex(ROOTS[6])),
    "right ends, forged middle": (HASHES[5], 5, 8, [PROOF[0], bytes(32), PROOF[2]], TREE.root),
}


@pytest.mark.parametrize("forgery", FORGED_INCLUSION)
def test_forged_inclusion_proof_is_rejected(forgery: str) -> None:
    # GIVEN a valid audit path for leaf 5 of the reference tree, forged one way
    leaf, index, size, proof, root = FORGED_INCLUSION[forgery]
    # WHEN / THEN verification fails and says which leaf
    with pytest.raises(InvalidProofError, match=r"leaf \d+"):
        verify_inclusion(leaf, index, size, proof, root)


def test_forged_consistency_proofs_are_all_rejected() -> None:
    # GIVEN a valid consistency proof from 6 to 8 leaves
    tree = MerkleTree(HASHES)
    proof = tree.consistency_proof(6)
    old, new = bytes.fromhex(ROOTS[5]), tree.root
    forgeries = [
        (6, 8, old, new, [_flip(proof[0]), *proof[1:]]),
        (6, 8, new, old, proof),  # swapped roots
        (5, 8, old, new, proof),  # wrong old size
        (6, 9, old, new, proof),  # wrong new size
        (6, 8, old, new, proof[:-1]),  # truncated
        (6, 8, old, new, [*proof, proof[0]]),  # padded
        (6, 8, old, new, []),
        (8, 6, new, old, []),
        (8, 8, old, new, []),
    ]
    # WHEN / THEN each fails
    for args in forgeries:
        with pytest.raises(InvalidProofError, match="consistency"):
            verify_consistency(*args)


def test_frontier_appends_keep_one_node_per_set_bit() -> None:
    # GIVEN a frontier grown one leaf at a time
    frontier = Frontier()
    for size in range(1, 40):
        frontier.append(leaf_hash(size.to_bytes(2, "big")))
        # THEN its nodes are the perfect subtrees of `size`, and a copy is independent
        assert len(frontier.nodes) == size.bit_count()
    copy = frontier.copy()
    copy.append(HASHES[0])
    assert frontier.size == 39
    assert copy.size == 40
    with pytest.raises(InvalidProofError, match="frontier of 3 leaves has 2 nodes"):
        Frontier(3, [HASHES[0]])
