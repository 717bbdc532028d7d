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
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from biaotong.i18n import msg
from biaotong.ledger import checkpoint as cp
from biaotong.ledger.events import format_time
from biaotong.ledger.log import consistency, read_state
from biaotong.ledger.merkle import MemoryTree, verify_consistency
from biaotong.ledger.tables import ledger_heads, ledger_nodes

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
    return None if len(a) == len(b) else min(len(a), len(b))


# Entries are read with the text as UTF-8 bytes and the time already in the event's format, where the
# database can do it; anything else is converted in Python (_as_bytes, _time_bytes).
_ENTRY_SQL = {
    "sqlite": ("CAST({} AS BLOB)", "{}"),
    "postgresql": ("convert_to({}, 'UTF8')", "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"),
}


def _entry_sql(dialect: str) -> str:
    as_bytes, as_time = _ENTRY_SQL.get(dialect, ("{}", "{}"))
    cols = ["seq", "leaf_hash", as_bytes.format("event"), as_bytes.format("actor"), as_bytes.format("action"),
            as_bytes.format("object"), as_time.format("created_at")]
    return f"SELECT {', '.join(cols)} FROM ledger_entries ORDER BY seq"


def _as_bytes(values: Sequence[Any]) -> list[bytes]:
    return [v if type(v) is bytes else v.encode() if isinstance(v, str) else bytes(v) for v in values]


def _time_bytes(value: Any, cache: dict[Any, bytes]) -> bytes:
    got = cache.get(value)
    if got is None:
        if isinstance(value, datetime):
            t = value.astimezone(UTC) if value.tzinfo else value
            got = format_time(t).encode()
        elif isinstance(value, str) and len(value) == 26 and value[10] == " ":  # SQLite's stored form
            got = f"{value[:10]}T{value[11:]}Z".encode()
        else:
            got = str(value).encode()
        cache[value] = got
    return got


def _claimed(text: bytes) -> int | None:
    """The seq an entry's text claims (the last top-level key before time and v; cheap, no JSON parse)."""
    i = text.rfind(b',"seq":')
    j = text.find(b",", i + 7)
    try:
        return int(text[i + 7 : j]) if i >= 0 else None
    except ValueError:
        return None


@dataclass
class _Scan:
    leaves: list[bytes] = field(default_factory=list)
    bad: list[tuple[int, int, str]] = field(default_factory=list)  # (position, priority, detail) found
    claimed_from: int | None = None  # from the first bad position on, the seq each entry claims
    claimed: list[int | None] = field(default_factory=list)
    times: dict[Any, bytes] = field(default_factory=dict)

    def note(self, pos: int, detail: str, priority: int = 1) -> None:
        self.bad.append((pos, priority, detail))


def _slow_check(text: bytes, pos: int, actor: bytes, action: bytes, obj: bytes, stamp: bytes) -> str | None:
    """Exact check of one entry whose quick check failed; None if it is fine after all."""
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        return msg("条目不是有效的 JSON 事件", "the entry is not a valid JSON event")
    if doc.get("seq") != pos:
        return ""  # position mismatch: named by _classify
    for name, column in (("actor", actor), ("action", action), ("object", obj)):
        if doc.get(name) != column.decode(errors="replace"):
            return msg(f"{name} 字段与条目不符", f"the {name} column differs from the entry")
    if str(doc.get("time")).encode() != stamp:
        return msg("时间字段与条目不符", "the created_at column differs from the entry")
    return None if doc.get("v") == 1 else msg("未知的条目版本", "unknown entry version")


def _scan_chunk(scan: _Scan, rows: Sequence[Any]) -> None:
    base = len(scan.leaves)
    seqs, stored, texts, actors, actions, objects, stamps = zip(*rows, strict=True)
    texts, actors, actions, objects = _as_bytes(texts), _as_bytes(actors), _as_bytes(actions), _as_bytes(objects)
    stamps = [_time_bytes(t, scan.times) for t in stamps]
    sha256 = hashlib.sha256
    leaves = [sha256(b"\x00" + t).digest() for t in texts]
    scan.leaves += leaves
    if scan.claimed_from is not None:
        scan.claimed += [_claimed(t) for t in texts]
    i = _first_diff(list(seqs), list(range(base, base + len(rows))))
    if i is not None:
        scan.note(base + i, msg("行号与位置不符", "the row number does not match its position"))
    i = _first_diff(_as_bytes(stored), leaves)
    if i is not None:
        scan.note(base + i, msg("条目内容与其哈希不符", "the entry text does not match its leaf hash"))
    # Quick exact check for canonical texts: the text must start and end with what the columns say.
    # A value with a quote or backslash would be escaped in the JSON: those entries take the slow path.
    plain = not any(b"\\" in b"".join(col) or b'"' in b"".join(col) for col in (actions, actors, objects))
    quick = [
        plain
        and t.startswith(b'{"action":"%s","actor":"%s","detail":' % (ac, at))
        and t.endswith(b',"object":"%s","seq":%d,"time":"%s","v":1}' % (ob, p, tm))
        for p, t, ac, at, ob, tm in zip(range(base, base + len(rows)), texts, actions, actors, objects, stamps, strict=True)
    ]
    if all(quick):
        return
    for k, ok in enumerate(quick):
        if ok:
            continue
        detail = _slow_check(texts[k], base + k, actors[k], actions[k], objects[k], stamps[k])
        if detail is None:
            continue
        if scan.claimed_from is None:
            scan.claimed_from = base + k
            scan.claimed = [_claimed(t) for t in texts[k:]]
        if detail:
            scan.note(base + k, detail)
        if len(scan.bad) > 1000:
            break


def _classify(claimed: Sequence[int | None], start: int, n: int) -> Problem | None:
    """Name what happened at the first position whose entry says it belongs elsewhere.

    `claimed[q - start]` is the seq the entry at position q claims, for q >= start."""
    p = next((q for q in range(start, n) if claimed[q - start] != q), None)
    if p is None:
        return None
    c = claimed[p - start]

    def shifted(first: int, by: int) -> bool:
        return all(claimed[q - start] == q + by for q in range(first, n))

    if c == p + 1 and shifted(p, 1):
        return Problem("deleted", p, msg(f"原第 {p} 条缺失，其后条目前移", f"entry {p} is missing; later entries moved up"))
    if shifted(p + 1, -1):
        at = p - 1 if c == p - 1 else p
        return Problem("inserted", at, msg(f"位置 {at} 多出一条，其后条目后移", f"an entry was added at {at}; later ones moved down"))
    if c is not None and p in claimed[p + 1 - start :]:
        return Problem("reordered", p, msg(f"此处是第 {c} 条", f"the entry here is entry {c}"))
    return Problem("changed", p, msg(f"条目自称第 {c} 条", f"the entry says it is entry {c}"))


def _entries(conn: Connection) -> _Scan:
    scan = _Scan()
    result = conn.execution_options(yield_per=CHUNK).exec_driver_sql(_entry_sql(conn.dialect.name))
    for rows in result.partitions(CHUNK):
        _scan_chunk(scan, rows)
    return scan


def _entry_problem(scan: _Scan, state_size: int, head_sizes: Sequence[int]) -> Problem | None:
    n = len(scan.leaves)
    found: list[tuple[int, int, Problem]] = [(p, pri, Problem("changed", p, d)) for p, pri, d in scan.bad]
    if scan.claimed_from is not None:
        pr = _classify(scan.claimed, scan.claimed_from, n)
        if pr is not None and pr.position is not None:
            found.append((pr.position, 0, pr))
    longest = max([state_size, *head_sizes])
    if n < longest:
        found.append((n, 2, Problem("truncated", n, msg(f"应有 {longest} 条，只剩 {n} 条", f"{longest} entries expected, {n} left"))))
    elif n > state_size:
        detail = msg(f"状态记录 {state_size} 条，实有 {n} 条", f"the state says {state_size} entries, there are {n}")
        found.append((state_size, 2, Problem("inserted", state_size, detail)))
    return min(found, key=lambda f: (f[0], f[1]))[2] if found else None


def _node_problem(conn: Connection, tree: MemoryTree) -> Problem | None:
    n = ledger_nodes.c
    counts = {
        r.level: (r.count, r.lo, r.hi)
        for r in conn.execute(
            select(n.level, func.count().label("count"), func.min(n.idx).label("lo"), func.max(n.idx).label("hi"))
            .group_by(n.level)
        )
    }
    found: list[tuple[int, int]] = []  # (first bad leaf position, level)
    for level in sorted(set(counts) | set(range(1, len(tree.levels)))):
        want = tree.levels[level] if 1 <= level < len(tree.levels) else []
        if counts.get(level, (0, None, None)) == (len(want), 0, len(want) - 1) or (not want and level not in counts):
            sql = f"SELECT hash FROM ledger_nodes WHERE level = {int(level)} ORDER BY idx"
            got: list[Any] = _as_bytes([r[0] for r in conn.exec_driver_sql(sql).fetchall()])
        else:  # nodes missing, added or renumbered at this level: compare (idx, hash) pairs
            q = select(n.idx, n.hash).where(n.level == level).order_by(n.idx)
            got, want = [(r.idx, bytes(r.hash)) for r in conn.execute(q)], list(enumerate(want))
        i = _first_diff(got, want)
        if i is not None:
            found.append((min(i << level, tree.size), level))
    if not found:
        return None
    pos, level = min(found)
    last = min(pos + (1 << level), tree.size) - 1
    return Problem("node", pos, msg(f"第 {pos}–{last} 条或其树节点（层 {level}）被改动", f"entries {pos}-{last} or their tree node (level {level}) were altered"))


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
