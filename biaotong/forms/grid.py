"""A sheet's values as a plain grid with merged ranges resolved: the only place layout touches openpyxl."""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.worksheet.worksheet import Worksheet

from biaotong.forms.text import clean

MAX_COLS = 300


@dataclass(frozen=True)
class Span:
    """A cell or merged range: top-left (row, col) and bottom-right (row_end, col_end), 1-based."""

    row: int
    col: int
    row_end: int
    col_end: int

    @property
    def width(self) -> int:
        return self.col_end - self.col + 1

    @property
    def height(self) -> int:
        return self.row_end - self.row + 1


class Grid:
    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.max_row = ws.max_row or 0
        self.max_col = min(ws.max_column or 0, MAX_COLS)
        self.values: list[list[object]] = [[None] * (self.max_col + 1)]
        for row in ws.iter_rows(min_row=1, max_row=self.max_row, max_col=self.max_col, values_only=True):
            self.values.append([None, *row])
        self._span: dict[tuple[int, int], Span] = {}
        for rng in ws.merged_cells.ranges:
            span = Span(rng.min_row, rng.min_col, rng.max_row, min(rng.max_col, self.max_col))
            for r in range(rng.min_row, min(rng.max_row, self.max_row) + 1):
                for c in range(rng.min_col, span.col_end + 1):
                    self._span[(r, c)] = span
        # the width the sheet's text covers, merged ranges included (a label's width is judged against it)
        self.used_cols = max((self.span(r, c).col_end for r, row in enumerate(self.values) if r
                              for c, v in enumerate(row) if v not in (None, "")), default=0)

    def raw(self, r: int, c: int) -> object:
        if 1 <= r <= self.max_row and 1 <= c <= self.max_col:
            return self.values[r][c]
        return None

    def span(self, r: int, c: int) -> Span:
        return self._span.get((r, c)) or Span(r, c, r, c)

    def boxed(self, r: int, c: int) -> bool:
        """The cell has a border drawn on any side (a table cell, not free text around it)."""
        if not (1 <= r <= self.max_row and 1 <= c <= self.max_col):
            return False
        b = self.ws.cell(r, c).border
        return b is not None and any(side is not None and side.style for side in (b.left, b.right, b.top, b.bottom))

    def is_merged(self, r: int, c: int) -> bool:
        return (r, c) in self._span

    def text(self, r: int, c: int) -> str:
        """The text shown at (r, c): a merged range's value for every cell it covers."""
        s = self._span.get((r, c))
        if s is not None:
            return clean(self.raw(s.row, s.col))
        return clean(self.raw(r, c))

    def row_spans(self, r: int, lo: int = 1, hi: int | None = None) -> list[tuple[Span, str]]:
        """The distinct non-empty cells/ranges seen in row r, left to right."""
        out: list[tuple[Span, str]] = []
        seen: set[Span] = set()
        for c in range(lo, (hi or self.max_col) + 1):
            text = self.text(r, c)
            if not text:
                continue
            s = self.span(r, c)
            if s in seen:
                continue
            seen.add(s)
            out.append((s, text))
        return out
