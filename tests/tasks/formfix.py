"""Reports saved from real department forms (.xlsx drawn, imported, mapped with collected columns, saved,
approved), for the task sheet and batch tests."""

from __future__ import annotations

from pathlib import Path

from biaotong.auth.actor import Actor
from biaotong.forms.service import import_form
from biaotong.forms.sketch import sketch_form
from biaotong.forms.spec import apply_mapping, build_spec
from biaotong.forms.store import save_report
from biaotong.review import approve
from biaotong.workspace import Workspace
from tests.reports.county import COUNTY, T1, T2

MZ = Actor("mz", frozenset({"designer"}), COUNTY, "civil_affairs", "public")
ADMIN = Actor("sjj", frozenset({"data_admin"}), None, None, "staff")
TOWN1 = Actor("zhen1", frozenset({"township"}), T1, None, "staff")
TOWN2 = Actor("zhen2", frozenset({"township"}), T2, None, "staff")
TABLE = ["村（社区）", "户籍人口(人)", "村两委成员数(人)", "网格数(个)"]
CARD = {
    "id": "task-village-card", "department": "civil_affairs", "split": "tuning", "title": "村基本情况表",
    "layout": "card", "level": "village", "reference": "统计时点",
    "columns": [
        {"header": "户籍人口", "unit": "人", "truth": {"indicator": "pop_total"}},
        {"header": "村两委成员数", "unit": "人", "truth": {"collected": "cadres"}},
        {"header": "网格数", "unit": "个", "truth": {"collected": "grid_count"}},
    ],
}


def village(code: str) -> Actor:
    return Actor(f"cun{code[-3:]}", frozenset({"grassroots"}), code, None, "staff")


def save_table_form(ws: Workspace, folder: Path, report_id: str = "mz_form") -> Path:
    """A table form: a row per village; 户籍人口 from the register, 两委成员数 and 网格数 collected."""
    form = folder / "村级基本情况年报.xlsx"
    form.write_bytes(sketch_form("村级基本情况年报", TABLE))
    layout, proposals, raw = import_form(form, ws=ws)
    apply_mapping(proposals, {"B": "pop_total", "C": "collected:cadres", "D": "collected:grid_count"}, layout=layout)
    spec = build_spec(layout, proposals, report_id=report_id, title=None, department="civil_affairs",
                      period_type="year", level="village")
    save_report(ws, spec, raw)
    approve(ws, report_id, "两委成员数、网格数由村填报", "数据局")
    return form


def save_card_form(ws: Workspace, folder: Path, report_id: str = "mz_card") -> dict:
    """A card form (one village per sheet) with the same fields, as departments draw it."""
    from tests.forms.corpus.render import render_form

    path = folder / "村基本情况表.xlsx"
    truth = render_form(CARD, 2, path)
    layout, proposals, raw = import_form(path, ws=ws)
    mapping = {}
    for leaf in truth["leaves"]:
        t = leaf["truth"]
        mapping[leaf["cell"]] = t["indicator"] if "indicator" in t else f"collected:{t['collected']}"
    apply_mapping(proposals, mapping, layout=layout)
    spec = build_spec(layout, proposals, report_id=report_id, title=None, department="civil_affairs",
                      period_type="year", level="village")
    save_report(ws, spec, raw)
    approve(ws, report_id, "两委成员数、网格数由村填报", "数据局")
    return truth
