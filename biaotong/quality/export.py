"""One workbook per owner department: the rows it must fix, as people read them (A4 landscape, the header
repeated on every page, page numbers), every text cell written as text (never a formula)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter

from biaotong.i18n import msg
from biaotong.reports.export.safe import safe_value

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

HEADERS = [("序号", "No.", 6), ("问题", "issue", 22), ("数据源", "source", 16), ("主体", "entity", 20),
           ("区划", "org unit", 16), ("数据元", "element", 18), ("取值", "value", 18),
           ("对照来源", "compared with", 16), ("对照取值", "other value", 18), ("说明", "message", 60)]


def _text(value: Any, row: int, column: int, path: Path) -> str:
    """Every cell as text through the exporters' one safety function (write_string: never a formula)."""
    from xlsxwriter.utility import xl_col_to_name

    return str(safe_value("" if value is None else str(value), "xlsx", row=row + 1, column=xl_col_to_name(column),
                          file=str(path)))


def write_department(ws: Workspace, out_dir: Path, department: str, findings: list[dict[str, Any]]) -> Path:
    tree = ws.org_tree()
    try:
        dept_name = ws.catalog.department(department).name
    except Exception:
        dept_name = department
    path = out_dir / f"数据质量问题清单_{department}_{date.today():%Y%m%d}.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    sheet = wb.add_worksheet(msg("问题清单", "findings"))
    title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = wb.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True,
                          "bg_color": "#DDEBF7"})
    cell = wb.add_format({"border": 1, "valign": "top", "text_wrap": True})
    sheet.merge_range(0, 0, 0, len(HEADERS) - 1,
                      msg(f"{dept_name}：数据质量问题清单（{len(findings)} 条，{date.today():%Y年%m月%d日}）",
                          f"{dept_name}: data quality findings ({len(findings)}, {date.today():%Y-%m-%d})"), title)
    for c, (zh, en, width) in enumerate(HEADERS):
        sheet.write_string(1, c, msg(zh, en), head)
        sheet.set_column(c, c, width)
    for i, f in enumerate(findings, start=1):
        unit = tree.name_of(f["org_code"]) if f.get("org_code") else None
        values = [str(i), f.get("title"), f.get("source"), f.get("key"), unit or f.get("org_code"),
                  f.get("element"), f.get("value"), f.get("other_source"), f.get("other_value"), f.get("message")]
        for c, v in enumerate(values):
            sheet.write_string(i + 1, c, _text(v, i + 1, c, path), cell)
    sheet.set_paper(9)  # A4
    sheet.set_landscape()
    sheet.repeat_rows(1)
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.6, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer("&C" + msg("第 &P 页 共 &N 页", "page &P of &N"))
    sheet.freeze_panes(2, 0)
    wb.close()
    return path
