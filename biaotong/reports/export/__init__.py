"""Exporters: one small registry; xlsx, csv and json are built in, and biaotong.forms adds 'template'.

An exporter is `fn(result: ReportResult, out: Path, **options) -> None` writing one file. `export()` writes
atomically: to a temporary file beside the target, then renamed, so a failure leaves nothing behind.
"""

from __future__ import annotations

import importlib
import os
import uuid
from collections.abc import Callable
from importlib.metadata import entry_points
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


def export(result: ReportResult, fmt: str, out: Path | str, *, actor: str = "cli", **options: Any) -> Path:
    """Write `result` as `fmt` to `out`, atomically; given the workspace (`ws=`), the file's SHA-256 is
    recorded in the ledger (`report.generate`)."""
    _builtins()
    fn = _EXPORTERS.get(fmt)
    if fn is None:
        raise ReportError(
            f"未知的导出格式：{fmt}（可用：{', '.join(sorted(_EXPORTERS))}）",
            f"unknown export format: {fmt} (available: {', '.join(sorted(_EXPORTERS))})",
            where(key="format"),
        )
    target = Path(out)
    if target.exists() and not target.is_file():  # a folder or a device is never replaced by the output
        raise ReportError(
            f"输出路径 {target} 不是普通文件（是目录或设备），请给出文件路径",
            f"the output path {target} is not a regular file (a folder or a device); give a file path",
            where(file=str(target), key="out"),
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        fn(result, tmp, **options)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    if options.get("ws") is not None:
        from biaotong.reports.record import record_output

        record_output(options["ws"], result, target, fmt, actor=actor)
    return target


ENTRY_POINT_GROUP = "biaotong.exporters"
# name: ("module:function", suffix). Built-ins go through the same registry as a province's own exporters,
# which are found by entry point; the forms workflow's 'template' is referenced by name, never imported here.
BUILTINS: dict[str, tuple[str, str]] = {
    "xlsx": ("biaotong.reports.export.xlsx:write_xlsx", ".xlsx"),
    "csv": ("biaotong.reports.export.csv_export:write_csv", ".csv"),
    "json": ("biaotong.reports.export.json_export:write_json", ".json"),
    "template": ("biaotong.forms.export:write_template", ".xlsx"),
}
_loaded = False


def _lazy(target: str) -> Exporter:
    def run(result: ReportResult, out: Path, **options: Any) -> None:
        module, _, name = target.partition(":")
        getattr(importlib.import_module(module), name)(result, out, **options)

    return run


def _builtins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for name, (target, suf) in BUILTINS.items():
        _EXPORTERS.setdefault(name, _lazy(target))
        _SUFFIX.setdefault(name, suf)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        register_exporter(ep.name, _lazy(ep.value), suffix=".xlsx" if ep.name == "template" else None)


__all__ = ["export", "exporters", "register_exporter", "suffix"]
