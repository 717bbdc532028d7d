"""Data quality for the acting user: running the catalogue (data administration), reading findings (each
user their org subtree; a designer their department's; IDs masked without clearance, clear reads recorded),
sending each owner its list as Excel, and explaining a finding away."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.auth.actor import Actor, in_scope, require_role
from biaotong.errors import AccessDenied, WorkflowError, where
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.quality.tables import quality_findings

if TYPE_CHECKING:
    from biaotong.workspace import Workspace

ADMINS = ("data_admin", "sysadmin")
STATUSES = ("open", "sent", "fixed", "explained")


def checks(ws: Workspace, actor: Actor) -> list[dict[str, Any]]:
    from biaotong.quality.run import catalogue

    return [c.describe() for c in catalogue(ws)]


def run(ws: Workspace, actor: Actor, *, only: list[str] | None = None) -> dict[str, Any]:
    """Run the catalogue now and bring the work list up to date (syncs do this by themselves)."""
    from biaotong.quality.run import run_and_record

    require_role(actor, *ADMINS)
    return run_and_record(ws, trigger="manual", actor=actor.ledger_actor, only=only).to_json()


def _visible(actor: Actor, row: Any, tree: Any) -> bool:
    def here() -> bool:
        return actor.org_code is None or (row.org_code is not None and in_scope(actor, tree, row.org_code))

    if actor.has_role(*ADMINS, "auditor"):
        return here()
    if actor.has_role("designer"):  # a department's designer: its own department's work list
        return bool(actor.department) and row.department == actor.department and here()
    # grassroots and townships: what concerns their units (a rejected source row belongs to no unit)
    return row.org_code is not None and here()


def _masking(ws: Workspace, actor: Actor) -> Any:
    """A function masking a finding's key and values as the actor's clearance requires, and the set of
    personal elements read in clear."""
    from biaotong.reports.mask import masker, must_mask

    catalog = ws.catalog
    clear: set[str] = set()
    cache: dict[tuple[str, str | None], Any] = {}

    def element(entity: str, code: str | None) -> Any:
        try:
            return catalog.element(entity, code) if code else None
        except Exception:
            return None

    def fn(entity: str, code: str | None) -> Any:
        if (entity, code) not in cache:
            e = element(entity, code)
            if e is None or not must_mask(e, actor.clearance):
                if e is not None and e.sensitivity in ("personal", "sensitive"):
                    clear.add(f"{entity}.{e.code}")
                cache[(entity, code)] = None
            else:
                cache[(entity, code)] = masker(e)
        return cache[(entity, code)]

    def labelled(entity: str, code: str | None, value: Any) -> Any:
        e = element(entity, code)
        if e is None or not e.code_list or value in (None, ""):
            return value
        label = catalog.code_list(e.code_list).label(str(value))
        return f"{label}（{value}）" if label else value

    def mask(item: dict[str, Any]) -> dict[str, Any]:
        ent = item["entity"]
        item["value"] = labelled(ent, item.get("element"), item.get("value"))
        item["other_value"] = labelled(ent, item.get("element"), item.get("other_value"))
        key_fn = fn(ent, catalog.entity(ent).key) if not str(item["key"]).startswith("row:") else None
        if key_fn:
            item["key"] = key_fn(item["key"])
        for col in ("value", "other_value"):
            f = fn(ent, item.get("element"))
            if f and item.get(col) not in (None, ""):
                item[col] = f(item[col])
        return item

    return mask, clear


def report(
    ws: Workspace, actor: Actor, *, source: str | None = None, org: str | None = None, check: str | None = None,
    status: str | None = None, limit: int | None = 1000,
) -> dict[str, Any]:
    """valid, stats and the findings this user may see (open and sent by default)."""
    from biaotong.quality.run import catalogue
    from biaotong.reports.record import record_personal_read

    if status is not None and status not in STATUSES:
        raise WorkflowError(f"未知的状态：{status}（可用：{'、'.join(STATUSES)}）", f"unknown status: {status}",
                            where(field="status"))
    if limit is not None and limit < 0:
        raise WorkflowError("--limit 不能为负数", "--limit cannot be negative", where(field="limit"))
    tree = ws.org_tree()
    if org is not None:
        tree.get(org)
        if not in_scope(actor, tree, org):
            raise AccessDenied(f"无权查看区划 {org}", f"you may not see org unit {org}", where(key=org))
    q = sa.select(quality_findings).order_by(quality_findings.c.id)
    q = q.where(quality_findings.c.status == status) if status else q.where(
        quality_findings.c.status.in_(("open", "sent")))
    if source:
        q = q.where(quality_findings.c.source == source)
    if check:
        q = q.where(quality_findings.c.check == check)
    with ws.engine.connect() as conn:
        rows = [r for r in conn.execute(q) if _visible(actor, r, tree)]
    if org is not None:
        rows = [r for r in rows if r.org_code is not None and (
            r.org_code == org or any(u.code == org for u in _ancestors(tree, r.org_code)))]
    titles = {c.slug: c for c in catalogue(ws)}
    mask, clear = _masking(ws, actor)
    shown = rows if limit is None else rows[:limit]
    findings = []
    for r in shown:
        item = mask({k: getattr(r, k) for k in ("id", "check", "entity", "key", "org_code", "source", "department",
                                                  "element", "value", "other_source", "other_value", "status")})
        item["first_seen_at"], item["note"] = r.first_seen_at, r.note
        c = titles.get(r.check)
        item["title"] = c.title if c else r.check
        item["message"] = c.message(item) if c else ""
        findings.append(item)
    if clear and findings:
        record_personal_read(ws, "quality:findings", role=actor.clearance, rows=len(findings),
                             elements=sorted(clear), actor=actor.ledger_actor, purpose="quality.report")
    by_check = Counter(r.check for r in rows)
    by_source = Counter(r.source for r in rows)
    return {"valid": not rows, "stats": {"findings": len(rows), "shown": len(findings),
                                         "by_check": dict(by_check), "by_source": dict(by_source)},
            "findings": findings}


def _ancestors(tree: Any, code: str) -> list[Any]:
    try:
        return tree.ancestors(code)
    except Exception:
        return []


def send(ws: Workspace, actor: Actor, out_dir: Path, *, department: str | None = None) -> dict[str, Any]:
    """Write each owner department's open findings to its own workbook (the rows to fix) and mark them sent."""
    from biaotong.quality.export import write_department

    require_role(actor, *ADMINS)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = report(ws, actor, status="open", limit=None)
    per: dict[str, list[dict[str, Any]]] = {}
    for f in data["findings"]:
        if department is None or f["department"] == department:
            per.setdefault(f["department"], []).append(f)
    files = {}
    now = datetime.now(UTC)
    for dept, items in sorted(per.items()):
        path = write_department(ws, out_dir, dept, items)
        files[dept] = {"file": str(path), "findings": len(items)}
        with ws.engine.begin() as conn:
            ids = [f["id"] for f in items]
            for i in range(0, len(ids), 500):
                conn.execute(sa.update(quality_findings).where(quality_findings.c.id.in_(ids[i:i + 500]))
                             .values(status="sent", updated_by=actor.username))
            record(conn, Event(action="quality.send", actor=actor.ledger_actor, object=f"department:{dept}",
                               detail={"findings": len(items), "at": now.isoformat()}))
    return {"departments": files}


def explain(ws: Workspace, actor: Actor, finding_id: int, reason: str) -> dict[str, Any]:
    """Close a finding as explained (a real situation, not an error), with the reason, by its owner's
    department or the data administration."""
    text = (reason or "").strip()
    if not text:
        raise WorkflowError("请说明理由（--reason）", "give the reason (--reason)", where(field="reason"))
    if not 0 < finding_id < 2**63:
        raise WorkflowError(f"没有编号为 {finding_id} 的问题", f"no finding {finding_id}", where(key=str(finding_id)))
    with ws.engine.begin() as conn:
        row = conn.execute(sa.select(quality_findings).where(quality_findings.c.id == finding_id)).first()
        if row is None:
            raise WorkflowError(f"没有编号为 {finding_id} 的问题", f"no finding {finding_id}", where(key=str(finding_id)))
        owner = actor.has_role("designer") and actor.department == row.department
        if not (owner or actor.has_role(*ADMINS)):
            raise AccessDenied(f"问题 {finding_id} 属于 {row.department}，{actor.username} 无权处理",
                               f"finding {finding_id} is {row.department}'s; {actor.username} may not close it",
                               where(key=str(finding_id)))
        if row.status in ("fixed", "explained"):
            raise WorkflowError(f"问题 {finding_id} 已关闭（{row.status}）", f"finding {finding_id} is closed ({row.status})",
                                where(key=str(finding_id)))
        conn.execute(sa.update(quality_findings).where(quality_findings.c.id == finding_id).values(
            status="explained", note=text[:2000], closed_at=datetime.now(UTC), updated_by=actor.username))
        record(conn, Event(action="quality.explain", actor=actor.ledger_actor, object=f"finding:{finding_id}",
                           detail={"check": row.check, "source": row.source}))
    return {"id": finding_id, "status": "explained"}


def completeness(ws: Workspace, actor: Actor) -> dict[str, Any]:
    from biaotong.quality.completeness import completeness as compute

    require_role(actor, *ADMINS, "auditor")
    return compute(ws)


def outliers(ws: Workspace, actor: Actor, report_id: str, period: str, org: str, *, history: int = 6,
             threshold: float = 3.5) -> dict[str, Any]:
    """Flags beside a report's cells: far from the unit's own history or from its peers; values unchanged."""
    from biaotong.auth.actor import require_scope
    from biaotong.quality.outliers import report_outliers

    require_scope(actor, ws.org_tree(), org)
    if history < 1 or history > 36:
        raise WorkflowError("--history 应在 1 到 36 期之间", "--history is 1 to 36 periods", where(field="history"))
    return report_outliers(ws, report_id, period, org, role=actor.clearance, history=history, threshold=threshold)
