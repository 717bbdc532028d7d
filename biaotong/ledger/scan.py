"""Reading every ledger entry back for `verify`, fast enough for millions of entries.

One pass over the entries in plain SQL (no per-column type processing; on PostgreSQL read a chunk ahead
by a helper thread while Python hashes), with created_at already in the event's time format where the database can do it (and the text
columns as UTF-8 bytes on SQLite, where decoding them costs more than it saves):

* leaf hash: SHA-256(0x00 || event) is recomputed and compared with the stored leaf_hash;
* position and copies: a canonical text must start with `{"action":"<action>","actor":"<actor>","detail":`
  and end with `,"object":"<object>","seq":<position>,"time":"<created_at>","v":1}` — two comparisons.
  Entries where that fails (or whose values hold a quote or backslash, which JSON escapes) are parsed
  with `json` and compared exactly.

A separate aggregate checks that the seq column runs 0, 1, 2, … The first bad position is then named:
changed, deleted, reordered or inserted (see `classify`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import queue
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from biaotong.i18n import msg
from biaotong.ledger.events import format_time

CHUNK = 50_000


@dataclass(frozen=True)
class Problem:
    """The first thing that does not check out; `position` is the 0-based entry, when it can be known."""

    reason: str
    position: int | None
    detail: str

    @property
    def message(self) -> str:
        title = msg(*REASONS[self.reason])
        if self.position is None:
            return msg(f"{title}：{self.detail}", f"{title}: {self.detail}")
        return msg(f"{title}，位置 {self.position}：{self.detail}", f"{title} at position {self.position}: {self.detail}")

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "position": self.position, "message": self.message}


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
class _Dialect:
    text: str  # how to read a text column: as UTF-8 bytes where decoding to str costs more than it saves
    time: str  # created_at written as the event writes its time, where the database can
    read_ahead: bool  # a helper thread may read the next chunk (the driver is thread-safe; a server works)


DIALECTS = {
    "sqlite": _Dialect("CAST({} AS BLOB)", "{}", False),  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff', see _time_text
    "postgresql": _Dialect("{}", "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')", True),
}
_GENERIC = _Dialect("{}", "{}", False)


def stream(conn: Connection, sql: str) -> Iterator[Sequence[Any]]:
    """Chunks of rows of plain SQL (a server-side cursor where the driver has one)."""
    options = {"stream_results": True, "max_row_buffer": CHUNK}  # for this statement only
    result = conn.exec_driver_sql(sql, execution_options=options)
    try:
        yield from result.partitions(CHUNK)
    finally:
        result.close()


_END = object()


def prefetched(chunks: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Iterate `chunks` in a helper thread, up to `depth` ahead, so the database reads while Python hashes.
    The caller must not use the same connection until the iteration ends."""
    q: queue.Queue[Any] = queue.Queue(depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                q.put(chunk)
                if stop.is_set():
                    break
        except BaseException as exc:  # handed to the consumer
            q.put(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
            q.put(_END)

    thread = threading.Thread(target=produce, name="ledger-verify-reader", daemon=True)
    thread.start()
    try:
        while (item := q.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let a producer blocked on a full queue finish
            with contextlib.suppress(queue.Empty):
                q.get(timeout=0.05)
        thread.join()


class _Forms:
    """The canonical JSON around the copied columns, as bytes or as text to match what the driver returns."""

    def __init__(self, kind: type) -> None:
        enc: Callable[[str], Any] = (lambda x: x.encode()) if kind is bytes else (lambda x: x)
        self.head = enc('{"action":"%s","actor":"%s","detail":')
        self.tail = enc(',"object":"%s","seq":%d,"time":"%s","v":1}')
        self.unsafe = re.compile(enc('["\\\\]'))
        self.empty = enc("")
        self.kind = kind


_FORMS = {bytes: _Forms(bytes), str: _Forms(str)}


def _time_text(value: Any, cache: dict[Any, Any], kind: type) -> Any:
    got = cache.get(value)
    if got is None:
        if isinstance(value, datetime):
            got = format_time(value.astimezone(UTC) if value.tzinfo else value)
        elif isinstance(value, str) and len(value) == 26 and value[10] == " ":  # SQLite's stored form
            got = f"{value[:10]}T{value[11:]}Z"
        else:
            got = value if isinstance(value, str) else bytes(value).decode(errors="replace")
        got = got.encode() if kind is bytes else got
        cache[value] = got
    return got


def _text(value: Any) -> str:
    return value if isinstance(value, str) else bytes(value).decode(errors="replace")


def _exact(text: Any, pos: int, actor: Any, action: Any, obj: Any, stamp: Any) -> str | None:
    """Exact check of one entry with json: None if fine, "" if it claims another position, else why not."""
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        return msg("条目不是有效的 JSON 事件", "the entry is not a valid JSON event")
    if doc.get("seq") != pos:
        return ""
    for name, column in (("actor", actor), ("action", action), ("object", obj)):
        if doc.get(name) != _text(column):
            return msg(f"{name} 字段与条目不符", f"the {name} column differs from the entry")
    if doc.get("time") != _text(stamp):
        return msg("时间字段与条目不符", "the created_at column differs from the entry")
    return None if doc.get("v") == 1 else msg("未知的条目版本", "unknown entry version")


@dataclass
class _Pass:
    leaves: list[bytes] = field(default_factory=list)
    first: tuple[int, str] | None = None  # first bad position; detail "" = the entry claims another position
    claimed: list[int | None] = field(default_factory=list)  # from `first` on: the seq each entry claims
    times: dict[Any, Any] = field(default_factory=dict)

    def chunk(self, rows: Sequence[Any]) -> None:
        base = len(self.leaves)
        stored, texts, actors, actions, objects, stamps = zip(*rows, strict=True)
        f = _FORMS[bytes if type(texts[0]) is not str else str]
        if f.kind is bytes and not all(type(v) is bytes for col in (texts, actors, actions, objects) for v in (col[0], col[-1])):
            texts, actors, actions, objects = ([v.encode() if isinstance(v, str) else bytes(v) for v in col] for col in (texts, actors, actions, objects))
        sha256 = hashlib.sha256
        if f.kind is bytes:
            leaves = [sha256(b"\x00" + t).digest() for t in texts]
        else:
            leaves = [sha256(b"\x00" + t.encode()).digest() for t in texts]
        self.leaves += leaves
        if self.first is not None:
            self.claimed += [claimed_seq(t) for t in texts]
            return
        bad: list[tuple[int, str]] = []
        if list(stored) != leaves:
            i = next(i for i, (a, b) in enumerate(zip(stored, leaves, strict=True)) if bytes(a) != b)
            bad.append((i, msg("条目内容与其哈希不符", "the entry text does not match its leaf hash")))
        cache = self.times
        stamps = [cache[v] if v in cache else _time_text(v, cache, f.kind) for v in stamps]
        # Quick exact check for canonical texts: the text must start and end with what the columns say.
        # A value with a quote or backslash would be escaped in the JSON: those entries take the slow path.
        plain = not any(f.unsafe.search(f.empty.join(col)) for col in (actions, actors, objects))
        head, tail = f.head, f.tail
        quick = [
            plain and t.startswith(head % (ac, at)) and t.endswith(tail % (ob, p, tm))
            for p, t, ac, at, ob, tm in zip(range(base, base + len(rows)), texts, actions, actors, objects, stamps, strict=True)
        ]
        if not all(quick):
            for k in (k for k, ok in enumerate(quick) if not ok):
                if bad and k >= bad[0][0]:
                    break
                detail = _exact(texts[k], base + k, actors[k], actions[k], objects[k], stamps[k])
                if detail is not None:
                    bad.append((k, detail))
                    break
        if bad:
            k, detail = min(bad)
            self.first = (base + k, detail)
            self.claimed = [claimed_seq(t) for t in texts[k:]]


def _first_gap(conn: Connection) -> int | None:
    count, lo, hi = conn.exec_driver_sql("SELECT count(*), min(seq), max(seq) FROM ledger_entries").one()
    if count == 0 or (lo, hi) == (0, count - 1):
        return None
    pos = 0
    for rows in stream(conn, "SELECT seq FROM ledger_entries ORDER BY seq"):
        for (seq,) in rows:
            if seq != pos:
                return pos
            pos += 1
    return None


def claimed_seq(text: Any) -> int | None:
    """The seq an entry's text claims: the last top-level key but time and v, so no full JSON parse."""
    text = text if isinstance(text, bytes) else _text(text).encode()
    i = text.rfind(b',"seq":')
    j = text.find(b",", i + 7)
    try:
        return int(text[i + 7 : j]) if i >= 0 else None
    except ValueError:
        return None


def classify(claimed: Sequence[int | None], start: int, n: int) -> Problem | None:
    """Name what happened at the first position whose entry says it belongs elsewhere.

    `claimed[q - start]` is the seq claimed by the entry at position q, for start <= q < n."""
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


def scan_entries(conn: Connection, expected_size: int, state_size: int) -> tuple[list[bytes], Problem | None]:
    """Recomputed leaf hashes, and the first entry-level problem. `expected_size` is the largest size the
    state or a signed head vouches for; `state_size` what the state row says."""
    d = DIALECTS.get(conn.dialect.name, _GENERIC)
    cols = [d.text.format(c) for c in ("event", "actor", "action", "object")]
    sql = f"SELECT leaf_hash, {', '.join(cols)}, {d.time.format('created_at')} FROM ledger_entries ORDER BY seq"
    scan = _Pass()
    chunks = stream(conn, sql)
    for rows in prefetched(chunks) if d.read_ahead else chunks:
        scan.chunk(rows)
    n = len(scan.leaves)
    found: list[tuple[int, int, Problem]] = []  # (position, priority, problem); the smallest wins
    if scan.first is not None:
        start, detail = scan.first
        problem = classify(scan.claimed, start, n)
        if problem is not None and problem.position is not None:
            found.append((problem.position, 0, problem))
        if detail:
            found.append((start, 1, Problem("changed", start, detail)))
    gap = _first_gap(conn)
    if gap is not None:
        found.append((gap, 1, Problem("changed", gap, msg("行号与位置不符", "the row number does not match its position"))))
    if n < expected_size:
        detail = msg(f"应有 {expected_size} 条，只剩 {n} 条", f"{expected_size} entries expected, {n} left")
        found.append((n, 2, Problem("truncated", n, detail)))
    elif n > state_size:
        detail = msg(f"状态记录 {state_size} 条，实有 {n} 条", f"the state says {state_size} entries, there are {n}")
        found.append((state_size, 2, Problem("inserted", state_size, detail)))
    return scan.leaves, min(found, key=lambda f: (f[0], f[1]))[2] if found else None
