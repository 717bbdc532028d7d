"""Every read of the lake checks what it reads against the ledger: a snapshot's file must hash to the SHA-256
the ledger recorded for that snapshot, and the one-table cache must hash to what its manifest says.

Hashing is streaming and remembered by file identity (size, mtime, inode, ctime — ctime cannot be set back
by a user), in memory and in `LAKE/.verified.json` (each entry authenticated with a key derived from the
ledger's private key), so a warm report reads no file twice; a file that was changed in any way changes its
identity and is hashed again.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from biaotong.errors import LedgerError, where
from biaotong.lake.snapshots import Snapshot
from biaotong.lake.writer import file_sha256
from biaotong.ledger.tables import ledger_entries

CACHE_FILE = ".verified.json"
MANIFEST = "manifest.json"
SYNC_ACTION = "source.sync"

Identity = tuple[int, int, int, int]


class LakeTampered(LedgerError):
    """A lake file does not match the hash the ledger (or the cache manifest) recorded for it."""


def identity(path: Path) -> Identity:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def _cache_secret(lake_dir: Path) -> bytes:
    """A key only the workspace's owner can read (derived from the ledger's private key, mode 0600), so
    someone who can write the lake but not the keys cannot forge a cache entry for an altered file."""
    for folder in (lake_dir.parent, *lake_dir.parents[1:3]):
        key = folder / "keys" / "ledger.key"
        with contextlib.suppress(OSError):
            return hashlib.sha256(b"biaotong lake hash cache\n" + key.read_bytes()).digest()
    return b""


@dataclass
class HashCache:
    """path (relative to the lake) -> [identity, sha256, mac] of files already hashed."""

    lake_dir: Path
    entries: dict[str, list[Any]]
    secret: bytes = b""
    dirty: bool = False

    def _mac(self, key: str, ident: Identity, digest: str) -> str:
        return hmac.new(self.secret, f"{key}|{list(ident)}|{digest}".encode(), "sha256").hexdigest()

    def lookup(self, path: Path) -> str | None:
        key = self._key(path)
        hit = self.entries.get(key)
        if not isinstance(hit, list) or len(hit) != 3:
            return None
        try:
            ident = identity(path)
        except OSError:
            return None
        if tuple(hit[0]) != ident or not hmac.compare_digest(str(hit[2]), self._mac(key, ident, str(hit[1]))):
            return None
        return str(hit[1])

    def sha256(self, path: Path) -> str:
        """The file's content hash, computed only if the file changed since it was last hashed."""
        known = self.lookup(path)
        if known is not None:
            return known
        before = identity(path)
        digest = file_sha256(path)
        if identity(path) == before:  # not changed while we read it
            key = self._key(path)
            self.entries[key] = [list(before), digest, self._mac(key, before, digest)]
            self.dirty = True
        return digest

    def forget(self, path: Path) -> None:
        if self.entries.pop(self._key(path), None) is not None:
            self.dirty = True

    def save(self) -> None:
        """Written to a temporary file and renamed, so concurrent readers never see half a cache."""
        if not self.dirty:
            return
        target = self.lake_dir / CACHE_FILE
        tmp = self.lake_dir / f".verified-{uuid.uuid4().hex}.tmp"
        try:
            tmp.write_text(json.dumps(self.entries, separators=(",", ":")), encoding="utf-8")
            os.replace(tmp, target)
            self.dirty = False
        except OSError:  # a read-only lake still verifies, it only hashes again next time
            with contextlib.suppress(OSError):
                tmp.unlink()

    def _key(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.lake_dir.resolve()))
        except ValueError:
            return str(path.resolve())


_caches: dict[Path, HashCache] = {}
_lock = threading.Lock()
# (snapshot id, sha256) pairs already found in the ledger by this process: entries are append-only, and a
# rewritten ledger is `ledger verify`'s to find.
_in_ledger: set[tuple[str, str]] = set()


def hash_cache(lake_dir: Path) -> HashCache:
    key = lake_dir.resolve()
    with _lock:
        cache = _caches.get(key)
        if cache is None:
            entries: dict[str, list[Any]] = {}
            with contextlib.suppress(OSError, ValueError):
                loaded = json.loads((key / CACHE_FILE).read_text(encoding="utf-8"))
                if isinstance(loaded, dict):
                    entries = loaded
            cache = _caches[key] = HashCache(key, entries, _cache_secret(key))
        return cache


def ledger_records(conn: Connection, source: str) -> dict[str, dict[str, Any]]:
    """snapshot id -> {"sha256", "rows", "seq"} as the ledger's `source.sync` entries of a source recorded it."""
    found: dict[str, dict[str, Any]] = {}
    rows = conn.execute(_sync_entries(source).order_by(ledger_entries.c.seq))
    for seq, text in rows:
        parsed = _parse_record(seq, text)
        if parsed is not None:  # an entry of another shape is ledger verify's to judge
            found[parsed[0]] = parsed[1]
    return found


def _parse_record(seq: int, text: str) -> tuple[str, dict[str, Any]] | None:
    try:
        event = json.loads(text)
        return str(event["detail"]["snapshot"]), {
            "sha256": event["hashes"]["snapshot_sha256"], "rows": event["detail"].get("rows"), "seq": int(seq),
        }
    except (ValueError, KeyError, TypeError):
        return None


def _sync_entries(source: str) -> sa.Select[Any]:
    return sa.select(ledger_entries.c.seq, ledger_entries.c.event).where(
        ledger_entries.c.action == SYNC_ACTION, ledger_entries.c.object == f"source:{source}"
    )


def newest_record(conn: Connection, source: str) -> tuple[str, dict[str, Any]] | None:
    """The last `source.sync` entry of a source: one indexed row, however long its history."""
    row = conn.execute(_sync_entries(source).order_by(ledger_entries.c.seq.desc()).limit(1)).first()
    return _parse_record(*row) if row is not None else None


def record_of(conn: Connection, snap: Snapshot) -> dict[str, Any] | None:
    """The `source.sync` entry that recorded this snapshot (the text match only narrows; parsing decides)."""
    rows = conn.execute(_sync_entries(snap.source).where(ledger_entries.c.event.contains(f'"snapshot":"{snap.id}"')))
    for seq, text in rows:
        parsed = _parse_record(seq, text)
        if parsed is not None and parsed[0] == snap.id:
            return parsed[1]
    return None


def _tampered(snap: Snapshot, file: Path, zh: str, en: str) -> LakeTampered:
    return LakeTampered(
        f"快照 {snap.id} 的数据文件未通过账本核验（{zh}），已停止，不使用被改动的数据",
        f"snapshot {snap.id} fails the ledger check ({en}); stopped rather than use altered data",
        where(file=str(file), key=snap.id),
        details={"snapshot": snap.id, "source": snap.source},
    )


def check_snapshot(conn: Connection, lake_dir: Path, snap: Snapshot, *, latest: bool = False) -> Path:
    """The snapshot's data file, once its index row matches its ledger entry and its content the hash.
    With `latest`, the snapshot must also be the newest one the ledger recorded for its source (an index row
    deleted would otherwise make an older snapshot current without a word)."""
    file = snap.data_file(lake_dir)
    if latest or (snap.id, snap.sha256) not in _in_ledger:
        newest = newest_record(conn, snap.source) if latest else None
        if newest is not None and newest[0] != snap.id:
            recorded = record_of(conn, snap)
            if recorded is not None:
                raise _tampered(snap, file, f"账本记录了更新的快照 {newest[0]}，但快照索引中没有", f"the ledger records a newer snapshot {newest[0]} that the index lacks")
        else:
            recorded = newest[1] if newest is not None else record_of(conn, snap)
        if recorded is None:
            raise _tampered(snap, file, "账本中没有这个快照的同步记录", "the ledger has no sync entry for it")
        if recorded["sha256"] != snap.sha256:
            raise _tampered(snap, file, "快照索引中的哈希与账本记录不符", "its index row's hash differs from the ledger's")
        _in_ledger.add((snap.id, snap.sha256))
    if not file.is_file():
        raise _tampered(snap, file, "文件不存在", "the file is missing")
    cache = hash_cache(lake_dir)
    try:
        digest = cache.sha256(file)
    except OSError as exc:
        raise _tampered(snap, file, f"无法读取：{exc.strerror}", f"cannot be read: {exc.strerror}") from None
    cache.save()
    if digest != snap.sha256:
        cache.forget(file)
        raise _tampered(snap, file, "文件内容的哈希与账本记录不符，文件被改动过", "its content hash differs from the ledger's: the file was altered")
    return file


def check_snapshots(conn: Connection, lake_dir: Path, snaps: Iterable[Snapshot], *, latest: bool = False) -> None:
    for snap in snaps:
        check_snapshot(conn, lake_dir, snap, latest=latest)


def check_has_none(conn: Connection, source: str) -> None:
    """A source with no snapshot in the index must have none in the ledger either."""
    records = ledger_records(conn, source)
    if records:
        newest = next(reversed(records))
        raise LakeTampered(
            f"账本记录了数据源 {source} 的快照 {newest}，但快照索引中没有任何快照（索引行被删除？），已停止",
            f"the ledger records snapshot {newest} of source {source} but the index holds none (rows deleted?); stopped",
            where(key=source), details={"source": source, "snapshot": newest},
        )


# --- the one-table cache: a manifest of its inputs and its own content hash, written before it is visible ---


def write_manifest(folder: Path, state: str, inputs: dict[str, str]) -> None:
    """Beside a freshly built one-table file (still in its staging folder): its inputs and content hash."""
    data = folder / "data.parquet"
    manifest: dict[str, Any] = {"state_sha256": state, "inputs": dict(sorted(inputs.items())), "data_sha256": file_sha256(data)}
    manifest["mac"] = _manifest_mac(folder, manifest)
    (folder / MANIFEST).write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")


def _manifest_mac(folder: Path, manifest: dict[str, Any]) -> str:
    """Authenticates the manifest with the workspace's cache key (the lake is folder/../../..)."""
    body = json.dumps({k: v for k, v in manifest.items() if k != "mac"}, sort_keys=True).encode()
    return hmac.new(_cache_secret(folder.parents[2]), body, "sha256").hexdigest()


def cache_is_sound(lake_dir: Path, folder: Path, state: str, inputs: dict[str, str]) -> bool:
    """True when the cached build in `folder` was made from exactly these inputs and is unaltered; a cache
    that is missing, half-made or altered is not trusted (the caller rebuilds it)."""
    data = folder / "data.parquet"
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or manifest.get("state_sha256") != state or manifest.get("inputs") != dict(sorted(inputs.items())):
        return False
    if not hmac.compare_digest(str(manifest.get("mac", "")), _manifest_mac(folder, manifest)):
        return False
    cache = hash_cache(lake_dir)
    try:
        digest = cache.sha256(data)
    except OSError:
        return False
    cache.save()
    if digest != manifest.get("data_sha256"):
        cache.forget(data)
        return False
    return True
