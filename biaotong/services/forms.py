"""A department's own Excel form, for the acting user: upload it and see the proposed mapping (what
`biaotong template import --json` prints), then save it with the designer's choices as a draft report of
their own department (what `template save` does), pending admission review.

Between the two steps the workbook is kept in the workspace's `uploads/` folder under its SHA-256, so the
second step names it by that hash only: a client never sends a path, and an id that is not a hash is refused.
An upload untouched for UPLOAD_DAYS is removed at the next upload (a saved report keeps its own copy)."""

from __future__ import annotations

import hashlib
import json
import re
import time
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
UPLOAD_DAYS = 7  # long enough to come back to a half-done mapping after a weekend
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
    _remove_stale(path.parent, keep=upload)
    if not path.exists():  # content-addressed: the same bytes are one file
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    else:
        path.touch()  # reused: its age starts again
    path.with_suffix(".json").write_text(json.dumps({"name": name, "by": actor.username}, ensure_ascii=False),
                                         encoding="utf-8")
    out = service.import_json(layout, proposals, population=match.roster_population(layout))
    return {"upload": upload, "name": name, **out}


def _remove_stale(folder: Path, *, keep: str) -> None:
    cutoff = time.time() - UPLOAD_DAYS * 86400
    for f in folder.iterdir():
        if f.stem == keep or f.suffix not in (".xlsx", ".json", ".part") or not _UPLOAD_ID.match(f.stem):
            continue
        try:
            if f.stat().st_mtime < cutoff:
                f.unlink()
        except FileNotFoundError:  # another worker removed it first
            pass


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
    require_role(actor, *DESIGNERS)
    data, meta = _read(ws, upload)
    return save_template(ws, actor, report_id, data=data, name=str(meta.get("name") or f"{report_id}.xlsx"),
                         choices=mapping, level=level, sheet=sheet, title=title, period_type=period_type,
                         department=department, roster_filter=roster_filter, unmapped_as=unmapped_as, learn=learn)


def save_template(
    ws: Workspace, actor: Actor, report_id: str, *, data: bytes | None = None, name: str | None = None,
    choices: dict[str, Any] | None = None, mapping_file: Path | None = None, level: str | None = None,
    sheet: str | None = None, title: str | None = None, period_type: str = "month", department: str | None = None,
    roster_filter: str | None = None, unmapped_as: str = "error", learn: bool = True,
) -> dict[str, Any]:
    """Save a department's form (`data`) as a draft report, or with `data=None` re-open the saved form of
    `report_id` — its workbook, mapping, department, title and roster filter as the starting point — and save it
    again as the next version. `choices` are mapping-file choices per column (`keep`, `runner-up` too), over
    `mapping_file`'s; a designer saves for their own department only, a data administrator for any."""
    from biaotong.forms import service
    from biaotong.forms.spec import apply_mapping, build_spec, load_mapping, stored_mapping
    from biaotong.forms.store import add_aliases, load_template, new_aliases, save_report, versions

    require_role(actor, *DESIGNERS)
    if not _REPORT_ID.match(report_id or ""):
        raise FormError(f"报表编号无效：{report_id[:80]}（小写字母开头，仅小写字母、数字、下划线）",
                        f"invalid report id: {report_id[:80]} (lowercase letters, digits, underscores)",
                        where(key="report_id"))
    admin = actor.has_role("data_admin")
    if department and department != actor.department and not admin:
        raise AccessDenied(f"只能为本部门（{actor.department or '无'}）保存报表，不能为 {department}",
                           f"you save reports for your own department ({actor.department or 'none'}) only, "
                           f"not for {department}", where(key="department"))
    previous: dict[str, Any] = {}
    old_spec: dict[str, Any] = {}
    if data is None:  # re-open: the saved workbook and the mapping it was built with
        old_spec, data = load_template(ws, report_id)
        previous = stored_mapping(old_spec)
        name = old_spec.get("source_form") or f"{report_id}.xlsx"
        title = title or old_spec.get("title")
        if roster_filter is None and old_spec.get("layout") == "roster":  # keep its filter ("" lists everyone)
            roster_filter = (old_spec.get("roster") or {}).get("filter") or ""
    owner = _owner(ws, report_id)
    own = (department or old_spec.get("department") or owner or actor.department) if admin else actor.department
    if not own:
        raise FormError("需要指定所属部门", "the owning department is required", where(key="department"))
    if owner is not None and owner != own and not admin:
        raise AccessDenied(f"报表 {report_id} 属于 {owner}，不能以 {own} 的名义覆盖",
                           f"report {report_id} belongs to {owner}; {own} cannot save over it", where(key=report_id))
    layout, proposals, match = _proposals(ws, data, str(name or f"{report_id}.xlsx"), sheet)
    by_key = {p.key: p for p in proposals}
    given = dict(choices or {})
    unknown = sorted(set(given) - set(by_key))
    if unknown:
        raise FormError(f"表样中没有列 {unknown[0]}", f"the form has no column {unknown[0]}", where(column=unknown[0]))
    picked = {k: runner_up_choice(by_key[k]) if v == RUNNER_UP else v for k, v in given.items() if v != KEEP}
    merged = {**previous, **(load_mapping(mapping_file) if mapping_file is not None else {}), **picked}
    if merged:
        apply_mapping(proposals, merged, file=str(mapping_file) if mapping_file else layout.file, layout=layout,
                      library=_library(ws), catalog=ws.catalog)
    if layout.kind == "roster":  # given, else the mapping file's roster_filter, else the title's population
        roster_filter = service.roster_filter(roster_filter, mapping_file, match.roster_population(layout))
    spec = build_spec(layout, proposals, report_id=report_id, title=title, department=own, period_type=period_type,
                      level=level, roster_filter=roster_filter, unmapped_as=unmapped_as)
    rid = save_report(ws, spec, data, actor=actor.ledger_actor)
    added = add_aliases(ws, new_aliases(proposals, match.vocab),
                        actor=actor.ledger_actor) if learn else 0
    return {"report": rid, "status": "draft", "version": versions(ws, rid), "department": own,
            "fields": len(spec.get("fields") or (spec.get("roster") or {}).get("columns") or []),
            "aliases_added": added, "spec": spec}
