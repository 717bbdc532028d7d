"""The auditor's module: standard library only, copyable, and its pure-Python Ed25519 agrees with OpenSSL."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import biaotong.ledger.audit as audit
from biaotong.ledger import checkpoint as cp
from biaotong.ledger.merkle import MemoryTree, leaf_hash


def test_audit_imports_only_the_standard_library() -> None:
    tree = ast.parse(Path(audit.__file__).read_text(encoding="utf-8"))
    names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert names - {"__future__"} <= set(sys.stdlib_module_names), names


def test_rfc8032_test_1_and_random_keys_agree_with_openssl() -> None:
    # RFC 8032 §7.1 TEST 1 (empty message)
    pub = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    sig = bytes.fromhex(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    assert audit.ed25519_verify(pub, b"", sig)
    assert not audit.ed25519_verify(pub, b"x", sig)
    for i in range(12):
        key = Ed25519PrivateKey.generate()
        pub = key.public_key().public_bytes_raw()
        message = os.urandom(i * 7)
        sig = key.sign(message)
        assert audit.ed25519_verify(pub, message, sig)
        assert not audit.ed25519_verify(pub, message + b"!", sig)
        assert not audit.ed25519_verify(pub, message, sig[:63] + bytes([sig[63] ^ 0x10]))
        assert not audit.ed25519_verify(pub, message, sig[:32] + (int.from_bytes(sig[32:], "little") + audit._L).to_bytes(32, "little"))


def _proof_doc(key: cp.Signer) -> dict[str, object]:
    events = [f'{{"seq":{i}}}' for i in range(11)]
    tree = MemoryTree([leaf_hash(e.encode()) for e in events])
    note = cp.sign(cp.checkpoint_text(key.name, 11, tree.root()), key)
    return {
        "format": "biaotong-ledger-proof/v1", "type": "inclusion", "seq": 6, "tree_size": 11,
        "leaf_hash": tree.get(0, 6).hex(), "root": tree.root().hex(),
        "proof": [h.hex() for h in tree.inclusion_proof(6)], "event": events[6], "checkpoint": note,
    }


def test_copied_file_checks_a_proof_and_catches_tampering(tmp_path: Path, log_key: cp.Signer) -> None:
    alone = tmp_path / "auditor"
    alone.mkdir()
    shutil.copy(audit.__file__, alone / "audit.py")
    (alone / "ledger.pub").write_text(log_key.verifier.vkey + "\n")
    doc = _proof_doc(log_key)

    def run(d: dict[str, object], *extra: str) -> subprocess.CompletedProcess[str]:
        (alone / "proof.json").write_text(json.dumps(d, ensure_ascii=False))
        return subprocess.run(
            [sys.executable, "-I", "audit.py", "proof.json", *extra], cwd=alone, capture_output=True, text=True, check=False
        )

    ok = run(doc, "--key", "ledger.pub")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "signature verified" in ok.stdout
    assert run(doc).returncode == 0  # without a key: the Merkle proof only
    assert run({**doc, "event": '{"seq":7}'}, "--key", "ledger.pub").returncode == 1
    assert run({**doc, "seq": 5}, "--key", "ledger.pub").returncode == 1
    other = cp.generate_key(log_key.name)
    (alone / "other.pub").write_text(other.verifier.vkey)
    assert run(doc, "--key", "other.pub").returncode == 1  # signed by another key
    assert run({**doc, "checkpoint": None}, "--key", "ledger.pub").returncode == 1
    assert subprocess.run([sys.executable, "-I", "audit.py", "missing.json"], cwd=alone, check=False).returncode == 2


def test_consistency_document(log_key: cp.Signer) -> None:
    tree = MemoryTree([leaf_hash(bytes([i])) for i in range(20)])
    n1 = cp.sign(cp.checkpoint_text(log_key.name, 13, tree.root(13)), log_key)
    n2 = cp.sign(cp.checkpoint_text(log_key.name, 20, tree.root(20)), log_key)
    doc = {
        "type": "consistency", "size1": 13, "size2": 20, "root1": tree.root(13).hex(), "root2": tree.root(20).hex(),
        "proof": [h.hex() for h in tree.consistency_proof(13, 20)], "checkpoint1": n1, "checkpoint2": n2,
    }
    lines = audit.check_proof_document(doc, log_key.verifier.vkey)
    assert len(lines) == 3
    doc["root1"] = tree.root(12).hex()
    try:
        audit.check_proof_document(doc, log_key.verifier.vkey)
    except ValueError as exc:
        assert "does NOT verify" in str(exc)
    else:
        raise AssertionError("a wrong root was accepted")


def test_module_entry_point_and_public_names(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-W", "error", "-m", "biaotong.ledger.audit", str(tmp_path / "none.json")],
        capture_output=True, text=True, check=False,
    )
    assert run.returncode == 2 and "Warning" not in run.stderr, run.stderr
    import biaotong.ledger as ledger

    assert sorted(ledger.__all__) == sorted(ledger._EXPORTS)
    assert all(getattr(ledger, name) is not None for name in ledger.__all__)
