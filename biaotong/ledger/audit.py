"""Stand-alone auditor for the biaotong ledger (表通存证账本独立核验工具) — Python standard library only.

Copy this single file anywhere with Python >= 3.9 and check, without installing biaotong:

* Merkle inclusion and consistency proofs, RFC 9162 §2.1.3.2 and §2.1.4.2 (SHA-256,
  leaf hash = SHA-256(0x00 || entry), node hash = SHA-256(0x01 || left || right));
* that an entry's text hashes to the leaf hash in the proof;
* that the proof's tree size and root match the signed checkpoint (C2SP tlog-checkpoint) shipped
  with it, and — given the log's public key (a C2SP signed-note "vkey" line) — that the checkpoint's
  Ed25519 signature is valid (pure-Python RFC 8032 verification, a few milliseconds).

Usage::

    python audit.py proof.json [--key ledger.pub]          # a file from `biaotong ledger prove --json`
    python -m biaotong.ledger.audit proof.json --key ledger.pub

Exit code 0 means every check passed; 1 means a check failed (the reason is printed); 2 means the
input could not be read. `consistency --json` files are accepted too.

Edge semantics follow transparency-dev/merkle, which the public test vectors encode: a consistency
proof from size 0 is always rejected (it is meaningless); equal sizes are accepted iff the proof is
empty and the roots are equal.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys
from collections.abc import Sequence
from typing import Any

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _sizes_ok(*values: bytes) -> bool:
    return all(isinstance(v, bytes) and len(v) == HASH_SIZE for v in values)


def root_from_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes | None:
    """The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or None if the proof is malformed."""
    if not (0 <= index < size) or not _sizes_ok(leaf, *proof):
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None  # proof too long
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None  # sn != 0: proof too short


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """True iff `proof` shows the leaf with hash `leaf_hash` at 0-based `index` in the tree of `size` leaves
    whose root is `root`."""
    return root_from_inclusion(leaf_hash, index, size, proof) == root and _sizes_ok(root)


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> bool:
    """True iff `proof` shows the tree of `size1` leaves (root1) is a prefix of the tree of `size2` (root2)."""
    if size1 <= 0 or size2 < size1:
        return False  # size 0 proves nothing; a log never shrinks
    if size1 == size2:
        return len(proof) == 0 and root1 == root2
    if not proof or not _sizes_ok(root1, root2, *proof):
        return False
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # size1 is a power of two: its root is a node of the larger tree
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
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
    return sn == 0 and fr == root1 and sr == root2


# --- C2SP signed notes and checkpoints (c2sp.org/signed-note, c2sp.org/tlog-checkpoint) ---

SIG_ED25519 = 0x01  # signed-note Ed25519 signature type; the log signs its checkpoints with it
SIG_COSIGNATURE = 0x04  # tlog-cosignature/v1 timestamped Ed25519, used by witnesses


def key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    """signed-note key ID: SHA-256(name || 0x0A || type || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()[:4]


def parse_vkey(vkey: str) -> tuple[str, int, bytes]:
    """Parse a verifier key `name+hex(keyID)+base64(type || public key)` into (name, type, public key)."""
    name, hash_hex, b64 = vkey.strip().split("+", 2)
    raw = base64.b64decode(b64, validate=True)
    sig_type, public_key = raw[0], raw[1:]
    if not name or len(public_key) != 32 or bytes.fromhex(hash_hex) != key_id(name, sig_type, public_key):
        raise ValueError("malformed verifier key")
    return name, sig_type, public_key


_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """Split a signed note into its text (ending in newline) and its (key name, raw signature) lines."""
    if _CONTROL.search(note):
        raise ValueError("control character in note")
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise ValueError("note has no signature block")
    text, block = note[: cut + 1], note[cut + 2 :]
    sigs: list[tuple[str, bytes]] = []
    for line in block.splitlines():
        dash, name, b64 = line.split(" ") if line.count(" ") == 2 else ("", "", "")
        if dash != "\u2014" or not name or "+" in name:
            raise ValueError(f"malformed signature line: {line!r}")
        raw = base64.b64decode(b64, validate=True)
        if len(raw) < 5:
            raise ValueError("signature too short")
        sigs.append((name, raw))
    if not sigs:
        raise ValueError("note has no signatures")
    return text, sigs


def parse_checkpoint_text(text: str) -> tuple[str, int, bytes, list[str]]:
    """(origin, size, root hash, extension lines) of a checkpoint's note text."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or any(not line for line in lines[:-1]):
        raise ValueError("a checkpoint has at least three non-empty lines")
    origin, size_text, root_b64, *ext = lines[:-1]
    if not size_text.isdigit() or (size_text.startswith("0") and size_text != "0"):
        raise ValueError("bad tree size line")
    root = base64.b64decode(root_b64, validate=True)
    if len(root) != HASH_SIZE:
        raise ValueError("root hash is not 32 bytes")
    return origin, int(size_text), root, ext


# --- Ed25519 verification (RFC 8032 §5.1.7), pure Python, for the auditor only ---

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_Point = tuple[int, int, int, int]  # extended coordinates X, Y, Z, T


def _add(a: _Point, b: _Point) -> _Point:
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa, bb = (y1 - x1) * (y2 - x2) % _P, (y1 + x1) * (y2 + x2) % _P
    cc, dd = 2 * _D * t1 * t2 % _P, 2 * z1 * z2 % _P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return e * f % _P, g * h % _P, f * g % _P, e * h % _P


def _mul(k: int, p: _Point) -> _Point:
    q: _Point = (0, 1, 1, 0)
    while k:
        if k & 1:
            q = _add(q, p)
        p = _add(p, p)
        k >>= 1
    return q


def _decode_point(s: bytes) -> _Point | None:
    y = int.from_bytes(s, "little") & ((1 << 255) - 1)
    sign = s[31] >> 7
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P or (x == 0 and sign):
        return None
    if x & 1 != sign:
        x = _P - x
    return x, y, 1, x * y % _P


def _encode_point(p: _Point) -> bytes:
    zi = pow(p[2], _P - 2, _P)
    x, y = p[0] * zi % _P, p[1] * zi % _P
    return (y | (x & 1) << 255).to_bytes(32, "little")


_B = _decode_point((4 * pow(5, _P - 2, _P) % _P).to_bytes(32, "little"))


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """RFC 8032 Ed25519 verification: encode([S]B - [k]A) must equal R."""
    if len(public_key) != 32 or len(signature) != 64 or _B is None:
        return False
    a = _decode_point(public_key)
    s = int.from_bytes(signature[32:], "little")
    if a is None or s >= _L:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % _L
    neg_a = (_P - a[0], a[1], a[2], _P - a[3])
    return _encode_point(_add(_mul(s, _B), _mul(k, neg_a))) == signature[:32]


def verify_note(note: str, vkey: str) -> str:
    """Check that `vkey`'s Ed25519 signature on the note is present and valid; return the note text."""
    name, sig_type, public_key = parse_vkey(vkey)
    if sig_type != SIG_ED25519:
        raise ValueError("verifier key is not an Ed25519 (type 0x01) key")
    text, sigs = split_note(note)
    kid = key_id(name, sig_type, public_key)
    mine = [raw for n, raw in sigs if n == name and raw[:4] == kid]
    if not mine:
        raise ValueError(f"no signature by {name}")
    if not all(ed25519_verify(public_key, text.encode(), raw[4:]) for raw in mine):
        raise ValueError(f"bad signature by {name}")
    return text


# --- proof files (`biaotong ledger prove --json` / `consistency --json`) ---


def _hex(doc: dict[str, Any], key: str) -> bytes:
    return bytes.fromhex(doc[key])


def _check_checkpoint(note: str | None, size: int, root: bytes, vkey: str | None, label: str) -> list[str]:
    """Messages for what was checked; raises ValueError on the first failure."""
    if note is None:
        if vkey:
            raise ValueError(f"{label}: no checkpoint in the file, so nothing is signed")
        return [f"{label}: no checkpoint attached (root not signed)"]
    text = verify_note(note, vkey) if vkey else split_note(note)[0]
    origin, cp_size, cp_root, _ = parse_checkpoint_text(text)
    if (cp_size, cp_root) != (size, root):
        raise ValueError(f"{label}: the checkpoint is for size {cp_size}, root {cp_root.hex()}, not the proof's")
    signed = "signature verified" if vkey else "signature NOT checked (pass --key)"
    return [f"{label}: checkpoint {origin} size {cp_size} matches, {signed}"]


def check_proof_document(doc: dict[str, Any], vkey: str | None = None) -> list[str]:
    """Check a proof document; return what was checked, or raise ValueError naming the failed check."""
    kind = doc.get("type")
    if kind == "inclusion":
        leaf, seq, size, root = _hex(doc, "leaf_hash"), int(doc["seq"]), int(doc["tree_size"]), _hex(doc, "root")
        done = []
        if doc.get("event") is not None:
            if leaf_hash(doc["event"].encode("utf-8")) != leaf:
                raise ValueError(f"entry {seq}: the entry text does not hash to the leaf hash")
            done.append(f"entry {seq}: text hashes to the leaf hash")
        if not verify_inclusion(leaf, seq, size, [bytes.fromhex(h) for h in doc["proof"]], root):
            raise ValueError(f"entry {seq}: inclusion proof in tree of size {size} does NOT verify")
        done.append(f"entry {seq}: included in tree of size {size}, root {root.hex()}")
        return done + _check_checkpoint(doc.get("checkpoint"), size, root, vkey, "tree head")
    if kind == "consistency":
        s1, s2, r1, r2 = int(doc["size1"]), int(doc["size2"]), _hex(doc, "root1"), _hex(doc, "root2")
        if not verify_consistency(s1, s2, r1, r2, [bytes.fromhex(h) for h in doc["proof"]]):
            raise ValueError(f"consistency proof {s1} -> {s2} does NOT verify")
        done = [f"tree of size {s1} is a prefix of tree of size {s2}"]
        done += _check_checkpoint(doc.get("checkpoint1"), s1, r1, vkey, "older head")
        return done + _check_checkpoint(doc.get("checkpoint2"), s2, r2, vkey, "newer head")
    raise ValueError(f"unknown proof type {kind!r}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a biaotong ledger proof file with the standard library only.")
    parser.add_argument("proof", help="JSON from `biaotong ledger prove --json` or `consistency --json`")
    parser.add_argument("--key", help="the log's public key file (signed-note vkey), e.g. keys/ledger.pub")
    args = parser.parse_args(argv)
    try:
        with open(args.proof, encoding="utf-8") as f:
            doc = json.load(f)
        vkey = None
        if args.key:
            with open(args.key, encoding="utf-8") as f:
                vkey = f.read().strip()
    except (OSError, ValueError) as exc:
        print(f"cannot read input: {exc}", file=sys.stderr)
        return 2
    try:
        for line in check_proof_document(doc, vkey):
            print(f"OK   {line}")
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        print(f"FAIL {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
