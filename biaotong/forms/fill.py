"""Writing a report's numbers into a copy of the department's own workbook, formatting kept.

The template keeps its title, merged header, fonts, borders, widths, number formats and footers; data
rows are written into its blank (or pre-listed) rows, more are inserted in the style of its first data
row, and 填报单位 / 填报日期 are filled in. A single-unit form (card) asked for several units becomes one
sheet per unit, each naming its unit and parent in the card's own 名称 / 所属 cells.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.utils import column_index_from_string

from biaotong.forms.model import FormLayout
from biaotong.forms.notes import fill_text
from biaotong.forms.rows import insert_rows
from biaotong.forms.text import compact
from biaotong.reports.export.pages import copy_print_setup, grow_print_area
from biaotong.reports.export.safe import set_text_cell

TOTAL_LABELS = {"合计", "总计", "全区", "全县", "全市", "全乡", "全镇", "汇总", "小计合计"}
_SHEET_BAD = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass
class FillRow:
    values: dict[str, Any]  # leaf key (column letter) -> value, already in the column's unit
    labels: dict[str, str] = field(default_factory=dict)  # level (org/city/county/township/village) -> name
    name: str | None = None
    total: bool = False
    level: str | None = None  # the row's org level: a pre-listed 城关 is resolved among rows of its kind


def fill_workbook(
    template: bytes,
    layout: FormLayout,
    rows: Sequence[FillRow] = (),
    *,
    cells: dict[str, Any] | None = None,
    notes: dict[str, str] | None = None,
    comments: dict[str, str] | None = None,
    placed: dict[int, int] | None = None,
) -> bytes:
    """A filled copy of `template`. `rows` for tables; `cells` (value cell -> value) for single-unit forms;
    `notes` by kind: org (填报单位), date (填报日期), filler, reviewer, head, phone. `placed`, when given, receives
    the sheet row each of `rows` went to (by index), so a sheet read back maps rows to units (task batches)."""
    wb = load_workbook(io.BytesIO(template))
    ws = wb[layout.sheet]
    shift = 0
    if layout.kind == "form" and cells is not None:
        for ref, value in cells.items():
            if value is not None:
                set_text_cell(ws[ref], value)
    elif rows:
        shift, unplaced = _write_rows(ws, layout, list(rows), placed)
        comments = {**unplaced, **(comments or {})}
        grow_print_area(ws, max(layout.last_template_row, layout.first_data_row), shift)  # inserted rows print
    if notes:
        _write_notes(ws, layout, notes, shift)
    for ref, text in (comments or {}).items():  # e.g. a missing field: blank, and why (never a 0)
        ws[ref].comment = Comment(text, "表通 biaotong")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@dataclass
class Card:
    """One unit's card: its name and its parent's (written into the 名称 / 所属 cells) and its value cells."""

    name: str
    cells: dict[str, Any]
    parent: str | None = None
    code: str | None = None


def fill_cards(template: bytes, layout: FormLayout, cards: Sequence[Card], *,
               notes: dict[str, str] | None = None, comments: dict[str, str] | None = None) -> bytes:
    """One workbook, the card's sheet copied once per unit (named after it) where the template's sheet was;
    other sheets (填表说明 …) stay as they are."""
    wb = load_workbook(io.BytesIO(template))
    src = wb[layout.sheet]
    at = wb.sheetnames.index(layout.sheet)
    used = set(wb.sheetnames) - {layout.sheet}
    for i, card in enumerate(cards):
        ws = wb.copy_worksheet(src)
        copy_print_setup(src, ws)  # print titles, area, fit-to-page, footer: copy_worksheet drops them
        ws.title = sheet_name(card.name, used)
        ws.sheet_view.tabSelected = False
        _write_card(ws, layout, card, notes or {})
        for ref, text in (comments or {}).items():  # a field blank for want of data, on every card
            ws[ref].comment = Comment(text, "表通 biaotong")
        wb.move_sheet(ws, offset=at + i - wb.index(ws))
    if cards:
        wb.remove(src)
        wb.active = at
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet_name(name: str, used: set[str]) -> str:
    """A unit's name as an Excel sheet name: at most 31 characters, none of []:*?/\\, unique in the book."""
    base = (name.translate(_SHEET_BAD).strip("'") or "Sheet")[:31]
    title, n = base, 1
    while title in used:
        n += 1
        title = f"{base[: 31 - len(str(n)) - 2]}({n})"
    used.add(title)
    return title


def _write_card(ws: Any, layout: FormLayout, card: Card, notes: dict[str, str]) -> None:
    for ref, value in card.cells.items():
        if value is not None:
            set_text_cell(ws[ref], value)
    values = {**notes, "org": card.name, "unit_name": card.name}
    if card.parent:
        values["parent"] = card.parent
    _write_notes(ws, layout, values, 0)


def _write_rows(ws: Any, layout: FormLayout, rows: list[FillRow],
                placed_out: dict[int, int] | None = None) -> tuple[int, dict[str, str]]:
    """Rows written (pre-listed ones first, by name), and how many were inserted; a pre-listed name that
    fits no report row, or several, is left blank with a comment saying so."""
    first, last = layout.first_data_row, layout.last_template_row
    lo, hi = layout.min_col, layout.max_col
    index = {id(row): i for i, row in enumerate(rows)}  # before `pending` (which may be `rows`) is consumed
    placed: dict[int, FillRow] = {}
    pending: list[FillRow] = []
    unplaced: dict[str, str] = {}
    if layout.template_labels:
        by_label = {compact(v): r for r, v in layout.template_labels.items()}
        for row in rows:
            key = compact(row.name or "")
            r = by_label.get(key)
            if r is None and row.total:
                r = next((rr for lab, rr in by_label.items() if lab in TOTAL_LABELS), None)
            if r is not None and r not in placed:
                placed[r] = row
            else:
                pending.append(row)
        unplaced = _place_by_name(layout, rows, placed, pending)
        free = [r for r in range(first, last + 1) if r not in layout.template_labels]
    else:
        pending = rows
        free = list(range(first, last + 1))
    for r in free:
        if not pending:
            break
        placed[r] = pending.pop(0)
    extra = len(pending)
    if extra:
        at = max(last + 1, first)
        style_row = first if last >= first else first - 1
        insert_rows(ws, at, extra, style_row=style_row, min_col=lo, max_col=hi)
        for i, row in enumerate(pending):
            placed[at + i] = row
    cols = [(leaf, column_index_from_string(leaf.column)) for leaf in layout.leaves]
    label_cols = [(leaf, c) for leaf, c in cols if leaf.role == "label"]
    index_cols = [c for leaf, c in cols if leaf.role == "index"]
    data_cols = [(leaf.key, c) for leaf, c in cols if leaf.role == "data"]
    n = 0
    for r in sorted(placed):
        row = placed[r]
        if not row.total:
            n += 1
            for c in index_cols:
                ws.cell(r, c).value = n
        for i, (leaf, c) in enumerate(label_cols):
            if r in layout.template_labels and c == label_cols[0][1]:
                continue
            if row.total:
                if i == 0:
                    set_text_cell(ws.cell(r, c), row.name or "合计")
                continue
            finest = i == len(label_cols) - 1
            value = row.labels.get(leaf.level or "org") or (row.name if finest or leaf.level in (None, "org") else None)
            if value is not None:
                set_text_cell(ws.cell(r, c), value)
        for key, c in data_cols:
            value = row.values.get(key)
            if value is not None:
                set_text_cell(ws.cell(r, c), value)  # a department's "=…" stays text, never a formula
    if placed_out is not None:
        placed_out.update({index[id(row)]: r for r, row in placed.items()})
    return extra, unplaced


def _place_by_name(layout: FormLayout, rows: list[FillRow], placed: dict[int, FillRow],
                   pending: list[FillRow]) -> dict[str, str]:
    """Pre-listed rows whose names differ from the report's (城关 for 城关镇, 塘坝乡 for 塘坝水族乡): each name
    resolved among the units of the report's rows by the sources' suffix-aware resolution, so the row is filled
    in place rather than left blank with the unit appended below. Ambiguous or unknown names are not guessed:
    they come back as comments (cell -> text) for the label cell."""
    from biaotong.catalog.orgnames import resolve_among
    from biaotong.catalog.orgtree import OrgUnit

    open_rows = {r: lab for r, lab in layout.template_labels.items()
                 if r not in placed and compact(lab) not in TOTAL_LABELS}
    units = [row for row in rows if not row.total and row.name]
    if not open_rows or not units:
        return {}
    index = [OrgUnit(str(i), row.name or "", row.level or "org", None) for i, row in enumerate(units)]
    claims: dict[int, list[int]] = {}
    out: dict[str, str] = {}
    label_col = next((leaf.column for leaf in layout.leaves if leaf.role == "label"), layout.leaves[0].column)
    for r, label in sorted(open_rows.items()):
        found = resolve_among(index, label)
        if found.code is not None:
            claims.setdefault(int(found.code), []).append(r)
        elif found.outcome == "ambiguous":
            out[f"{label_col}{r}"] = f"名称“{label}”对应报表中多个单位（{'、'.join(found.candidates)}），未填，请核对"
        else:
            out[f"{label_col}{r}"] = f"报表中没有名为“{label}”的单位，未填"
    taken = {id(row) for row in placed.values()}
    for i, at in claims.items():
        row = units[i]
        if len(at) > 1 or id(row) in taken:
            for r in at:
                out[f"{label_col}{r}"] = f"名称“{open_rows[r]}”与其他行对应同一单位 {row.name}，未填，请核对"
            continue
        placed[at[0]] = row
        taken.add(id(row))
        pending[:] = [p for p in pending if p is not row]
    return out


def _write_notes(ws: Any, layout: FormLayout, values: dict[str, str], shift: int) -> None:
    done: set[str] = set()
    for note in layout.notes:
        if note.kind not in values or not note.value_cell:
            continue
        ref = _shifted(note.value_cell, layout.last_template_row, shift) if note.position == "below" else note.value_cell
        label_ref = _shifted(note.cell, layout.last_template_row, shift) if note.position == "below" else note.cell
        if ref in done and ref == label_ref:
            continue
        if ref == label_ref:
            cell = ws[ref]
            wanted = {k: v for k, v in values.items()}
            set_text_cell(cell, fill_text(str(cell.value or ""), wanted))
            done.add(ref)
        else:
            set_text_cell(ws[ref], values[note.kind])


def _shifted(ref: str, last: int, shift: int) -> str:
    from openpyxl.utils.cell import coordinate_from_string

    col, row = coordinate_from_string(ref)
    return f"{col}{row + shift if row > last else row}"


# --- from a generated report (biaotong.reports.result.ReportResult) ---

def rows_from_result(result: Any, anchors: dict[str, Any],
                     names_at: Callable[[str, str], str | None] | None = None) -> list[FillRow]:
    columns: dict[str, dict[str, Any]] = anchors.get("columns", {})
    if result.layout == "roster":
        by_element = {a["element"]: key for key, a in columns.items() if "element" in a}
        out = []
        places = getattr(result, "places", None) or []
        for i, rec in enumerate(result.records):
            values = {by_element[k]: v for k, v in rec.items() if k in by_element}
            # the record's org code, not its shown name: 新寨村 may be the name of two villages
            labels = _labels(places[i] if i < len(places) else rec.get("org_code"), names_at)
            out.append(FillRow(values, labels))
        return out
    by_field = {a["field"]: (key, a.get("scale") or 1.0) for key, a in columns.items() if "field" in a}
    out = []
    for row in result.rows:
        values: dict[str, Any] = {}
        for fid, value in row.values.items():
            if fid in by_field:
                key, scale = by_field[fid]
                values[key] = _scaled(value, scale)
        labels = _labels(row.org_code, names_at)
        labels.setdefault(row.level, row.name)
        labels["org"] = row.label
        out.append(FillRow(values, labels, name=row.label if not row.is_total else "合计", total=row.is_total,
                           level=row.level))
    return out


def cells_from_result(result: Any, anchors: dict[str, Any]) -> dict[str, Any]:
    items = result.items or []
    if not items and result.rows:  # a single-unit form generated as one aggregate row
        items = [{"id": k, "value": v} for k, v in result.rows[0].values.items()]
    return cells_from_items(items, anchors)


def cells_from_items(items: Sequence[dict[str, Any]], anchors: dict[str, Any]) -> dict[str, Any]:
    columns: dict[str, dict[str, Any]] = anchors.get("columns", {})
    by_field = {a["field"]: a for a in columns.values() if "field" in a}
    out: dict[str, Any] = {}
    for it in items:
        a = by_field.get(it["id"])
        if a and a.get("cell"):
            out[a["cell"]] = _scaled(it.get("value"), a.get("scale") or 1.0)
    return out


def _labels(code: str | None, names_at: Callable[[str, str], str | None] | None) -> dict[str, str]:
    if not code or names_at is None:
        return {}
    out = {}
    for level in ("province", "city", "county", "township", "village"):
        name = names_at(code, level)
        if name:
            out[level] = name
    return out


def _scaled(value: Any, scale: float) -> Any:
    if scale == 1.0 or not isinstance(value, int | float) or isinstance(value, bool):
        return value
    return round(value * scale, 4)


def fill_from_result(
    template: bytes, spec: dict[str, Any], result: Any, *,
    names_at: Callable[[str, str], str | None] | None = None, org_name: str | None = None,
    fill_date: date | None = None, extra_notes: dict[str, str] | None = None,
    parent_of: Callable[[str], str | None] | None = None,
) -> bytes:
    """`parent_of(code)` names a unit's parent, for the 所属乡镇 cell of a card."""
    anchors = (spec.get("template") or {}).get("anchors") or {}
    layout = FormLayout.from_json(anchors["layout"])
    notes = {"org": org_name or getattr(result, "org_name", "") or "",
             "date": (fill_date or date.today()).strftime("%Y年%m月%d日"), **(extra_notes or {})}
    comments = missing_comments(result, anchors, layout)
    if layout.kind == "form" and getattr(result, "cards", None):  # asked above the card's level: one per unit
        cards = [Card(c["org_name"], cells_from_items(c["items"], anchors), code=c["org_code"],
                      parent=parent_of(c["org_code"]) if parent_of else None) for c in result.cards]
        return fill_cards(template, layout, cards, notes={k: v for k, v in notes.items() if k != "org"},
                          comments=comments)
    if layout.kind == "form":
        code = getattr(result, "org_code", None)
        notes.setdefault("unit_name", notes["org"])
        if parent_of and code and "parent" not in notes and (parent := parent_of(code)):
            notes["parent"] = parent
        return fill_workbook(template, layout, cells=cells_from_result(result, anchors), notes=notes,
                             comments=comments)
    return fill_workbook(template, layout, rows_from_result(result, anchors, names_at), notes=notes,
                         comments=comments)


def missing_comments(result: Any, anchors: dict[str, Any], layout: FormLayout) -> dict[str, str]:
    """A comment on the cell (forms) or the first data cell (tables) of each field left blank for want of data."""
    missing = getattr(result, "missing", None) or {}
    out: dict[str, str] = {}
    for key, a in (anchors.get("columns") or {}).items():
        why = missing.get(a.get("field"))
        if why:
            ref = a.get("cell") or f"{key}{layout.first_data_row}"
            out[ref] = f"缺数，留空而非 0：{why['zh']}"
    return out
