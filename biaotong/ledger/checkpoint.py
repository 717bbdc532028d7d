"""Signed tree heads as C2SP checkpoints (c2sp.org/tlog-checkpoint on c2sp.org/signed-note).

A head looks like::

    biaotong/ledger-3f9a0c1d2e4b        origin = the log's key name
    1024                                tree size
    q1Yd...base64 root...=              RFC 6962 root hash
    time 1784790000                     extension line: POSIX seconds when the log signed the head
                                        (blank line)
    — biaotong/ledger-3f9a0c1d2e4b AbCd...   Ed25519, signed-note type 0x01
    — witness.example/w1 EfGh...             witness cosignature, tlog-cosignature/v1 type 0x04

Time: the log records its signing time as the extension line `time <POSIX seconds>`; being part of the
note text it is covered by the log's own Ed25519 (0x01) signature. Witnesses use the timestamped
cosignature/v1 format (type 0x04), whose signed message commits to the witness's own time and to the
whole note text, extension line included. Key files use the signed-note text formats, readable by
golang.org/x/mod/sumdb/note: `PRIVATE+KEY+name+keyid+base64(type||seed)` and `name+keyid+base64(type||pub)`.
"""

from __future__ import annotations

import base64
import re
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from biaotong.errors import LedgerError
from biaotong.ledger.audit import (
    SIG_COSIGNATURE,
    SIG_ED25519,
    key_id,
    parse_checkpoint_text,
    parse_vkey,
    split_note,
)

MAX_SIGNATURES = 100
_NAME = re.compile(r"^[^\s+]+$")


class CheckpointError(LedgerError):
    """A checkpoint or key cannot be parsed, or a signature does not verify."""


def _err(zh: str, en: str) -> CheckpointError:
    return CheckpointError(zh, en)


@dataclass(frozen=True)
class Verifier:
    """A public key with its name and signature type (0x01 log, 0x04 witness cosignature)."""

    name: str
    public_key: bytes
    sig_type: int = SIG_ED25519

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.sig_type, self.public_key)

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(bytes([self.sig_type]) + self.public_key).decode()}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """An Ed25519 private key with its name; `sig_type` 0x01 signs heads, 0x04 cosigns them."""

    name: str
    seed: bytes = field(repr=False)
    sig_type: int = SIG_ED25519

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise _err(f"密钥名不能含空白或加号：{self.name!r}", f"a key name has no spaces or '+': {self.name!r}")

    @property
    def verifier(self) -> Verifier:
        pub = self._key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Verifier(self.name, pub, self.sig_type)

    @property
    def skey(self) -> str:
        raw = base64.b64encode(bytes([self.sig_type]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{raw}"

    def sign(self, message: bytes) -> bytes:
        return self._key().sign(message)

    def _key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)


def generate_key(name: str, sig_type: int = SIG_ED25519) -> Signer:
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    return Signer(name, seed, sig_type)


def parse_skey(text: str) -> Signer:
    try:
        p1, p2, name, hash_hex, b64 = text.strip().split("+", 4)
        raw = base64.b64decode(b64, validate=True)
        signer = Signer(name, raw[1:], raw[0])
        ok = (p1, p2) == ("PRIVATE", "KEY") and len(raw) == 33 and signer.verifier.key_id.hex() == hash_hex
    except (ValueError, LedgerError):
        ok = False
    if not ok:
        raise _err("私钥文件格式错误", "malformed private key")
    return signer


def parse_verifier(text: str) -> Verifier:
    try:
        name, sig_type, pub = parse_vkey(text)
    except ValueError as exc:
        raise _err("公钥格式错误", "malformed public key") from exc
    return Verifier(name, pub, sig_type)


@dataclass(frozen=True)
class Checkpoint:
    """The parsed, not yet trusted, content of a signed checkpoint."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...]
    text: str
    signatures: tuple[tuple[str, bytes], ...]
    note: str

    @property
    def time(self) -> datetime | None:
        for line in self.extensions:
            if line.startswith("time ") and line[5:].isdigit():
                return datetime.fromtimestamp(int(line[5:]), UTC)
        return None


def checkpoint_text(origin: str, size: int, root: bytes, time: datetime | None = None) -> str:
    if not _NAME.match(origin):
        raise _err(f"日志名不能含空白或加号：{origin!r}", f"an origin has no spaces or '+': {origin!r}")
    lines = [origin, str(size), base64.b64encode(root).decode()]
    if time is not None:
        lines.append(f"time {int(time.timestamp())}")
    return "\n".join(lines) + "\n"


def _sig_line(name: str, kid: bytes, sig: bytes) -> str:
    return f"\u2014 {name} {base64.b64encode(kid + sig).decode()}\n"


def sign(text: str, signer: Signer) -> str:
    """Sign a checkpoint text with the log key (type 0x01): returns the signed note."""
    if signer.sig_type != SIG_ED25519:
        raise _err("签名树头须用类型 0x01 的密钥", "heads are signed with a type 0x01 key")
    return text + "\n" + _sig_line(signer.name, signer.verifier.key_id, signer.sign(text.encode()))


def _cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


def cosign(note: str, witness: Signer, time: datetime | None = None) -> str:
    """Add a witness's timestamped cosignature (tlog-cosignature/v1, type 0x04) to a signed checkpoint."""
    if witness.sig_type != SIG_COSIGNATURE:
        raise _err("见证密钥须为类型 0x04", "a witness key has type 0x04")
    cp = parse(note)
    ts = int((time or datetime.now(UTC)).timestamp())
    sig = struct.pack(">Q", ts) + witness.sign(_cosigned_message(cp.text, ts))
    kept = [(n, raw) for n, raw in cp.signatures if not (n == witness.name and raw[:4] == witness.verifier.key_id)]
    lines = "".join(_sig_line(n, raw[:4], raw[4:]) for n, raw in kept)
    return cp.text + "\n" + lines + _sig_line(witness.name, witness.verifier.key_id, sig)


def parse(note: str) -> Checkpoint:
    """Parse a signed checkpoint without trusting it."""
    try:
        text, sigs = split_note(note)
        origin, size, root, ext = parse_checkpoint_text(text)
    except ValueError as exc:
        raise _err(f"树头格式错误：{exc}", f"malformed checkpoint: {exc}") from exc
    if len(sigs) > MAX_SIGNATURES:
        raise _err("树头签名过多", "too many signatures on the checkpoint")
    return Checkpoint(origin, size, root, tuple(ext), text, tuple(sigs), note)


def signature_time(cp: Checkpoint, key: Verifier) -> datetime | None:
    """The timestamp of `key`'s cosignature on `cp` (type 0x04), if any."""
    for name, raw in cp.signatures:
        if name == key.name and raw[:4] == key.key_id and len(raw) == 4 + 8 + 64:
            return datetime.fromtimestamp(struct.unpack(">Q", raw[4:12])[0], UTC)
    return None


def _check_one(cp: Checkpoint, key: Verifier, raw: bytes) -> bool:
    body = raw[4:]
    if key.sig_type == SIG_COSIGNATURE:
        if len(body) != 8 + 64:
            return False
        (ts,) = struct.unpack(">Q", body[:8])
        return ts < 2**63 and key.verify(_cosigned_message(cp.text, ts), body[8:])
    return len(body) == 64 and key.verify(cp.text.encode(), body)


def verify(note: str, *keys: Verifier, origin: str | None = None) -> Checkpoint:
    """Parse `note` and check it per signed-note rules: every signature by a known key (name and key ID)
    must verify, and at least one must be present. Unknown signatures are ignored."""
    cp = parse(note)
    if origin is not None and cp.origin != origin:
        raise _err(f"树头来自另一个日志：{cp.origin}", f"the checkpoint is from another log: {cp.origin}")
    known = {(k.name, k.key_id): k for k in keys}
    found = 0
    for name, raw in cp.signatures:
        key = known.get((name, raw[:4]))
        if key is None:
            continue
        if not _check_one(cp, key, raw):
            raise _err(f"树头签名无效：{name}", f"invalid checkpoint signature by {name}")
        found += 1
    if not found:
        names = ", ".join(k.name for k in keys)
        raise _err(f"树头上没有受信任密钥的签名：{names}", f"no signature by a trusted key on the checkpoint: {names}")
    return cp
