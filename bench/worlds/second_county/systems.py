"""The six department systems of 清溪县, each in its own layout, as the departments export them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

SEX = {True: "男", False: "女"}


def _ymd(d, fmt: str = "%Y%m%d") -> str | None:
    return None if d is None or pd.isna(d) else d.strftime(fmt)


def _cn_date(d) -> str:
    return "" if d is None or pd.isna(d) else f"{d.year}年{d.month}月{d.day}日"


def _gaj(world, folder: Path) -> Path:
    """公安 户籍人口: SQLite, pinyin-initial column names, village by its 12-digit division code."""
    path = folder / "gaj_hjrk.db"
    r = world.register
    df = pd.DataFrame({
        "GMSFZH": r.id, "XM": r["name"], "XB": r.male.map({True: "1", False: "2"}), "MZ": r.ethnicity,
        "CSRQ": r.born.map(_ymd), "XZQH": r.village, "HH": r.household, "YHZGX": r.relation,
        "HJDJRQ": r.registered.map(lambda d: _ymd(d, "%Y-%m-%d")),
        "SWRQ": r.died.map(lambda d: _ymd(d, "%Y-%m-%d")), "ZXRQ": r.dereg.map(lambda d: _ymd(d, "%Y-%m-%d")),
        "GXSJ": "2026-11-30 08:00:00"})
    with sqlite3.connect(path) as conn:
        df.to_sql("T_HJRK", conn, index=False, if_exists="replace")
    return path


def _mz(world, folder: Path) -> Path:
    """民政 社会救助: JSON API dump, one record per assisted person, dates as 2023年5月1日."""
    a = world.assistance
    items = [{"sfzh": r.id, "xm": r["name"], "xb": SEX[r.male], "jzlx": r.kind, "gyfs": r["mode"],
              "yzbje": r.amount, "nbsj": _cn_date(r.start), "tbsj": _cn_date(r.stop),
              "xzjd": r.township_text, "cjmc": r.village_text} for _, r in a.iterrows()]
    path = folder / "mz_shjz.json"
    path.write_text(json.dumps({"code": 0, "msg": "成功", "data": {"total": len(items), "list": items}},
                               ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _cl(world, folder: Path) -> Path:
    """残联: GBK CSV; the ID sits in the 20-character certificate number, the village only in the address."""
    d = world.disability
    df = pd.DataFrame({
        "序号": range(1, len(d) + 1), "姓名": d["name"], "性别": d.male.map(SEX),
        "残疾人证号": d.id + d.category_no.astype(str) + d.grade_no.astype(str),
        "残疾类别": d.category, "残疾等级": d.grade,
        "户籍地址": "贵州省黔南布依族苗族自治州清溪县" + d.township_text + d.village_text + d.group.astype(str) + "组",
        "发证日期": d.issued.map(lambda x: f"{x.year}/{x.month}/{x.day}")})
    path = folder / "残联_持证残疾人.csv"
    df.to_csv(path, index=False, encoding="gbk")
    return path


def _rs(world, folder: Path) -> Path:
    """人社 城乡居民养老保险: .xlsx export with a title row and a two-row merged header."""
    p = world.pension
    wb = Workbook()
    ws = wb.active
    ws.title = "参保人员"
    ws.append(["清溪县城乡居民基本养老保险参保人员信息（导出时间：2026-11-30）"])
    ws.merge_cells("A1:J1")
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["序号", "个人信息", None, None, "参保信息", None, None, None, "所属乡镇（街道）", "所属村（居）"])
    ws.append([None, "姓名", "身份证号码", "性别", "参保状态", "参保时间", "缴费档次（元）", "月养老金（元）", None, None])
    for rng in ("A2:A3", "B2:D2", "E2:H2", "I2:I3", "J2:J3"):
        ws.merge_cells(rng)
    for row in ws.iter_rows(min_row=2, max_row=3):
        for c in row:
            c.alignment = Alignment(horizontal="center", vertical="center")
    for i, (_, r) in enumerate(p.iterrows(), start=1):
        ws.append([i, r["name"], r.id, SEX[r.male], r.status, r.insured.strftime("%Y-%m-%d"),
                   None if pd.isna(r.grade) else int(r.grade), None if pd.isna(r.benefit) else r.benefit,
                   r.township_text, r.village_text])
    path = folder / "人社_城乡居民养老保险参保信息.xlsx"
    wb.save(path)
    return path


def _wj(world, folder: Path) -> Path:
    """卫健 家庭医生签约: SQLite, places by short township name and 村委会 / 居委会 names."""
    h = world.health
    df = pd.DataFrame({"ZJHM": h.id, "XM": h["name"], "JKDAH": h.record_no, "QYZT": h.signed,
                       "QYRQ": h.signed_on.map(lambda d: None if d is None or pd.isna(d) else int(_ymd(d))),
                       "GXYBZ": h.hypertension, "TNBBZ": h.diabetes, "SSXZ": h.township_text, "SSCWH": h.village_text})
    path = folder / "wjw_jtys.db"
    with sqlite3.connect(path) as conn:
        df.to_sql("JTYS_QYXX", conn, index=False, if_exists="replace")
    return path


def _ty(world, folder: Path) -> Path:
    """退役军人事务局: UTF-8 CSV (with BOM) of veterans and entitled groups, months as 1998.12."""
    v = world.veterans
    ym = lambda d: "" if d is None or pd.isna(d) else f"{d.year}.{d.month:02d}"  # noqa: E731
    df = pd.DataFrame({"姓名": v["name"], "公民身份号码": v.id, "性别": v.male.map(SEX), "优抚对象类别": v.kind,
                       "入伍年月": v.enlist.map(ym), "退伍年月": v.discharge.map(ym),
                       "乡镇（街道）": v.township_text, "村（社区）": v.village_text})
    path = folder / "退役军人信息采集.csv"
    df.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def write(world) -> dict[str, Path]:
    folder = world.out / "systems"
    folder.mkdir(parents=True, exist_ok=True)
    return {"gaj": _gaj(world, folder), "mz": _mz(world, folder), "cl": _cl(world, folder), "rs": _rs(world, folder),
            "wj": _wj(world, folder), "ty": _ty(world, folder)}
