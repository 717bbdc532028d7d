"""Recompute the whole ledger from the stored entry texts and report the first thing that does not check out.

Order of checks (the first failure is reported, with the position of the first bad entry when it can be
known): every entry's text, position and copies (changed / deleted / reordered / inserted entry); the
number of entries against the state and the signed heads (truncated log); the stored tree nodes; the state
row; every signed head (signature, and the recomputed root at its size); an auditor's older head.
A history rewritten and re-signed by the operator is only caught by a head signed *before* the rewrite,
which is what witnesses (biaotong.ledger.witness) keep.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from biaotong.i18n import msg
from biaotong.ledger import checkpoint as cp
from biaotong.ledger.log import consistency, read_state
from biaotong.ledger.merkle import MemoryTree, verify_consistency
from biaotong.ledger.tables import ledger_entries, ledger_heads, ledger_nodes

CHUNK = 50_000

REASONS: dict[str, tuple[str, str]] = {
    "changed": ("条目被修改", "entry changed"),
    "deleted": ("条目被删除", "entry deleted"),
    "reordered": ("条目顺序被调换", "entries reordered"),
    "inserted": ("插入了条目", "entry inserted"),
    "truncated": ("账本被截断", "log truncated"),
    "node": ("树节点与条目不符", "tree node does not match the entries"),
    "state": ("账本状态与条目不符", "ledger state does not match the entries"),
    "head": ("签名树头无效", "signed head is invalid"),
    "rewritten": ("历史被改写，与签名树头不一致", "history rewritten: inconsistent with a signed head"),
}


@dataclass(frozen=True)
class Problem:
    reason: str
    position: int | None
    detail: str

    @property
    def message(self) -> str:
        title = msg(*REASONS[self.reason])
        where = "" if self.position is None else msg(f"，位置 {self.position}", f" at position {self.position}")
        return msg(f"{title}{where}：{self.detail}", f"{title}{where}: {self.detail}")

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "position": self.position, "message": self.message}


@dataclass
class VerifyReport:
    size: int = 0
    root: bytes = b""
    heads_checked: int = 0
    signatures_checked: bool = False
    older_head_size: int | None = None
    problem: Problem | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "size": self.size, "root": self.root.hex(), "heads_checked": self.heads_checked,
            "signatures_checked": self.signatures_checked, "older_head_size": self.older_head_size,
            "problem": self.problem.to_json() if self.problem else None, "seconds": round(self.seconds, 3),
            "notes": self.notes,
        }


def _first_diff(a: Sequence[Any], b: Sequence[Any]) -> int | None:
    if len(a) == len(b) and a == b:
        return None
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def _doc(text: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


@dataclass
class _Scan:
    leaves: list[bytes] = field(default_factory=list)
    claimed: list[int | None] = field(default_factory=list)  # the seq each entry's text says it has
    first: tuple[int, str] | None = None  # first row whose hash, number or copies disagree

    def note(self, pos: int, detail: str) -> None:
        if self.first is None or pos < self.first[0]:
            self.first = (pos, detail)


def _scan_chunk(scan: _Scan, rows: Sequence[Any]) -> None:
    base = len(scan.leaves)
    seqs, stored, texts, actors, actions, objects, stamps = zip(*rows, strict=True)
    sha256 = hashlib.sha256
    leaves = [sha256(b"\x00" + t.encode()).digest() for t in texts]
    docs = [_doc(t) for t in texts]
    claimed = [d.get("seq") if type(d.get("seq")) is int else None for d in docs]
    scan.leaves += leaves
    scan.claimed += claimed
    if scan.first is not None:
        return
    checks: list[tuple[Sequence[Any], Sequence[Any], str]] = [
        (seqs, range(base, base + len(rows)), msg("行号与位置不符", "the row number does not match its position")),
        ([bytes(x) for x in stored], leaves, msg("条目内容与其哈希不符", "the entry text does not match its leaf hash")),
        (actors, [d.get("actor") for d in docs], msg("操作人字段与条目不符", "the actor column differs from the entry")),
        (actions, [d.get("action") for d in docs], msg("事件类型字段与条目不符", "the action column differs from the entry")),
        (objects, [d.get("object") for d in docs], msg("对象字段与条目不符", "the object column differs from the entry")),
    ]
    for got, want, detail in checks:
        i = _first_diff(list(got), list(want))
        if i is not None:
            scan.note(base + i, detail)
    times = [_parse_time(d.get("time")) for d in docs]
    if stamps and stamps[0] is not None and stamps[0].tzinfo is None:
        times = [t.replace(tzinfo=None) if t else None for t in times]
    i = _first_diff(list(stamps), times)
    if i is not None:
        scan.note(base + i, msg("时间字段与条目不符", "the created_at column differs from the entry"))


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _classify(claimed: Sequence[int | None], p: int) -> Problem:
    """Name what happened at the first position whose entry says it belongs elsewhere."""
    n, c = len(claimed), claimed[p]

    def shifted(start: int, by: int) -> bool:
        return all(claimed[q] == q + by for q in range(start, n))

    if c == p + 1 and shifted(p, 1):
        return Problem("deleted", p, msg(f"原第 {p} 条缺失，其后条目前移", f"entry {p} is missing; later entries moved up"))
    if shifted(p + 1, -1):
        at = p - 1 if c == p - 1 else p
        return Problem("inserted", at, msg(f"位置 {at} 多出一条，其后条目后移", f"an entry was added at {at}; later ones moved down"))
    if c is not None and p in claimed[p + 1 :]:
        return Problem("reordered", p, msg(f"此处是第 {c} 条", f"the entry here is entry {c}"))
    return Problem("changed", p, msg(f"条目自称第 {c} 条", f"the entry says it is entry {c}"))


def _entries(conn: Connection) -> _Scan:
    e = ledger_entries.c
    q = select(e.seq, e.leaf_hash, e.event, e.actor, e.action, e.object, e.created_at).order_by(e.seq)
    scan = _Scan()
    result = conn.execution_options(yield_per=CHUNK).execute(q)
    for rows in result.partitions():
        _scan_chunk(scan, rows)
    return scan


def _entry_problem(scan: _Scan, state_size: int, head_sizes: Sequence[int]) -> Problem | None:
    n = len(scan.leaves)
    found: list[Problem] = []
    bad = next((p for p, c in enumerate(scan.claimed) if c != p), None)
    if bad is not None:
        found.append(_classify(scan.claimed, bad))
    if scan.first is not None:
        found.append(Problem("changed", *scan.first))
    longest = max([state_size, *head_sizes])
    if n < longest:
        found.append(Problem("truncated", n, msg(f"应有 {longest} 条，只剩 {n} 条", f"{longest} entries expected, {n} left")))
    elif n > state_size:
        found.append(Problem("inserted", state_size, msg(f"状态记录 {state_size} 条，实有 {n} 条", f"the state says {state_size} entries, there are {n}")))
    return min(found, key=lambda pr: pr.position if pr.position is not None else n) if found else None


def _node_problem(conn: Connection, tree: MemoryTree) -> Problem | None:
    n = ledger_nodes.c
    stored: dict[int, list[Any]] = {}
    result = conn.execution_options(yield_per=CHUNK).execute(select(n.level, n.idx, n.hash).order_by(n.level, n.idx))
    for rows in result.partitions():
        for level, idx, h in rows:
            stored.setdefault(level, []).append((idx, bytes(h)))
    worst: Problem | None = None
    for level in sorted(set(stored) | set(range(1, len(tree.levels)))):
        want = list(enumerate(tree.levels[level])) if level < len(tree.levels) else []
        i = _first_diff(stored.get(level, []), want)
        if i is not None:
            pos = i << level
            lo, hi = pos, min(pos + (1 << level), tree.size) - 1
            pr = Problem("node", pos, msg(f"第 {lo}–{hi} 条或其树节点（层 {level}）被改动", f"entries {lo}-{hi} or their tree node (level {level}) were altered"))
            if worst is None or (worst.position or 0) > pos:
                worst = pr
    return worst


def _head_problem(heads: Sequence[Any], tree: MemoryTree, key: cp.Verifier | None) -> tuple[Problem | None, int]:
    ok_size = 0
    for row in heads:
        try:
            head = cp.verify(row.checkpoint, key, origin=key.name) if key else cp.parse(row.checkpoint)
        except cp.CheckpointError as exc:
            return Problem("head", None, msg(f"树头 #{row.id}：{exc}", f"head #{row.id}: {exc}")), ok_size
        if (row.size, bytes(row.root)) != (head.size, head.root):
            return Problem("head", None, msg(f"树头 #{row.id} 的副本与签名文本不符", f"head #{row.id}: its columns differ from its signed text")), ok_size
        if head.size > tree.size:
            return Problem("truncated", tree.size, msg(f"签名树头有 {head.size} 条", f"a signed head has {head.size} entries")), ok_size
        if tree.root(head.size) != head.root:
            detail = msg(f"第 {ok_size}–{head.size - 1} 条与大小 {head.size} 的签名树头不符", f"entries {ok_size}-{head.size - 1} differ from the signed head of size {head.size}")
            return Problem("rewritten", ok_size, detail), ok_size
        ok_size = max(ok_size, head.size)
    return None, ok_size


def _older_problem(conn: Connection, older: str, tree: MemoryTree, key: cp.Verifier | None) -> Problem | None:
    try:
        head = cp.verify(older, key, origin=key.name) if key else cp.parse(older)
    except cp.CheckpointError as exc:
        return Problem("head", None, msg(f"给定的旧树头：{exc}", f"the older head given: {exc}"))
    if head.size > tree.size:
        return Problem("truncated", tree.size, msg(f"旧树头有 {head.size} 条", f"the older head has {head.size} entries"))
    if tree.root(head.size) != head.root:
        return Problem("rewritten", None, msg(f"前 {head.size} 条与给定的旧树头不符", f"the first {head.size} entries differ from the older head"))
    if head.size > 0:
        proof = consistency(conn, head.size, tree.size).path
        if not verify_consistency(head.size, tree.size, head.root, tree.root(), proof):
            return Problem("node", None, msg("一致性证明无法通过验证", "the consistency proof does not verify"))
    return None


def verify(conn: Connection, key: cp.Verifier | None = None, older_head: str | None = None) -> VerifyReport:
    """Recompute every leaf hash from the stored event text and the whole tree; compare with the stored
    nodes, state and every signed head (signatures checked with `key`), and, given an older signed head
    (checkpoint text kept by an auditor), check the log is consistent with it."""
    started = time.perf_counter()
    report = VerifyReport(signatures_checked=key is not None)
    state = read_state(conn)
    heads = conn.execute(select(ledger_heads).order_by(ledger_heads.c.id)).all()
    head_sizes = []
    for row in heads:
        try:
            head_sizes.append(cp.parse(row.checkpoint).size)
        except cp.CheckpointError:
            head_sizes.append(0)
    scan = _entries(conn)
    tree = MemoryTree(scan.leaves)
    report.size, report.root, report.heads_checked = tree.size, tree.root(), len(heads)
    report.problem = _entry_problem(scan, state.size, head_sizes) or _node_problem(conn, tree)
    if report.problem is None and (state.root, state.frontier) != (tree.root(), tree.frontier()):
        report.problem = Problem("state", None, msg("状态行的树根或边界与重算结果不符", "the state row's root or frontier differs from the recomputed tree"))
    if report.problem is None:
        report.problem, _ = _head_problem(heads, tree, key)
    if report.problem is None and older_head is not None:
        report.older_head_size = cp.parse(older_head).size if _parses(older_head) else None
        report.problem = _older_problem(conn, older_head, tree, key)
    if not heads:
        report.notes.append(msg("尚无签名树头，请运行 biaotong ledger head", "no signed head yet; run biaotong ledger head"))
    report.seconds = time.perf_counter() - started
    return report


def _parses(note: str) -> bool:
    try:
        cp.parse(note)
    except cp.CheckpointError:
        return False
    return True
