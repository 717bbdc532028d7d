"""Admission review (报表准入): before a report is published, how much of it systems answer, how much
repeats reports already approved, what it costs the grassroots, and a suggested verdict with reasons."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import Connection

from biaotong.errors import ReportError, where
from biaotong.onetable.windows import is_collection_source
from biaotong.review.fields import FieldNeed, available, field_needs
from biaotong.store.schema import org_units, report_reviews, report_specs, snapshots, sources

FieldClass = Literal["auto", "reused", "new"]
LIVE = ("approved", "published")
DUPLICATE_SHARE = 0.5  # reject when at least this share of fields repeats one existing report
NEW_SHARE = 0.5  # reject when more than this share of fields must be typed by the grassroots


@dataclass
class FieldReview:
    id: str
    label: str
    status: FieldClass
    elements: list[str]
    reason: str
    reused_from: list[str] = field(default_factory=list)


@dataclass
class Overlap:
    report: str
    title: str
    status: str
    common: list[str]  # this report's field ids that the other report also has
    share: float


@dataclass
class ReviewResult:
    report: str
    title: str
    status: str
    level: str
    org_units: int
    minutes_per_field: float
    fields: list[FieldReview]
    overlaps: list[Overlap]
    minutes_before: float
    minutes_after: float
    verdict: Literal["approve", "reject"]
    reasons: list[str]
    # What the grassroots said about the reports this one overlaps (and about this one): the evidence a
    # reviewer weighs beside the overlap itself.
    feedback: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        out = {"auto": 0, "reused": 0, "new": 0}
        for f in self.fields:
            out[f.status] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["counts"] = self.counts
        data["saving"] = round(1 - self.minutes_after / self.minutes_before, 3) if self.minutes_before else 0.0
        return data


def _spec_row(conn: Connection, report_id: str) -> Any:
    row = conn.execute(sa.select(report_specs).where(report_specs.c.id == report_id)).first()
    if row is None:
        raise ReportError(f"没有报表 {report_id}", f"no report {report_id}", where(key=report_id))
    return row


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else json.loads(value)


def _sourced_elements(conn: Connection) -> set[str]:
    """entity.code of every element some registered source system provides (its mapping, or the columns
    of its latest snapshot). The grassroots collection (every window of it) is no system: what it holds
    was typed by the grassroots, and asking for it again is reuse, not automation."""
    out: set[str] = set()
    snaps = conn.execute(
        sa.select(sources.c.name, sources.c.entity, snapshots.c.columns)
        .join(snapshots, snapshots.c.source == sources.c.name)
    )
    for name, entity, cols in snaps:
        if is_collection_source(name):
            continue
        for col in cols if isinstance(cols, list) else json.loads(cols or "[]"):
            col_name = col.get("name") if isinstance(col, dict) else col
            if col_name:
                out.add(f"{entity}.{col_name}")
    for name, entity, spec in conn.execute(sa.select(sources.c.name, sources.c.entity, sources.c.spec)):
        if is_collection_source(name):
            continue
        spec = _as_dict(spec)
        for target in (spec.get("columns") or {}).values():
            code = target.get("element") if isinstance(target, dict) else target
            if code:
                out.add(f"{entity}.{code}")
        key = spec.get("key")
        if key:
            out.add(f"{entity}.{key}")
    return out


def _org_unit_count(conn: Connection, level: str) -> int:
    q = sa.select(sa.func.count()).select_from(org_units).where(org_units.c.level == level,
                                                              org_units.c.valid_to.is_(None))
    return int(conn.execute(q).scalar() or 0)


def review(ws: Any, report_id: str) -> ReviewResult:
    from biaotong.reports.library import builtin_library

    library, catalog = builtin_library(), ws.catalog
    with ws.engine.connect() as conn:
        row = _spec_row(conn, report_id)
        spec = _as_dict(row.spec)
        needs = field_needs(spec, library, catalog)
        sourced = _sourced_elements(conn)
        others = conn.execute(
            sa.select(report_specs.c.id, report_specs.c.title, report_specs.c.status, report_specs.c.spec)
            .where(report_specs.c.id != report_id)
        ).all()
        level = spec.get("level", "village")
        units = _org_unit_count(conn, level)
    other_needs = {o.id: (o, field_needs(_as_dict(o.spec), library, catalog)) for o in others}
    live_collected: dict[str, list[str]] = {}
    for rid, (o, ns) in other_needs.items():
        if o.status in LIVE:
            for n in ns:
                for el in _typed_elements(n, catalog, sourced):
                    live_collected.setdefault(el, []).append(rid)
    fields = [_classify(n, catalog, sourced, live_collected) for n in needs]
    overlaps = _overlaps(needs, other_needs)
    mpf = float(ws.setting("minutes_per_field"))
    n_units = max(units, 1)
    before = round(len(fields) * n_units * mpf, 1)
    after = round(sum(f.status == "new" for f in fields) * n_units * mpf, 1)
    verdict, reasons = _verdict(fields, overlaps, units, level)
    with ws.engine.connect() as conn:
        feedback = feedback_on(conn, [report_id, *(o.report for o in overlaps)])
    for o in overlaps:
        dup = feedback.get(o.report, {}).get("counts", {}).get("duplicate", 0)
        if dup:
            reasons.append(f"注意：与之重复的《{o.title}》已收到 {dup} 条基层“重复填报”反馈")
    return ReviewResult(report_id, row.title, row.status, level, units, mpf, fields, overlaps, before, after,
                        verdict, reasons, feedback)


def feedback_on(conn: Connection, report_ids: list[str], samples: int = 3) -> dict[str, dict[str, Any]]:
    """Per report: feedback counts by category and a few texts (never the sender)."""
    from biaotong.feedback.tables import feedback_items

    out: dict[str, dict[str, Any]] = {}
    rows = conn.execute(sa.select(feedback_items.c.report_id, feedback_items.c.category, feedback_items.c.text)
                        .where(feedback_items.c.report_id.in_(report_ids)).order_by(feedback_items.c.id.desc()))
    for rid, cat, text in rows:
        d = out.setdefault(rid, {"counts": {}, "samples": []})
        d["counts"][cat] = d["counts"].get(cat, 0) + 1
        if len(d["samples"]) < samples:
            d["samples"].append({"category": cat, "text": text[:200]})
    return out


def _typed_elements(n: FieldNeed, catalog: Any, sourced: set[str]) -> set[str]:
    """Elements of this field that someone must type: collected ones, or ones no source provides."""
    out = set(n.collected)
    for el in n.elements:
        if not available(n, el, sourced, lambda e: _is_collected(e, catalog)):
            out.add(el)
    return out


def _is_collected(qualified: str, catalog: Any) -> bool:
    entity, code = qualified.split(".", 1)
    if not catalog.has_element(entity, code):
        return True
    return bool(catalog.element(entity, code).collected)


def _classify(n: FieldNeed, catalog: Any, sourced: set[str], live: dict[str, list[str]]) -> FieldReview:
    elements = sorted(n.elements)
    typed = _typed_elements(n, catalog, sourced)
    if n.elements and not typed:
        return FieldReview(n.id, n.label, "auto", elements, "全部数据元均有系统来源，自动生成")
    if typed and all(el in live for el in typed):
        by = sorted({r for el in typed for r in live[el]})
        return FieldReview(n.id, n.label, "reused", elements,
                           f"基层已为《{'》《'.join(by)}》填报，直接复用", reused_from=by)
    if not n.elements:
        return FieldReview(n.id, n.label, "new", elements, "口径未引用任何数据元，需基层填报")
    missing = "、".join(sorted(typed))
    return FieldReview(n.id, n.label, "new", elements, f"无系统来源、需基层填报：{missing}")


def _overlaps(needs: list[FieldNeed], others: dict[str, tuple[Any, list[FieldNeed]]]) -> list[Overlap]:
    mine = {n.signature: n.id for n in needs if n.id != "_filter"}
    total = max(len(mine), 1)
    out: list[Overlap] = []
    for rid, (o, ns) in others.items():
        theirs = {n.signature for n in ns}
        common = [fid for sig, fid in mine.items() if sig in theirs]
        if common:
            out.append(Overlap(rid, o.title, o.status, common, round(len(common) / total, 3)))
    out.sort(key=lambda x: -x.share)
    return out


def _verdict(fields: list[FieldReview], overlaps: list[Overlap], units: int, level: str) -> tuple[Any, list[str]]:
    n = max(len(fields), 1)
    counts = {"auto": 0, "reused": 0, "new": 0}
    for f in fields:
        counts[f.status] += 1
    reasons: list[str] = []
    dup = next((o for o in overlaps if o.share >= DUPLICATE_SHARE and o.status in (*LIVE, "draft")), None)
    if dup is not None:
        reasons.append(f"建议退回：{round(dup.share * 100)}% 的字段与《{dup.title}》重复，请直接使用该报表或合并")
    if counts["new"] / n > NEW_SHARE:
        reasons.append(f"建议退回：{counts['new']} 个字段（{round(counts['new'] / n * 100)}%）需基层手工填报，"
                       "请先确认能否从部门系统获取")
    if not reasons:
        if counts["auto"] == len(fields):
            reasons.append("建议通过：全部字段可由系统自动生成")
        else:
            reasons.append(f"建议通过：{counts['auto']} 个字段由系统生成，{counts['reused']} 个复用已有填报，"
                           f"仅 {counts['new']} 个需基层填报")
    if units == 0:
        reasons.append(f"提示：工作区尚未导入 {level} 级行政区划，负担按 1 个单位估算")
    verdict = "reject" if reasons[0].startswith("建议退回") else "approve"
    return verdict, reasons


# --- decisions ---

def _decide(ws: Any, report_id: str, verdict: str, reason: str, actor: str) -> dict[str, Any]:
    if not reason or not reason.strip():
        raise ReportError("请填写审核意见（--reason）", "a reason is required (--reason)", where(key=report_id))
    summary = review(ws, report_id).to_json()
    now = datetime.now(UTC)
    status = "approved" if verdict == "approve" else "rejected"
    with ws.engine.begin() as conn:
        row = _spec_row(conn, report_id)
        if row.status == "published":
            raise ReportError(f"报表 {report_id} 已发布，不能再审核", f"report {report_id} is already published",
                              where(key=report_id))
        conn.execute(sa.insert(report_reviews).values(report_id=report_id, verdict=verdict, reason=reason,
                                                      actor=actor, summary=summary, created_at=now))
        conn.execute(sa.update(report_specs).where(report_specs.c.id == report_id)
                     .values(status=status, updated_at=now))
        _ledger(conn, "report.review", actor, report_id, row.spec_sha256,
                {"verdict": verdict, "counts": summary["counts"]})
    return {"report": report_id, "status": status, "verdict": verdict, "reason": reason, "actor": actor}


def approve(ws: Any, report_id: str, reason: str, actor: str = "cli") -> dict[str, Any]:
    return _decide(ws, report_id, "approve", reason, actor)


def reject(ws: Any, report_id: str, reason: str, actor: str = "cli") -> dict[str, Any]:
    return _decide(ws, report_id, "reject", reason, actor)


def publish(
    ws: Any, report_id: str, actor: str = "cli", *, to: str | None = None, level: str | None = None,
    basis: str | None = None, basis_ref: str | None = None,
) -> dict[str, Any]:
    """Publish an approved report to an area: it enters the report inventory (报表清单) with that reach, so the
    units of `level` under `to` may be asked it. Anything not approved is refused; a published report may be
    published to another area."""
    from biaotong.inventory.listing import Reach, list_report

    now = datetime.now(UTC)
    with ws.engine.begin() as conn:
        row = _spec_row(conn, report_id)
        if row.status not in ("approved", "published"):
            raise ReportError(
                f"报表 {report_id} 尚未通过准入审核（当前状态：{row.status}），不能发布；请先 biaotong report review/approve",
                f"report {report_id} has not passed admission review (status {row.status}); approve it first",
                where(key=report_id),
            )
        spec = _as_dict(row.spec)
        reach_level = level or spec.get("level", "village")
        if to is not None:
            exists = conn.execute(sa.select(org_units.c.code).where(org_units.c.code == to,
                                                                     org_units.c.valid_to.is_(None))).first()
            if exists is None:
                raise ReportError(f"区划 {to} 不存在或已撤销", f"org unit {to} does not exist (now)", where(key=to))
        conn.execute(sa.update(report_specs).where(report_specs.c.id == report_id)
                     .values(status="published", updated_at=now))
        list_report(conn, report_id, reach=Reach(to, reach_level), actor=actor, basis=basis, basis_ref=basis_ref)
        _ledger(conn, "report.publish", actor, report_id, row.spec_sha256, {"to": to, "level": reach_level})
    return {"report": report_id, "status": "published", "to": to, "level": reach_level}


def reviews_of(ws: Any, report_id: str) -> list[dict[str, Any]]:
    with ws.engine.connect() as conn:
        rows = conn.execute(sa.select(report_reviews).where(report_reviews.c.report_id == report_id)
                            .order_by(report_reviews.c.id)).all()
    return [{"verdict": r.verdict, "reason": r.reason, "actor": r.actor, "created_at": r.created_at} for r in rows]


def _ledger(conn: Connection, action: str, actor: str, report_id: str, sha: str, detail: dict[str, Any]) -> None:
    from biaotong.ledger.events import Event
    from biaotong.ledger.log import record

    record(conn, Event(action=action, actor=actor, object=f"report:{report_id}", hashes={"spec_sha256": sha},
                       detail=detail))
