"""Report operations for an acting user: list, generate (one or all), explain a cell.

Scope: the unit asked for must lie in the user's org subtree on the period end. Role: report readers, a
designer alone only their department's reports. Masking: by the user's clearance, in every output. A field
filtering on an ID number, name or phone is refused below `cleared`; counts below the workspace's
`small_count_threshold` are shown as `<N` to users without personal clearance. Clear reads are recorded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biaotong.auth.actor import Actor, require_role, require_scope
from biaotong.errors import ReportError, where
from biaotong.reports import cache
from biaotong.reports.period import Period
from biaotong.reports.resolve import Resolved, resolve
from biaotong.reports.spec import ReportSpec
from biaotong.services.access import (
    REPORT_READERS,
    can_read_report,
    count_fields,
    personal_clearance,
    refuse_identifier_filters,
    require_report,
    small_count_threshold,
    suppressed,
)

if TYPE_CHECKING:
    from biaotong.reports.result import ReportResult
    from biaotong.workspace import Workspace


@dataclass
class Generated:
    path: Path
    warnings: list[str] = field(default_factory=list)


def list_reports(actor: Actor, ws: Workspace) -> list[dict[str, Any]]:
    """The report specs the user may read: id, title, department, layout, period type, field count."""
    require_role(actor, *REPORT_READERS)
    return [
        {"id": s.id, "title": s.title, "department": s.department, "layout": s.layout, "period_type": s.period_type,
         "fields": len(s.fields) if s.layout != "roster" else len(s.roster.columns if s.roster else [])}
        for s in sorted(cache.specs(ws).values(), key=lambda s: s.id) if can_read_report(actor, s)
    ]


def _resolved(ws: Workspace, spec: ReportSpec) -> Resolved | None:
    return None if spec.layout == "roster" else resolve(spec, cache.library(ws))


def admit(actor: Actor, ws: Workspace, spec: ReportSpec, period: Period | str, org: str) -> tuple[Period, Resolved | None]:
    """Role, department, scope and identifier-filter checks, before anything is computed."""
    require_report(actor, spec)
    per = period if isinstance(period, Period) else Period.parse(period, spec.period_type)
    require_scope(actor, ws.org_tree(), org, per.end)
    res = _resolved(ws, spec)
    refuse_identifier_filters(actor, ws, spec, res)
    return per, res


def disclosure_control(actor: Actor, ws: Workspace, result: ReportResult, res: Resolved | None) -> None:
    """Small counts as `<N` for users without personal clearance, in rows and form items alike."""
    if res is None or personal_clearance(actor):
        return
    t = small_count_threshold(ws)
    counts = count_fields(res)
    for row in result.rows:
        for fid in counts.intersection(row.values):
            row.values[fid] = suppressed(row.values[fid], t)
    for item in result.items:
        if item["id"] in counts:
            item["value"] = suppressed(item["value"], t)


def report_result(
    actor: Actor, ws: Workspace, report_id: str, period: str, org: str, *, level: str | None = None,
    known_at: datetime | None = None,
) -> ReportResult:
    """A report computed for the user (masked, small counts controlled), not yet written anywhere."""
    from biaotong.reports.generate import generate

    spec = cache.spec(ws, report_id)
    per, res = admit(actor, ws, spec, period, org)
    eng = cache.engine(ws, known_at=known_at)
    try:
        result = generate(ws, spec, per, org, level=level, role=actor.clearance, actor=actor.ledger_actor,
                          known_at=known_at, engine=eng)
    finally:
        eng.close()
    disclosure_control(actor, ws, result, res)
    return result


def generate_report(
    actor: Actor, ws: Workspace, report_id: str, period: str, org: str, out: Path, *,
    fmt: str = "xlsx", level: str | None = None, known_at: datetime | None = None,
) -> Generated:
    from biaotong.reports.export import export, exporters

    if fmt not in exporters():
        raise ReportError(f"未知的导出格式：{fmt}", f"unknown format: {fmt}", where(key="format"))
    result = report_result(actor, ws, report_id, period, org, level=level, known_at=known_at)
    path = export(result, fmt, out, ws=ws, actor=actor.ledger_actor)
    return Generated(path, list(result.warnings))


def generate_reports(
    actor: Actor, ws: Workspace, period: str | None, org: str | None, directory: Path, *, fmt: str = "xlsx",
    progress: Callable[[int, int, str], None] | None = None, known_at: datetime | None = None,
) -> list[Path]:
    """Every report the user may read, for their scope root (or the unit they name inside it);
    progress(done, total, report id) after each one (the CLI's progress bar)."""
    from biaotong.reports.export import export, suffix
    from biaotong.reports.generate import _fit, default_org, generate, workspace_period

    require_role(actor, *REPORT_READERS)
    text = period or workspace_period(ws)
    eng = cache.engine(ws, known_at=known_at)
    written: list[Path] = []
    try:
        code = org or actor.org_code or default_org(eng, Period.parse(text).end)
        readable = [s for s in sorted(cache.specs(ws).values(), key=lambda s: s.id) if can_read_report(actor, s)]
        for spec in readable:
            per, res = admit(actor, ws, spec, _fit(text, spec), code)
            result = generate(ws, spec, per, code, role=actor.clearance, engine=eng, actor=actor.ledger_actor)
            disclosure_control(actor, ws, result, res)
            written.append(export(result, fmt, directory / f"{spec.id}{suffix(fmt)}", ws=ws, actor=actor.ledger_actor))
            if progress is not None:
                progress(len(written), len(readable), spec.id)
    finally:
        eng.close()
    return written


def control_explain(actor: Actor, ws: Workspace, info: dict[str, Any], counts: set[str]) -> None:
    if personal_clearance(actor):
        return
    t = small_count_threshold(ws)
    if info.get("field") in counts:
        info["value"] = suppressed(info.get("value"), t)
    rows = info.get("rows")
    if isinstance(rows, int) and 0 < rows < t:
        # Masked rows would still show how many people there are, and who by age, sex, village.
        info.update({"rows": f"<{t}", "drilldown": [], "drilldown_note": f"fewer than {t} rows: not shown"})
    for sub in info.get("inputs") or []:
        control_explain(actor, ws, sub, counts)


def explain_cell(
    actor: Actor, ws: Workspace, report_id: str, period: str, org: str, field_id: str, *, limit: int = 20,
    known_at: datetime | None = None, outliers: bool = False,
) -> dict[str, Any]:
    """One cell's lineage and drill-down, masked for the user; clear drill-down rows are recorded. With
    `outliers`, the cell's flags against its own history and its siblings (biaotong.quality.outliers)."""
    from biaotong.reports.lineage import explain

    spec = cache.spec(ws, report_id)
    _, res = admit(actor, ws, spec, period, org)
    info = explain(ws, spec.id, period, org, field_id, role=actor.clearance, limit=limit, actor=actor.ledger_actor,
                   known_at=known_at)
    control_explain(actor, ws, info, count_fields(res) if res else set())
    if outliers:
        from biaotong.quality.outliers import cell_flags

        info["outliers"] = cell_flags(ws, spec.id, period, org, field_id, role=actor.clearance)
    return info


def default_question(actor: Actor, ws: Workspace, period: str | None = None, org: str | None = None) -> tuple[str, str]:
    """The period (default: last month) and unit (default: the user's scope root, else the top of the tree)
    a page starts with when the user names none."""
    from biaotong.reports.generate import default_org, default_period

    text = period or default_period()
    if org or actor.org_code:
        return text, org or actor.org_code or ""
    eng = cache.engine(ws)
    try:
        return text, default_org(eng, Period.parse(text).end)
    finally:
        eng.close()


def add_report_spec(actor: Actor, ws: Workspace, file: Path) -> tuple[ReportSpec, str]:
    """Validate a report spec and store it as a draft, registered in the ledger by the user. Designers add
    their own department's reports; data administrators any."""
    from biaotong.errors import AccessDenied
    from biaotong.reports.spec import load_spec_file
    from biaotong.reports.store import save_spec, validate

    require_role(actor, "designer", "data_admin")
    spec = load_spec_file(file)
    if not actor.has_role("data_admin") and spec.department != actor.department:
        raise AccessDenied(f"用户 {actor.username} 只能登记本部门的报表", f"user {actor.username} registers only their "
                           "department's reports", where(key=spec.id, field="department"))
    validate(spec, cache.library(ws), ws.catalog, file=str(file))
    return spec, save_spec(ws.engine, spec, actor=actor.ledger_actor)
