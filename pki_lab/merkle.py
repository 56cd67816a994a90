"""The Merkle tree of certificate transparency: RFC 6962 hashing, audit paths and consistency proofs.

A CT log is an append-only list of entries whose *Merkle Tree Hash* (MTH) is a
single SHA-256 value. RFC 6962 section 2.1 defines it with two domain-separation
prefixes, so that a leaf can never be passed off as an interior node (a
second-preimage attack on the tree)::

    leaf hash  = SHA-256(0x00 || entry)
    node hash  = SHA-256(0x01 || left || right)
    empty tree = SHA-256("")

:class:`MerkleTree` keeps the hash of every *complete* subtree, level by level,
in flat ``bytearray`` s (32 bytes per hash). Appending is amortised O(1) hashes,
and any root, audit path or consistency proof needs only O(log n) lookups, so
proofs for a log of a million entries take microseconds to milliseconds
(``benchmarks/merkle_proofs.py``).

Verification follows the algorithms of RFC 9162 sections 2.1.3.2 and 2.1.4.2,
which need only the proof, the sizes and the hashes, never the log itself.

    >>> t = MerkleTree()
    >>> for entry in (b"a", b"b", b"c"):
    ...     _ = t.append(entry)
    >>> verify_inclusion(leaf_hash(b"c"), 2, 3, t.inclusion_proof(2, 3), t.root(3))
    True
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from .errors import ParameterError, WrongTypeError

__all__ = [
    "EMPTY_ROOT",
    "leaf_hash",
    "node_hash",
    "MerkleTree",
    "verify_inclusion",
    "verify_consistency",
    "root_from_inclusion",
    "tree_shape",
    "inclusion_nodes",
    "consistency_nodes",
]

_H = 32  # SHA-256 output size

#: The Merkle Tree Hash of an empty list: SHA-256 of the empty string (RFC 6962 2.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """RFC 6962 2.1: the hash of one leaf, SHA-256(0x00 || entry)."""
    if not isinstance(entry, (bytes, bytearray, memoryview)):
        raise WrongTypeError(f"A log entry must be bytes, not {type(entry).__name__}.")
    return hashlib.sha256(b"\x00" + bytes(entry)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 2.1: the hash of an interior node, SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + bytes(left) + bytes(right)).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2): where RFC 6962 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """An append-only Merkle tree over RFC 6962 leaf hashes.

    ``levels[k]`` holds, 32 bytes each, the hashes of the complete subtrees of
    ``2**k`` leaves, left to right. Nothing is ever overwritten: the tree can
    only grow, which is what lets a log prove that an old tree head is a prefix
    of a new one.
    """

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]

    def __len__(self) -> int:
        return len(self._levels[0]) // _H

    def append(self, entry: bytes) -> int:
        """Add one entry (its leaf hash is computed here); return its index."""
        return self.append_hash(leaf_hash(entry))

    def append_hash(self, h: bytes) -> int:
        """Add one leaf by its leaf hash; return its index."""
        if len(h) != _H:
            raise ParameterError(f"A leaf hash is 32 bytes (SHA-256), not {len(h)}.")
        index = len(self)
        self._levels[0] += h
        i, level = index, 0
        while i & 1:  # a right child completes a subtree: hash it into the level above
            left = self._levels[level][(i - 1) * _H : i * _H]
            h = node_hash(left, h)
            level += 1
            if level == len(self._levels):
                self._levels.append(bytearray())
            self._levels[level] += h
            i >>= 1
        return index

    def extend_hashes(self, hashes: Iterable[bytes]) -> None:
        """Append many leaf hashes (what a benchmark or a bulk import uses)."""
        for h in hashes:
            self.append_hash(h)

    def leaf_hash_at(self, index: int) -> bytes:
        """The leaf hash stored at ``index``."""
        self._check_index(index, len(self))
        return bytes(self._levels[0][index * _H : (index + 1) * _H])

    # -- RFC 6962 2.1: MTH, PATH, PROOF --------------------------------------------------

    def _subtree(self, start: int, n: int) -> bytes:
        """MTH(D[start:start+n]). RFC 6962 splits always leave the left part complete and aligned."""
        if n & (n - 1) == 0:  # a complete subtree: stored
            level = n.bit_length() - 1
            i = start >> level
            return bytes(self._levels[level][i * _H : (i + 1) * _H])
        k = _split(n)
        return node_hash(self._subtree(start, k), self._subtree(start + k, n - k))

    def root(self, size: int | None = None) -> bytes:
        """The Merkle Tree Hash of the first ``size`` entries (default: all of them)."""
        size = len(self) if size is None else self._check_size(size)
        return EMPTY_ROOT if size == 0 else self._subtree(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 6962 2.1.1 PATH(m, D[n]): the audit path of leaf ``index`` in the tree of ``size`` entries.

        The path lists the sibling hashes from the leaf up to the root: with them
        and the leaf, anyone can recompute the root.
        """
        size = len(self) if size is None else self._check_size(size)
        self._check_index(index, size)
        path: list[bytes] = []
        start, n, m = 0, size, index
        while n > 1:  # walk down, collecting the sibling at each split (bottom-up order at the end)
            k = _split(n)
            if m < k:
                path.append(self._subtree(start + k, n - k))
                n = k
            else:
                path.append(self._subtree(start, k))
                start, n, m = start + k, n - k, m - k
        return path[::-1]

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 6962 2.1.2 PROOF(m, D[n]): the nodes that prove the first ``old_size`` entries are unchanged."""
        new_size = len(self) if new_size is None else self._check_size(new_size)
        if not isinstance(old_size, int) or isinstance(old_size, bool) or not 0 <= old_size <= new_size:
            raise ParameterError(
                f"`old_size` must be a whole number from 0 to the new size {new_size}, not {old_size!r}."
            )
        if old_size in (0, new_size):
            return []
        proof: list[bytes] = []
        start, n, m, complete = 0, new_size, old_size, True
        while m != n:  # SUBPROOF(m, D[start:start+n], complete)
            k = _split(n)
            if m <= k:
                proof.append(self._subtree(start + k, n - k))
                n = k
            else:
                proof.append(self._subtree(start, k))
                start, n, m, complete = start + k, n - k, m - k, False
        if not complete:
            proof.append(self._subtree(start, n))
        return proof[::-1]

    # -- checks ----------------------------------------------------------------------------

    def _check_size(self, size: object) -> int:
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= len(self):
            raise ParameterError(
                f"A tree size must be a whole number from 0 to {len(self)} (the log's size), not {size!r}."
            )
        return size

    @staticmethod
    def _check_index(index: object, size: int) -> None:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < size:
            raise ParameterError(
                f"A leaf index must be a whole number from 0 to {size - 1} in a tree of {size} entries, "
                f"not {index!r}."
            )


def root_from_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes | None:
    """RFC 9162 2.1.3.2 steps 1-4: the root an audit path leads to, or None if the path has the wrong shape."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, bytes(leaf)
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2: does ``proof`` show that the leaf hash ``leaf`` is entry ``index`` of the tree ``root``?"""
    return root_from_inclusion(leaf, index, size, proof) == bytes(root)


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 2.1.4.2: does ``proof`` show that the tree ``old_root`` is a prefix of the tree ``new_root``?"""
    old_root, new_root = bytes(old_root), bytes(new_root)
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof  # the empty tree is a prefix of every tree
    if not proof:
        return False  # step 1
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # step 2: first is a power of 2
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1  # step 3
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0  # step 7


# -- the shape of the tree, for drawing ------------------------------------------------------------------
# A node is named by the leaves it covers, (start, count): the root of a tree of n leaves is (0, n).


def tree_shape(size: int) -> list[tuple[tuple[int, int], tuple[int, int] | None]]:
    """Every node of the RFC 6962 tree of ``size`` leaves as ``(node, parent)``, root first.

    Unlike a textbook binary tree, a tree whose size is not a power of two has its
    right side shallower: RFC 6962 always splits at the largest power of two.
    """
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ParameterError(f"A tree to draw needs a whole number of leaves >= 1, not {size!r}.")
    out: list[tuple[tuple[int, int], tuple[int, int] | None]] = []
    todo: list[tuple[tuple[int, int], tuple[int, int] | None]] = [((0, size), None)]
    while todo:
        node, parent = todo.pop(0)
        out.append((node, parent))
        start, n = node
        if n > 1:
            k = _split(n)
            todo += [((start, k), node), ((start + k, n - k), node)]
    return out


def inclusion_nodes(index: int, size: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The nodes from leaf ``index`` up to the root, and the siblings whose hashes form its audit path.

    The siblings come in proof order: ``MerkleTree.inclusion_proof(index, size)[i]``
    is the hash of ``siblings[i]``.
    """
    MerkleTree._check_index(index, size)
    path, siblings = [(0, size)], []
    start, n, m = 0, size, index
    while n > 1:
        k = _split(n)
        if m < k:
            siblings.append((start + k, n - k))
            n = k
        else:
            siblings.append((start, k))
            start, n, m = start + k, n - k, m - k
        path.append((start, n))
    return path[::-1], siblings[::-1]


def consistency_nodes(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The nodes whose hashes form the consistency proof from ``old_size`` to ``new_size``, in proof order."""
    if not isinstance(old_size, int) or not 0 <= old_size <= new_size:
        raise ParameterError(f"`old_size` must be a whole number from 0 to {new_size}, not {old_size!r}.")
    if old_size in (0, new_size):
        return []
    nodes: list[tuple[int, int]] = []
    start, n, m, complete = 0, new_size, old_size, True
    while m != n:
        k = _split(n)
        if m <= k:
            nodes.append((start + k, n - k))
            n = k
        else:
            nodes.append((start, k))
            start, n, m, complete = start + k, n - k, m - k, False
    if not complete:
        nodes.append((start, n))
    return nodes[::-1]
