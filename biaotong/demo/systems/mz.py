"""民政 社会救助对象花名册: an Excel export with a title row, a note row and a header merged over two
rows; towns and villages by NAME (with aliases, bare roots, old names and a few typos), categories in
Chinese, dates as '2025/1/31' strings, Excel date cells and bare serial numbers; deceased people still
on the roster."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pyarrow as pa
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.cell_range import CellRange

from biaotong.demo.ids import citizen_id_valid, corrupt_check_digit
from biaotong.demo.orgs import MERGE_DATE, MERGED_ROOT, RENAMED
from biaotong.demo.people import CHILD, DECEASED, GRANDCHILD, HEAD, PARENT, REF_DATE, SPOUSE
from biaotong.demo.programs import DIBAO, DIBIAN, TEKUN
from biaotong.demo.systems.base import Context, SystemResult, pick_rows, write_source
from biaotong.demo.writers import DATE_STYLE_PLACEHOLDER, inject_rows, xlsx_rows_xml

FILE = "systems/mz_jzdx.xlsx"
SHEET = "救助对象花名册"
HEADERS = ["序号", "乡镇（街道）", "村（社区）", "姓名", "身份证号码", "性别", "出生日期", "救助类别", "供养方式",
           "自理能力", "月救助金额（元）", "纳入时间", "退出时间", "户主姓名", "与户主关系", "联系电话", "备注"]
GROUPS = [("救助对象基本信息", 3, 6), ("救助信息", 7, 12)]  # 0-based inclusive column ranges
TYPOS = dict(zip("桥龙杨柳坪箐营寨河华山新园沙岩林泉兴胜丰石家安凤和东西南北松水田", "乔隆扬六平青荣赛何化三心圆砂严临全星生风时加按风合冬希难背送税甜",
                 strict=True))
EXCEL_EPOCH = dt.date(1899, 12, 30)


def build(ctx: Context) -> SystemResult:
    pop, prog, tree = ctx.pop, ctx.prog, ctx.tree
    rng = ctx.rng(2)
    cat = prog.assistance
    dead = pop.status == DECEASED
    on_roster = (cat > 0) & (pop.status != 2) & (~dead | (rng.random(pop.n) < 0.3))
    rows = np.flatnonzero(on_roster)
    # order like a real roster: by township, village, household
    rows = rows[np.lexsort((rows, pop.hh[rows], pop.village[rows]))]
    k = len(rows)
    r_cat = cat[rows]
    r_dead = dead[rows]
    rural = prog.rural[rows]
    # ---- where: township and village by name, with the variations people type
    village = pop.village[rows].copy()
    t_names = ctx.township_names()
    v_names = ctx.village_names()
    moved_village = pick_rows(rng, k, 0.01)  # registered in one village, assisted in the next one
    for i in moved_village:
        same_town = [j for j in tree.current_villages() if tree.villages[j].township == tree.villages[village[i]].township
                     and j != village[i]]
        village[i] = same_town[int(rng.integers(0, len(same_town)))]
    merged = next(i for i, v in enumerate(tree.villages) if v.root == MERGED_ROOT)
    olds = [i for i, v in enumerate(tree.villages) if v.valid_to is not None]
    started_before = prog.assist_start[rows] < np.datetime64(MERGE_DATE)
    stale = (village == merged) & started_before & (rng.random(k) < 0.6)
    town_col = t_names[village].astype(object)
    vill_col = v_names[village].astype(object)
    vill_col[stale] = v_names[np.array(olds)[pop.hh[rows][stale] % 2]]
    u = rng.random(k)
    roots_v = np.array([v.root for v in tree.villages], dtype=object)[village]
    vill_col = np.where(~stale & (u < 0.08), np.array([v.aliases[0] for v in tree.villages], dtype=object)[village], vill_col)
    vill_col = np.where(~stale & (u >= 0.08) & (u < 0.12), roots_v, vill_col)
    roots_t = np.array([t.root for t in tree.townships], dtype=object)[[tree.villages[j].township for j in village]]
    town_col = np.where(rng.random(k) < 0.1, roots_t, town_col)
    renamed_town = town_col == RENAMED[1]
    town_col = np.where(renamed_town & (rng.random(k) < 0.4), RENAMED[0], town_col)
    typo_rows = [i for i in pick_rows(rng, k, 0.003, at_least=2) if any(c in TYPOS for c in str(vill_col[i]))]
    for i in typo_rows:
        text = str(vill_col[i])
        pos = next(p for p, c in enumerate(text) if c in TYPOS)
        vill_col[i] = text[:pos] + TYPOS[text[pos]] + text[pos + 1:]
    # ---- who
    ids = pop.id_number.take(pa.array(rows))
    bad = pick_rows(rng, k, 0.004)
    ids = corrupt_check_digit(ids, bad)
    id_list = ids.to_pylist()
    lower = [i for i in range(k) if id_list[i].endswith("X") and rng.random() < 0.3]
    for i in lower:
        id_list[i] = id_list[i][:-1] + "x"
    for i in pick_rows(rng, k, 0.01):
        id_list[i] = id_list[i] + " "
    names = pop.name.take(pa.array(rows)).to_pylist()
    sex = np.where(pop.sex[rows] == 1, "男", "女")
    births = pop.birth[rows]
    # ---- assistance
    cat_label = np.select([r_cat == DIBAO, r_cat == TEKUN], ["低保", "特困"], "低保边缘").astype(object)
    cat_label = np.where((r_cat == DIBAO) & (rng.random(k) < 0.3), np.where(rural, "农村低保", "城市低保"), cat_label)
    cat_label = np.where((r_cat == DIBIAN) & (rng.random(k) < 0.2), "低边", cat_label)
    unknown = pick_rows(rng, k, 0.002)
    cat_label[unknown] = "低保（临时）"
    age = pop.age[rows]
    mode = np.where(r_cat == TEKUN, np.where(rng.random(k) < 0.18, "集中供养", "分散供养"), None)
    care = np.where(r_cat == TEKUN, np.select([age < 80, rng.random(k) < 0.6], ["自理", "半自理"], "全护理"), None)
    amount = np.select(
        [r_cat == DIBAO, r_cat == TEKUN],
        [np.where(rural, rng.integers(35, 61, k), rng.integers(60, 79, k)) * 10, rng.integers(90, 131, k) * 10], 0,
    ).astype(object)
    amount[r_cat == DIBIAN] = None
    start = prog.assist_start[rows]
    ended = (rng.random(k) < 0.02) & ~r_dead
    end = REF_DATE - rng.integers(1, 170, k)
    heads = pop.name.take(pa.array(pop.hh_head[pop.hh[rows]])).to_pylist()
    rel = np.select(
        [pop.role[rows] == HEAD, pop.role[rows] == SPOUSE, pop.role[rows] == PARENT,
         pop.role[rows] == CHILD, pop.role[rows] == GRANDCHILD],
        ["本人", "配偶", np.where(pop.sex[rows] == 1, "父亲", "母亲"), np.where(pop.sex[rows] == 1, "子", "女"),
         np.where(pop.sex[rows] == 1, "孙子", "孙女")], "其他",
    )
    phones = pop.phone.take(pa.array(rows)).to_pylist()
    date_style = rng.choice(3, size=(k, 2), p=[0.5, 0.3, 0.2])  # string / date cell / bare serial
    note = np.where(r_dead, "", np.where(ended, "已退出", ""))
    data: list[list[object]] = []
    for i in range(k):
        data.append([
            i + 1, town_col[i], vill_col[i], names[i], id_list[i], sex[i], _excel_date(births[i], date_style[i, 0]),
            cat_label[i], mode[i], care[i], amount[i], _excel_date(start[i], date_style[i, 1]),
            _excel_date(end[i], 0) if ended[i] else None, heads[i], rel[i], phones[i], note[i] or None,
        ])
    dups = pick_rows(rng, k, 0.005)
    for offset, i in enumerate(dups):
        data.insert(int(i) + 1 + offset, list(data[int(i) + offset]))
    _write_xlsx(ctx, data)
    src = write_source(ctx, {
        "name": "mz_assistance", "title": "民政社会救助对象花名册", "department": "civil_affairs",
        "entity": "resident",
        "connection": {"kind": "xlsx", "path": f"../{FILE}", "sheet": SHEET, "header_row": 4},
        "key": "id_number",
        "columns": {
            "身份证号码": "id_number", "姓名": "name", "性别": "sex",
            "出生日期": {"element": "birth_date", "date_format": "auto"},
            "村（社区）": {"element": "org_code", "org_by_name": True, "parent_column": "乡镇（街道）"},
            "救助类别": "assistance_category", "供养方式": "support_mode", "自理能力": "self_care_ability",
            "月救助金额（元）": "assistance_amount",
            "纳入时间": {"element": "assistance_start_date", "date_format": "auto"},
            "退出时间": {"element": "assistance_end_date", "date_format": "auto"},
            "联系电话": "phone",
        },
        "sync": {"mode": "full"},
    }, "民政社会救助对象花名册（Excel 导出）：第1行标题，第2行填报说明，第3行为分组表头（横向合并），第4行为列名，\n"
       "第5行起为数据，末行为制表人落款。乡镇、村按名称填写（含简称、旧名与个别错字），日期格式混杂。")
    all_ids = pa.array([row[4] for row in data])
    return SystemResult(
        id="mz", title="民政社会救助信息系统（花名册导出）", department="civil_affairs", kind="xlsx", files=[FILE],
        tables={SHEET: len(data)}, sources=[src],
        mess={"invalid_ids": int((~citizen_id_valid(pa.array([s.strip() for s in all_ids.to_pylist()]))).sum()),
              "lowercase_x": len(lower), "trailing_spaces": int(sum(1 for s in id_list if s.endswith(" "))),
              "duplicates": len(dups), "deceased_on_roster": int(r_dead.sum()),
              "deceased_on_roster_rows": int(r_dead.sum()) + int(sum(r_dead[dups])),
              "village_typos": len(typo_rows), "stale_village_names": int(stale.sum()),
              "org_conflicts": len(moved_village), "unknown_codes": len(unknown),
              "date_cells": int((date_style == 1).sum()), "serial_numbers": int((date_style == 2).sum()),
              "exited": int(ended.sum()), "footer_rows": 1},
    )


def _excel_date(d: np.datetime64, style: int) -> object:
    day = d.astype("datetime64[D]").item()
    if style == 0:
        return f"{day.year}/{day.month}/{day.day}"
    if style == 1:
        return day
    return (day - EXCEL_EPOCH).days


def _write_xlsx(ctx: Context, data: list[list[object]]) -> None:
    wb = openpyxl.Workbook(write_only=True)
    wb.properties.creator = "青山县民政局"
    wb.properties.created = wb.properties.modified = dt.datetime(2025, 7, 3, 9, 0, 0)
    ws = wb.create_sheet(SHEET)
    width = len(HEADERS)
    ws.column_dimensions["E"].width = 22
    ws.merged_cells.add(CellRange(min_col=1, min_row=1, max_col=width, max_row=1))
    ws.merged_cells.add(CellRange(min_col=1, min_row=2, max_col=7, max_row=2))
    title = openpyxl.cell.WriteOnlyCell(ws, "青山县城乡低保、特困供养及低保边缘对象花名册（2025年6月）")
    title.font = Font(bold=True, size=16)
    title.alignment = Alignment(horizontal="center")
    ws.append([title])
    # the note row carries the cut-off date as a date cell, whose style the data's date cells reuse
    ws.append(["填报单位：青山县民政局（盖章）        单位：人、元", None, None, None, None, None, None, "统计截止日期：",
               dt.date(2025, 6, 30)])
    # two header rows: group labels merged over their columns, then every column's own name
    top: list[object] = [None] * width
    for label, a, b in GROUPS:
        top[a] = label
        ws.merged_cells.add(CellRange(min_col=a + 1, min_row=3, max_col=b + 1, max_row=3))
    bottom: list[object] = list(HEADERS)
    bold = Font(bold=True)
    for header_row in (top, bottom):
        cells = []
        for v in header_row:
            cell = openpyxl.cell.WriteOnlyCell(ws, v)
            cell.font = bold
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cells.append(cell)
        ws.append(cells)
    path = ctx.out_dir / FILE
    wb.save(path)
    # The data rows go straight into the sheet XML: openpyxl's per-cell objects are too slow for big counties.
    footer: list[object] = ["制表人：李建华", None, None, "审核人：王丽", None, None, None, "制表日期：2025年7月3日"]
    inject_rows(path, "xl/worksheets/sheet1.xml", xlsx_rows_xml([*data, footer], 5, DATE_STYLE_PLACEHOLDER), "I2")
