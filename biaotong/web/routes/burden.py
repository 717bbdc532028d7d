"""The burden dashboard: hours saved per report and per township, fields pre-filled / reused / typed, and
feedback per department (open, overdue, median hours to answer), as ECharts charts. The figures come from
biaotong.services.tasks.burden and biaotong.services.feedback.stats; this module only groups them for charts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from biaotong.i18n import msg
from biaotong.services import feedback as feedback_svc
from biaotong.services import tasks as tasks_svc
from biaotong.web.deps import ApiActor, PageActor, WorkspaceDep
from biaotong.web.render import NavItem, page

api = APIRouter(prefix="/api/burden", tags=["burden"])
pages = APIRouter(prefix="/burden")
nav = [NavItem("/burden", "减负看板", "Burden", (), 45)]

PeriodQ = Annotated[str | None, Query(max_length=20, description="the tasks' period (default: the latest)")]
Org = Annotated[str | None, Query(max_length=12, description="org unit code (default: the user's scope root)")]
KINDS = ("prefilled", "reused", "typed")


def _period(ws: Any, actor: Any, period: str | None) -> str | None:
    if period:
        return period
    periods = sorted({t["period"] for t in tasks_svc.list_tasks(ws, actor)})
    return periods[-1] if periods else None


def _township(tree: Any, code: str) -> str:
    try:
        return next((u.code for u in tree.ancestors(code) if u.level == "township"), code)
    except Exception:  # a unit no longer in the tree is shown under its own code
        return code


def dashboard(ws: Any, burden: dict[str, Any], stats: dict[str, Any]) -> dict[str, Any]:
    """Per report and per township: tasks with recorded work, fields by origin, hours; per department: feedback."""
    tree = ws.org_tree()
    per_report: dict[str, dict[str, float]] = {}
    per_town: dict[str, dict[str, float]] = {}
    for t in burden["tasks"]:
        if not t["fields"]:
            continue  # not yet submitted: no recorded work
        for key, bucket in ((t["report"], per_report), (_township(tree, t["org_code"]), per_town)):
            d = bucket.setdefault(key, {"tasks": 0, "hours_saved": 0.0, "hours_typed": 0.0, **dict.fromkeys(KINDS, 0)})
            d["tasks"] += 1
            d["hours_saved"] += t["hours_saved"]
            d["hours_typed"] += t["hours_typed"]
            for k in KINDS:
                d[k] += t[k]
    rounded = {k: {c: {m: round(v, 2) for m, v in d.items()} for c, d in b.items()}
               for k, b in (("reports", per_report), ("townships", per_town))}
    for code, d in rounded["townships"].items():
        d["name"] = tree.name_of(code)  # type: ignore[assignment]
    return {"period": burden["period"], "totals": burden["totals"], "minutes_per_field": burden["minutes_per_field"],
            **rounded, "feedback": stats["departments"]}


def charts(d: dict[str, Any]) -> list[dict[str, Any]]:
    """ECharts options (plain JSON, no functions) for /static/charts.js."""
    reports = list(d["reports"])
    towns = list(d["townships"])
    depts = list(d["feedback"])
    saved, typed = msg("节省工时", "hours saved"), msg("实际填写工时", "hours typed")

    def bars(title: str, labels: list[str], series: list[tuple[str, list[Any]]], stack: bool = True) -> dict[str, Any]:
        return {"title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
                "tooltip": {"trigger": "axis"}, "legend": {"bottom": 0},
                "grid": {"left": 48, "right": 16, "top": 40, "bottom": 80, "containLabel": True},
                "xAxis": {"type": "category", "data": labels, "axisLabel": {"rotate": 30, "interval": 0}},
                "yAxis": {"type": "value"},
                "series": [{"type": "bar", "name": n, "data": v, **({"stack": "s"} if stack else {})} for n, v in series]}

    feedback = bars(msg("各部门反馈", "Feedback per department"), depts, [
        (msg("待答复", "open"), [d["feedback"][x]["open"] for x in depts]),
        (msg("已逾期", "overdue"), [d["feedback"][x]["overdue"] for x in depts]),
        (msg("表外表", "outside forms"), [d["feedback"][x].get("outside_forms", 0) for x in depts])], stack=False)
    feedback["yAxis"] = [{"type": "value"}, {"type": "value", "name": msg("答复中位小时", "median hours")}]
    feedback["series"].append({"type": "line", "yAxisIndex": 1, "name": msg("答复中位小时", "median hours to answer"),
                               "data": [d["feedback"][x]["median_hours_to_answer"] for x in depts]})
    return [
        {"id": "by-report", "option": bars(msg("各报表节省工时（小时）", "Hours saved per report"), reports, [
            (saved, [d["reports"][r]["hours_saved"] for r in reports]),
            (typed, [d["reports"][r]["hours_typed"] for r in reports])])},
        {"id": "by-township", "option": bars(msg("各乡镇节省工时（小时）", "Hours saved per township"),
                                             [d["townships"][c]["name"] for c in towns], [
            (saved, [d["townships"][c]["hours_saved"] for c in towns]),
            (typed, [d["townships"][c]["hours_typed"] for c in towns])])},
        {"id": "fields", "option": bars(msg("字段来源", "Fields by origin"), reports, [
            (msg("系统预填", "pre-filled"), [d["reports"][r]["prefilled"] for r in reports]),
            (msg("复用已填", "reused"), [d["reports"][r]["reused"] for r in reports]),
            (msg("人工填写", "typed"), [d["reports"][r]["typed"] for r in reports])])},
        {"id": "feedback", "option": feedback},
    ]


@api.get("", summary="Burden per unit and report: fields asked, pre-filled, reused, typed; hours saved")
def burden_api(actor: ApiActor, ws: WorkspaceDep, period: Annotated[str, Query(max_length=20)],
               org: Org = None) -> dict[str, Any]:
    return tasks_svc.burden(ws, actor, period, org)


@api.get("/dashboard", summary="The dashboard's figures: per report, per township, feedback per department")
def dashboard_api(actor: ApiActor, ws: WorkspaceDep, period: PeriodQ = None, org: Org = None) -> dict[str, Any]:
    per = _period(ws, actor, period)
    if per is None:
        return {"period": None, "reports": {}, "townships": {}, "feedback": feedback_svc.stats(ws, actor)["departments"]}
    return dashboard(ws, tasks_svc.burden(ws, actor, per, org), feedback_svc.stats(ws, actor))


@pages.get("")
def dashboard_page(request: Request, actor: PageActor, ws: WorkspaceDep, period: PeriodQ = None,
                   org: Org = None) -> Response:
    per = _period(ws, actor, period)
    stats = feedback_svc.stats(ws, actor)
    if per is None:
        data = {"period": None, "totals": None, "reports": {}, "townships": {}, "feedback": stats["departments"]}
    else:
        data = dashboard(ws, tasks_svc.burden(ws, actor, per, org), stats)
    return page(request, "burden.html", actor, data=data, charts=charts(data), period=per or "", org=org or "")
