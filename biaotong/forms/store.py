"""Saving a form-backed report (spec + the original workbook) and confirmed aliases in the metadata store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from biaotong.errors import FormError, ReportError, where
from biaotong.forms.match import Proposal
from biaotong.forms.vocab import Vocabulary
from biaotong.store.schema import indicator_aliases, report_specs


def _now() -> datetime:
    return datetime.now(UTC)


def _record(conn: Connection, action: str, actor: str, obj: str, hashes: dict[str, str], detail: dict[str, Any]) -> None:
    from biaotong.ledger.events import Event
    from biaotong.ledger.log import record

    record(conn, Event(action=action, actor=actor, object=obj, hashes=hashes, detail=detail))


def save_report(ws: Any, spec: dict[str, Any], template: bytes, *, actor: str = "cli") -> str:
    """Validate the spec with the reports package, then insert or replace it with its workbook (status draft).
    A published or approved report cannot be overwritten: it must go through review again under a new id."""
    from biaotong.reports.context import workspace_library
    from biaotong.reports.spec import parse_spec
    from biaotong.reports.store import save_spec, validate

    parsed = parse_spec(spec, file=spec.get("source_form"))
    validate(parsed, workspace_library(ws), ws.catalog, file=spec.get("source_form"))
    save_spec(ws.engine, parsed, template=template, actor=actor, origin="template")
    return parsed.id


def versions(ws: Any, report_id: str) -> int:
    """How many times the report was registered (saved) — each save is a ledger entry of its own."""
    from biaotong.ledger.tables import ledger_entries

    with ws.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(ledger_entries).where(
            ledger_entries.c.action == "report.register", ledger_entries.c.object == f"report:{report_id}")).scalar_one())


def load_template(ws: Any, report_id: str) -> tuple[dict[str, Any], bytes]:
    with ws.engine.connect() as conn:
        row = conn.execute(
            sa.select(report_specs.c.spec, report_specs.c.template).where(report_specs.c.id == report_id)
        ).first()
    if row is None:
        raise ReportError(f"没有报表 {report_id}", f"no report {report_id}", where(key=report_id))
    if row.template is None:
        raise FormError(f"报表 {report_id} 没有保存部门表样", f"report {report_id} has no stored workbook",
                        where(key=report_id))
    spec = row.spec if isinstance(row.spec, dict) else json.loads(row.spec)
    return spec, bytes(row.template)


def new_aliases(proposals: list[Proposal], vocab: Vocabulary) -> dict[str, str]:
    """Header wording -> indicator for the mapped columns whose wording the library does not know yet."""
    from biaotong.forms.similarity import normalise

    out: dict[str, str] = {}
    for p in proposals:
        if p.kind not in ("indicator", "collected") or not p.target or not (2 <= len(p.name) <= 200):
            continue
        term = vocab.term(p.target)
        if term is None or term.kind != "indicator":
            continue
        wording = _in_context(p)
        if normalise(wording) not in {normalise(t) for t in term.texts}:
            out[wording] = p.target
    return out


def _in_context(p: Proposal) -> str:
    """A header under a parent means something only with it (合计 under 低保人数, 高血压患者 under 签约人数):
    remembered as the matcher reads it there (低保人数合计), never alone, or it would take the next form's 合计."""
    from biaotong.forms.match import _join
    from biaotong.forms.rerank import GROUP_NOISE
    from biaotong.forms.text import compact, split_units, strip_prefix

    parents = [compact(strip_prefix(split_units(t)[0])) for t in p.title.split(" > ")[:-1]]
    parents = [t for t in parents if t and not GROUP_NOISE.match(t)]
    return _join(parents[-1], compact(p.name)) if parents else p.name


def add_aliases(ws: Any, aliases: dict[str, str], *, actor: str = "cli") -> int:
    """Remember wordings so the next department's form matches directly; existing aliases are kept."""
    if not aliases:
        return 0
    added = 0
    with ws.engine.begin() as conn:
        existing = {r.alias for r in conn.execute(sa.select(indicator_aliases.c.alias))}
        for alias, indicator in aliases.items():
            if alias in existing:
                continue
            conn.execute(sa.insert(indicator_aliases).values(alias=alias, indicator=indicator, added_by=actor,
                                                             created_at=_now()))
            added += 1
        if added:
            _record(conn, "catalog.change", actor, "indicator_aliases", {}, {"added": added})
    return added
