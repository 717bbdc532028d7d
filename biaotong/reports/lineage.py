"""Cell lineage: for any number of a report, the expression, the compiled SQL, the snapshots (ids and
SHA-256) behind it, how many rows it counts, and a drill-down to those rows, masked for the caller's role."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from biaotong.errors import ExpressionError, ReportError, where
from biaotong.expr import compile_fields
from biaotong.expr.dialects import render
from biaotong.onetable.windows import is_collection_source
from biaotong.reports.aggregate import data_org_codes, field_missing
from biaotong.reports.context import Engine, get_spec
from biaotong.reports.generate import generate
from biaotong.reports.mask import normalize_role
from biaotong.reports.members import count_through_members
from biaotong.reports.orgmap import plan_orgs
from biaotong.reports.period import Period
from biaotong.reports.record import clear_personal, record_personal_read
from biaotong.reports.resolve import DEFAULT_ENTITY, Resolved, resolve
from biaotong.reports.roster import display_value

if TYPE_CHECKING:
    from biaotong.workspace import Workspace


def explain(
    ws: Workspace, report_id: str, period: Period | str, org_code: str, field: str, *,
    role: str | None = None, limit: int = 20, actor: str = "cli", purpose: str = "report.explain",
    known_at: datetime | None = None,
) -> dict[str, Any]:
    """The cell's lineage; drill-down rows shown in clear are recorded as a read of personal data by `actor`."""
    spec = get_spec(ws, report_id)
    per = period if isinstance(period, Period) else Period.parse(period, spec.period_type)
    role_ = normalize_role(role)
    eng = Engine(ws, known_at=known_at)
    try:
        if spec.layout == "roster":
            return _roster_lineage(ws, eng, spec, per, org_code, role_, limit, actor, purpose)
        res = resolve(spec, eng.library)
        if field not in res.fields:
            spec.field(field)  # raises, naming the available fields
        try:
            unit = eng.tree.get(org_code, per.end)
        except Exception as exc:
            raise ReportError(f"报告期末不存在的单位：{org_code}", f"no such org unit at the period end: {org_code}",
                              where(key="org")) from exc
        result = generate(ws, spec, per, org_code, level=unit.level, role=role_, engine=eng)
        value = _value(result, field)
        reads: list[tuple[int, list[str]]] = []
        info = _field_info(eng, res, field, per, org_code, role_, limit, reads)
        what = f"report:{spec.id}/{per.code}/{unit.code}#{field}"
        for rows, clear in reads:
            record_personal_read(ws, what, role=role_, rows=rows, elements=clear, actor=actor, purpose=purpose)
        info.update({
            "report": spec.id, "title": spec.title, "period": per.code, "period_start": per.start.isoformat(),
            "period_end": per.end.isoformat(), "org_code": unit.code, "org_name": unit.name, "value": value,
            "role": role_, "warnings": result.warnings, "known_at": known_at.isoformat() if known_at else None,
            "undated": result.undated,
        })
        info.setdefault("missing", False)
        if field in result.missing:  # blank, not 0: say why (a ratio of a missing field is missing too)
            why = result.missing[field]
            info.update({"missing": True, "missing_reason": why["zh"], "missing_reason_en": why["en"],
                         "missing_elements": why.get("elements", [])})
        return info
    finally:
        eng.close()


def _value(result: Any, field: str) -> Any:
    if result.items:
        return next((it["value"] for it in result.items if it["id"] == field), None)
    return result.rows[0].values.get(field) if result.rows else None


def _label(res: Resolved, field: str) -> str:
    fs = next((f for f in res.spec.fields if f.id == field), None)
    return fs.label if fs else field


def _field_info(
    eng: Engine, res: Resolved, field: str, per: Period, org_code: str, role: str, limit: int,
    reads: list[tuple[int, list[str]]],
) -> dict[str, Any]:
    f = res.fields[field]
    base: dict[str, Any] = {
        "field": field, "label": _label(res, field), "kind": f.kind, "indicator": res.indicator_of.get(field),
        "expression": f.model_dump(exclude_none=True, exclude_defaults=True),
    }
    if f.kind in ("ratio", "previous", "change"):
        when = per.previous() if f.kind == "previous" else per
        base["formula"] = {
            "ratio": lambda: f"{f.ratio[0]} / {f.ratio[1]}" + (" × 100" if f.percent else ""),  # type: ignore[index]
            "previous": lambda: f"{f.previous} @ {when.code}",
            "change": lambda: f"{f.change} @ {per.code} − {f.change} @ {per.previous().code}",
        }[f.kind]()
        inputs = []
        for ref in f.refs:
            inputs.append(_field_info(eng, res, ref, when, org_code, role, limit, reads))
            if f.kind == "change":
                inputs.append(_field_info(eng, res, ref, per.previous(), org_code, role, limit, reads))
        base["inputs"] = inputs
        base["snapshots"] = [s for i in inputs for s in i["snapshots"]]
        base["sql"] = None
        return base
    state = eng.state(per)
    read_as, through = count_through_members({field: f}, state, eng.catalog, report_id=res.spec.id)
    if field in through:  # read as the report read it: distinct member keys
        f = read_as[field]
        base.update({"counted_through": through[field], "note_zh": through[field]["zh"]})
    entity = f.entity or DEFAULT_ENTITY
    con, snaps = eng.connection(period=per)  # the period's own collected answers, as the report read them
    plan = plan_orgs(eng.tree, org_code, None, per.end, data_org_codes(con, [entity]))
    pop = f.population if f.kind == "aggregate" else None
    q = compile_fields({field: f}, entity, eng.catalog, per.start, per.end, report_id=res.spec.id, population=pop)
    meta = q.fields[field]
    why = field_missing(state, q, field, entity, pop, eng.catalog)
    # Of the collection's windows, only those the field's elements were read from (June's for June's cell).
    read = {src for e in meta.elements if "." in e
            for src in (state.entities[e.split(".", 1)[0]].element_sources.get(e.split(".", 1)[1], [])
                        if e.split(".", 1)[0] in state.entities else [])}
    base.update({
        "period": per.code, "entity": entity, "elements": list(meta.elements), "sql": q.sql(),
        "snapshots": [s for s in snaps if s.get("entity") in (set(meta.entities) or {entity})
                      and (not is_collection_source(s.get("source") or "") or s.get("source") in read)],
        "villages": plan.data_codes(), "missing": why is not None, "population": pop or "register",
    })
    if why is not None:
        base.update({"rows": 0, "drilldown": [], "missing_reason": why["zh"], "missing_reason_en": why["en"],
                     "missing_elements": why.get("elements", []),
                     "note": "missing: blank in every output, never 0"})
        return base
    try:
        tree = q.drilldown(field, plan.data_codes() or [""])
    except ExpressionError as exc:
        base.update({"rows": None, "drilldown": None, "drilldown_error": exc.message})
        return base
    sql = render(tree, "duckdb", pretty=False)
    base["drilldown_sql"] = render(tree, "duckdb")
    base["rows"] = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]  # type: ignore[index]
    cur = con.execute(f"{sql} LIMIT {int(limit)}")
    names = [d[0] for d in cur.description]
    elements = {e.code: e for e in eng.catalog.elements_of(entity)}
    base["drilldown"] = [
        {n: (display_value(elements[n], v, eng.catalog, eng.tree, per.end, role) if n in elements else v)
         for n, v in zip(names, row, strict=True)}
        for row in cur.fetchall()
    ]
    reads.append((len(base["drilldown"]), clear_personal([elements[n] for n in names if n in elements], role)))
    return base


def _roster_lineage(
    ws: Workspace, eng: Engine, spec: Any, per: Period, org_code: str, role: str, limit: int, actor: str,
    purpose: str,
) -> dict[str, Any]:
    result = generate(ws, spec, per, org_code, role=role, engine=eng, actor=actor, purpose=purpose)
    return {
        "report": spec.id, "title": spec.title, "field": None, "label": spec.title, "kind": "roster",
        "period": per.code, "org_code": result.org_code, "org_name": result.org_name, "value": len(result.records),
        "rows": len(result.records), "sql": result.sql.get(spec.roster.entity), "snapshots": result.snapshots,
        "expression": {"filter": spec.roster.filter}, "drilldown": result.records[:limit], "role": role,
        "warnings": result.warnings,
    }
