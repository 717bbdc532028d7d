"""Signed notes and checkpoints (C2SP signed-note, tlog-checkpoint, tlog-cosignature), keys, events."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest

from biaotong.ledger import audit
from biaotong.ledger import checkpoint as cp
from biaotong.ledger.events import Event, EventError, canonical_json, event_text
from biaotong.ledger.keys import ensure_keys, ensure_witness_key, load_signer, load_verifier

# The example of golang.org/x/mod/sumdb/note (the reference implementation of signed notes).
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"


def test_go_reference_keys_and_signature_byte_for_byte() -> None:
    signer = cp.parse_skey(GO_SKEY)
    assert signer.skey == GO_SKEY
    assert signer.verifier.vkey == GO_VKEY
    assert signer.verifier.key_id == hashlib.sha256(b"PeterNeumann\n\x01" + signer.verifier.public_key).digest()[:4]
    assert cp.sign(GO_TEXT, signer) == GO_NOTE  # Ed25519 is deterministic
    assert audit.verify_note(GO_NOTE, GO_VKEY) == GO_TEXT  # the auditor's pure-Python Ed25519


def test_checkpoint_roundtrip_and_format(log_key: cp.Signer) -> None:
    root = hashlib.sha256(b"r").digest()
    t = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    text = cp.checkpoint_text(log_key.name, 1024, root, t)
    assert text == f"{log_key.name}\n1024\n{base64.b64encode(root).decode()}\ntime {int(t.timestamp())}\n"
    note = cp.sign(text, log_key)
    parsed = cp.verify(note, log_key.verifier, origin=log_key.name)
    assert (parsed.origin, parsed.size, parsed.root, parsed.time) == (log_key.name, 1024, root, t)
    assert note.split("\n\n")[1].startswith(f"\u2014 {log_key.name} ")
    assert audit.verify_note(note, log_key.verifier.vkey) == text


def test_verification_rules(log_key: cp.Signer) -> None:
    note = cp.sign(cp.checkpoint_text(log_key.name, 3, bytes(32)), log_key)
    other = cp.generate_key("other.example/log")
    with pytest.raises(cp.CheckpointError):
        cp.verify(note, other.verifier)  # no signature by a trusted key
    with pytest.raises(cp.CheckpointError):
        cp.verify(note.replace("\n3\n", "\n4\n"), log_key.verifier)  # text changed
    with pytest.raises(cp.CheckpointError):
        cp.verify(note, log_key.verifier, origin="another/origin")
    # a same-named key with another ID is an unknown key, ignored
    impostor = cp.generate_key(log_key.name)
    both = cp.sign(cp.checkpoint_text(log_key.name, 3, bytes(32)), impostor)
    both = both + note.split("\n\n")[1]
    assert cp.verify(both, log_key.verifier).size == 3
    for bad in ["", "a\n1\nAA==\n", note.replace("\u2014", "-"), note + "\x07"]:
        with pytest.raises(cp.CheckpointError):
            cp.parse(bad)


def test_cosignature_v1(log_key: cp.Signer) -> None:
    note = cp.sign(cp.checkpoint_text(log_key.name, 7, bytes(32)), log_key)
    witness = cp.generate_key("witness.example/w1", audit.SIG_COSIGNATURE)
    t = datetime(2026, 7, 2, tzinfo=UTC)
    cosigned = cp.cosign(note, witness, t)
    assert cosigned.startswith(note)  # the log's signature line is kept
    parsed = cp.verify(cosigned, log_key.verifier, witness.verifier)
    assert cp.signature_time(parsed, witness.verifier) == t
    name, raw = parsed.signatures[-1]
    assert name == witness.name and raw[:4] == hashlib.sha256(b"witness.example/w1\n\x04" + witness.verifier.public_key).digest()[:4]
    (ts,) = struct.unpack(">Q", raw[4:12])
    message = f"cosignature/v1\ntime {ts}\n{parsed.text}".encode()
    assert witness.verifier.verify(message, raw[12:])
    assert cp.cosign(cosigned, witness, t).count(witness.name) == 1  # re-cosigning replaces
    with pytest.raises(cp.CheckpointError):
        cp.cosign(note, log_key)  # a log key is not a cosigning key


def test_key_files(tmp_path: Path) -> None:
    signer = ensure_keys(tmp_path)
    key_file, pub_file = tmp_path / "keys" / "ledger.key", tmp_path / "keys" / "ledger.pub"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert pub_file.read_text().strip() == signer.verifier.vkey
    assert load_verifier(tmp_path) == signer.verifier
    assert ensure_keys(tmp_path) == signer  # idempotent
    assert "PRIVATE" not in pub_file.read_text()
    os.chmod(key_file, 0o644)
    with pytest.raises(cp.CheckpointError, match="chmod 600"):
        load_signer(key_file)
    w = ensure_witness_key(tmp_path / "w")
    assert w.sig_type == audit.SIG_COSIGNATURE and (tmp_path / "w" / "witness.pub").exists()


def test_events_are_validated_and_canonical() -> None:
    ev = Event(action="source.sync", actor="张三", object="source:gaj", hashes={"snapshot_sha256": "ab" * 32}, detail={"b": 1, "a": [1.5, None]})
    text = event_text(ev, 3, "2026-07-01T08:00:00.000000Z")
    assert text == (
        '{"action":"source.sync","actor":"张三","detail":{"a":[1.5,null],"b":1},'
        '"hashes":{"snapshot_sha256":"' + "ab" * 32 + '"},"object":"source:gaj","seq":3,'
        '"time":"2026-07-01T08:00:00.000000Z","v":1}'
    )
    assert canonical_json({"z": "é", "a": 1}) == '{"a":1,"z":"é"}'
    for bad in [
        dict(action="Sync", actor="a", object="o"),
        dict(action="source.sync", actor="", object="o"),
        dict(action="source.sync", actor="a", object="o", hashes={"x": "NOT-HEX"}),
    ]:
        with pytest.raises(EventError):
            Event(**bad)  # type: ignore[arg-type]
    with pytest.raises(EventError):
        event_text(Event(action="a.b", actor="a", object="o", detail={"x": float("nan")}), 0, "t")
    with pytest.raises(EventError):
        event_text(Event(action="a.b", actor="a", object="o", detail={"x": object()}), 0, "t")
