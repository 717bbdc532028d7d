"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and the compact "frontier" — pure, no I/O.

Trees are described by their *perfect subtrees*: node (level, index) is the root of the 2**level leaves
starting at index * 2**level; level 0 are the leaf hashes. Every node of an RFC 6962 tree is either such
a perfect subtree or is folded from a few of them, so proofs need only O(log n) lookups through a
`NodeGetter`, whatever stores the nodes (a list in memory, the ledger_nodes table).

Verification is done by `biaotong.ledger.audit` (standard library only), re-exported here, so there is
one implementation of it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from biaotong.ledger.audit import (
    EMPTY_ROOT,
    HASH_SIZE,
    leaf_hash,
    node_hash,
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MemoryTree",
    "NodeGetter",
    "append_leaves",
    "consistency_proof",
    "frontier_levels",
    "inclusion_proof",
    "leaf_hash",
    "needed_nodes",
    "node_hash",
    "perfect_levels",
    "root",
    "root_from_frontier",
    "root_from_inclusion",
    "subtree_hash",
    "verify_consistency",
    "verify_inclusion",
]

NodeGetter = Callable[[int, int], bytes]
"""get(level, index) -> hash of the perfect subtree of 2**level leaves starting at index * 2**level."""

_sha256 = hashlib.sha256


def perfect_levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """All perfect-subtree hashes, level by level: result[l][i] is node (l, i); result[0] is `leaves`."""
    levels = [list(leaves)]
    cur = levels[0]
    while len(cur) > 1:
        it = iter(cur)
        cur = [_sha256(b"\x01" + left + right).digest() for left, right in zip(it, it, strict=False)]
        levels.append(cur)
    return levels


def frontier_levels(size: int) -> list[int]:
    """Levels of the perfect subtrees that make up a tree of `size` leaves, largest (leftmost) first."""
    return [lvl for lvl in range(size.bit_length() - 1, -1, -1) if size >> lvl & 1]


def root_from_frontier(frontier: Sequence[bytes]) -> bytes:
    """Fold the perfect subtrees of a tree (largest first) into its root."""
    if not frontier:
        return EMPTY_ROOT
    r = frontier[-1]
    for h in reversed(frontier[:-1]):
        r = node_hash(h, r)
    return r


def _frontier_of(levels: Sequence[Sequence[bytes]], size: int) -> list[bytes]:
    out, start = [], 0
    for lvl in frontier_levels(size):
        out.append(levels[lvl][start >> lvl])
        start += 1 << lvl
    return out


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes (iterative, level by level; 1,000,000 leaves take well under a second)."""
    return root_from_frontier(_frontier_of(perfect_levels(leaves), len(leaves)))


def append_leaves(
    size: int, frontier: Sequence[bytes], leaves: Iterable[bytes]
) -> tuple[list[bytes], list[tuple[int, int, bytes]]]:
    """Append leaf hashes to a tree given by its size and frontier.

    Returns the new frontier and the new perfect subtrees of level >= 1 as (level, index, hash), in the
    order they were completed — exactly the rows to add to a node store.
    """
    stack = list(frontier)
    levels = frontier_levels(size)
    nodes: list[tuple[int, int, bytes]] = []
    for h in leaves:
        level = 0
        size += 1
        while levels and levels[-1] == level:
            levels.pop()
            h = _sha256(b"\x01" + stack.pop() + h).digest()
            level += 1
            nodes.append((level, (size >> level) - 1, h))
        stack.append(h)
        levels.append(level)
    return stack, nodes


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def subtree_hash(lo: int, hi: int, get: NodeGetter) -> bytes:
    """MTH(D[lo:hi]) for a range whose start is aligned (lo a multiple of a power of two >= hi - lo)."""
    n = hi - lo
    if n & (n - 1) == 0:
        level = n.bit_length() - 1
        return get(level, lo >> level)
    k = _largest_power_of_two_below(n)
    return node_hash(get(k.bit_length() - 1, lo // k), subtree_hash(lo + k, hi, get))


def inclusion_proof(index: int, size: int, get: NodeGetter) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, deepest sibling first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _largest_power_of_two_below(hi - lo)
        if index < lo + k:
            path.append(subtree_hash(lo + k, hi, get))
            hi = lo + k
        else:
            path.append(subtree_hash(lo, lo + k, get))
            lo += k
    path.reverse()
    return path


def consistency_proof(size1: int, size2: int, get: NodeGetter) -> list[bytes]:
    """PROOF(size1, D[0:size2]) of RFC 9162 §2.1.4.1 (SUBPROOF with b = true)."""
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    path: list[bytes] = []
    lo, hi, m, complete = 0, size2, size1, True
    while m != hi - lo:
        k = _largest_power_of_two_below(hi - lo)
        if m <= k:
            path.append(subtree_hash(lo + k, hi, get))
            hi = lo + k
        else:
            path.append(subtree_hash(lo, lo + k, get))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        path.append(subtree_hash(lo, hi, get))
    path.reverse()
    return path


def needed_nodes(build: Callable[[NodeGetter], object]) -> set[tuple[int, int]]:
    """The (level, index) nodes `build(get)` looks up — run it on placeholders to prefetch in one query."""
    seen: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> bytes:
        seen.add((level, index))
        return bytes(HASH_SIZE)

    build(record)
    return seen


class MemoryTree:
    """A whole tree held in memory (tests, verification, small logs)."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.levels = perfect_levels(leaves)
        self.size = len(leaves)

    def get(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def frontier(self, size: int | None = None) -> list[bytes]:
        return _frontier_of(self.levels, self.size if size is None else size)

    def root(self, size: int | None = None) -> bytes:
        return root_from_frontier(self.frontier(size))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self.size if size is None else size, self.get)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        return consistency_proof(size1, self.size if size2 is None else size2, self.get)
