"""A department's own Excel form, for the acting user: upload it and see the proposed mapping (what
`biaotong template import --json` prints), then save it with the designer's choices as a draft report of
their own department (what `template save` does), pending admission review.

Between the two steps the workbook is kept in the workspace's `uploads/` folder under its SHA-256, so the
second step names it by that hash only: a client never sends a path, and an id that is not a hash is refused."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from biaotong.auth.actor import Actor, require_role
from biaotong.errors import AccessDenied, FormError, where
from biaotong.store.schema import report_specs

if TYPE_CHECKING:
    from biaotong.forms.match import Proposal
    from biaotong.workspace import Workspace

DESIGNERS = ("designer", "data_admin")
MAX_FORM = 10 * 1024 * 1024  # a department's form is a few sheets; the web refuses larger uploads the same way
UPLOADS = "uploads"
_UPLOAD_ID = re.compile(r"^[0-9a-f]{64}$")
_REPORT_ID = re.compile(r"^[a-z][a-z0-9_]{1,79}$")
# What a column's control may say besides a mapping-file choice (biaotong.forms.mapping): keep the proposal,
# or take its runner-up.
KEEP, RUNNER_UP = "keep", "runner-up"


def _folder(ws: Workspace) -> Path:
    return ws.home / UPLOADS


def _path(ws: Workspace, upload: str) -> Path:
    if not _UPLOAD_ID.match(upload or ""):
        raise FormError(f"上传编号无效：{upload[:80]}", f"not an upload id: {upload[:80]}", where(key="upload"))
    return _folder(ws) / f"{upload}.xlsx"


def _read(ws: Workspace, upload: str) -> tuple[bytes, dict[str, Any]]:
    path = _path(ws, upload)
    if not path.exists():
        raise FormError(f"找不到上传的表样 {upload[:12]}…，请重新上传", f"no uploaded form {upload[:12]}…; upload it again",
                        where(key="upload"))
    meta_file = path.with_suffix(".json")
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
    return path.read_bytes(), meta


def _library(ws: Workspace) -> Any:
    from biaotong.reports import cache

    return cache.library(ws)


def _proposals(ws: Workspace, data: bytes, name: str, sheet: str | None) -> tuple[Any, list[Proposal], Any]:
    from biaotong.forms import service

    match = service.matcher(ws)
    layout, proposals, _raw = service.import_form(name, sheet=sheet, ws=ws, data=data, match=match)
    return layout, proposals, match


def import_form(ws: Workspace, actor: Actor, data: bytes, name: str, *, sheet: str | None = None) -> dict[str, Any]:
    """Read an uploaded form: its layout and, per column, the proposal with its reasons, runner-up and SQL;
    `upload` is the id `save_form` takes. Designers and data administrators only."""
    from biaotong.forms import service

    require_role(actor, *DESIGNERS)
    name = Path(name or "form.xlsx").name[:200]  # only the base name is kept, as the report's source_form
    if len(data) > MAX_FORM:
        raise FormError(f"文件过大（上限 {MAX_FORM // 1024 // 1024} MB）", f"file too large (limit {MAX_FORM // 1024 // 1024} MB)",
                        where(file=name))
    if not data.startswith(b"PK\x03\x04"):  # the workbook reader checks the rest (zip parts, sheet extent)
        raise FormError("文件类型不符，应为 .xlsx", "wrong file type: expected .xlsx", where(file=name))
    layout, proposals, match = _proposals(ws, data, name, sheet)
    service.explain(proposals, catalog=ws.catalog, library=_library(ws))
    upload = hashlib.sha256(data).hexdigest()
    path = _path(ws, upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():  # content-addressed: the same bytes are one file
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    path.with_suffix(".json").write_text(json.dumps({"name": name, "by": actor.username}, ensure_ascii=False),
                                         encoding="utf-8")
    out = service.import_json(layout, proposals, population=match.roster_population(layout))
    return {"upload": upload, "name": name, **out}


def show_upload(ws: Workspace, actor: Actor, upload: str) -> dict[str, Any]:
    """An earlier upload's proposals again (the mapping page, reloaded), by its id only."""
    data, meta = _read(ws, upload)
    return import_form(ws, actor, data, str(meta.get("name") or "form.xlsx"))


def runner_up_choice(p: Proposal) -> Any:
    """A proposal's runner-up as a mapping-file choice (biaotong.forms.mapping)."""
    if not p.candidates:
        raise FormError(f"列 {p.column}「{p.title}」没有备选", f"column {p.column} ({p.title}) has no runner-up",
                        where(column=p.column))
    c = p.candidates[0]
    if c.expression:
        return {"expression": c.expression}
    return f"collected:{c.id}" if c.kind == "collected" else c.id


def _owner(ws: Workspace, report_id: str) -> str | None:
    with ws.engine.connect() as conn:
        row = conn.execute(sa.select(report_specs.c.department).where(report_specs.c.id == report_id)).first()
    return None if row is None else (row.department or "")


def save_form(
    ws: Workspace, actor: Actor, upload: str, mapping: dict[str, Any], *, report_id: str, level: str | None = None,
    sheet: str | None = None, title: str | None = None, period_type: str = "month", department: str | None = None,
    roster_filter: str | None = None, unmapped_as: str = "error", learn: bool = True,
) -> dict[str, Any]:
    """Save the uploaded form as a draft report of the designer's department (a data administrator names
    the department), with the choices in `mapping` (column → a mapping-file choice, `keep` or `runner-up`);
    recorded in the ledger (`report.register`) and then pending admission review."""
    from biaotong.forms import service
    from biaotong.forms.spec import apply_mapping, build_spec
    from biaotong.forms.store import add_aliases, new_aliases, save_report, versions

    require_role(actor, *DESIGNERS)
    if not _REPORT_ID.match(report_id or ""):
        raise FormError(f"报表编号无效：{report_id[:80]}（小写字母开头，仅小写字母、数字、下划线）",
                        f"invalid report id: {report_id[:80]} (lowercase letters, digits, underscores)",
                        where(key="report_id"))
    own = actor.department if not actor.has_role("data_admin") else (department or actor.department)
    if not own:
        raise FormError("需要指定所属部门", "the owning department is required", where(key="department"))
    owner = _owner(ws, report_id)
    if owner is not None and owner != own and not actor.has_role("data_admin"):
        raise AccessDenied(f"报表 {report_id} 属于 {owner}，不能以 {own} 的名义覆盖",
                           f"report {report_id} belongs to {owner}; {own} cannot save over it", where(key=report_id))
    data, meta = _read(ws, upload)
    layout, proposals, match = _proposals(ws, data, str(meta.get("name") or f"{report_id}.xlsx"), sheet)
    by_key = {p.key: p for p in proposals}
    unknown = sorted(set(mapping) - set(by_key))
    if unknown:
        raise FormError(f"表样中没有列 {unknown[0]}", f"the form has no column {unknown[0]}", where(column=unknown[0]))
    choices = {k: runner_up_choice(by_key[k]) if v == RUNNER_UP else v for k, v in mapping.items() if v != KEEP}
    if choices:
        apply_mapping(proposals, choices, file=layout.file, layout=layout, library=_library(ws), catalog=ws.catalog)
    if layout.kind == "roster":
        roster_filter = service.roster_filter(roster_filter, None, match.roster_population(layout))
    spec = build_spec(layout, proposals, report_id=report_id, title=title, department=own, period_type=period_type,
                      level=level, roster_filter=roster_filter, unmapped_as=unmapped_as)
    rid = save_report(ws, spec, data, actor=actor.ledger_actor)
    added = add_aliases(ws, new_aliases(proposals, match.vocab),
                        actor=actor.ledger_actor) if learn else 0
    return {"report": rid, "status": "draft", "version": versions(ws, rid), "department": own,
            "fields": len(spec.get("fields") or (spec.get("roster") or {}).get("columns") or []),
            "aliases_added": added, "spec": spec}
