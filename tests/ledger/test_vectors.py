"""Every RFC 6962 / RFC 9162 vector in shared/vectors/rfc6962, through merkle.py and the auditor's audit.py."""

from __future__ import annotations

import base64
import json
import os
import random
import time
from pathlib import Path
from typing import Any

import pytest

from biaotong.ledger import audit, merkle

PROBES = Path(__file__).resolve().parents[2] / ".." / "shared" / "vectors" / "rfc6962" / "transparency-dev-merkle" / "testdata"
UNUSUAL = "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"


def _probe_files() -> list[Any]:
    if not PROBES.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"vectors not found at {PROBES.resolve()}"))]
    files = sorted(PROBES.rglob("*.json"))
    return [pytest.param(f, id=str(f.relative_to(PROBES))) for f in files]


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _probe_accepts(path: Path) -> bool:
    doc = json.loads(path.read_text())
    proof = [_b64(p) for p in doc["proof"] or []]
    if "leafIdx" in doc:
        return audit.verify_inclusion(_b64(doc["leafHash"]), doc["leafIdx"], doc["treeSize"], proof, _b64(doc["root"]))
    return audit.verify_consistency(doc["size1"], doc["size2"], _b64(doc["root1"]), _b64(doc["root2"]), proof)


@pytest.mark.parametrize("path", _probe_files())
def test_transparency_dev_probe(path: Path) -> None:
    doc = json.loads(path.read_text())
    assert _probe_accepts(path) is (not doc["wantErr"]), doc["desc"]


def test_all_196_probes_are_there_and_agree() -> None:
    if not PROBES.exists():
        pytest.skip("vectors not found")
    files = sorted(PROBES.rglob("*.json"))
    assert len(files) == 196
    agree = sum(_probe_accepts(f) is (not json.loads(f.read_text())["wantErr"]) for f in files)
    assert agree == 196


def test_the_unusual_probe_equal_sizes_with_12_byte_roots_is_accepted() -> None:
    """size1 == size2 with an empty proof and equal roots is accepted before any length check."""
    path = PROBES / UNUSUAL
    if not path.exists():
        pytest.skip("vectors not found")
    doc = json.loads(path.read_text())
    assert len(_b64(doc["root1"])) == 12 and doc["wantErr"] is False
    assert audit.verify_consistency(1, 1, _b64(doc["root1"]), _b64(doc["root2"]), [])
    assert not audit.verify_consistency(1, 1, _b64(doc["root1"]), _b64(doc["root2"]), [bytes(32)])
    assert not audit.verify_consistency(0, 0, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [])  # size1 == 0: always rejected


@pytest.fixture(scope="module")
def vec(vectors_dir: Path) -> dict[str, Any]:
    return json.loads((vectors_dir / "vectors.json").read_text())


def _h(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def test_hasher_cases(vec: dict[str, Any]) -> None:
    cases = vec["hasher"]["cases"]
    assert len(cases) >= 4
    assert merkle.EMPTY_ROOT.hex() == cases[0]["output"]
    outputs = {c["output"] for c in cases}
    assert merkle.leaf_hash(b"").hex() in outputs
    assert merkle.leaf_hash(b"L123456").hex() in outputs
    assert merkle.node_hash(b"N123", b"N456").hex() in outputs


def test_leaf_hashes_roots_and_perfect_subtrees(vec: dict[str, Any]) -> None:
    leaves = [merkle.leaf_hash(bytes.fromhex(x)) for x in vec["leaf_inputs"]["values"]]
    assert [x.hex() for x in leaves] == vec["leaf_hashes"]["values"]
    for r in vec["roots"]["values"]:
        n = r["tree_size"]
        assert merkle.root(leaves[:n]).hex() == r["root"]
        frontier, _ = merkle.append_leaves(0, [], leaves[:n])
        assert merkle.root_from_frontier(frontier).hex() == r["root"]
    tree = merkle.MemoryTree(leaves)
    for level, hashes in enumerate(vec["perfect_subtree_hashes"]["levels"]):
        assert [tree.get(level, i).hex() for i in range(len(hashes))] == hashes


def _check_inclusion(tree: merkle.MemoryTree, c: dict[str, Any]) -> None:
    proof = tree.inclusion_proof(c["leaf_index"], c["tree_size"])
    assert [p.hex() for p in proof] == c["proof"]
    assert merkle.verify_inclusion(bytes.fromhex(c["leaf_hash"]), c["leaf_index"], c["tree_size"], proof, bytes.fromhex(c["root"]))


def _check_consistency(tree: merkle.MemoryTree, c: dict[str, Any]) -> None:
    proof = tree.consistency_proof(c["size1"], c["size2"])
    assert [p.hex() for p in proof] == c["proof"]
    assert merkle.verify_consistency(c["size1"], c["size2"], bytes.fromhex(c["root1"]), bytes.fromhex(c["root2"]), proof)


def test_upstream_and_derived_proofs(vec: dict[str, Any]) -> None:
    tree = merkle.MemoryTree([merkle.leaf_hash(bytes.fromhex(x)) for x in vec["leaf_inputs"]["values"]])
    for c in vec["inclusion_proofs"]["cases"]:
        _check_inclusion(tree, c)
    for c in vec["consistency_proofs"]["cases"]:
        _check_consistency(tree, c)
    derived = vec["derived_all_proofs_up_to_8"]
    assert (len(derived["inclusion"]), len(derived["consistency"])) == (36, 28)
    for c in derived["inclusion"]:
        _check_inclusion(tree, c)
    for c in derived["consistency"]:
        _check_consistency(tree, c)


def _flip(h: bytes, bit: int) -> bytes:
    b = bytearray(h)
    b[bit // 8] ^= 1 << (bit % 8)
    return bytes(b)


def test_bit_flips_in_derived_proofs_are_rejected(vec: dict[str, Any]) -> None:
    derived = vec["derived_all_proofs_up_to_8"]
    for c in derived["inclusion"]:
        proof = _h(c["proof"])
        for i, p in enumerate(proof):
            for bit in (0, 77, 255):
                bad = [*proof[:i], _flip(p, bit), *proof[i + 1 :]]
                assert not merkle.verify_inclusion(bytes.fromhex(c["leaf_hash"]), c["leaf_index"], c["tree_size"], bad, bytes.fromhex(c["root"]))
    for c in derived["consistency"]:
        proof = _h(c["proof"])
        for i, p in enumerate(proof):
            bad = [*proof[:i], _flip(p, 0), *proof[i + 1 :]]
            assert not merkle.verify_consistency(c["size1"], c["size2"], bytes.fromhex(c["root1"]), bytes.fromhex(c["root2"]), bad)


def test_rfc9162_seven_leaf_example(vec: dict[str, Any]) -> None:
    ex = vec["rfc9162_example_7_leaves"]
    tree = merkle.MemoryTree([merkle.leaf_hash(bytes.fromhex(x)) for x in vec["leaf_inputs"]["values"][:7]])
    for index, proof in ex["inclusion"].items():
        assert [p.hex() for p in tree.inclusion_proof(int(index), 7)] == proof
    for size1, proof in ex["consistency"].items():
        got = tree.consistency_proof(int(size1), 7)
        assert [p.hex() for p in got] == proof
        assert merkle.verify_consistency(int(size1), 7, tree.root(int(size1)), tree.root(7), got)


def test_certificate_transparency_reference(vec: dict[str, Any]) -> None:
    ct = vec["ct_reference"]
    for c in ct["leaf_hash_cases"]:
        assert merkle.leaf_hash(bytes.fromhex(c["leaf_input"])).hex() == c["leaf_hash"]
    for c in ct["node_hash_cases"]:
        assert merkle.node_hash(bytes.fromhex(c["left"]), bytes.fromhex(c["right"])).hex() == c["node_hash"]
    real = ct["real_log_inclusion_proof"]
    leaf = merkle.leaf_hash(bytes.fromhex(real["raw_leaf"]))
    assert leaf.hex() == real["leaf_hash"]
    proof, root = _h(real["proof"]), bytes.fromhex(real["root"])
    assert len(proof) == 22
    assert merkle.verify_inclusion(leaf, real["leaf_index"], real["tree_size"], proof, root)
    assert not merkle.verify_inclusion(leaf, real["leaf_index"] + 1, real["tree_size"], proof, root)
    assert not merkle.verify_inclusion(leaf, real["leaf_index"], real["tree_size"], proof, bytes(32))


def _reference_mth(leaves: list[bytes]) -> bytes:
    """MTH straight from the RFC's recursive definition (slices; tests only)."""
    if not leaves:
        return merkle.EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return merkle.node_hash(_reference_mth(leaves[:k]), _reference_mth(leaves[k:]))


def test_random_trees_all_proofs_verify_and_roots_match_the_definition() -> None:
    rng = random.Random(6962)
    leaves = [rng.randbytes(32) for _ in range(300)]
    tree = merkle.MemoryTree(leaves)
    for n in [*range(1, 40), 63, 64, 65, 127, 128, 129, 255, 256, 257, 300]:
        assert tree.root(n) == _reference_mth(leaves[:n]) == merkle.root(leaves[:n])
        for m in rng.sample(range(n), min(n, 12)):
            proof = tree.inclusion_proof(m, n)
            assert merkle.verify_inclusion(leaves[m], m, n, proof, tree.root(n))
            assert not merkle.verify_inclusion(leaves[(m + 1) % 300], m, n, proof, tree.root(n))
            assert n == 1 or not merkle.verify_inclusion(leaves[m], m, n, proof, tree.root(n - 1))
        for m in rng.sample(range(1, n + 1), min(n, 12)):
            proof = tree.consistency_proof(m, n)
            assert merkle.verify_consistency(m, n, tree.root(m), tree.root(n), proof)
            if m < n:
                assert not merkle.verify_consistency(m, n, tree.root(m), tree.root(n - 1), proof)


def test_appending_in_pieces_gives_the_same_nodes_as_the_whole() -> None:
    leaves = [os.urandom(32) for _ in range(1000)]
    size, frontier, nodes = 0, [], []
    for lo in range(0, 1000, 37):
        frontier, new = merkle.append_leaves(size, frontier, leaves[lo : lo + 37])
        nodes += new
        size = min(lo + 37, 1000)
        assert merkle.root_from_frontier(frontier) == merkle.root(leaves[:size])
    tree = merkle.MemoryTree(leaves)
    assert sorted((lv, ix) for lv, ix, _ in nodes) == sorted((lv, ix) for lv in range(1, len(tree.levels)) for ix in range(len(tree.levels[lv])))
    assert all(tree.get(lv, ix) == h for lv, ix, h in nodes)


def test_proofs_need_only_logarithmically_many_nodes() -> None:
    n = 1_000_003
    keys = merkle.needed_nodes(lambda get: merkle.inclusion_proof(777_777, n, get))
    assert len(keys) <= 2 * n.bit_length()
    keys = merkle.needed_nodes(lambda get: merkle.consistency_proof(500_001, n, get))
    assert len(keys) <= 3 * n.bit_length()


def test_root_of_a_million_leaves_is_fast() -> None:
    leaves = [os.urandom(32) for _ in range(1_000_000)]
    started = time.perf_counter()
    merkle.root(leaves)
    assert time.perf_counter() - started < 10


def test_malformed_inputs_are_rejected_not_raised() -> None:
    leaf = merkle.leaf_hash(b"x")
    assert not audit.verify_inclusion(leaf, 0, 0, [], leaf)
    assert not audit.verify_inclusion(leaf, -1, 1, [], leaf)
    assert not audit.verify_inclusion(leaf[:31], 0, 1, [], leaf[:31])
    assert not audit.verify_consistency(2, 1, leaf, leaf, [leaf])
    assert not audit.verify_consistency(1, 2, leaf, leaf, [])
    with pytest.raises(ValueError):
        merkle.inclusion_proof(5, 5, lambda lv, ix: leaf)
    with pytest.raises(ValueError):
        merkle.consistency_proof(0, 5, lambda lv, ix: leaf)
