"""Excel that prints as a form: an aggregate, a roster and a set of village cards from the demo county are
rendered to PDF by LibreOffice, and the pages are read back with poppler (pdfinfo, pdftotext)."""

from __future__ import annotations

import itertools
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from biaotong.reports.export import export
from biaotong.reports.export.pages import keep_together
from biaotong.reports.generate import generate
from biaotong.reports.result import ReportResult
from biaotong.workspace import Workspace
from tests.demo_workspace import demo_home

COUNTY, TOWNSHIP = "530927000000", "530927101000"
NEEDS = [tool for tool in ("soffice", "pdftotext", "pdfinfo") if shutil.which(tool) is None]


def test_blocks_stay_together_where_they_fit() -> None:
    # pages of 10 rows (8 on page one): blocks never straddle a break unless longer than a page
    breaks = keep_together([1, 5, 4, 6, 12, 3], first_page=8 * 15, next_pages=10 * 15)
    assert breaks == [6, 16, 26]  # 1+5 | 4+6 | 12 split at a full page | rest + 3
    bounds = [0, *breaks, 31]
    pages = list(itertools.pairwise(bounds))
    assert all(b - a <= (8 if i == 0 else 10) for i, (a, b) in enumerate(pages))


def _render(xlsx: Path, tmp: Path) -> list[str]:
    """The PDF's pages as text, rendered with a private LibreOffice profile (other renders may be running)."""
    profile = tmp / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir",
         str(tmp), str(xlsx)], check=True, capture_output=True, timeout=180,
    )
    pdf = tmp / (xlsx.stem + ".pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    n = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
    assert size is not None and sorted(round(float(x)) for x in size.groups()) == [595, 842]  # A4
    landscape = float(size.group(1)) > float(size.group(2))
    texts = [subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), "-layout", str(pdf), "-"], check=True,
                            capture_output=True, text=True).stdout for i in range(1, n + 1)]
    return [("landscape\n" if landscape else "portrait\n") + t for t in texts]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def ws() -> Workspace:
    with Workspace.open(demo_home(), create=False) as w:
        yield w  # type: ignore[misc]


def _write(ws: Workspace, report: str, period: str, org: str, out: Path) -> ReportResult:
    result = generate(ws, report, period, org)
    export(result, "xlsx", out, ws=ws)
    return result


def test_xlsx_print_settings(ws: Workspace, tmp_path: Path) -> None:
    _write(ws, "mz_dibao_tekun", "2025-06", COUNTY, tmp_path / "agg.xlsx")
    sheet = load_workbook(tmp_path / "agg.xlsx").active
    assert sheet is not None
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth in (None, 1)  # 1: default
    assert sheet.page_setup.fitToHeight == 0  # as many pages tall as it takes
    assert sheet.print_title_rows == "$3:$6"  # the header block and its unit row, not the title
    assert "第 &P 页 共 &N 页" in sheet.oddFooter.center.text
    assert sheet.page_margins.left >= 0.98  # the binder's edge
    assert sheet.row_breaks.brk  # breaks between townships


@pytest.mark.skipif(bool(NEEDS), reason=f"needs {', '.join(NEEDS)} (apt: libreoffice-calc-nogui poppler-utils)")
def test_aggregate_prints_townships_whole_with_headers(ws: Workspace, tmp_path: Path) -> None:
    result = _write(ws, "mz_dibao_tekun", "2025-06", COUNTY, tmp_path / "agg.xlsx")
    pages = _render(tmp_path / "agg.xlsx", tmp_path)
    title = f"{result.period.label}{result.spec.title}"
    assert len(pages) <= math.ceil(len(result.rows) / 25) + 1  # was 18 Letter pages before print setup
    assert title in _flat(pages[0]) and "填报单位：青山县" in _flat(pages[0])
    for i, page in enumerate(pages, start=1):
        assert "地区" in page and "区划代码" in page, f"page {i} lacks the header"
        assert f"第{i}页共{len(pages)}页" in _flat(page)
        if i > 1:
            assert title not in _flat(page)  # the title is on page one only
    # every township's villages on the page of its subtotal row (each township here fits on a page)
    for row in (r for r in result.rows if r.is_subtotal):
        village_names = [r.name for r in result.rows if r.parent == row.org_code]
        holder = [p for p in pages if f"{row.name}小计" in p]
        assert len(holder) == 1, row.name
        assert all(name in holder[0] for name in village_names), row.name


@pytest.mark.skipif(bool(NEEDS), reason=f"needs {', '.join(NEEDS)} (apt: libreoffice-calc-nogui poppler-utils)")
def test_roster_prints_landscape_numbered_with_headers(ws: Workspace, tmp_path: Path) -> None:
    result = _write(ws, "mz_dibao_roster", "2025-06", COUNTY, tmp_path / "roster.xlsx")
    assert len(result.records) > 40
    pages = _render(tmp_path / "roster.xlsx", tmp_path)
    assert all(p.startswith("landscape") for p in pages)
    assert f"{result.period.label}{result.spec.title}" in _flat(pages[0])
    for i, page in enumerate(pages, start=1):
        assert "序号" in page and result.columns[0].label in page, f"page {i} lacks the header"
        assert f"第{i}页共{len(pages)}页" in _flat(page)
    numbers = [int(m) for p in pages for m in re.findall(r"^\s*(\d+)\s", p, flags=re.M)]
    assert numbers[:3] == [1, 2, 3] and max(numbers) == len(result.records)  # 序号 filled


@pytest.mark.skipif(bool(NEEDS), reason=f"needs {', '.join(NEEDS)} (apt: libreoffice-calc-nogui poppler-utils)")
def test_village_cards_one_per_page(ws: Workspace, tmp_path: Path) -> None:
    result = _write(ws, "mz_village_services", "2025H1", TOWNSHIP, tmp_path / "card.xlsx")
    assert len(result.cards) > 3  # a township asked for a village card: one card per village
    pages = _render(tmp_path / "card.xlsx", tmp_path)
    assert len(pages) == len(result.cards)
    title = f"{result.period.label}{result.spec.title}"
    for page, card in zip(pages, result.cards, strict=True):
        assert title in _flat(page) and "项目" in page
        assert f"填报单位：{card['org_name']}" in _flat(page)


def test_department_form_keeps_its_print_setup_when_filled() -> None:
    import io

    from biaotong.forms import read_form_bytes
    from biaotong.forms.fill import FillRow, fill_workbook
    from biaotong.forms.sketch import sketch_form

    drawn = load_workbook(io.BytesIO(sketch_form("低保对象统计表", ["地区", "低保户数(户)", "低保对象人数(人)"])))
    sheet = drawn.active
    assert sheet is not None
    sheet.print_title_rows = "3:3"
    sheet.print_area = "A1:C10"
    sheet.page_setup.paperSize = 9
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddFooter.center.text = "第 &P 页"
    buf = io.BytesIO()
    drawn.save(buf)
    template = buf.getvalue()
    layout = read_form_bytes(template)
    rows = [FillRow({"B": i, "C": 2 * i}, {"org": f"第{i}村"}, name=f"第{i}村") for i in range(40)]
    filled = load_workbook(io.BytesIO(fill_workbook(template, layout, rows))).active
    assert filled is not None
    assert filled.print_title_rows == "$3:$3" and filled.page_setup.paperSize == 9
    assert filled.sheet_properties.pageSetUpPr.fitToPage and filled.oddFooter.center.text == "第 &P 页"
    last = int(filled.print_area.rsplit("$", 1)[1])  # the print area grew with the inserted rows
    assert last >= layout.first_data_row + 39


def test_department_cards_keep_the_print_setup_on_every_sheet() -> None:
    import io

    from openpyxl import Workbook

    from biaotong.forms import read_form_bytes
    from biaotong.forms.fill import Card, fill_cards

    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet["A1"] = "村基本情况表"
    sheet.merge_cells("A1:D1")
    sheet["A2"] = "填报单位：            填报日期：    年  月  日"
    for i, (a, b) in enumerate([("户籍人口数(人)", "户籍户数(户)"), ("低保对象人数(人)", "残疾人数(人)")], start=3):
        sheet.cell(i, 1, a)
        sheet.cell(i, 3, b)
    sheet.print_area = "A1:D6"
    sheet.page_setup.paperSize = 9
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddFooter.center.text = "第 &P 页 共 &N 页"
    buf = io.BytesIO()
    wb.save(buf)
    layout = read_form_bytes(buf.getvalue())
    cards = [Card("沙坝村", {"B3": 120}), Card("红星村", {"B3": 98})]
    filled = load_workbook(io.BytesIO(fill_cards(buf.getvalue(), layout, cards)))
    assert filled.sheetnames == ["沙坝村", "红星村"]
    for ws in filled.worksheets:
        assert ws.page_setup.paperSize == 9 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
        assert ws.print_area and ws.print_area.endswith("$A$1:$D$6")
