"""Recompute the whole ledger from the stored entry texts and report the first thing that does not check out.

Order of checks (the first failure is reported, with the position of the first bad entry when it can be
known): every entry's text, position and copies (changed / deleted / reordered / inserted entry, see
biaotong.ledger.scan); the number of entries against the state and the signed heads (truncated log); the
stored tree nodes; the state row; every signed head (signature, and the recomputed root at its size); an
auditor's older head. A history rewritten and re-signed by the operator is only caught by a head signed
*before* the rewrite, which is what witnesses (biaotong.ledger.witness) keep.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from biaotong.i18n import msg
from biaotong.ledger import checkpoint as cp
from biaotong.ledger.gcpause import paused_gc
from biaotong.ledger.log import consistency, read_state
from biaotong.ledger.merkle import MemoryTree, verify_consistency
from biaotong.ledger.scan import REASONS, Problem, scan_entries, stream
from biaotong.ledger.tables import ledger_heads

if TYPE_CHECKING:
    from biaotong.lake.verify_index import LakeReport

__all__ = ["REASONS", "Problem", "VerifyReport", "verify"]


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
    lake: LakeReport | None = None  # the lake checked against the log (biaotong.lake.verify_index)

    @property
    def ok(self) -> bool:
        return self.problem is None and (self.lake is None or self.lake.ok)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "size": self.size, "root": self.root.hex(), "heads_checked": self.heads_checked,
            "signatures_checked": self.signatures_checked, "older_head_size": self.older_head_size,
            "problem": self.problem.to_json() if self.problem else None, "seconds": round(self.seconds, 3),
            "notes": self.notes, "lake": self.lake.to_json() if self.lake is not None else None,
        }


def _first_diff(a: Sequence[Any], b: Sequence[Any]) -> int | None:
    if len(a) == len(b) and a == b:
        return None
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def _node_problem(conn: Connection, tree: MemoryTree) -> Problem | None:
    """Compare every stored perfect subtree (level >= 1) with the recomputed one."""
    counts = {
        lv: (count, lo, hi)
        for lv, count, lo, hi in conn.exec_driver_sql(
            "SELECT level, count(*), min(idx), max(idx) FROM ledger_nodes GROUP BY level"
        )
    }
    found: list[tuple[int, int]] = []  # (level, first bad leaf position): the lowest level is the most precise
    for level in sorted(set(counts) | set(range(1, len(tree.levels)))):
        want: list[Any] = tree.levels[level] if 1 <= level < len(tree.levels) else []
        if not want and level not in counts:
            continue
        if counts.get(level) == (len(want), 0, len(want) - 1):
            got: list[Any] = []
            for rows in stream(conn, f"SELECT hash FROM ledger_nodes WHERE level = {int(level)} ORDER BY idx"):
                got += [h if type(h) is bytes else bytes(h) for (h,) in rows]
        else:  # nodes missing, added or renumbered at this level: compare (idx, hash) pairs
            got, want = [], list(enumerate(want))
            for rows in stream(conn, f"SELECT idx, hash FROM ledger_nodes WHERE level = {int(level)} ORDER BY idx"):
                got += [(ix, bytes(h)) for ix, h in rows]
        i = _first_diff(got, want)
        if i is not None:
            found.append((level, min(i << level, tree.size)))
    if not found:
        return None
    level, pos = min(found)
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


def verify(
    conn: Connection, key: cp.Verifier | None = None, older_head: str | None = None, *,
    lake_dir: Path | None = None, full_lake: bool = False,
) -> VerifyReport:
    """Recompute every leaf hash from the stored event text and the whole tree; compare with the stored
    nodes, state and every signed head (signatures checked with `key`), and, given an older signed head
    (checkpoint text kept by an auditor), check the log is consistent with it. Given `lake_dir`, also check
    every snapshot row and file against its ledger entry (`full_lake`: hash every file)."""
    started = time.perf_counter()
    with paused_gc():
        report = VerifyReport(signatures_checked=key is not None)
        state = read_state(conn)
        heads = conn.execute(select(ledger_heads).order_by(ledger_heads.c.id)).all()
        head_sizes = []
        for row in heads:
            try:
                head_sizes.append(cp.parse(row.checkpoint).size)
            except cp.CheckpointError:
                head_sizes.append(0)
        leaves, report.problem = scan_entries(conn, max([state.size, *head_sizes]), state.size)
        tree = MemoryTree(leaves)
        report.size, report.root, report.heads_checked = tree.size, tree.root(), len(heads)
        report.problem = report.problem or _node_problem(conn, tree)
        if report.problem is None and (state.root, state.frontier) != (tree.root(), tree.frontier()):
            report.problem = Problem("state", None, msg("状态行的树根或边界与重算结果不符", "the state row's root or frontier differs from the recomputed tree"))
        if report.problem is None:
            report.problem, _ = _head_problem(heads, tree, key)
        if report.problem is None and older_head is not None:
            report.older_head_size = cp.parse(older_head).size if _parses(older_head) else None
            report.problem = _older_problem(conn, older_head, tree, key)
        if not heads:
            report.notes.append(msg("尚无签名树头，请运行 biaotong ledger head", "no signed head yet; run biaotong ledger head"))
    if lake_dir is not None:
        from biaotong.lake.verify_index import verify_lake

        report.lake = verify_lake(conn, lake_dir, full=full_lake)
    report.seconds = time.perf_counter() - started
    return report


def _parses(note: str) -> bool:
    try:
        cp.parse(note)
    except cp.CheckpointError:
        return False
    return True
