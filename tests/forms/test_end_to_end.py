"""A department's form imported, saved as a report, generated from systems and exported in its own format;
then rendered with LibreOffice to show it still looks like the original."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from biaotong.forms.service import import_form
from biaotong.forms.sketch import sketch_form
from biaotong.forms.spec import build_spec
from biaotong.forms.store import save_report
from biaotong.workspace import Workspace
from tests.reports.county import COUNTY, install, make_county

HEADER = ["乡镇（街道）", ("户籍人口(人)", ["合计", "其中：女"]),
          ("按年龄分(人)", ["0-17岁", "60周岁以上", "80岁及以上"]), "低保户数(户)", "当月低保金支出(万元)"]


@pytest.fixture
def county_ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.open(tmp_path / "ws")
    install(ws, make_county())
    try:
        yield ws
    finally:
        ws.close()


def test_form_to_filled_form(county_ws: Workspace, tmp_path: Path) -> None:
    from biaotong.forms import export as _template_export  # noqa: F401  registers 'template'
    from biaotong.reports.export import export
    from biaotong.reports.generate import generate

    form = tmp_path / "户籍人口与低保.xlsx"
    form.write_bytes(sketch_form("户籍人口与低保情况统计表", HEADER))
    layout, proposals, raw = import_form(form, ws=county_ws)
    assert [p.target for p in proposals[1:]] == ["pop_total", "pop_female", "pop_under_18", "pop_60plus",
                                                 "pop_80plus", "dibao_households", "dibao_amount"]
    spec = build_spec(layout, proposals, report_id="mz_pop", title=None, department="civil_affairs",
                      level="township")
    save_report(county_ws, spec, raw)
    result = generate(county_ws, "mz_pop", "2024-12", COUNTY, level="township")
    out = export(result, "template", tmp_path / "filled.xlsx", ws=county_ws)
    sheet = load_workbook(out).active
    total = result.total()
    assert total is not None
    first = layout.first_data_row
    assert sheet.cell(first, 1).value == "合计"
    assert sheet.cell(first, 2).value == total.values["pop_total"]
    assert sheet.cell(first, 8).value == pytest.approx(total.values["dibao_amount"] / 10000)
    names = [sheet.cell(first + i, 1).value for i in range(1, len(result.rows))]
    assert names == [r.label for r in result.rows if not r.is_total]
    assert sheet["A2"].value.startswith("填表单位：" + result.org_name)
    assert {"B3:C3", "D3:F3", "A3:A4"} <= {str(r) for r in sheet.merged_cells.ranges}


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOPPM = shutil.which("pdftoppm")


def _png(xlsx: Path, out_dir: Path) -> Path:
    subprocess.run([str(SOFFICE), "--headless", "--norestore", f"-env:UserInstallation=file://{out_dir}/lo",
                    "--convert-to", "pdf", "--outdir", str(out_dir), str(xlsx)],
                   check=True, capture_output=True, timeout=180)
    pdf = out_dir / (xlsx.stem + ".pdf")
    subprocess.run([str(PDFTOPPM), "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(out_dir / xlsx.stem)], check=True, capture_output=True, timeout=120)
    return out_dir / (xlsx.stem + ".png")


def _ink_rows(png: Path) -> tuple[int, int, list[float]]:
    """Image size, count of non-white pixels, and the share of ink in each tenth of the width."""
    import zlib

    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, width, height, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, ctype = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big"), body[9]
        elif kind == b"IDAT":
            chunks += body
        pos += 12 + length
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw = zlib.decompress(chunks)
    stride = width * bpp
    prev = bytearray(stride)
    ink = 0
    cols = [0] * 10
    i = 0
    for _y in range(height):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        for px in range(0, stride, bpp):
            if line[px] < 200:
                ink += 1
                cols[min(9, (px // bpp) * 10 // width)] += 1
    total = max(ink, 1)
    return width, ink, [c / total for c in cols]


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None or PDFTOPPM is None,
                    reason="LibreOffice (apt: libreoffice-calc-nogui) and poppler-utils are needed to render")
def test_filled_form_renders_like_the_template(county_ws: Workspace, tmp_path: Path) -> None:
    from biaotong.forms.fill import FillRow, fill_workbook
    from biaotong.forms.layout import read_form_bytes

    template = sketch_form("户籍人口与低保情况统计表", HEADER)
    layout = read_form_bytes(template)
    rows = [FillRow({"B": 251, "C": 131, "D": 44, "E": 112, "F": 61, "G": 19, "H": 1.27}, name="合计", total=True)]
    rows += [FillRow({"B": 80 + i, "C": 40, "D": 10, "E": 30, "F": 12, "G": 3, "H": 0.2}, {"org": f"第{i}镇"},
                     name=f"第{i}镇") for i in range(8)]
    filled = fill_workbook(template, layout, rows, notes={"org": "示范县民政局", "date": "2024年12月31日"})
    (tmp_path / "template.xlsx").write_bytes(template)
    (tmp_path / "filled.xlsx").write_bytes(filled)
    a = _png(tmp_path / "template.xlsx", tmp_path)
    b = _png(tmp_path / "filled.xlsx", tmp_path)
    wa, ink_a, cols_a = _ink_rows(a)
    wb_, ink_b, cols_b = _ink_rows(b)
    assert wa == wb_  # same page
    assert ink_a > 500 and ink_b > ink_a  # neither blank; the filled one has numbers in it
    # the same columns carry ink: the layout (widths, header block) is the original's
    assert sum(abs(x - y) for x, y in zip(cols_a, cols_b, strict=True)) < 0.6
    assert [c > 0 for c in cols_a] == [c > 0 for c in cols_b]
