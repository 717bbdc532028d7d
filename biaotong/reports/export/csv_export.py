"""CSV in UTF-8 with a byte-order mark, so Excel on a Chinese Windows opens it without mojibake."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from biaotong.reports.result import ReportResult


def write_csv(result: ReportResult, out: Path, **_: Any) -> None:
    heads, rows = result.table()
    with open(out, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(heads)
        for row in rows:
            w.writerow(["" if v is None else v for v in row])
