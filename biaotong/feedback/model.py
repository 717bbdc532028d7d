"""What feedback is: its categories, targets and states, the due time in working days, and the checks on an
attachment. Pure: no I/O."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import filetype

from biaotong.errors import WorkflowError, where

# category slug: (中文, English)
CATEGORIES: dict[str, tuple[str, str]] = {
    "duplicate": ("重复填报 / 与其他报表重复", "asked twice / duplicates another report"),
    "wrong_data": ("预填数据有误", "wrong data"),
    "unclear": ("口径不清", "unclear definition (口径)"),
    "deadline": ("时限太短", "deadline too short"),
    "burden": ("负担过重", "too much burden"),
    "outside_form": ("表外表（清单外报表）", "a form from outside the inventory"),
    "other": ("其他", "other"),
}

# What feedback is about. system and outside_form go to the data administration, the rest to the report's
# department.
TARGETS = ("report", "field", "task", "value", "system", "outside_form")
DATA_ADMINISTRATION = "data_administration"

STATUSES: dict[str, tuple[str, str]] = {
    "open": ("待答复", "open"),
    "answered": ("已答复", "answered"),
    "closed": ("已关闭", "closed"),
}

# Kinds of attachment a village sends: a photo of a paper form, a PDF, or the workbook itself.
ATTACHMENT_TYPES = {"jpg", "png", "pdf", "xlsx", "xls"}


def due_after(start: datetime, working_days: int) -> datetime:
    """`start` plus `working_days` days that are not Saturday or Sunday (public holidays are not modelled:
    a department that closes for 国庆 answers on the first day back, which is documented)."""
    day = start
    left = max(0, int(working_days))
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def check_category(category: str) -> str:
    if category not in CATEGORIES:
        raise WorkflowError(
            f"未知的反馈类别：{category}（可用：{'、'.join(CATEGORIES)}）",
            f"unknown feedback category: {category} (use {', '.join(CATEGORIES)})",
            where(field="category"),
        )
    return category


def check_text(text: str, *, field: str = "text", limit: int = 5000) -> str:
    value = (text or "").strip()
    if not value:
        raise WorkflowError("内容不能为空", "the text is empty", where(field=field))
    if len(value) > limit:
        raise WorkflowError(f"内容过长（{len(value)} 字，上限 {limit}）", f"the text is too long ({len(value)} > {limit})",
                            where(field=field))
    return value


@dataclass(frozen=True)
class Attachment:
    name: str
    kind: str  # one of ATTACHMENT_TYPES
    data: bytes


def check_attachment(name: str, data: bytes, max_bytes: int) -> Attachment:
    """Size first (so nothing large is parsed), then the real type from the bytes, never from the name."""
    if len(data) > max_bytes:
        raise WorkflowError(
            f"附件 {name} 过大（{len(data) / 1e6:.1f} MB，上限 {max_bytes / 1e6:.0f} MB）",
            f"attachment {name} is too large ({len(data) / 1e6:.1f} MB > {max_bytes / 1e6:.0f} MB)",
            where(file=name),
        )
    if not data:
        raise WorkflowError(f"附件 {name} 是空文件", f"attachment {name} is empty", where(file=name))
    guess = filetype.guess(data)
    kind = guess.extension if guess is not None else None
    if kind == "jpeg":
        kind = "jpg"
    if kind not in ATTACHMENT_TYPES:
        raise WorkflowError(
            f"附件 {name} 的类型不受支持（{kind or '无法识别'}）；可上传照片（jpg/png）、PDF 或 Excel",
            f"attachment {name} has an unsupported type ({kind or 'unknown'}); send a photo (jpg/png), PDF or Excel",
            where(file=name),
        )
    return Attachment(name=name[-200:], kind=kind, data=data)


def content_hash(doc: dict[str, Any], attachment: bytes | None) -> str:
    """SHA-256 of the feedback's canonical content (and its attachment's hash): what the ledger records."""
    body = dict(doc)
    if attachment is not None:
        body["attachment_sha256"] = hashlib.sha256(attachment).hexdigest()
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
