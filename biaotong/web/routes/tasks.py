"""Grassroots tasks: a worker's list and task form (pre-filled values read-only with their source, the fields to
type, save, submit, sheet download/upload, flag a wrong value), the township's review queue, the department's
progress per area, and the corrections raised on pre-filled values. All through biaotong.services.tasks."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Body, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from biaotong.errors import AccessDenied, BiaotongError
from biaotong.i18n import msg
from biaotong.services import tasks as svc
from biaotong.tasks.model import ORIGINS, STATUSES
from biaotong.web.deps import ApiActor, Csrf, PageActor, WorkspaceDep
from biaotong.web.render import NavItem
from biaotong.web.render import page as render
from biaotong.web.uploads import read_upload

# A POST made with the session cookie must carry its CSRF token (a bearer token needs none).
api = APIRouter(prefix="/api", tags=["tasks"], dependencies=[Csrf])
pages = APIRouter(prefix="/tasks")
# A row id in the address: bounded, so a huge number is a 422, not a database overflow.
Id = Annotated[int, PathParam(ge=1, le=2**62)]
nav = [
    NavItem("/tasks", "填报任务", "Tasks", svc.FILLERS, 5),
    NavItem("/tasks/review", "审核", "Review", ("township", "designer", "data_admin"), 6),
    NavItem("/tasks/progress", "填报进度", "Progress", ("designer", "data_admin"), 7),
]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Report = Annotated[str | None, Query(max_length=80)]
PeriodQ = Annotated[str | None, Query(max_length=20)]
Status = Annotated[str | None, Query(pattern="^(draft|submitted|returned|reviewed|approved)$")]
OPEN = ("draft", "returned")  # a task its unit may still change


class FillBody(BaseModel):
    values: dict[str, Any] = Field(description="field id → value; only the fields asked of people")
    version: int | None = Field(None, description="the version read; a stale one is refused")
    reason: str | None = Field(None, max_length=500, description="why an earlier answer changes")


class VersionBody(BaseModel):
    version: int | None = None


class ReviewBody(BaseModel):
    verdict: str = Field(pattern="^(approve|return)$")
    version: int | None = None
    comment: str | None = Field(None, max_length=2000)
    field_comments: dict[str, str] | None = None


class FlagBody(BaseModel):
    field: str = Field(max_length=80)
    reason: str = Field(max_length=2000)
    keys: list[str] | None = Field(None, description="the entities behind the number (drill-down keys)")
    evidence: str | None = Field(None, max_length=2000)


class AnswerBody(BaseModel):
    verdict: str = Field(pattern="^(accept|reject)$")
    answer: str = Field(max_length=2000)


class PublishBody(BaseModel):
    period: str = Field(max_length=20)
    to: str | None = Field(None, max_length=12)
    level: str | None = Field(None, max_length=20)
    due: date | None = None


# ---- JSON API -------------------------------------------------------------------------------------------


@api.get("/tasks", summary="Tasks in the user's scope")
def list_api(actor: ApiActor, ws: WorkspaceDep, report: Report = None, period: PeriodQ = None,
             status: Status = None) -> list[dict[str, Any]]:
    return svc.list_tasks(ws, actor, report=report, period=period, status=status)


@api.get("/tasks/progress", summary="Completeness per area of one report and period (the department)")
def progress_api(actor: ApiActor, ws: WorkspaceDep, report: Annotated[str, Query(max_length=80)],
                 period: Annotated[str, Query(max_length=20)]) -> dict[str, Any]:
    return svc.progress(ws, actor, report, period)


@api.get("/tasks/review-queue", summary="Submissions waiting for the user's review level")
def review_queue_api(actor: ApiActor, ws: WorkspaceDep) -> list[dict[str, Any]]:
    return svc.review_queue(ws, actor)


@api.get("/tasks/databack", summary="The unit's own jurisdiction's base data as Excel, masked; recorded")
def databack_api(actor: ApiActor, ws: WorkspaceDep, background: BackgroundTasks,
                 entity: Annotated[str, Query(max_length=40)] = "resident",
                 org: Annotated[str | None, Query(max_length=12)] = None) -> Response:
    folder = Path(tempfile.mkdtemp(prefix="biaotong-back-"))
    out = svc.databack(ws, actor, folder / f"{entity}-{org or actor.org_code}.xlsx", entity=entity, org=org)
    return _file(Path(out["file"]), folder, background)


@api.post("/tasks/publish/{report_id}", summary="Publish an approved report for a period: one task per unit")
def publish_api(actor: ApiActor, ws: WorkspaceDep, report_id: str, body: PublishBody) -> dict[str, Any]:
    return svc.publish(ws, actor, report_id, period=body.period, to=body.to, level=body.level, due=body.due)


@api.get("/tasks/{task_id}", summary="One task: pre-filled values with their sources, the fields asked")
def show_api(actor: ApiActor, ws: WorkspaceDep, task_id: Id) -> dict[str, Any]:
    return svc.show(ws, actor, task_id)


@api.post("/tasks/{task_id}/fill", summary="Save answers (validated; versioned; recorded)")
def fill_api(actor: ApiActor, ws: WorkspaceDep, task_id: Id, body: FillBody) -> dict[str, Any]:
    return svc.fill(ws, actor, task_id, body.values, version=body.version, reason=body.reason)


@api.post("/tasks/{task_id}/submit", summary="Submit for review")
def submit_api(actor: ApiActor, ws: WorkspaceDep, task_id: Id,
               body: Annotated[VersionBody | None, Body()] = None) -> dict[str, Any]:
    return svc.submit(ws, actor, task_id, version=body.version if body else None)


@api.post("/tasks/{task_id}/review", summary="Approve or return a submission (a stale version is refused)")
def review_api(actor: ApiActor, ws: WorkspaceDep, task_id: Id, body: ReviewBody) -> dict[str, Any]:
    return svc.review(ws, actor, task_id, body.verdict, version=body.version, comment=body.comment,
                      field_comments=body.field_comments)


@api.get("/tasks/{task_id}/download", summary="The task's own sheet, pre-filled, asked cells unlocked")
def download_api(actor: ApiActor, ws: WorkspaceDep, task_id: Id, background: BackgroundTasks) -> Response:
    folder = Path(tempfile.mkdtemp(prefix="biaotong-task-"))
    out = svc.download(ws, actor, task_id, folder / f"task-{task_id}.xlsx")
    return _file(Path(out["file"]), folder, background)


@api.post("/tasks/{task_id}/upload", summary="Upload the task's sheet filled offline")
async def upload_api(actor: ApiActor, ws: WorkspaceDep, task_id: Id, file: UploadFile) -> dict[str, Any]:
    data = await read_upload(file, kinds=("xlsx",))
    return await run_in_threadpool(svc.upload, ws, actor, task_id, data, name=file.filename or "upload.xlsx")


@api.get("/task-batch", summary="A township's one sheet for its villages' open tasks of a report and period")
def download_batch_api(actor: ApiActor, ws: WorkspaceDep, background: BackgroundTasks,
                       report: Annotated[str, Query(max_length=80)],
                       period: Annotated[str, Query(max_length=20)]) -> Response:
    folder = Path(tempfile.mkdtemp(prefix="biaotong-batch-"))
    out = svc.download_batch(ws, actor, report, period, folder / f"batch-{report}-{period}.xlsx")
    return _file(Path(out["file"]), folder, background)


@api.post("/task-batch", summary="Upload a township's batch sheet: every cell checked, all or nothing")
async def upload_batch_api(actor: ApiActor, ws: WorkspaceDep, file: UploadFile) -> dict[str, Any]:
    data = await read_upload(file, kinds=("xlsx",))
    return await run_in_threadpool(svc.upload_batch, ws, actor, data, name=file.filename or "batch.xlsx")


@api.post("/tasks/{task_id}/flag", summary="Flag a pre-filled value as wrong: a correction to its owner")
def flag_api(actor: ApiActor, ws: WorkspaceDep, task_id: Id, body: FlagBody) -> dict[str, Any]:
    return svc.flag(ws, actor, task_id, body.field, body.reason, keys=body.keys, evidence=body.evidence)


@api.get("/corrections", summary="Correction requests the user may see")
def corrections_api(actor: ApiActor, ws: WorkspaceDep,
                    status: Annotated[str | None, Query(max_length=20)] = None) -> list[dict[str, Any]]:
    return svc.list_corrections(ws, actor, status=status)


@api.post("/corrections/{cid}/answer", summary="The owning department accepts or rejects a correction")
def answer_correction_api(actor: ApiActor, ws: WorkspaceDep, cid: Id, body: AnswerBody) -> dict[str, Any]:
    return svc.answer_correction(ws, actor, cid, body.verdict, body.answer)


def _file(path: Path, folder: Path, background: BackgroundTasks) -> Response:
    background.add_task(lambda: (path.unlink(missing_ok=True), folder.rmdir()))
    return FileResponse(path, media_type=XLSX, filename=path.name)


# ---- pages ----------------------------------------------------------------------------------------------


def page(request: Request, template: str, actor: Any, status_code: int = 200, **context: Any) -> Response:
    return render(request, template, actor, status_code=status_code, STATUS=STATUSES, ORIGIN=ORIGINS, **context)


@pages.get("")
def list_page(request: Request, actor: PageActor, ws: WorkspaceDep, status: Status = None) -> Response:
    return _list(request, actor, ws, status=status)


def _list(request: Request, actor: Any, ws: Any, *, status: str | None = None, error: str | None = None,
          notice: str | None = None, status_code: int = 200) -> Response:
    every = svc.list_tasks(ws, actor)  # one read: the list filtered here, the batches from all of it
    items = [t for t in every if t["status"] == status] if status else every
    # a township fills its villages' open tasks of one report and period in one sheet
    batches = sorted({(t["report"], t["period"]) for t in every if t["status"] in OPEN
                      and t["org_code"] != actor.org_code}) if actor.has_role("township") else []
    return page(request, "tasks.html", actor, tasks=items, status=status, batches=batches, error=error,
                notice=notice, status_code=status_code)


@pages.post("/batch-upload", dependencies=[Csrf])
async def batch_upload_page(request: Request, actor: PageActor, ws: WorkspaceDep,
                            file: Annotated[UploadFile, File()]) -> Response:
    try:
        data = await read_upload(file, kinds=("xlsx",))
        out = await run_in_threadpool(svc.upload_batch, ws, actor, data, name=file.filename or "batch.xlsx")
    except AccessDenied:
        raise
    except BiaotongError as exc:
        return _list(request, actor, ws, error=exc.message, status_code=400)
    return _list(request, actor, ws, notice=msg(f"批量表已导入：{out['tasks']} 个任务，{out['changed']} 项",
                                                    f"batch stored: {out['tasks']} tasks, {out['changed']} values"))


@pages.get("/review")
def review_queue(request: Request, actor: PageActor, ws: WorkspaceDep,
                 done: Annotated[int | None, Query()] = None) -> Response:
    from biaotong.auth.actor import require_role

    require_role(actor, *svc.REVIEWERS)
    queue = svc.review_queue(ws, actor)  # what waits for the user's level: the township's, or the department's
    notice = msg(f"任务 {done} 已处理", f"task {done} done") if done else None
    return page(request, "task_review.html", actor, tasks=queue, notice=notice)


@pages.get("/progress")
def progress_page(request: Request, actor: PageActor, ws: WorkspaceDep, report: Report = None,
                  period: PeriodQ = None) -> Response:
    from biaotong.auth.actor import require_role

    require_role(actor, "designer", "data_admin", "township", "auditor")
    pairs = sorted({(t["report"], t["period"]) for t in svc.list_tasks(ws, actor)})
    if not report and pairs:
        report, period = pairs[-1]
    result = svc.progress(ws, actor, report, period or "") if report and period else None
    return page(request, "task_progress.html", actor, result=result, pairs=pairs, report=report, period=period)


@pages.get("/corrections")
def corrections_page(request: Request, actor: PageActor, ws: WorkspaceDep) -> Response:
    return page(request, "task_corrections.html", actor, items=svc.list_corrections(ws, actor))


@pages.post("/corrections/{cid}", dependencies=[Csrf])
def answer_correction_page(request: Request, actor: PageActor, ws: WorkspaceDep, cid: Id,
                           verdict: Annotated[str, Form(pattern="^(accept|reject)$")],
                           answer: Annotated[str, Form(max_length=2000)]) -> Response:
    error = _attempt(svc.answer_correction, ws, actor, cid, verdict, answer)
    return page(request, "task_corrections.html", actor, items=svc.list_corrections(ws, actor), error=error,
                status_code=400 if error else 200)


def _attempt(fn: Any, *args: Any, **kwargs: Any) -> str | None:
    """Run a service call; its refusal of bad input becomes the page's message (a refusal of access stays 403)."""
    try:
        fn(*args, **kwargs)
    except AccessDenied:
        raise
    except BiaotongError as exc:
        return exc.message
    return None


def _task_page(request: Request, actor: Any, ws: Any, task_id: Id, *, error: str | None = None,
               notice: str | None = None) -> Response:
    got = svc.form(ws, actor, task_id)  # the task, its review levels and its flags over one org tree
    view, flags = got["task"], got["flags"]
    own = actor.has_role(*svc.FILLERS) and view["status"] in OPEN
    reviewer = (view.get("awaiting") in got["levels"]
                and (actor.org_code != view["org_code"] or actor.has_role("data_admin")))
    outliers = _outliers(ws, actor, view, got["peers"]) if reviewer and view.get("kind") != "roster" else {}
    template = "task_roster.html" if view.get("kind") == "roster" else "task.html"  # a row per person
    return page(request, template, actor, task=view, editable=own, reviewer=reviewer, flags=flags,
                outliers=outliers, error=error, notice=notice, status_code=400 if error else 200)


def _outliers(ws: Any, actor: Any, view: dict[str, Any], peers: str | None) -> dict[str, list[dict[str, Any]]]:
    """The reviewer's flags beside the unit's values: far from its own history or from its peers (the villages
    of `peers`, its township), from biaotong.services.quality; none when the report cannot be generated yet or
    the unit is no longer in the tree."""
    from biaotong.services import quality

    if peers is None:
        return {}
    try:
        found = quality.outliers(ws, actor, view["report"], view["period"], peers)["flags"]
    except BiaotongError:
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    for f in found:
        if f["org_code"] == view["org_code"]:
            out.setdefault(f["field"], []).append(f)
    return out


@pages.get("/{task_id}")
def task_page(request: Request, actor: PageActor, ws: WorkspaceDep, task_id: Id,
              done: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    return _task_page(request, actor, ws, task_id, notice=done_message(done))


def _after(request: Request, actor: Any, ws: Any, task_id: Id, error: str | None, done: str) -> Response:
    if error:
        return _task_page(request, actor, ws, task_id, error=error)
    return RedirectResponse(f"/tasks/{task_id}?done={done}", status_code=303)


@pages.post("/{task_id}/fill", dependencies=[Csrf])
async def fill_page(request: Request, actor: PageActor, ws: WorkspaceDep, task_id: Id) -> Response:
    """Save (and, with action=submit, submit): the form's fields are `v_<field id>`; blanks are left unsaid."""
    form = await request.form()
    values: dict[str, Any] = {str(k)[2:]: str(v).strip() for k, v in form.multi_items()
                              if str(k).startswith("v_") and str(v).strip()}
    for k, v in form.multi_items():  # a roster task's cells: r_<row key>__<field> (an unchanged one stores nothing)
        if str(k).startswith("r_") and "__" in str(k) and str(v).strip():
            key, field = str(k)[2:].split("__", 1)
            values.setdefault(key, {})[field] = str(v).strip()
    version = int(str(form.get("version"))) if str(form.get("version", "")).isdigit() else None
    reason = str(form.get("reason") or "").strip()[:500] or None
    error = None
    if values:
        error = await run_in_threadpool(_attempt, svc.fill, ws, actor, task_id, values, version=version, reason=reason)
        version = None  # the fill moved the version on; submit what was just saved
    if error is None and form.get("action") == "submit":
        error = await run_in_threadpool(_attempt, svc.submit, ws, actor, task_id, version=version)
        return _after(request, actor, ws, task_id, error, "submitted")
    return _after(request, actor, ws, task_id, error, "saved")


@pages.post("/{task_id}/review", dependencies=[Csrf])
async def review_page(request: Request, actor: PageActor, ws: WorkspaceDep, task_id: Id) -> Response:
    form = await request.form()
    verdict = str(form.get("verdict", ""))
    version = int(str(form.get("version"))) if str(form.get("version", "")).isdigit() else None
    comments = {str(k)[2:]: str(v).strip()[:2000] for k, v in form.multi_items()
                if str(k).startswith("c_") and str(v).strip()}
    comment = str(form.get("comment") or "").strip()[:2000] or None
    error = await run_in_threadpool(_attempt, svc.review, ws, actor, task_id, verdict, version=version,
                                    comment=comment, field_comments=comments or None)
    if error:
        return _task_page(request, actor, ws, task_id, error=error)
    return RedirectResponse(f"/tasks/review?done={task_id}", status_code=303)


@pages.post("/{task_id}/upload", dependencies=[Csrf])
async def upload_page(request: Request, actor: PageActor, ws: WorkspaceDep, task_id: Id,
                      file: Annotated[UploadFile, File()]) -> Response:
    try:
        data = await read_upload(file, kinds=("xlsx",))
    except BiaotongError as exc:
        return _task_page(request, actor, ws, task_id, error=exc.message)
    error = await run_in_threadpool(_attempt, svc.upload, ws, actor, task_id, data, name=file.filename or "upload.xlsx")
    return _after(request, actor, ws, task_id, error, "uploaded")


@pages.post("/{task_id}/flag", dependencies=[Csrf])
def flag_page(request: Request, actor: PageActor, ws: WorkspaceDep, task_id: Id,
              field: Annotated[str, Form(max_length=80)], reason: Annotated[str, Form(max_length=2000)] = "",
              evidence: Annotated[str, Form(max_length=2000)] = "") -> Response:
    error = _attempt(svc.flag, ws, actor, task_id, field, reason, evidence=evidence.strip() or None)
    return _after(request, actor, ws, task_id, error, "flagged")


DONE = {"saved": ("已保存", "saved"), "submitted": ("已提交审核", "submitted for review"),
        "uploaded": ("表格已导入", "sheet imported"), "flagged": ("纠错已发送给数据所属部门", "correction sent to the data's owner")}


def done_message(code: str | None) -> str | None:
    return msg(*DONE[code]) if code in DONE else None
