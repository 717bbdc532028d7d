"""CSV in UTF-8 with a byte-order mark, so Excel on a Chinese Windows opens it without mojibake; text safe to
open (biaotong.reports.export.safe)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from biaotong.reports.export.safe import csv_row
from biaotong.reports.result import ReportResult


def write_csv(result: ReportResult, out: Path, **_: Any) -> None:
    heads, rows = result.table()
    with open(out, "w", encoding="utf-8-sig", newline="") as fh:
        # Every text field quoted, and formula-like text neutralised (OWASP CSV injection recipe).
        w = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC)
        w.writerow(csv_row(list(heads)))
        for row in rows:
            w.writerow(csv_row(list(row)))
        note = result.missing_note()
        if note:  # the blank cells are missing data, not zeros
            w.writerow(csv_row([note]))
