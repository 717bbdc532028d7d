"""`date_format: auto` reads a month written without a day (入伍年月 1998.12, 2025-06, 2025年6月, 199812) as
its first day — not as an Excel serial (1998.12 would be a day in 1905) — read from a real CSV file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from biaotong.sources.transforms import to_date


def test_months_alone_are_their_first_day(tmp_path: Path) -> None:
    path = tmp_path / "退役.csv"
    path.write_text("退伍年月\n1998.12\n2025-07\n2024年3月\n199812\n2025.6\n45000\n2025/1/31\n",
                    encoding="utf-8")
    col = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types={"退伍年月": pa.string()}))
    got = to_date(col.column("退伍年月").combine_chunks(), "auto")
    assert got.values.to_pylist() == [date(1998, 12, 1), date(2025, 7, 1), date(2024, 3, 1), date(1998, 12, 1),
                                      date(2025, 6, 1), date(2023, 3, 15), date(2025, 1, 31)]
    assert not any(got.bad.to_pylist())
