"""Witnessing: an outside party keeps the last head it saw and only cosigns heads that extend it.

A log that rewrites its history and re-signs it with its own key still cannot show a witness a valid
consistency proof from the head the witness kept, so the rewrite is caught and the two signed heads are
kept as evidence.

The log is read from a workspace folder, or over HTTP from a base URL serving the same JSON::

    GET {base}/head                     -> head_document(): {"format", "size", "root", "time",
                                           "checkpoint", "key"}   (key = the log's public vkey)
    GET {base}/consistency/{old}/{new}  -> consistency(...).to_json()

The witness's state folder (one per log it watches) holds `witness.key` (0600) / `witness.pub`,
`log.pub` (the log key, trusted on first use unless given), `checkpoint` (the last cosigned head) and
`evidence/` (conflicting heads, when the log misbehaves).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection

from biaotong.errors import LedgerError
from biaotong.i18n import msg
from biaotong.ledger import checkpoint as cp
from biaotong.ledger.log import consistency, latest_head
from biaotong.ledger.merkle import verify_consistency

HEAD_FORMAT = "biaotong-ledger-head/v1"


def head_document(conn: Connection, key: cp.Verifier) -> dict[str, Any]:
    """What a log serves at {base}/head: its newest signed head and its public key."""
    h = latest_head(conn)
    if h is None:
        raise LedgerError("账本尚无签名树头，请先运行 biaotong ledger head", "the ledger has no signed head yet; run biaotong ledger head")
    return {"format": HEAD_FORMAT, **h.to_json(), "key": key.vkey}


class LogSource:
    """Where the witness reads a log: `head()` and `consistency(old, new)` return the JSON documents."""

    def __init__(
        self, head: Callable[[], dict[str, Any]], proof: Callable[[int, int], dict[str, Any]], name: str,
        close: Callable[[], None] = lambda: None,
    ):
        self.head, self.consistency, self.name, self.close = head, proof, name, close

    @classmethod
    def open(cls, where: str | Path) -> LogSource:
        text = str(where)
        if text.startswith(("http://", "https://")):
            base = text.rstrip("/")

            def get(path: str) -> dict[str, Any]:
                response = httpx.get(f"{base}/{path}", timeout=30.0)
                response.raise_for_status()
                return response.json()

            return cls(lambda: get("head"), lambda old, new: get(f"consistency/{old}/{new}"), base)
        return cls._workspace(Path(where))

    @classmethod
    def _workspace(cls, home: Path) -> LogSource:
        from biaotong.ledger.keys import load_verifier
        from biaotong.workspace import Workspace

        ws = Workspace.open(home, create=False)
        key = load_verifier(ws.home)

        def head() -> dict[str, Any]:
            with ws.engine.connect() as conn:
                return head_document(conn, key)

        def proof(old: int, new: int) -> dict[str, Any]:
            with ws.engine.connect() as conn:
                return consistency(conn, old, new).to_json()

        return cls(head, proof, str(ws.home), ws.close)


@dataclass(frozen=True)
class WitnessResult:
    ok: bool
    origin: str
    old_size: int | None
    new_size: int | None
    checkpoint: str | None  # the cosigned head when ok
    reason: str | None = None
    evidence: Path | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "origin": self.origin, "old_size": self.old_size, "new_size": self.new_size,
            "checkpoint": self.checkpoint, "reason": self.reason,
            "evidence": str(self.evidence) if self.evidence else None,
        }


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _evidence(state: Path, reason: str, old: str | None, new: str, proof: Any) -> Path:
    folder = state / "evidence"
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"conflict-{stamp}.json"
    doc = {"reason": reason, "kept_checkpoint": old, "offered_checkpoint": new, "offered_proof": proof}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _log_key(state: Path, head: dict[str, Any], log_key: cp.Verifier | None) -> cp.Verifier:
    stored = state / "log.pub"
    if stored.exists():
        trusted = cp.parse_verifier(stored.read_text(encoding="utf-8"))
        if log_key is not None and log_key != trusted:
            raise LedgerError("给定的日志公钥与见证状态中保存的不同", "the log key given differs from the one this witness keeps")
        return trusted
    key = log_key or cp.parse_verifier(str(head.get("key", "")))  # trust on first use
    _write_atomic(stored, key.vkey + "\n")
    return key


def witness(
    log_source: str | Path | LogSource, state_dir: Path, witness_key: cp.Signer, log_key: cp.Verifier | None = None
) -> WitnessResult:
    """Fetch the log's head, check it extends the head kept in `state_dir` (consistency proof), cosign it
    and keep it. On a conflict nothing is cosigned, the kept head stays, and both heads go to evidence/."""
    if isinstance(log_source, LogSource):
        return _witness(log_source, Path(state_dir), witness_key, log_key)
    src = LogSource.open(log_source)
    try:
        return _witness(src, Path(state_dir), witness_key, log_key)
    finally:
        src.close()


def _witness(src: LogSource, state: Path, witness_key: cp.Signer, log_key: cp.Verifier | None) -> WitnessResult:
    state.mkdir(parents=True, exist_ok=True)
    doc = src.head()
    note = str(doc.get("checkpoint", ""))
    key = _log_key(state, doc, log_key)
    new = cp.verify(note, key, origin=key.name)
    kept_path = state / "checkpoint"
    old = cp.verify(kept_path.read_text(encoding="utf-8"), key) if kept_path.exists() else None

    def fail(zh: str, en: str, proof: Any = None) -> WitnessResult:
        reason = msg(zh, en)
        path = _evidence(state, reason, old.note if old else None, note, proof)
        return WitnessResult(False, new.origin, old.size if old else None, new.size, None, reason, path)

    if old is not None:
        if new.size < old.size:
            return fail(f"日志变短了：{old.size} → {new.size}（截断或回滚）", f"the log shrank: {old.size} -> {new.size} (truncated or rolled back)")
        if new.size == old.size and new.root != old.root:
            return fail(f"同一大小 {new.size} 出现两个不同的树根（历史被改写）", f"two different roots for size {new.size} (history rewritten)")
        if new.size > old.size > 0:
            proof = src.consistency(old.size, new.size)
            path = [bytes.fromhex(h) for h in proof.get("proof", [])]
            if not verify_consistency(old.size, new.size, old.root, new.root, path):
                return fail(
                    f"新树头（{new.size}）与保存的树头（{old.size}）不一致：历史被改写",
                    f"the new head ({new.size}) is not consistent with the kept head ({old.size}): history rewritten",
                    proof,
                )
    cosigned = cp.cosign(note, witness_key)
    _write_atomic(kept_path, cosigned)
    return WitnessResult(True, new.origin, old.size if old else None, new.size, cosigned)
