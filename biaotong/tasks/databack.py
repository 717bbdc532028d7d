"""Data return (数据回流): a unit downloads its own jurisdiction's base data (residents, households …) as
Excel, from the lake as of a date, with the elements its role may read, masked as its clearance requires;
every download is a ledger entry (and a personal-data read where anything is in clear)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter

from biaotong.engines.duckdb import connect, ident, literal
from biaotong.i18n import msg
from biaotong.reports.export.safe import safe_value

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

MAX_ROWS = 1_048_000


def export(ws: Workspace, *, entity: str, units: list[str], clearance: str, out: Path, on: date) -> dict[str, Any]:
    from biaotong.onetable import build_entity
    from biaotong.reports.mask import masker, must_mask

    catalog = ws.catalog
    merged = build_entity(ws, entity)
    elements = [e for e in catalog.elements_of(entity) if merged.holds(e.code)]
    rows: list[tuple[Any, ...]] = []
    if merged.path is not None and units:
        con = connect(ws)
        try:
            codes = ", ".join(literal(u) for u in units)
            cols = ", ".join(ident(e.code) for e in elements)
            alive = ("AND (death_date IS NULL) AND (deregistered_date IS NULL)"
                     if entity == "resident" and {"death_date", "deregistered_date"} <= {e.code for e in elements} else "")
            reg = "AND _in_register" if merged.register else ""
            rows = con.sql(f"SELECT {cols} FROM read_parquet({literal(str(merged.path))}) "
                           f"WHERE org_code IN ({codes}) {alive} {reg} ORDER BY org_code LIMIT {MAX_ROWS}").fetchall()
        finally:
            con.close()
    masks = [masker(e) if must_mask(e, clearance) else None for e in elements]
    tree = ws.org_tree()
    wb = xlsxwriter.Workbook(str(out))
    sheet = wb.add_worksheet(catalog.entity(entity).name)
    bold = wb.add_format({"bold": True, "border": 1, "text_wrap": True, "bg_color": "#DDEBF7"})
    sheet.write_string(0, 0, msg(f"{catalog.entity(entity).name}基础数据（截至 {on:%Y-%m-%d}，{len(rows)} 条）",
                                 f"{entity} base data (as of {on:%Y-%m-%d}, {len(rows)} rows)"))
    for c, e in enumerate(elements):
        sheet.write_string(1, c, e.name, bold)
    for r, row in enumerate(rows, start=2):
        for c, (v, m, e) in enumerate(zip(row, masks, elements, strict=True)):
            if v is None:
                continue
            if m is not None:
                v = m(v)
            elif e.code == "org_code":
                v = tree.name_of(str(v)) or v
            elif e.code_list:
                v = catalog.code_list(e.code_list).label(str(v)) or v
            if isinstance(v, bool):
                v = "是" if v else "否"
            if isinstance(v, int | float):
                sheet.write_number(r, c, v)
            else:
                sheet.write_string(r, c, str(safe_value(str(v), "xlsx", row=r + 1, file=out.name)))
    sheet.repeat_rows(1)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.set_footer("&C第 &P 页 共 &N 页")
    wb.close()
    clear = [e.code for e, m in zip(elements, masks, strict=True) if m is None and e.sensitivity in ("personal", "sensitive")]
    return {"file": str(out), "rows": len(rows), "elements": [e.code for e in elements], "clear": clear,
            "masked": [e.code for e, m in zip(elements, masks, strict=True) if m is not None]}
