"""Report periods: a month, quarter, half-year, year or an ad-hoc date range, with start/end and label."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from biaotong.errors import ReportError, where

PeriodType = Literal["month", "quarter", "half_year", "year", "adhoc"]
PERIOD_TYPES: tuple[str, ...] = ("month", "quarter", "half_year", "year", "adhoc")
MIN_YEAR, MAX_YEAR = 1900, 2200

_MONTH = re.compile(r"^(\d{4})-?(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.I)
_HALF = re.compile(r"^(\d{4})-?H([12])$", re.I)
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def _month_end(year: int, month: int) -> date:
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return nxt - timedelta(days=1)


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @classmethod
    def parse(cls, text: str, period_type: str | None = None) -> Period:
        """Parse '2025-06', '2025Q2', '2025H1', '2025' or '2025-01-01..2025-03-31'.

        With `period_type`, the text must be of that type — except that any report accepts an explicit
        date range, and a 'year' report accepts '2025'.
        """
        raw = str(text).strip()
        period = _parse(raw)
        if period is None:
            raise ReportError(
                f"无法识别的报告期：{raw!r}（示例：2025-06、2025Q2、2025H1、2025、2025-01-01..2025-03-31）",
                f"unrecognised period {raw!r} (e.g. 2025-06, 2025Q2, 2025H1, 2025, 2025-01-01..2025-03-31)",
                where(key="period"),
            )
        if not (period.start.year >= MIN_YEAR and period.end.year <= MAX_YEAR and period.start <= period.end):
            # Beyond these, a previous or same-period-last-year comparison would leave the calendar.
            raise ReportError(
                f"报告期 {raw} 超出可用范围（{MIN_YEAR}–{MAX_YEAR} 年，且起日不晚于止日）",
                f"period {raw} is out of range (years {MIN_YEAR}-{MAX_YEAR}, start not after end)",
                where(key="period"),
            )
        if period_type and period_type not in PERIOD_TYPES:
            raise ReportError(
                f"未知的报告期类型：{period_type}", f"unknown period type: {period_type}", where(key="period_type")
            )
        if period_type and period_type != "adhoc" and period.kind not in (period_type, "adhoc"):
            raise ReportError(
                f"报告期 {raw} 是{_ZH[period.kind]}，而该报表按{_ZH[period_type]}填报",
                f"period {raw} is a {period.kind} but the report is per {period_type}",
                where(key="period"),
            )
        return period

    @property
    def label(self) -> str:
        s = self.start
        if self.kind == "month":
            return f"{s.year}年{s.month}月"
        if self.kind == "quarter":
            return f"{s.year}年第{(s.month - 1) // 3 + 1}季度"
        if self.kind == "half_year":
            return f"{s.year}年{'上' if s.month == 1 else '下'}半年"
        if self.kind == "year":
            return f"{s.year}年"
        return f"{self.start.isoformat()}至{self.end.isoformat()}"

    @property
    def code(self) -> str:
        """The canonical text, which `parse` reads back."""
        s = self.start
        if self.kind == "month":
            return f"{s.year}-{s.month:02d}"
        if self.kind == "quarter":
            return f"{s.year}Q{(s.month - 1) // 3 + 1}"
        if self.kind == "half_year":
            return f"{s.year}H{1 if s.month == 1 else 2}"
        if self.kind == "year":
            return str(s.year)
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def year_start(self) -> date:
        return date(self.end.year, 1, 1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one (an ad-hoc range shifts by its length)."""
        s = self.start
        if self.kind == "month":
            y, m = (s.year - 1, 12) if s.month == 1 else (s.year, s.month - 1)
            return Period("month", date(y, m, 1), _month_end(y, m))
        if self.kind in ("quarter", "half_year"):
            step = 3 if self.kind == "quarter" else 6
            m = s.month - step
            y = s.year
            if m < 1:
                m += 12
                y -= 1
            return Period(self.kind, date(y, m, 1), _month_end(y, m + step - 1))
        if self.kind == "year":
            return Period("year", date(s.year - 1, 1, 1), date(s.year - 1, 12, 31))
        end = self.start - timedelta(days=1)
        return Period("adhoc", end - timedelta(days=self.days - 1), end)

    def __str__(self) -> str:
        return self.code


_ZH = {"month": "月报", "quarter": "季报", "half_year": "半年报", "year": "年报", "adhoc": "自定义时段"}


def _parse(raw: str) -> Period | None:
    try:
        if m := _MONTH.match(raw):
            y, mo = int(m.group(1)), int(m.group(2))
            return Period("month", date(y, mo, 1), _month_end(y, mo))
        if m := _QUARTER.match(raw):
            y, q = int(m.group(1)), int(m.group(2))
            return Period("quarter", date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
        if m := _HALF.match(raw):
            y, h = int(m.group(1)), int(m.group(2))
            return Period("half_year", date(y, 1 if h == 1 else 7, 1), _month_end(y, 6 if h == 1 else 12))
        if m := _YEAR.match(raw):
            y = int(m.group(1))
            return Period("year", date(y, 1, 1), date(y, 12, 31))
        if m := _RANGE.match(raw):
            start, end = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
            return Period("adhoc", start, end) if start <= end else None
    except ValueError:
        return None
    return None


def parse_known_at(text: str | None) -> datetime | None:
    """`--as-known-at`: an ISO time (2026-07-01T09:30:00+08:00; without a zone, UTC) or a date (the end of
    that day, UTC). None or empty: the lake's newest knowledge."""
    if not text:
        return None
    from biaotong.lake.snapshots import as_datetime

    try:
        if len(text.strip()) == 10:
            return as_datetime(date.fromisoformat(text.strip()))
        return as_datetime(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))
    except ValueError:
        raise ReportError(
            f"无法识别的时间：{text!r}（例如 2026-07-01 或 2026-07-01T09:30:00+08:00）",
            f"cannot read the time {text!r} (e.g. 2026-07-01 or 2026-07-01T09:30:00+08:00)",
            where(key="as-known-at"),
        ) from None
