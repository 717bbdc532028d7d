"""Validity windows of collected answers, and the collection sources that hold them. Pure: no I/O.

An answer the grassroots give is the answer for a window (the element's catalog `validity`): the reporting
period (2025-06, 2025Q2, 2025H1, 2025), the month or the year of the period end, or `*` until someone changes
it. The approved answers of each window are one source of the lake (`grassroots_collection` for `*`,
`grassroots_collection_<window>` for the others, e.g. `grassroots_collection_2025_06`), so a report of a
period reads that period's answers and a later period's approval never changes an earlier period's numbers.

This lives in the core (next to the one table) rather than with the tasks because the one table and the
reports choose the window sources; the tasks only write them.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Mapping
from datetime import date

COLLECTION_SOURCE = "grassroots_collection"  # the `*` window; the windowed sources add a suffix
UNTIL_CHANGED = "*"
VALIDITIES = ("period", "month", "year", "until_changed")

_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_PART = re.compile(r"^(\d{4})([QH])([1-4])$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
_SUFFIX = re.compile(r"^\d{4}(_\d{2}|[qh][1-4]|_\d{2}_\d{2}__\d{4}_\d{2}_\d{2})?$")


def window(validity: str, period_key: str, period_end: date) -> str:
    """The validity window an answer for `period_key` (2025-06, 2025Q2, 2025) belongs to."""
    if validity == "until_changed":
        return UNTIL_CHANGED
    if validity == "year":
        return f"{period_end.year}"
    if validity == "month":
        return f"{period_end.year}-{period_end.month:02d}"
    return period_key


def period_windows(period_key: str, period_end: date) -> dict[str, str]:
    """Per validity, the window a report of the period reads (2025Q2: period 2025Q2, month 2025-06, year
    2025, until_changed *): the same windows its tasks store answers in."""
    return {v: window(v, period_key, period_end) for v in VALIDITIES}


def collection_source(win: str) -> str:
    """The source holding the approved answers of window `win`: 2025-06 → grassroots_collection_2025_06."""
    if win == UNTIL_CHANGED:
        return COLLECTION_SOURCE
    suffix = win.lower().replace("..", "__").replace("-", "_")
    if not _SUFFIX.match(suffix):
        raise ValueError(f"not a validity window: {win!r}")
    return f"{COLLECTION_SOURCE}_{suffix}"


# Another entity's collection (roster tasks' per-person answers): grassroots_collection_resident[_<window>].
ENTITY_COLLECTIONS = ("resident",)


def window_of(source: str) -> str | None:
    """The window a collection source holds (`*` for grassroots_collection), None for any other source."""
    for entity in ENTITY_COLLECTIONS:
        base = f"{COLLECTION_SOURCE}_{entity}"
        if source == base or source.startswith(base + "_"):
            source = COLLECTION_SOURCE + source[len(base):]
            break
    if source == COLLECTION_SOURCE:
        return UNTIL_CHANGED
    prefix = COLLECTION_SOURCE + "_"
    if not source.startswith(prefix) or not _SUFFIX.match(suffix := source[len(prefix):]):
        return None
    if "__" in suffix:
        start, end = suffix.split("__")
        return f"{start.replace('_', '-')}..{end.replace('_', '-')}"
    return suffix.replace("_", "-").upper()


def collection_base(source: str) -> str | None:
    """The collection a window source belongs to (grassroots_collection, grassroots_collection_resident),
    None for any other source: the one table keeps one collection's windows together."""
    if window_of(source) is None:
        return None
    return next((f"{COLLECTION_SOURCE}_{e}" for e in ENTITY_COLLECTIONS
                 if source == f"{COLLECTION_SOURCE}_{e}" or source.startswith(f"{COLLECTION_SOURCE}_{e}_")),
                COLLECTION_SOURCE)


def is_collection_source(source: str) -> bool:
    """Whether `source` is the grassroots collection (any window): typed answers, not a department system."""
    return window_of(source) is not None


def window_end(win: str) -> date | None:
    """The last day of a window (None for `*`, or text that is no window)."""
    if m := _YEAR.match(win):
        return date(int(m.group(1)), 12, 31)
    if m := _MONTH.match(win):
        y, mo = int(m.group(1)), int(m.group(2))
        return date(y, mo, monthrange(y, mo)[1]) if 1 <= mo <= 12 else None
    if m := _PART.match(win):
        y, kind, n = int(m.group(1)), m.group(2), int(m.group(3))
        mo = 3 * n if kind == "Q" else (6 if n == 1 else 12)
        return date(y, mo, monthrange(y, mo)[1]) if kind == "Q" or n <= 2 else None
    if m := _RANGE.match(win):
        try:
            return date.fromisoformat(m.group(2))
        except ValueError:
            return None
    return None


def recency(win: str) -> tuple[date, int]:
    """A sort key, larger for the newer window: by the window's end, the shorter window first at one end
    (2025-12 before 2025), `*` oldest of all (any dated answer is newer than one given until changed)."""
    end = window_end(win)
    if end is None:
        return (date.min, 0)
    if m := _PART.match(win):
        return (end, -1 if m.group(2) == "Q" else -2)
    return (end, -3 if _YEAR.match(win) else 0)


def chosen_window(windows: Mapping[str, str] | None, validity: str) -> str | None:
    """The window an element of `validity` is read from under `windows` (None: every window, newest first)."""
    if windows is None:
        return None
    return windows.get(validity, windows.get("year"))
