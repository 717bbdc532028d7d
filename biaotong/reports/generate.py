"""generate(ws, report_id, period, org_code): a report as of the period end, in any of the three layouts.

Aggregate: the one table registered as of the period end; all fields of one entity in ONE query whose
GROUPING SETS give every org level (rows, subtotals, grand total) exactly, even for distinct counts and
averages; ratios / previous / change derived afterwards, the previous period from the one table as of its
own end. Roster: the entities matching the filter, masked for the caller's role. Form: one unit's values.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biaotong.expr import previous_needs
from biaotong.i18n import msg
from biaotong.reports.aggregate import compute, data_org_codes, derive_all
from biaotong.reports.context import Engine, all_specs, get_spec
from biaotong.reports.knowledge import missing_of, undated, warn_knowledge
from biaotong.reports.mask import normalize_role
from biaotong.reports.members import count_through_members
from biaotong.reports.orgmap import OrgPlan, layout_rows, plan_orgs
from biaotong.reports.period import Period
from biaotong.reports.resolve import DEFAULT_ENTITY, Resolved, resolve
from biaotong.reports.result import ReportResult, Row
from biaotong.reports.roster import explain_unanswered, fetch_roster
from biaotong.reports.spec import ReportSpec

if TYPE_CHECKING:
    from biaotong.workspace import Workspace


def _period(period: Period | str, spec: ReportSpec) -> Period:
    return period if isinstance(period, Period) else Period.parse(period, spec.period_type)


def generate(
    ws: Workspace, report_id: str | ReportSpec, period: Period | str, org_code: str, *,
    level: str | None = None, role: str | None = None, engine: Engine | None = None, actor: str = "cli",
    purpose: str = "report.generate", known_at: datetime | None = None,
) -> ReportResult:
    """`known_at`: what the lake knew then (`--as-known-at`); by default its newest snapshots. A given
    `engine` carries its own known_at."""
    spec = report_id if isinstance(report_id, ReportSpec) else get_spec(ws, report_id)
    per = _period(period, spec)
    role_ = normalize_role(role)
    own = engine is None
    eng = engine or Engine(ws, known_at=known_at)
    try:
        if spec.layout == "roster":
            result = _roster(eng, spec, per, org_code, role_)
            explain_unanswered(result, eng.catalog)  # a collected column's blanks, explained (not 0)
            _record_clear_reads(ws, eng, result, actor, purpose)
            return result
        return _aggregate(eng, spec, per, org_code, level, role_)
    finally:
        if own:
            eng.close()


def _entities(res: Resolved) -> list[str]:
    from biaotong.expr import entities_of

    return entities_of(res.fields, DEFAULT_ENTITY)


def _plan(eng: Engine, con: Any, entities: list[str], per: Period, org_code: str, level: str | None) -> OrgPlan:
    return plan_orgs(eng.tree, org_code, level, per.end, data_org_codes(con, entities))


def _aggregate(
    eng: Engine, spec: ReportSpec, per: Period, org_code: str, level: str | None, role: str
) -> ReportResult:
    res = resolve(spec, eng.library)
    entities = _entities(res)
    # This period's answers only (its own window, its month, its year, until changed): regenerating June after
    # July was approved still prints June's.
    con, snaps = eng.connection(period=per)
    state = eng.state(per)
    row_level = _card_level(eng, spec, per, org_code, level) if spec.layout == "form" else (level or spec.level)
    plan = _plan(eng, con, entities, per, org_code, row_level)
    # 户数 with no household source, where residents carry their 户号: distinct 户号 (said so in the warnings)
    fields, through = count_through_members(res.fields, state, eng.catalog, report_id=spec.id)
    now = compute(con, fields, plan, eng.catalog, per.start, per.end, report_id=spec.id, state=state)
    before = None
    prev_fields = previous_needs(fields)
    if prev_fields:
        prev = per.previous()
        # The same knowledge, the previous period's dates and answers; its data placed in this period's rows
        # (merged units roll into successors).
        pcon, _ = eng.connection(period=prev)
        before = compute(pcon, prev_fields, plan, eng.catalog, prev.start, prev.end, report_id=spec.id,
                         state=eng.state(prev))
    layout = layout_rows(eng.tree, plan)
    codes = [u.code for u, _, _ in layout]
    values = derive_all(fields, now, before, codes)
    result = ReportResult(
        spec=spec, period=per, org_code=plan.unit.code, org_name=plan.unit.name, columns=res.columns(),
        level=plan.level, role=role, snapshots=snaps, generated_at=datetime.now(UTC),
        sql=dict(now.sql), known_at=eng.known_at,
        missing=missing_of(res, now, before), undated=undated(eng.catalog, state, entities),
    )
    shown = res.shown
    for unit, depth, is_sub in layout:
        vals = {fid: _tidy(values[unit.code].get(fid)) for fid in shown}
        result.rows.append(Row(
            org_code=unit.code, name=unit.name, level=unit.level, values=vals, is_subtotal=is_sub and depth > 0,
            is_total=depth == 0, depth=depth, parent=unit.parent,
        ))
    _unanswered(result, res)
    if spec.layout == "form":
        def items(values: dict[str, Any]) -> list[dict[str, Any]]:
            return [{"id": c.id, "label": c.label, "unit": c.unit, "group": list(c.group), "value": values.get(c.id)}
                    for c in result.columns]

        result.items = items(result.rows[0].values)
        result.cards = [{"org_code": r.org_code, "org_name": r.name, "items": items(r.values)}
                        for r in result.rows if row_level and r.level == row_level and not r.is_total]
        result.rows = []
    _warn(result, res, now, plan)
    result.warnings.extend(msg(f"字段 {fid}：{n['zh']}", f"field {fid}: {n['en']}")
                           for fid, n in through.items() if fid in res.shown)
    warn_knowledge(result, eng.catalog, state, entities)
    return result


def _unanswered(result: ReportResult, res: Resolved) -> None:
    """A collected field that some units have not answered yet: blank there, and said so (not 0)."""
    for fid, f in res.fields.items():
        if f.kind != "collected" or fid not in res.shown or fid in result.missing:
            continue
        blank = [r.name for r in result.rows if r.values.get(fid) is None]
        if blank:
            result.missing[fid] = {
                "zh": f"基层采集项，{len(blank)} 个单位尚无人填报：{'、'.join(blank[:5])}{'等' if len(blank) > 5 else ''}",
                "en": f"collected from the grassroots; {len(blank)} units have not answered yet",
                "elements": [f"{f.entity or 'village'}.{f.collected}"], "collect": True, "units": blank[:50],
            }


def _card_level(eng: Engine, spec: ReportSpec, per: Period, org_code: str, level: str | None) -> str | None:
    """A single-unit form asked for a unit above its level (a village card for a township) is one card per
    unit of the form's level; for a unit at or below it, the one card of that unit."""
    from biaotong.reports.orgmap import LEVELS

    want = level or spec.level
    try:
        unit = eng.tree.get(org_code, per.end)
    except Exception:  # plan_orgs reports an unknown unit with the right message
        return None
    if want in LEVELS and unit.level in LEVELS and LEVELS.index(want) > LEVELS.index(unit.level):
        return want
    return None


def _tidy(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 4) if v != int(v) else (int(v) if abs(v) < 2**53 else v)
    return v


def _warn(result: ReportResult, res: Resolved, now: Any, plan: OrgPlan) -> None:
    for fid, why in result.missing.items():
        if fid in res.shown:
            result.warnings.append(msg(f"字段 {fid} 缺数，留空：{why['zh']}", f"field {fid} is missing, left blank: {why['en']}"))
    if plan.unplaced:
        result.warnings.append(msg(
            f"{len(plan.unplaced)} 个数据中的区划代码在报告期末无法归入所选单位的行：{', '.join(plan.unplaced[:5])}",
            f"{len(plan.unplaced)} org codes in the data cannot be placed in a row at the period end: "
            f"{', '.join(plan.unplaced[:5])}",
        ))



def _roster(eng: Engine, spec: ReportSpec, per: Period, org_code: str, role: str) -> ReportResult:
    assert spec.roster is not None
    con, snaps = eng.connection(period=per)
    plan = plan_orgs(eng.tree, org_code, "village", per.end, data_org_codes(con, [spec.roster.entity]))
    columns, records, sql, places = fetch_roster(con, spec, eng.catalog, eng.tree, plan, per.start, per.end, role)
    return ReportResult(
        spec=spec, period=per, org_code=plan.unit.code, org_name=plan.unit.name, columns=columns,
        records=records, places=places, level="village", role=role,
        snapshots=[s for s in snaps if s.get("entity") == spec.roster.entity], sql={spec.roster.entity: sql},
        generated_at=datetime.now(UTC), known_at=eng.known_at,
        undated=undated(eng.catalog, eng.state(per), [spec.roster.entity]),
    )


def _record_clear_reads(ws: Workspace, eng: Engine, result: ReportResult, actor: str, purpose: str) -> None:
    """Personal elements shown unmasked to a cleared role are a read of personal data: record it."""
    from biaotong.reports.mask import must_mask
    from biaotong.reports.record import record_personal_read

    assert result.spec.roster is not None
    entity = result.spec.roster.entity
    clear = [
        c.id for c in result.columns
        if eng.catalog.has_element(entity, c.id)
        and (el := eng.catalog.element(entity, c.id)).sensitivity in ("personal", "sensitive")
        and not must_mask(el, result.role)
    ]
    record_personal_read(ws, f"report:{result.spec.id}/{result.period.code}/{result.org_code}",
                         role=result.role, rows=len(result.records), elements=clear, actor=actor, purpose=purpose)


def generate_all(
    ws: Workspace, period: Period | str | None = None, org: str | None = None, out_dir: Path | str = "out", *,
    fmt: str = "xlsx", role: str | None = None, report_ids: list[str] | None = None, actor: str = "cli",
    progress: Callable[[int, int, str], None] | None = None, known_at: datetime | None = None,
) -> list[Path]:
    """Every report, written to out_dir/<id><suffix>; returns the files written. progress(done, total, id)
    is called after each report (the CLI's progress bar).

    One period text serves all reports: each uses the period of its own type that contains the text's end
    (2025-06 → 2025Q2 for a quarterly report). Without a period: the last complete month. Without an org:
    the top of the tree at the period end (descending while a unit has a single child, e.g. to the county).
    """
    from biaotong.reports.export import export, suffix

    specs = all_specs(ws)
    chosen = [specs[i] for i in report_ids] if report_ids else sorted(specs.values(), key=lambda s: s.id)
    out = Path(out_dir)
    written: list[Path] = []
    eng = Engine(ws, known_at=known_at)
    text = period.code if isinstance(period, Period) else (period or workspace_period(ws))
    try:
        code = org or default_org(eng, Period.parse(text).end)
        for spec in chosen:
            per = _fit(text, spec)
            result = generate(ws, spec, per, code, role=role, engine=eng, actor=actor)
            written.append(export(result, fmt, out / f"{spec.id}{suffix(fmt)}", ws=ws, actor=actor))
            if progress is not None:
                progress(len(written), len(chosen), spec.id)
    finally:
        eng.close()
    return written


def workspace_period(ws: Workspace) -> str:
    """The workspace's default_period setting (the demo sets the month its data describes), else last month."""
    return str(ws.setting("default_period") or default_period())


def default_period(today: date | None = None) -> str:
    d = today or date.today()
    y, m = (d.year - 1, 12) if d.month == 1 else (d.year, d.month - 1)
    return f"{y}-{m:02d}"


def default_org(eng: Engine, on: date) -> str:
    roots = eng.tree.roots(on)
    if not roots:
        from biaotong.errors import ReportError, where

        raise ReportError("组织机构树为空，请先导入行政区划", "the org tree is empty: import it first", where(key="org"))
    unit = roots[0]
    while True:
        kids = eng.tree.children(unit.code, on)
        if len(kids) != 1 or kids[0].level == "village":
            return unit.code
        unit = kids[0]


def _fit(text: str, spec: ReportSpec) -> Period:
    """The period to use for `spec` when one text is given for all reports: as written, or the period of
    the spec's type that contains its end (e.g. 2025-06 → 2025Q2 for a quarterly report)."""
    p = Period.parse(text)
    if p.kind in (spec.period_type, "adhoc") or spec.period_type == "adhoc":
        return p
    end = p.end
    code = {
        "month": f"{end.year}-{end.month:02d}",
        "quarter": f"{end.year}Q{(end.month - 1) // 3 + 1}",
        "half_year": f"{end.year}H{1 if end.month <= 6 else 2}",
        "year": str(end.year),
    }[spec.period_type]
    return Period.parse(code, spec.period_type)
