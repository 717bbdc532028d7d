"""What the ledger records: small frozen events with a slug, and their canonical JSON leaf text.

Capabilities build an `Event` and pass it to `biaotong.ledger.log.record`; the ledger adds the position
(`seq`) and the time. The leaf of the Merkle tree is the UTF-8 of the canonical JSON (sorted keys, no
spaces, non-ASCII kept) of::

    {"v": 1, "seq": 42, "time": "2026-07-23T08:00:00.123456Z", "action": "source.sync",
     "actor": "admin", "object": "source:gaj", "hashes": {"snapshot_sha256": "…"}, "detail": {…}}

Personal data never goes into `detail`: record identifiers and hashes, not values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from biaotong.errors import LedgerError

EVENT_VERSION = 1
_SLUG = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_HASH_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_HEX = re.compile(r"^[0-9a-f]{16,128}$")

KNOWN_ACTIONS: dict[str, tuple[str, str]] = {
    # slug: (中文, English) — what the capabilities record; others may add slugs of the same shape.
    "source.register": ("登记数据源", "a source was registered or changed"),
    "source.sync": ("同步数据源（快照哈希）", "a source was synced (snapshot hash)"),
    "source.sync_unchanged": ("同步核验：数据未变，未写新快照", "a sync found the data unchanged (hash checked)"),
    "source.remove": ("注销数据源（快照保留）", "a source was removed (its snapshots kept)"),
    "lake.gc": ("清理数据湖（哈希留存账本）", "old snapshots were removed from the lake (hashes kept)"),
    "onetable.build": ("生成一表", "the one table was rebuilt"),
    "catalog.change": ("修改标准/代码集/行政区划", "the catalog or org tree changed"),
    "report.register": ("登记报表", "a report spec was registered"),
    "report.review": ("报表准入审核", "an admission review verdict"),
    "report.publish": ("发布报表任务", "a report was published as tasks"),
    "report.generate": ("生成报表", "a report was generated (output hash)"),
    "report.download": ("下载报表", "a report was downloaded"),
    "task.fill": ("基层填报", "a grassroots answer was filled"),
    "task.correct": ("基层纠错", "a pre-filled value was corrected"),
    "task.submit": ("提交填报", "a task was submitted"),
    "task.approve": ("审核通过", "a submission was approved"),
    "task.reject": ("审核退回", "a submission was sent back"),
    "feedback.create": ("基层反馈", "grassroots feedback was sent"),
    "feedback.answer": ("答复反馈", "feedback was answered"),
    "personal.read": ("读取个人数据", "personal data was read"),
    "user.change": ("用户与权限变更", "a user or role changed"),
}


class EventError(LedgerError):
    """An event cannot be recorded as given."""


@dataclass(frozen=True)
class Event:
    """One thing that happened. `action` is a dotted slug (`source.sync`); `object` names what it happened
    to (`source:gaj`, `report:mz-01/2026-06`); `hashes` are hex digests of the content concerned
    (`{"snapshot_sha256": "…"}`); `detail` is small JSON (ids, counts), never personal data."""

    action: str
    actor: str
    object: str
    hashes: Mapping[str, str] = field(default_factory=dict)
    detail: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _SLUG.match(self.action):
            raise EventError(
                f"事件类型应为点分小写标识，如 source.sync：{self.action!r}",
                f"an event action is a dotted lower-case slug such as source.sync: {self.action!r}",
            )
        for label, value in (("actor", self.actor), ("object", self.object)):
            if not isinstance(value, str) or not value or len(value) > 500:
                raise EventError(f"事件的 {label} 不能为空且不超过 500 字", f"an event's {label} is 1..500 characters")
        for name, digest in self.hashes.items():
            if not (_HASH_NAME.match(name) and isinstance(digest, str) and _HEX.match(digest)):
                raise EventError(
                    f"哈希 {name} 应为小写十六进制摘要", f"hash {name} must be a lower-case hex digest", details={"event": self.action}
                )

    def leaf_document(self, seq: int, time: str) -> dict[str, Any]:
        return {
            "v": EVENT_VERSION, "seq": seq, "time": time, "action": self.action, "actor": self.actor,
            "object": self.object, "hashes": dict(self.hashes), "detail": dict(self.detail),
        }


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(doc: Any) -> str:
    """Sorted keys, no spaces, non-ASCII kept, NaN refused: the one text that is hashed."""
    return _CANONICAL.encode(doc)


def format_time(t: datetime) -> str:
    """UTC with microseconds and a Z, e.g. 2026-07-23T08:00:00.123456Z."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_text(event: Event, seq: int, time: str) -> str:
    try:
        return canonical_json(event.leaf_document(seq, time))
    except (TypeError, ValueError) as exc:
        raise EventError(
            f"事件 {event.action} 的 detail 不是 JSON：{exc}", f"event {event.action} has a detail that is not JSON: {exc}"
        ) from exc
