"""A tiny county and a real SQLite population register, registered as a source of a workspace."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from biaotong.catalog import import_org_tree, make_citizen_id
from biaotong.workspace import Workspace

ORG_TREE = """
units:
  - {code: "530000000000", name: 云岭省, level: province}
  - {code: "530900000000", name: 彩云市, level: city, parent: "530000000000"}
  - {code: "530927000000", name: 青山县, level: county, parent: "530900000000"}
  - {code: "530927101000", name: 石桥镇, level: township, parent: "530927000000"}
  - {code: "530927101201", name: 杨柳村, level: village, parent: "530927101000", aliases: [杨柳村委会]}
  - {code: "530927101202", name: 龙潭社区, level: village, parent: "530927101000"}
"""

GAJ_SPEC = """
name: gaj
title: 公安人口信息系统
department: public_security
entity: resident
connection: {kind: sqlite, url: "sqlite:///gaj.db"}
table: t_rk
columns:
  GMSFHM: id_number
  XM: name
  XB: sex
  CSRQ: {element: birth_date, date_format: auto}
  XZQH: org_code
sync: {mode: full, updated_at: GXSJ}
"""

CL_SPEC = """
name: cl
title: 残联残疾人系统
department: disabled_federation
entity: resident
connection: {kind: csv, path: cl.csv, encoding: gbk}
columns:
  身份证号: id_number
  性别: sex
  村: {element: org_code, org_by_name: true}
  残疾类别: disability_category
"""


def person(i: int, sex: str = "1") -> str:
    from datetime import date

    return make_citizen_id("530927", date(1950 + i % 50, 1 + i % 12, 1 + i % 28), i % 500 * 2 + (1 if sex == "1" else 0))


def write_gaj(path: Path, n: int, *, start: int = 0, stamp: str = "2025-01-01 00:00:00") -> list[str]:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE IF NOT EXISTS t_rk (GMSFHM TEXT, XM TEXT, XB TEXT, CSRQ TEXT, XZQH TEXT, GXSJ TEXT)")
    ids = []
    rows = []
    for i in range(start, start + n):
        sex = "1" if i % 2 else "2"
        pid = person(i, sex)
        ids.append(pid)
        rows.append((pid, f"张{i}", sex, pid[6:14], "530927101201" if i % 3 else "530927101202", stamp))
    con.executemany("INSERT INTO t_rk VALUES (?,?,?,?,?,?)", rows)
    con.commit()
    con.close()
    return ids


@pytest.fixture
def county(workspace: Workspace, tmp_path: Path) -> Workspace:
    tree = tmp_path / "org.yaml"
    tree.write_text(ORG_TREE, encoding="utf-8")
    with workspace.engine.begin() as conn:
        import_org_tree(conn, tree)
    return workspace
