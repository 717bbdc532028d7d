"""The department designer's journey: upload a form (/forms/new), check and change the proposed mapping and save
it as a draft report (/forms/{upload}/mapping), the report's admission review (the data administration decides
it), and publishing an approved report for a period. All through biaotong.services (forms, review, tasks)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from biaotong.errors import AccessDenied, BiaotongError
from biaotong.services import forms as svc
from biaotong.services import review as reviews
from biaotong.services import tasks
from biaotong.web.deps import ApiActor, Csrf, PageActor, WorkspaceDep
from biaotong.web.render import NavItem, page
from biaotong.web.uploads import read_upload

api = APIRouter(prefix="/api/forms", tags=["forms"], dependencies=[Csrf])
pages = APIRouter(prefix="/forms")
nav = [NavItem("/forms/new", "上传表样", "Upload a form", ("designer",), 8)]

Upload = Annotated[str, PathParam(pattern="^[0-9a-f]{64}$")]
ReportId = Annotated[str, PathParam(max_length=80)]
CHOICE_PREFIX = "m_"  # a mapping control per column: m_<column key>


class SaveBody(BaseModel):
    report_id: str = Field(max_length=80, pattern="^[a-z][a-z0-9_]{1,79}$")
    mapping: dict[str, Any] = Field(default_factory=dict, description="column → keep | runner-up | skip | collected"
                                    " | an indicator id or entity.element (a mapping-file choice)")
    level: str | None = Field(None, max_length=20)
    title: str | None = Field(None, max_length=200)
    sheet: str | None = Field(None, max_length=100)
    unmapped_as: str = Field("error", pattern="^(error|collected|skip)$")


class DecideBody(BaseModel):
    verdict: str = Field(pattern="^(approve|reject)$")
    reason: str = Field(max_length=2000)


# ---- JSON API -------------------------------------------------------------------------------------------


@api.post("", summary="Upload a department's .xlsx form: layout, proposals with reasons, runner-up and SQL")
async def import_api(actor: ApiActor, ws: WorkspaceDep, file: UploadFile) -> dict[str, Any]:
    data = await read_upload(file, kinds=("xlsx",))
    return await run_in_threadpool(svc.import_form, ws, actor, data, file.filename or "form.xlsx")


@api.post("/{upload}/save", summary="Save the uploaded form as a draft report of the user's department")
def save_api(actor: ApiActor, ws: WorkspaceDep, upload: Upload, body: SaveBody) -> dict[str, Any]:
    return svc.save_form(ws, actor, upload, body.mapping, report_id=body.report_id, level=body.level,
                         title=body.title, sheet=body.sheet, unmapped_as=body.unmapped_as)


@api.get("/review/{report_id}", summary="A report's admission review (reuse, overlaps, burden, verdict)")
def review_api(actor: ApiActor, ws: WorkspaceDep, report_id: ReportId) -> dict[str, Any]:
    return reviews.review(ws, actor, report_id).to_json()


@api.post("/review/{report_id}", summary="Approve or reject a report (the data administration)")
def decide_api(actor: ApiActor, ws: WorkspaceDep, report_id: ReportId, body: DecideBody) -> dict[str, Any]:
    return reviews.decide(ws, actor, report_id, body.verdict, body.reason)


# ---- pages ----------------------------------------------------------------------------------------------


@pages.get("/new")
def new_page(request: Request, actor: PageActor) -> Response:
    from biaotong.auth.actor import require_role

    require_role(actor, *svc.DESIGNERS)
    return page(request, "forms_new.html", actor)


@pages.post("/new", dependencies=[Csrf])
async def upload_page(request: Request, actor: PageActor, ws: WorkspaceDep,
                      file: Annotated[UploadFile, File()]) -> Response:
    try:
        data = await read_upload(file, kinds=("xlsx",))
        out = await run_in_threadpool(svc.import_form, ws, actor, data, file.filename or "form.xlsx")
    except AccessDenied:
        raise
    except BiaotongError as exc:
        return page(request, "forms_new.html", actor, error=exc.message, status_code=400)
    return RedirectResponse(f"/forms/{out['upload']}/mapping", status_code=303)


def _mapping_page(request: Request, actor: Any, ws: Any, upload: str, *, error: str | None = None,
                  values: dict[str, Any] | None = None) -> Response:
    out = svc.show_upload(ws, actor, upload)
    return page(request, "forms_mapping.html", actor, form=out, error=error, values=values or {},
                status_code=400 if error else 200)


@pages.get("/{upload}/mapping")
def mapping_page(request: Request, actor: PageActor, ws: WorkspaceDep, upload: Upload) -> Response:
    return _mapping_page(request, actor, ws, upload)


@pages.post("/{upload}/mapping", dependencies=[Csrf])
async def save_page(request: Request, actor: PageActor, ws: WorkspaceDep, upload: Upload) -> Response:
    """Each column's control is `m_<key>` (keep / runner-up / skip / collected / other) with `o_<key>` the
    code typed for "other"."""
    form = await request.form()
    mapping: dict[str, Any] = {}
    for k, v in form.multi_items():
        key, choice = str(k), str(v).strip()
        if key.startswith(CHOICE_PREFIX) and choice and choice != svc.KEEP:
            col = key[len(CHOICE_PREFIX):]
            mapping[col] = str(form.get(f"o_{col}") or "").strip()[:200] if choice == "other" else choice
    values = {k: str(v) for k, v in form.items() if k != "csrf"}
    report_id = str(form.get("report_id") or "").strip()
    level = str(form.get("level") or "").strip() or None
    try:
        out = await run_in_threadpool(lambda: svc.save_form(ws, actor, upload, mapping, report_id=report_id,
                                                            level=level, unmapped_as="skip"))
    except AccessDenied:
        raise
    except BiaotongError as exc:
        return _mapping_page(request, actor, ws, upload, error=exc.message, values=values)
    return RedirectResponse(f"/forms/review/{out['report']}?done=saved", status_code=303)


def _review_page(request: Request, actor: Any, ws: Any, report_id: str, *, error: str | None = None,
                 notice: str | None = None) -> Response:
    result = reviews.review(ws, actor, report_id)
    return page(request, "forms_review.html", actor, review=result, error=error, notice=notice,
                can_decide=actor.has_role("data_admin"),
                can_publish=actor.has_role("designer", "data_admin") and result.status in ("approved", "published"),
                status_code=400 if error else 200)


DONE = {"saved": ("已保存为草稿，待数据局准入审核", "saved as a draft, pending admission review"),
        "approved": ("已通过准入", "approved"), "rejected": ("已退回", "sent back"), "published": ("已发布", "published")}


@pages.get("/review/{report_id}")
def review_page(request: Request, actor: PageActor, ws: WorkspaceDep, report_id: ReportId,
                done: str | None = None) -> Response:
    from biaotong.i18n import msg

    return _review_page(request, actor, ws, report_id, notice=msg(*DONE[done]) if done in DONE else None)


@pages.post("/review/{report_id}", dependencies=[Csrf])
def decide_page(request: Request, actor: PageActor, ws: WorkspaceDep, report_id: ReportId,
                verdict: Annotated[str, Form(pattern="^(approve|reject)$")],
                reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    try:
        reviews.decide(ws, actor, report_id, verdict, reason.strip())
    except AccessDenied:
        raise
    except BiaotongError as exc:
        return _review_page(request, actor, ws, report_id, error=exc.message)
    return RedirectResponse(f"/forms/review/{report_id}?done={verdict}d", status_code=303)


@pages.post("/publish/{report_id}", dependencies=[Csrf])
def publish_page(request: Request, actor: PageActor, ws: WorkspaceDep, report_id: ReportId,
                 period: Annotated[str, Form(max_length=20)], to: Annotated[str, Form(max_length=12)] = "",
                 level: Annotated[str, Form(max_length=20)] = "", due: Annotated[str, Form(max_length=10)] = "") -> Response:
    try:
        when = date.fromisoformat(due) if due.strip() else None
    except ValueError:
        return _review_page(request, actor, ws, report_id, error=f"due: {due}")
    try:
        tasks.publish(ws, actor, report_id, period=period.strip(), to=to.strip() or None, level=level.strip() or None,
                      due=when)
    except AccessDenied:
        raise
    except BiaotongError as exc:
        return _review_page(request, actor, ws, report_id, error=exc.message)
    query = urlencode({"period": period.strip(), **({"org": to.strip()} if to.strip() else {})})
    return RedirectResponse(f"/reports/{quote(report_id)}?{query}", status_code=303)
