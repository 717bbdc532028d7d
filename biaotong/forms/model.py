"""What an imported form looks like once understood: pure data, JSON-ready, no openpyxl objects."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

LayoutKind = Literal["aggregate", "roster", "form"]
Role = Literal["index", "label", "data"]


@dataclass
class HeaderNode:
    """One header cell (or merged range): its text and the rows/columns it spans (1-based)."""

    text: str
    row: int
    row_end: int
    col: int
    col_end: int
    children: list[HeaderNode] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        from openpyxl.utils import get_column_letter

        return {
            "text": self.text,
            # A single-unit form's header nodes stand for labels, not cells (coordinates 0).
            "cells": f"{get_column_letter(self.col)}{self.row}:{get_column_letter(self.col_end)}{self.row_end}"
            if self.col else None,
            "children": [c.to_json() for c in self.children],
        }


@dataclass
class LeafColumn:
    """A column to fill (tables) or a labelled value cell (single-unit forms).

    `path` is the header texts from the top group down to the leaf, as written (units included);
    `name` is the leaf's text without its unit note; `column` the letter values go into; for a
    single-unit form `cell` is the exact cell (e.g. "C5")."""

    key: str  # stable id within the form: the column letter, or the value cell for forms
    column: str
    path: list[str]
    name: str
    unit: str | None = None
    role: Role = "data"
    cell: str | None = None
    qualifiers: list[str] = field(default_factory=list)  # (累计值), (实时值) … kept apart from units
    level: str | None = None  # label columns: which org level (city/county/township/village) or "code"

    @property
    def title(self) -> str:
        return " > ".join(self.path)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "title": self.title}


@dataclass
class Note:
    """A line around the table: 填报单位、填报人、审核人、填报日期、单位负责人, a unit line, or a remark."""

    kind: str  # org | filler | reviewer | date | head | phone | unit | remark | reference | month | block | unit_name | parent
    text: str
    cell: str  # the cell holding the label
    value_cell: str | None = None  # where a value is written (may be the same cell: text is rewritten)
    position: Literal["above", "below"] = "below"


@dataclass
class FormLayout:
    """Everything fill and match need to know about one sheet of a department's form."""

    file: str
    sheet: str
    kind: LayoutKind
    title: str | None
    title_rows: list[int]
    header_rows: list[int]  # empty for label/value forms
    first_data_row: int
    last_template_row: int  # last row of the data area in the template (>= first_data_row - 1)
    min_col: int
    max_col: int
    header: list[HeaderNode]
    leaves: list[LeafColumn]
    notes: list[Note] = field(default_factory=list)
    default_units: list[str] = field(default_factory=list)
    template_labels: dict[int, str] = field(default_factory=dict)  # row -> org/total label already there
    code_row: int | None = None  # a 甲/乙/1/2/3 column-number row under the header
    reference_date: str | None = None  # ISO date the form's numbers refer to (统计时点 / 截至 / 报告期)

    @property
    def label_columns(self) -> list[LeafColumn]:
        return [leaf for leaf in self.leaves if leaf.role == "label"]

    @property
    def data_columns(self) -> list[LeafColumn]:
        return [leaf for leaf in self.leaves if leaf.role == "data"]

    def leaf(self, key: str) -> LeafColumn:
        for leaf in self.leaves:
            if leaf.key == key:
                return leaf
        raise KeyError(key)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "layout": self.kind,
            "title": self.title,
            "title_rows": self.title_rows,
            "header_rows": self.header_rows,
            "first_data_row": self.first_data_row,
            "last_template_row": self.last_template_row,
            "code_row": self.code_row,
            "reference_date": self.reference_date,
            "columns": f"{_letter(self.min_col)}:{_letter(self.max_col)}",
            "default_units": self.default_units,
            "header": [n.to_json() for n in self.header],
            "leaves": [leaf.to_json() for leaf in self.leaves],
            "notes": [asdict(n) for n in self.notes],
            "template_labels": {str(k): v for k, v in self.template_labels.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FormLayout:
        """Rebuild the parts fill needs (the header tree is not needed to fill and is left empty)."""
        from openpyxl.utils import column_index_from_string

        lo, hi = data["columns"].split(":")
        return cls(
            file=data["file"],
            sheet=data["sheet"],
            kind=data["layout"],
            title=data.get("title"),
            title_rows=list(data.get("title_rows", [])),
            header_rows=list(data.get("header_rows", [])),
            first_data_row=int(data["first_data_row"]),
            last_template_row=int(data["last_template_row"]),
            min_col=column_index_from_string(lo),
            max_col=column_index_from_string(hi),
            header=[],
            leaves=[
                LeafColumn(**{k: v for k, v in leaf.items() if k != "title"}) for leaf in data.get("leaves", [])
            ],
            notes=[Note(**n) for n in data.get("notes", [])],
            default_units=list(data.get("default_units", [])),
            template_labels={int(k): v for k, v in data.get("template_labels", {}).items()},
            code_row=data.get("code_row"),
            reference_date=data.get("reference_date"),
        )


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)
