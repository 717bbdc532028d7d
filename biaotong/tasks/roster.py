"""Roster tasks (花名册填报): a roster report whose columns include collected elements of its entity (近期动态 of
a resident) asks them per person. The task's rows are the unit's roster records at the period end, as
`report generate` gives them (masked for the viewer), each with its hashed key; the collected columns are
asked per row, every other column is read-only.

A person's answer is stored like a unit's (unit · element · validity window, versioned, reused by every task
of the same window) plus `answers.entity_key`: the HMAC-SHA256 of the entity key (the ID number) under a
secret kept in the workspace's keys folder, so the metadata store, the pages and the sheets never hold a clear
ID. Approved answers become the collection's resident sources (`refresh_residents`), keyed back to the ID
numbers through the resident one table, so rosters read them like any system column."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Connection

from biaotong.errors import WorkflowError, where
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.tasks.entitykey import entity_key, entity_secret
from biaotong.tasks.model import AskedField, check_value, window
from biaotong.tasks.tables import answers, task_reviews, tasks

if TYPE_CHECKING:
    from biaotong.reports.result import ReportResult
    from biaotong.reports.spec import ReportSpec
    from biaotong.workspace import Workspace

RESIDENT_SOURCE = "grassroots_collection_resident"  # + _<window> as biaotong.onetable.windows names windows
LIVE = ("draft", "submitted", "approved")


# ---- what a roster task asks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterAsk:
    spec: ReportSpec
    entity: str
    key: str  # the entity's key element (id_number)
    fields: dict[str, AskedField]  # roster column -> the collected element asked per row


def roster_ask(ws: Workspace, report_id: str) -> RosterAsk | None:
    """The collected columns a roster report asks per person, or None for any other report."""
    from biaotong.reports import cache

    spec = cache.spec(ws, report_id)
    if spec.layout != "roster" or spec.roster is None:
        return None
    r = spec.roster
    out: dict[str, AskedField] = {}
    for code in r.columns:
        if not ws.catalog.has_element(r.entity, code):
            continue
        el = ws.catalog.element(r.entity, code)
        if el.collected:
            out[code] = AskedField(code, r.labels.get(code, el.name), el.qualified, el.value_type, el.code_list, el.unit)
    if not out:
        return None
    return RosterAsk(spec, r.entity, ws.catalog.entity(r.entity).key, out)


@dataclass
class RosterRows:
    result: ReportResult
    keys: list[str]  # hashed, one per record
    names: list[str]  # the masked name of each record, for messages that name a row


def roster_rows(ws: Workspace, ask: RosterAsk, period: str, org_code: str, role: str, *, actor: str,
                purpose: str) -> RosterRows:
    """The unit's roster at the period end as `generate` gives it for `role` (its clear reads recorded),
    with each record's hashed key. The clear keys are read by the same compiled query, in the same order
    (the roster's order ends with the key, so it is total), and never leave this function."""
    from biaotong.expr.dialects import render
    from biaotong.reports.aggregate import data_org_codes
    from biaotong.reports.context import Engine
    from biaotong.reports.generate import generate
    from biaotong.reports.mask import mask_value
    from biaotong.reports.orgmap import plan_orgs
    from biaotong.reports.period import Period
    from biaotong.reports.roster import roster_query

    spec = ask.spec
    per = Period.parse(period, spec.period_type)
    result = generate(ws, spec, per, org_code, role=role, actor=actor, purpose=purpose)
    limit = int(ws.setting("roster_task_rows"))
    if len(result.records) > limit:
        raise WorkflowError(
            f"{result.org_name} 的{spec.title}有 {len(result.records)} 人，超过每个填报任务 {limit} 人的上限"
            "（设置 roster_task_rows）；请按村（社区）发布",
            f"the roster of {result.org_name} lists {len(result.records)} persons, more than the {limit} a task may hold "
            "(setting roster_task_rows); publish it per village", where(key=spec.id))
    eng = Engine(ws)
    try:
        con, _ = eng.connection(period=per)
        plan = plan_orgs(eng.tree, org_code, "village", per.end, data_org_codes(con, [ask.entity]))

        cur = con.execute(render(roster_query(spec, eng.catalog, per.start, per.end, plan.data_codes()), "duckdb",
                                 pretty=False))
        at = [d[0] for d in cur.description].index(ask.key)
        clear = [row[at] for row in cur.fetchall()]
    finally:
        eng.close()
    if len(clear) != len(result.records):  # a sync landed between the two reads
        raise WorkflowError("花名册数据刚刚更新，请重新打开任务", "the roster's data changed just now: open the task again",
                            where(key=spec.id))
    secret = entity_secret(ws.keys_dir)
    name_el = ws.catalog.element(ask.entity, "name") if ws.catalog.has_element(ask.entity, "name") else None
    names = []
    for rec in result.records:
        shown = rec.get("name")
        names.append(str(mask_value(name_el, shown) if name_el is not None and shown and "*" not in str(shown)
                         else shown or ""))
    return RosterRows(result, [entity_key(secret, ask.entity, k) for k in clear], names)


def _windows(ws: Workspace, ask: RosterAsk, result: ReportResult) -> dict[str, str]:
    return {fid: window(ws.catalog.element(*a.element.split(".", 1)).validity, str(result.period), result.period.end)
            for fid, a in ask.fields.items()}


def current_answers(conn: Connection, org_code: str, ask: RosterAsk, windows: dict[str, str],
                    statuses: tuple[str, ...] = LIVE) -> dict[tuple[str, str], Any]:
    """(field, hashed key) -> the current answer row of the unit for the element in its window."""
    out: dict[tuple[str, str], Any] = {}
    for fid, a in ask.fields.items():
        rows = conn.execute(sa.select(answers).where(
            answers.c.org_code == org_code, answers.c.element == a.element, answers.c.window == windows[fid],
            answers.c.entity_key.is_not(None), answers.c.current.is_(True), answers.c.status.in_(statuses))
            .order_by(answers.c.id)).all()
        for r in rows:
            out[(fid, r.entity_key)] = r
    return out


def _previous(conn: Connection, org_code: str, ask: RosterAsk, windows: dict[str, str],
              keys: set[str]) -> dict[tuple[str, str], Any]:
    """Each person's approved answer of an earlier window of the same kind (what the reviewer compares with)."""
    out: dict[tuple[str, str], Any] = {}
    for fid, a in ask.fields.items():
        win = windows[fid]
        if win == "*":
            continue
        rows = conn.execute(sa.select(answers.c.entity_key, answers.c.window, answers.c.value).where(
            answers.c.org_code == org_code, answers.c.element == a.element, answers.c.entity_key.is_not(None),
            answers.c.status == "approved", answers.c.current.is_(True), answers.c.window < win,
            answers.c.window != "*").order_by(answers.c.window, answers.c.id)).all()
        for k, w, v in rows:  # the newest earlier window wins
            if k in keys and len(w) == len(win):
                out[(fid, k)] = {"previous": v, "previous_window": w}
    return out


# ---- the task as its unit (or reviewer) sees it ---------------------------------------------------------


def view(ws: Workspace, ask: RosterAsk, row: Any, *, role: str, actor: str, opening: bool = False,
         levels: tuple[str, ...] = ()) -> dict[str, Any]:
    """The roster task: its rows (masked for `role`, each with its hashed key), the asked cells with their
    answers (typed in this task, reused from another of the same window, or still asked). A reviewer at the
    level the task waits for (`levels`) also gets each person's previous approved answer (`compare`)."""
    from biaotong.tasks import workflow as wf

    awaiting = wf.stage(row.status, row.level, row.org_code, ws.org_tree() if row.status == "submitted" else None)
    compare = awaiting is not None and awaiting in levels
    rows = roster_rows(ws, ask, row.period, row.org_code, role, actor=actor, purpose="task.roster")
    result = rows.result
    windows = _windows(ws, ask, result)
    with ws.engine.begin() as conn:
        have = current_answers(conn, row.org_code, ask, windows)
        previous = _previous(conn, row.org_code, ask, windows, set(rows.keys)) if compare else {}
        if opening and row.opened_at is None:
            conn.execute(sa.update(tasks).where(tasks.c.id == row.id).values(opened_at=datetime.now(UTC)))
        reviews = [{"action": r.action, "actor": r.actor, "comment": r.comment, "fields": r.field_comments,
                    "at": r.created_at} for r in conn.execute(
            sa.select(task_reviews).where(task_reviews.c.task_id == row.id).order_by(task_reviews.c.id))]
    from biaotong.reports.mask import must_mask

    out_rows = []
    missing = 0
    for i, (rec, key) in enumerate(zip(result.records, rows.keys, strict=True)):
        cells = {}
        for fid in ask.fields:
            ans = have.get((fid, key))
            origin = "asked" if ans is None else ("typed" if ans.task_id == row.id else "reused")
            value = None if ans is None else ans.value
            el = ws.catalog.element(*ask.fields[fid].element.split(".", 1))
            if value is not None and must_mask(el, role):
                from biaotong.reports.mask import mask_value

                value = mask_value(el, value)
            cell: dict[str, Any] = {"origin": origin, "value": value, "window": windows[fid]}
            if compare:
                prev = previous.get((fid, key))
                cell["compare"] = {**(prev or {"previous": None, "previous_window": None}),
                                   "changed": prev is not None and prev["previous"] != (None if ans is None else ans.value)}
            missing += ans is None or ans.value is None
            cells[fid] = cell
        out_rows.append({"seq": i + 1, "key": key, "org_code": result.places[i] if i < len(result.places) else None,
                         "values": {c: v for c, v in rec.items() if c not in ask.fields}, "asked": cells})
    overdue = row.due is not None and row.status in ("draft", "returned") and date.today() > row.due
    columns = [{"id": c.id, "label": c.label, "unit": c.unit, "asked": c.id in ask.fields,
                "element": ask.fields[c.id].element if c.id in ask.fields else None,
                "window": windows.get(c.id)} for c in result.columns]
    return {"id": row.id, "kind": "roster", "awaiting": awaiting, "level": row.level, "report": row.report_id,
            "title": result.spec.title, "period": row.period, "org_code": row.org_code, "org_name": result.org_name,
            "status": row.status, "version": row.version, "due": row.due, "overdue": overdue, "role": role,
            "columns": columns, "rows": out_rows, "fields": [], "reviews": reviews, "history": {},
            "asked": list(ask.fields), "missing": missing, "row_limit": int(ws.setting("roster_task_rows"))}


# ---- filling, submitting ----------------------------------------------------------------------------------


def _put(conn: Connection, old: Any, *, org_code: str, element: str, window_: str, key: str, value: Any, actor: str,
         task_id: int, reason: str | None, now: datetime) -> bool:
    """Store a person's answer as a new version (`old`: the current one, read with the task's others)."""
    if (old is None and value is None) or (old is not None and old.value == value):
        # a blank never answered (an uploaded sheet's empty cell) is no answer, and the same answer again (a page
        # or sheet sends every cell) is no change: a reused answer stays the other task's
        return False
    if old is not None:
        conn.execute(sa.update(answers).where(answers.c.id == old.id).values(current=False))
    version = (old.version + 1) if old is not None else 1
    conn.execute(sa.insert(answers).values(
        org_code=org_code, element=element, window=window_, entity_key=key, value=value, status="draft",
        current=True, version=version, previous=old.value if old is not None else None, reason=reason,
        actor=actor, task_id=task_id, created_at=now))
    # the object names the person by the first 16 characters of the hash: enough to find the answers' rows
    record(conn, Event(action="task.fill", actor=actor, object=f"answer:{org_code}/{element}/{window_}/{key[:16]}",
                       detail={"task": task_id, "status": "draft", "version": version, "changed": old is not None}))
    return True


def resolve_key(given: str, keys: list[str]) -> str | None:
    """A row's key as typed: the full hash, or a unique prefix of 8 characters or more (the CLI shows 12)."""
    g = given.strip().lower()
    if g in keys:
        return g
    if len(g) >= 8:
        found = [k for k in keys if k.startswith(g)]
        if len(found) == 1:
            return found[0]
    return None


def _open_task(ws: Workspace, task_id: int, version: int | None, verb: str) -> Any:
    """The task, if it is still at `version` and its unit may still change it (draft or returned)."""
    from biaotong.tasks import workflow as wf

    with ws.engine.connect() as conn:
        row = wf.get(conn, task_id)
    wf._stale(row, version)
    if row.status not in ("draft", "returned"):
        raise WorkflowError(f"任务 {task_id} 当前为{wf._zh(row.status)}，不能{verb}",
                            f"task {task_id} is {row.status} and cannot be {'changed' if verb == '修改' else 'submitted'}",
                            where(key=str(task_id)))
    return row


def fill(ws: Workspace, ask: RosterAsk, task_id: int, values: dict[str, Any], *, actor: str,
         version: int | None = None, reason: str | None = None, cells: dict[str, dict[str, str]] | None = None,
         rows_seen: dict[str, int] | None = None) -> dict[str, Any]:
    """Per-row answers `{key: {field: value}}` for the task's asked columns, each checked like a unit's
    (type, length); every bad cell is named (序号, masked name, field, and the sheet cell for an upload) in one
    error and nothing is stored then. A key not in the task, or a value for a system column, is refused."""
    from biaotong.tasks import workflow as wf

    row = _open_task(ws, task_id, version, "修改")
    rows = roster_rows(ws, ask, row.period, row.org_code, "public", actor=actor, purpose="task.fill")
    windows = _windows(ws, ask, rows.result)
    seq = {k: i + 1 for i, k in enumerate(rows.keys)}
    system = {c.id for c in rows.result.columns} - set(ask.fields)
    errors: list[dict[str, str]] = []
    checked: list[tuple[str, str, Any]] = []
    if not isinstance(values, dict):
        raise WorkflowError("花名册任务的填报值应为 {行键: {字段: 值}}", "a roster task takes {row key: {field: value}}",
                            where(key=str(task_id)))
    for given, per_row in values.items():
        key = resolve_key(str(given), rows.keys)
        where_row = f"第 {(rows_seen or {}).get(str(given))} 行" if rows_seen and str(given) in rows_seen else ""
        if key is None:
            errors.append({"row": str(given)[:16], "field": "", "cell": "",
                           "zh": f"{where_row or '行键 ' + str(given)[:16]}：不是本任务花名册中的人员（可能已不在册），未导入",
                           "en": f"{where_row or 'row key ' + str(given)[:16]}: not a person of this task's roster (left it?)"})
            continue
        label = f"第 {seq[key]} 行（{rows.names[seq[key] - 1]}）"
        if not isinstance(per_row, dict):
            errors.append({"row": key[:16], "field": "", "cell": "", "zh": f"{label}：应为 {{字段: 值}}",
                           "en": f"row {seq[key]}: {{field: value}} is expected"})
            continue
        for fid, raw in per_row.items():
            cell = ((cells or {}).get(key) or {}).get(fid)
            if fid not in ask.fields:
                zh = (f"{label}·{fid}：由系统预填，不能手工修改；如有误请向数据所属部门纠错" if fid in system
                      else f"{label}：任务 {task_id} 没有字段 {fid}")
                errors.append({"row": key[:16], "field": fid, "cell": cell or "", "zh": zh,
                               "en": f"row {seq[key]}, {fid}: not a field this task asks"})
                continue
            try:
                checked.append((key, fid, check_value(ask.fields[fid], raw, ws.catalog, cell=cell)))
            except WorkflowError as exc:
                errors.append({"row": key[:16], "field": fid, "cell": cell or "",
                               "zh": f"{(cell + ' ') if cell else ''}{label}{exc.zh}",
                               "en": f"{(cell + ' ') if cell else ''}row {seq[key]}: {exc.en}"})
    if errors:
        first = errors[0]
        raise WorkflowError(f"有 {len(errors)} 处错误，未保存任何数据：" + "；".join(e["zh"] for e in errors[:50]),
                            f"{len(errors)} errors; nothing was stored: " + "; ".join(e["en"] for e in errors[:50]),
                            where(field=first["field"] or None, column=first["cell"] or None, key=str(task_id)),
                            details={"errors": errors})
    now = datetime.now(UTC)
    with ws.engine.begin() as conn:
        have = current_answers(conn, row.org_code, ask, windows)  # one read for the task, not one per cell
        changed = sum(_put(conn, have.get((fid, key)), org_code=row.org_code, element=ask.fields[fid].element,
                           window_=windows[fid], key=key, value=value, actor=actor, task_id=row.id, reason=reason,
                           now=now)
                      for key, fid, value in checked)
        new_version = wf._bump(conn, row, version) if changed else row.version
    return {"task": task_id, "changed": changed, "version": new_version, "rules": []}


def submit(ws: Workspace, ask: RosterAsk, task_id: int, *, actor: str, version: int | None = None) -> dict[str, Any]:
    """Every asked cell must hold an answer (a blank is refused, the rows named); then as a unit's task."""
    from biaotong.tasks import answers as store
    from biaotong.tasks import workflow as wf

    row = _open_task(ws, task_id, version, "提交")
    rows = roster_rows(ws, ask, row.period, row.org_code, "public", actor=actor, purpose="task.submit")
    windows = _windows(ws, ask, rows.result)
    with ws.engine.connect() as conn:
        have = current_answers(conn, row.org_code, ask, windows)
    blank: list[str] = []
    origins: dict[str, str] = {}
    for i, key in enumerate(rows.keys):
        for fid in ask.fields:
            ans = have.get((fid, key))
            if ans is None or ans.value is None:
                blank.append(f"第 {i + 1} 行（{rows.names[i]}）{ask.fields[fid].label}")
            else:  # burden counts cells: one per person · asked column
                origins[f"{fid}@{key[:16]}"] = "typed" if ans.task_id == row.id else "reused"
    if blank:
        raise WorkflowError(f"还有 {len(blank)} 处未填：{'、'.join(blank[:10])}{'等' if len(blank) > 10 else ''}",
                            f"{len(blank)} cells are not filled yet", where(key=str(task_id)), details={"blank": blank[:200]})
    now = datetime.now(UTC)
    with ws.engine.begin() as conn:
        v = wf._bump(conn, row, version, status="submitted", submitted_at=now, fields=origins)
        store.set_status(conn, row.id, "submitted", actor=actor)
        conn.execute(sa.insert(task_reviews).values(task_id=row.id, action="submit", actor=actor, comment=None,
                                                    field_comments={}, created_at=now))
        record(conn, Event(action="task.submit", actor=actor, object=f"task:{row.id}",
                           detail={"report": row.report_id, "period": row.period, "org": row.org_code,
                                   "rows": len(rows.keys),
                                   "typed": sum(o == "typed" for o in origins.values()),
                                   "reused": sum(o == "reused" for o in origins.values())}))
    return {"task": task_id, "status": "submitted", "version": v}


# ---- the collection's resident sources ----------------------------------------------------------------------


def source_name(win: str) -> str:
    """`grassroots_collection_resident` for answers valid until changed, else `…_<window>` (2025-06 → 2025_06),
    as the unit collection names its windowed sources."""
    from biaotong.onetable.windows import COLLECTION_SOURCE, collection_source

    return RESIDENT_SOURCE + collection_source(win)[len(COLLECTION_SOURCE):]


def refresh_residents(ws: Workspace, actor: str) -> dict[str, Any]:
    """Approved person answers as the collection's resident sources (one per window, key id_number,
    department grassroots). A hashed key is mapped back to its ID number through the resident one table (the
    residents of the answering units first, then everyone, for a person who moved); a key no longer found is
    reported here, and its answer stays in the answers table."""
    import yaml

    from biaotong.store.schema import sources
    from biaotong.sync.registry import add_source
    from biaotong.sync.run import sync_source

    with ws.engine.connect() as conn:
        rows = conn.execute(sa.select(answers.c.org_code, answers.c.element, answers.c.window, answers.c.entity_key,
                                      answers.c.value)
                            .where(answers.c.status == "approved", answers.c.entity_key.is_not(None),
                                   answers.c.element.like("resident.%"))
                            .order_by(answers.c.window, answers.c.id)).all()
    if not rows:
        return {"sources": [], "persons": 0, "unmatched": 0}
    by_window: dict[str, dict[str, dict[str, Any]]] = {}
    for _org, element, win, key, value in rows:  # the newest approved version of each person · element wins
        by_window.setdefault(win, {}).setdefault(key, {})[element.split(".", 1)[1]] = value
    wanted = {k for per in by_window.values() for k in per}
    ids = _ids_of(ws, wanted, {r.org_code for r in rows})
    folder = ws.home / "collection"
    folder.mkdir(exist_ok=True)
    out: list[dict[str, Any]] = []
    unmatched: set[str] = set()
    for win, per in sorted(by_window.items()):
        name = source_name(win)
        codes = sorted({c for vals in per.values() for c in vals})
        items = []
        for key, vals in sorted(per.items()):
            ident = ids.get(key)
            if ident is None:
                unmatched.add(key)
                continue
            items.append({"id_number": ident, **{c: vals.get(c) for c in codes}})
        items.sort(key=lambda x: x["id_number"])
        data = folder / f"{name}.json"
        tmp = data.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # clear IDs, like any system's extract
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"items": items}, f, ensure_ascii=False)
        os.replace(tmp, data)
        spec = {"name": name, "title": f"基层一次采集·人员（{'长期有效' if win == '*' else win}）", "department": "grassroots",
                "entity": "resident", "connection": {"kind": "json", "path": data.name, "records": "items"},
                "key": "id_number", "columns": {"id_number": "id_number", **{c: c for c in codes}},
                "sync": {"mode": "full"}}
        text = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)
        spec_path = folder / f"{name}.yaml"
        with ws.engine.connect() as conn:
            registered = conn.execute(sa.select(sources.c.name).where(sources.c.name == name)).first()
        if registered is None or not spec_path.exists() or spec_path.read_text(encoding="utf-8") != text:
            spec_path.write_text(text, encoding="utf-8")
            add_source(ws, spec_path, actor=actor)
        result = sync_source(ws, name, actor=actor, hooks=False)
        out.append({"source": name, "window": win, "persons": len(items), "elements": codes,
                    "snapshot": result.snapshot.id if result.snapshot else None, "unchanged": result.unchanged})
    if unmatched:
        with ws.engine.begin() as conn:
            record(conn, Event(action="task.collection", actor=actor, object=f"source:{RESIDENT_SOURCE}",
                               detail={"unmatched": len(unmatched), "keys": sorted(k[:16] for k in unmatched)[:100]}))
    return {"sources": out, "persons": len(wanted) - len(unmatched), "unmatched": len(unmatched),
            "unmatched_keys": sorted(k[:16] for k in unmatched)}


def _ids_of(ws: Workspace, wanted: set[str], units: set[str]) -> dict[str, str]:
    """Hashed key -> ID number, for the keys wanted: the residents of `units` hashed first, everyone else only
    when some key is still not found."""
    import duckdb

    from biaotong.onetable import build_entity

    merged = build_entity(ws, "resident")
    if merged.path is None or not wanted:
        return {}
    secret = entity_secret(ws.keys_dir)
    con = duckdb.connect()
    try:
        rows = con.execute("SELECT id_number, org_code FROM read_parquet(?) WHERE id_number IS NOT NULL",
                           [str(merged.path)]).fetchall()
    finally:
        con.close()
    found: dict[str, str] = {}
    for pass_units in (True, False):
        for ident, org in rows:
            if (org in units) != pass_units:
                continue
            h = entity_key(secret, "resident", ident)
            if h in wanted:
                found[h] = str(ident)
        if len(found) == len(wanted):
            break
    return found
