"""JSON: the whole result, machine-readable (columns, rows with subtotal flags, snapshots used)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from biaotong.reports.result import ReportResult


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


def write_json(result: ReportResult, out: Path, **_: Any) -> None:
    out.write_text(json.dumps(result.to_json(), ensure_ascii=False, indent=2, default=_default), encoding="utf-8")
