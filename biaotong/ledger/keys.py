"""The workspace's ledger signing key: HOME/keys/ledger.key (mode 0600) and HOME/keys/ledger.pub beside it.

The private key never enters the config file or the database. Witnesses keep their own key the same way
in their state folder (`witness.key`, type 0x04).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from biaotong.ledger.audit import SIG_COSIGNATURE, SIG_ED25519
from biaotong.ledger.checkpoint import (
    CheckpointError,
    Signer,
    Verifier,
    generate_key,
    parse_skey,
    parse_verifier,
)

PUB_FILE = "ledger.pub"


def _write_private(path: Path, signer: Signer) -> None:
    """Write the key to a private temporary file, then link it into place: never half-written, never
    readable by others, and never overwriting a key that exists (FileExistsError)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(signer.skey + "\n")
        os.link(tmp, path)
    finally:
        tmp.unlink()


def load_signer(path: Path) -> Signer:
    """Read a private key file, refusing one that other users can read."""
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise CheckpointError(
            f"私钥文件权限过宽，请执行 chmod 600 {path}",
            f"the private key file is readable by others; run chmod 600 {path}",
        )
    return parse_skey(path.read_text(encoding="utf-8"))


def load_or_create(path: Path, name: str, sig_type: int) -> Signer:
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process created it first: use theirs
            _write_private(path, generate_key(name, sig_type))
    return load_signer(path)


def _ensure_pair(folder: Path, stem: str, name: str, sig_type: int) -> Signer:
    signer = load_or_create(folder / f"{stem}.key", name, sig_type)
    pub = folder / f"{stem}.pub"
    if not pub.exists() or pub.read_text(encoding="utf-8").strip() != signer.verifier.vkey:
        pub.write_text(signer.verifier.vkey + "\n", encoding="utf-8")
    return signer


def ensure_keys(home: Path, name: str | None = None) -> Signer:
    """Create the workspace's ledger key pair on first use (HOME/keys/ledger.key, 0600, and ledger.pub) and
    return the signer. The key name is also the log's origin line; by default `biaotong/ledger-<12 random
    hex>`, so that two workspaces never share one."""
    return _ensure_pair(Path(home) / "keys", "ledger", name or f"biaotong/ledger-{secrets.token_hex(6)}", SIG_ED25519)


def load_verifier(home: Path) -> Verifier:
    """The workspace's public ledger key (what auditors and witnesses are given)."""
    return parse_verifier((Path(home) / "keys" / PUB_FILE).read_text(encoding="utf-8"))


def ensure_witness_key(state_dir: Path, name: str | None = None) -> Signer:
    """A witness's cosigning key pair (type 0x04) in its own state folder: witness.key (0600), witness.pub."""
    return _ensure_pair(Path(state_dir), "witness", name or f"witness/{secrets.token_hex(6)}", SIG_COSIGNATURE)
