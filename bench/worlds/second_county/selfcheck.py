"""Read every system file back, independently of biaotong, and check it still says what the records say.

A miss in the measurement must be biaotong's, not the generator's: each file's people (ID numbers, cut out of
the certificate number for 残联) and each row's place text, resolved by this module's own rules (suffixes,
short and old names, the township given in the row, or the address text), must give back the records.
"""

from __future__ import annotations

import json
import re
import sqlite3

import pandas as pd
from openpyxl import load_workbook

from .world import COUNTY, TOWNSHIPS

_T = re.compile(r"(街道办事处|办事处|街道|水族乡|民族乡|镇|乡)$")
_V = re.compile(r"(社区居民委员会|居民委员会|村民委员会|社区居委会|居委会|村委会|社区|村)$")


def _township(text: str) -> str | None:
    base = _T.sub("", str(text).strip())
    for code, name, old, _ in TOWNSHIPS:
        if base in (_T.sub("", name), _T.sub("", old or name)):
            return code
    return None


def _village(township: str | None, text: str) -> str | None:
    base = _V.sub("", str(text).strip())
    for code, _n, _o, villages in TOWNSHIPS:
        if code == township:
            for vcode, vname in villages:
                if _V.sub("", vname) == base:
                    return vcode
    return None


def _from_address(text: str) -> str | None:
    rest = str(text).split(COUNTY[1], 1)[-1]
    for code, name, old, _villages in TOWNSHIPS:
        for t in sorted({name, name + "办事处", old or name, _T.sub("", name) + "乡", _T.sub("", name)}, key=len, reverse=True):
            if rest.startswith(t):
                return _village(code, re.sub(r"\d+组$", "", rest[len(t):]))
    return None


def _same(label: str, got: pd.DataFrame, want: pd.DataFrame, problems: list[str]) -> None:
    if sorted(got.id) != sorted(want.id):
        problems.append(f"{label}: ID numbers differ from the records")
    placed = got.dropna(subset=["village"])
    if len(placed) != len(got) or list(placed.village) != list(want.village):
        problems.append(f"{label}: {len(got) - len(placed)} place texts do not resolve, or resolve elsewhere")


def check(world) -> list[str]:
    problems: list[str] = []
    f = world.files
    with sqlite3.connect(f["gaj"]) as c:
        g = pd.read_sql("select GMSFZH id, XZQH village from T_HJRK", c)
    _same("公安", g, world.register, problems)
    items = json.loads(f["mz"].read_text(encoding="utf-8"))["data"]["list"]
    m = pd.DataFrame({"id": [i["sfzh"] for i in items],
                      "village": [_village(_township(i["xzjd"]), i["cjmc"]) for i in items]})
    _same("民政", m, world.assistance, problems)
    cl = pd.read_csv(f["cl"], encoding="gbk", dtype=str)
    _same("残联", pd.DataFrame({"id": cl["残疾人证号"].str[:18], "village": cl["户籍地址"].map(_from_address)}),
          world.disability, problems)
    ws = load_workbook(f["rs"], read_only=True).worksheets[0]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True)]
    _same("人社", pd.DataFrame({"id": [r[2] for r in rows], "village": [_village(_township(r[8]), r[9]) for r in rows]}),
          world.pension, problems)
    with sqlite3.connect(f["wj"]) as c:
        w = pd.read_sql("select ZJHM id, SSXZ t, SSCWH v from JTYS_QYXX", c)
    _same("卫健", pd.DataFrame({"id": w.id, "village": [_village(_township(t), v) for t, v in zip(w.t, w.v, strict=True)]}),
          world.health, problems)
    ty = pd.read_csv(f["ty"], encoding="utf-8-sig", dtype=str)
    _same("退役军人", pd.DataFrame({"id": ty["公民身份号码"], "village": [_village(_township(t), v) for t, v in
                                                         zip(ty["乡镇（街道）"], ty["村（社区）"], strict=True)]}),
          world.veterans, problems)
    return problems
