"""Eight department forms of 清溪县, written fresh with openpyxl as the departments lay them out.

Each form's metadata (`FORMS`) says where its data cells are and which truth metric each column holds, so
the bench can read a filled copy back and compare it with `truth.compute` cell by cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass
class FormMeta:
    id: str
    file: str
    department: str              # the department as it names itself (docs: an id or its name)
    layout: str                  # aggregate | roster | card
    level: str                   # township | village (aggregate rows), village (card), county (roster)
    first_data_row: int
    columns: dict[str, str]      # column letter (or cell for a card) -> truth metric
    label_columns: dict[str, str] = field(default_factory=dict)  # letter -> township | village | index
    org: str = "county"          # the unit `report generate --org` is run for: county, or a village code


FORMS: dict[str, FormMeta] = {
    "mz_dibao": FormMeta(
        "mz_dibao", "民政_城乡低保月报表.xlsx", "民政局", "aggregate", "township", 10,
        {"B": "dibao_hh", "C": "dibao_hh_city", "D": "dibao_hh_rural", "E": "dibao_p", "F": "dibao_p_city",
         "G": "dibao_p_rural", "H": "dibao_elderly", "I": "dibao_minor", "J": "dibao_disabled",
         "K": "dibao_amount"}, {"A": "township"}),
    "cl_disability": FormMeta(
        "cl_disability", "残联_持证残疾人基本情况统计表.xlsx", "残联", "aggregate", "village", 6,
        {"D": "dis_total", **{get_column_letter(5 + i): f"dis_cat_{i + 1}" for i in range(7)},
         **{get_column_letter(12 + i): f"dis_grade_{i + 1}" for i in range(4)}, "P": "dis_female"},
        {"A": "index", "B": "township", "C": "village"}),
    "wj_family_doctor": FormMeta(
        "wj_family_doctor", "卫健_家庭医生签约服务情况统计表.xlsx", "卫健委", "aggregate", "village", 8,
        {"C": "pop", "D": "fd_signed", "E": "fd_signed_65p", "F": "fd_hyp_signed", "G": "fd_diab_signed",
         "H": "fd_rate"}, {"A": "township", "B": "village"}),
    "rs_pension": FormMeta(
        "rs_pension", "人社_城乡居民养老保险参保情况统计表.xlsx", "人社局", "aggregate", "township", 7,
        {"B": "pen_total", "C": "pen_paying", "D": "pen_receiving", "E": "pen_60p", "F": "pen_benefit_wan"},
        {"A": "township"}),
    "ty_veterans": FormMeta(
        "ty_veterans", "退役军人_优抚对象数量统计表.xlsx", "退役军人事务局", "aggregate", "township", 5,
        {"B": "vet_total", "C": "vet_soldier", "D": "vet_disabled", "E": "vet_martyr", "F": "vet_family"},
        {"A": "township"}),
    "cun_card": FormMeta(
        "cun_card", "村（社区）基本情况表.xlsx", "统计局", "card", "village", 2,
        {"B2": "card_name", "D2": "card_township", "B3": "households", "D3": "pop", "B4": "male", "D4": "female",
         "B5": "minority", "D5": "age60p", "B6": "dibao_p", "D6": "tekun", "B7": "dis_total",
         "D7": "vet_retired", "B8": "fd_signed"}, org="522799102204"),
    "mz_tekun_roster": FormMeta(
        "mz_tekun_roster", "民政_特困供养人员花名册.xlsx", "民政局", "roster", "county", 4,
        {"B": "township_name", "C": "village_name", "D": "name", "E": "sex", "F": "id", "G": "born",
         "H": "mode", "I": "amount"}, {"A": "index"}),
    "tj_population": FormMeta(
        "tj_population", "统计_户籍人口及变动情况表.xlsx", "统计局", "aggregate", "township", 9,
        {"B": "households", "C": "pop", "D": "male", "E": "female", "F": "age0_17", "G": "age18_59",
         "H": "age60p", "I": "births_month", "J": "deaths_month", "K": "minority"}, {"A": "township"}),
}


def _put(ws, cell: str, value, merge: str | None = None, bold: bool = False, box: bool = True,
         align: Alignment = CENTER) -> None:
    ws[cell] = value
    ws[cell].alignment = align
    if bold:
        ws[cell].font = Font(bold=True)
    if merge:
        ws.merge_cells(merge)
        if box:
            for row in ws[merge]:
                for c in row:
                    c.border = BOX
    elif box:
        ws[cell].border = BOX


def _head(ws, cells: list[tuple[str, str, str | None]]) -> None:
    for cell, text, merge in cells:
        _put(ws, cell, text, merge)


def _blank_rows(ws, first: int, count: int, last_col: int) -> None:
    for r in range(first, first + count):
        for c in range(1, last_col + 1):
            ws.cell(r, c).border = BOX


LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)


def _mz_dibao(ws) -> None:
    for i, t in enumerate(["表    号：清民统2表", "制定机关：清溪县民政局", "批准文号：清统制〔2024〕5号",
                           "有效期至：2026年12月"], start=1):
        _put(ws, f"I{i}", t, f"I{i}:K{i}", box=False, align=LEFT)
    _put(ws, "A5", "城乡最低生活保障情况月报表", "A5:K5", bold=True, box=False)
    ws["A5"].font = Font(bold=True, size=16)
    _put(ws, "A6", "填报单位（盖章）：", "A6:C6", box=False, align=LEFT)
    _put(ws, "E6", "2025年6月", "E6:G6", box=False)
    _put(ws, "J6", "单位：户、人、元", "J6:K6", box=False)
    _head(ws, [("A7", "乡镇（街道）", "A7:A9"), ("B7", "低保户数（户）", "B7:D7"), ("B8", "合计", "B8:B9"),
               ("C8", "城市", "C8:C9"), ("D8", "农村", "D8:D9"), ("E7", "低保人数（人）", "E7:J7"),
               ("E8", "合计", "E8:E9"), ("F8", "城市", "F8:F9"), ("G8", "农村", "G8:G9"), ("H8", "其中", "H8:J8"),
               ("H9", "老年人", None), ("I9", "未成年人", None), ("J9", "残疾人", None),
               ("K7", "当月低保金支出（元）", "K7:K9")])
    names = ["合计", "城关街道", "龙泉街道", "坝固镇", "平寨镇", "三合镇", "塘坝乡", "周覃乡"]
    for i, n in enumerate(names):
        _put(ws, f"A{10 + i}", n)
    _blank_rows(ws, 10, len(names), 11)
    _put(ws, "A19", "填表说明：1.老年人指60周岁及以上、未成年人指未满18周岁的低保对象，年龄计算至报告期末；"
         "2.残疾人指持有残疾人证的低保对象；3.本表统计报告期末在保的城乡低保对象，当月低保金为在保对象月保障金之和。",
         "A19:K20", box=False, align=LEFT)
    _put(ws, "A21", "单位负责人：            填表人：            联系电话：            报出日期：    年  月  日",
         "A21:K21", box=False, align=LEFT)


def _cl_disability(ws) -> None:
    _put(ws, "A1", "清溪县持证残疾人基本情况统计表（2025年6月）", "A1:P1", bold=True, box=False)
    _put(ws, "A2", "填报单位：", "A2:D2", box=False, align=LEFT)
    _put(ws, "G2", "统计时点：2025年6月30日", "G2:J2", box=False)
    _put(ws, "O2", "单位：人", "O2:P2", box=False)
    cats = ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]
    cells = [("A3", "序号", "A3:A4"), ("B3", "乡镇（街道）", "B3:B4"), ("C3", "村（社区）", "C3:C4"),
             ("D3", "持证残疾人总数", "D3:D4"), ("E3", "按残疾类别分", "E3:K3"), ("L3", "按残疾等级分", "L3:O3"),
             ("P3", "其中：女性", "P3:P4")]
    cells += [(f"{get_column_letter(5 + i)}4", c, None) for i, c in enumerate(cats)]
    cells += [(f"{get_column_letter(12 + i)}4", g, None) for i, g in enumerate(["一级", "二级", "三级", "四级"])]
    _head(ws, cells)
    for i, t in enumerate(["甲", "乙", "丙"] + [str(n) for n in range(1, 14)]):
        _put(ws, f"{get_column_letter(1 + i)}5", t)
    _blank_rows(ws, 6, 1, 16)
    _put(ws, "A8", "注：本表统计户籍在本县、报告期末在册的持证残疾人，按户籍所在村（社区）填报。", "A8:P8",
         box=False, align=LEFT)
    _put(ws, "A9", "审核人：                填表人：                填报日期：", "A9:P9", box=False, align=LEFT)


def _wj_family_doctor(ws) -> None:
    _put(ws, "A1", "表号：黔南卫统12表\n制定机关：黔南州卫生健康局\n有效期至：2026年12月", "A1:C3", box=False,
         align=LEFT)
    _put(ws, "A4", "家庭医生签约服务情况统计表", "A4:H4", bold=True, box=False)
    _put(ws, "A5", "填报单位：", "A5:B5", box=False, align=LEFT)
    _put(ws, "E5", "报告期：2025年6月", "E5:F5", box=False)
    _head(ws, [("A6", "乡镇（街道）", "A6:A7"), ("B6", "村（社区）", "B6:B7"), ("C6", "户籍人口数（人）", "C6:C7"),
               ("D6", "签约人数（人）", "D6:G6"), ("D7", "合计", None), ("E7", "65岁及以上老年人", None),
               ("F7", "高血压患者", None), ("G7", "糖尿病患者", None), ("H6", "签约率（%）", "H6:H7")])
    _blank_rows(ws, 8, 1, 8)
    _put(ws, "A10", "说明：签约率=签约人数合计÷户籍人口数×100%，保留两位小数；签约人数为报告期末有效签约的户籍人口。",
         "A10:H10", box=False, align=LEFT)


def _rs_pension(ws) -> None:
    _put(ws, "A1", "表号：人社统E3表      制表机关：清溪县人力资源和社会保障局", "A1:F1", box=False, align=LEFT)
    _put(ws, "A2", "城乡居民基本养老保险参保情况统计表", "A2:F2", bold=True, box=False)
    _put(ws, "A3", "填报单位：", "A3:B3", box=False, align=LEFT)
    _put(ws, "C3", "截止日期：2025年6月30日", "C3:D3", box=False)
    _put(ws, "E3", "单位：人、万元", "E3:F3", box=False)
    _head(ws, [("A4", "地区", "A4:A6"), ("B4", "城乡居民基本养老保险", "B4:F4"), ("B5", "参保人数（人）", "B5:D5"),
               ("B6", "合计", None), ("C6", "缴费人员", None), ("D6", "领取待遇人员", None),
               ("E5", "其中：60周岁及以上", "E5:E6"), ("F5", "当月发放养老金（万元）", "F5:F6")])
    _blank_rows(ws, 7, 1, 6)
    _put(ws, "A9", "注：参保人数指报告期末未终止参保关系的人员（含暂停）；养老金为领取待遇人员月养老金之和。",
         "A9:F9", box=False, align=LEFT)


def _ty_veterans(ws) -> None:
    _put(ws, "A1", "退役军人和其他优抚对象数量统计表", "A1:F1", bold=True, box=False)
    _put(ws, "A2", "填报单位：清溪县退役军人事务局", "A2:C2", box=False, align=LEFT)
    _put(ws, "D2", "截至2025年6月30日", "D2:F2", box=False)
    _head(ws, [("A3", "单位名称", "A3:A4"), ("B3", "合计", "B3:B4"), ("C3", "其中", "C3:F3"), ("C4", "退役士兵", None),
               ("D4", "伤残军人", None), ("E4", "烈士遗属", None), ("F4", "现役军人家属", None)])
    names = ["全县", "城关", "龙泉", "坝固", "平寨", "三合", "塘坝", "周覃"]
    for i, n in enumerate(names):
        _put(ws, f"A{5 + i}", n)
    _blank_rows(ws, 5, len(names), 6)
    _put(ws, "A14", "注：只统计户籍在本县的人员，按户籍所在乡镇填报。", "A14:F14", box=False, align=LEFT)


def _cun_card(ws) -> None:
    _put(ws, "A1", "村（社区）基本情况表（2025年6月）", "A1:D1", bold=True, box=False)
    pairs = [("名称：", "所属乡镇（街道）："), ("户籍户数（户）", "户籍人口（人）"), ("男性人口（人）", "女性人口（人）"),
             ("少数民族人口（人）", "60岁及以上人口（人）"), ("低保人数（人）", "特困人员（人）"),
             ("持证残疾人（人）", "退役军人（人）"), ("家庭医生签约人数（人）", None)]
    for i, (a, c) in enumerate(pairs, start=2):
        _put(ws, f"A{i}", a, align=LEFT)
        _put(ws, f"B{i}", None)
        if c:
            _put(ws, f"C{i}", c, align=LEFT)
            _put(ws, f"D{i}", None)
    _put(ws, "A10", "填表人：                    审核人：", "A10:D10", box=False, align=LEFT)
    for col, w in zip("ABCD", (26, 16, 26, 16), strict=True):
        ws.column_dimensions[col].width = w


def _mz_tekun_roster(ws) -> None:
    _put(ws, "A1", "特困供养人员花名册", "A1:J1", bold=True, box=False)
    _put(ws, "A2", "填报单位：清溪县民政局", "A2:D2", box=False, align=LEFT)
    _put(ws, "G2", "截止日期：2025年6月30日", "G2:J2", box=False)
    heads = ["序号", "乡镇（街道）", "村（社区）", "姓名", "性别", "公民身份号码", "出生日期", "供养方式",
             "月供养金（元）", "备注"]
    for i, h in enumerate(heads):
        _put(ws, f"{get_column_letter(1 + i)}3", h)
    _blank_rows(ws, 4, 1, 10)


def _tj_population(ws) -> None:
    for i, t in enumerate(["表  号：清统人1表", "制定机关：清溪县统计局", "有效期至：2027年6月"], start=1):
        _put(ws, f"J{i}", t, f"J{i}:K{i}", box=False, align=LEFT)
    _put(ws, "A4", "户籍人口及变动情况表", "A4:K4", bold=True, box=False)
    _put(ws, "A5", "2025年6月", "A5:K5", box=False)
    _head(ws, [("A6", "乡镇（街道）", "A6:A7"), ("B6", "户数（户）", "B6:B7"), ("C6", "户籍人口（人）", "C6:E6"),
               ("C7", "合计", None), ("D7", "男", None), ("E7", "女", None), ("F6", "按年龄分（人）", "F6:H6"),
               ("F7", "0-17岁", None), ("G7", "18-59岁", None), ("H7", "60岁及以上", None),
               ("I6", "本月变动（人）", "I6:J6"), ("I7", "出生", None), ("J7", "死亡", None),
               ("K6", "少数民族人口（人）", "K6:K7")])
    for i, t in enumerate(["甲"] + [str(n) for n in range(1, 11)]):
        _put(ws, f"{get_column_letter(1 + i)}8", t)
    _blank_rows(ws, 9, 1, 11)
    _put(ws, "A11", "说明：年龄按报告期末计算；户籍人口不含已死亡、已注销户口人员。", "A11:K11", box=False, align=LEFT)
    _put(ws, "A12", "单位负责人：        统计负责人：        填表人：        报出日期：", "A12:K12", box=False,
         align=LEFT)


WRITERS = {"mz_dibao": _mz_dibao, "cl_disability": _cl_disability, "wj_family_doctor": _wj_family_doctor,
           "rs_pension": _rs_pension, "ty_veterans": _ty_veterans, "cun_card": _cun_card,
           "mz_tekun_roster": _mz_tekun_roster, "tj_population": _tj_population}


def write(world) -> dict[str, Path]:
    folder = world.out / "forms"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for fid, meta in FORMS.items():
        wb = Workbook()
        ws = wb.active
        ws.title = "Sheet1" if fid != "cun_card" else "村情"
        WRITERS[fid](ws)
        if fid != "cun_card":
            for c in range(1, ws.max_column + 1):
                ws.column_dimensions[get_column_letter(c)].width = 12
        paths[f"form:{fid}"] = folder / meta.file
        wb.save(paths[f"form:{fid}"])
    return paths
