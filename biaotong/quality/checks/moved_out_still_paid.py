"""Moved out of the register (户口迁出、注销), still paid here."""

from __future__ import annotations

from typing import Any

from biaotong.quality.checks.deceased_still_paid import gone_but_paid
from biaotong.quality.context import CheckContext
from biaotong.quality.model import Check


def run(ctx: CheckContext, params: dict[str, Any]) -> str | None:
    return gone_but_paid(ctx, "deregistered_date", "AND r.death_date IS NULL")


CHECK = Check(
    slug="moved_out_still_paid", title_zh="已迁出仍在本地享受待遇", title_en="moved out but still paid here",
    message_zh="{key} 已于 {other_value} 注销户籍（{other_source}），但 {source} 仍显示 {element} = {value}",
    message_en="{key} was deregistered on {other_value} ({other_source}) but {source} still shows {element} = {value}",
    level="cross", run=run,
)
