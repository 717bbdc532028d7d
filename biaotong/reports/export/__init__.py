"""Exporters: one small registry; xlsx, csv and json are built in, and biaotong.forms adds 'template'.

An exporter is `fn(result: ReportResult, out: Path, **options) -> None` writing one file. `export()` writes
atomically: to a temporary file beside the target, then renamed, so a failure leaves nothing behind.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from biaotong.errors import ReportError, where
from biaotong.reports.result import ReportResult

Exporter = Callable[..., None]
_EXPORTERS: dict[str, Exporter] = {}
_SUFFIX: dict[str, str] = {}


def register_exporter(name: str, fn: Exporter, *, suffix: str | None = None) -> None:
    """Add (or replace) an export format; `suffix` is the file extension, '.xlsx' by default for templates."""
    _EXPORTERS[name] = fn
    _SUFFIX[name] = suffix or f".{name}"


def exporters() -> dict[str, Exporter]:
    _builtins()
    return dict(_EXPORTERS)


def suffix(fmt: str) -> str:
    _builtins()
    return _SUFFIX.get(fmt, f".{fmt}")


def export(result: ReportResult, fmt: str, out: Path | str, **options: Any) -> Path:
    """Write `result` as `fmt` to `out`, atomically."""
    _builtins()
    fn = _EXPORTERS.get(fmt)
    if fn is None:
        raise ReportError(
            f"未知的导出格式：{fmt}（可用：{', '.join(sorted(_EXPORTERS))}）",
            f"unknown export format: {fmt} (available: {', '.join(sorted(_EXPORTERS))})",
            where(key="format"),
        )
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        fn(result, tmp, **options)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def _builtins() -> None:
    if "xlsx" in _EXPORTERS and "csv" in _EXPORTERS and "json" in _EXPORTERS:
        return
    from biaotong.reports.export import csv_export, json_export, xlsx

    _EXPORTERS.setdefault("xlsx", xlsx.write_xlsx)
    _EXPORTERS.setdefault("csv", csv_export.write_csv)
    _EXPORTERS.setdefault("json", json_export.write_json)
    for k in ("xlsx", "csv", "json"):
        _SUFFIX.setdefault(k, f".{k}")


__all__ = ["export", "exporters", "register_exporter", "suffix"]
