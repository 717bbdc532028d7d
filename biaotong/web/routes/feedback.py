"""Feedback: a unit sends (anonymously if it wishes, with an attachment), follows its own items (an anonymous
sender with the token given once), reports a form from outside the inventory (表外表); the owning department
answers in its inbox. All through biaotong.services.feedback, which decides who reads what."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from biaotong.errors import AccessDenied, BiaotongError
from biaotong.feedback.model import CATEGORIES, STATUSES, TARGETS
from biaotong.services import feedback as svc
from biaotong.web.deps import ApiActor, Csrf, PageActor, WorkspaceDep
from biaotong.web.render import NavItem
from biaotong.web.render import page as render
from biaotong.web.uploads import MAX_UPLOAD

# A POST made with the session cookie must carry its CSRF token (a bearer token needs none).
api = APIRouter(prefix="/api/feedback", tags=["feedback"], dependencies=[Csrf])
pages = APIRouter(prefix="/feedback")
# A row id in the address: bounded, so a huge number is a 422, not a database overflow.
Id = Annotated[int, Path(ge=1, le=2**62)]
nav = [NavItem("/feedback", "反馈", "Feedback", (), 20)]

Text = Annotated[str, Form(max_length=4000)]
Short = Annotated[str, Form(max_length=200)]


class TextBody(BaseModel):
    text: str = Field("", max_length=4000)


class TokenBody(BaseModel):
    token: str = Field(max_length=200)
    text: str = Field("", max_length=4000)


async def _attachment(file: UploadFile | None) -> tuple[str, bytes] | None:
    """The attached file's name and bytes, read up to the upload limit (the service checks size and type)."""
    if file is None or not file.filename:
        return None
    return file.filename, await file.read(MAX_UPLOAD + 1)


# ---- JSON API -------------------------------------------------------------------------------------------


@api.get("", summary="Feedback the user may read: their own, their department's inbox, their villages'")
def list_api(actor: ApiActor, ws: WorkspaceDep,
             status: Annotated[str | None, Query(pattern="^(open|answered|closed)$")] = None) -> list[dict[str, Any]]:
    return svc.list_items(ws, actor, status=status)


@api.post("", summary="Send feedback (multipart form; anonymous gets a token back, shown once)")
async def send_api(actor: ApiActor, ws: WorkspaceDep, category: Short, target: Short, text: Text,
                   report: Short = "", field: Short = "", task: Short = "", anonymous: Annotated[bool, Form()] = False,
                   file: UploadFile | None = None) -> dict[str, Any]:
    att = await _attachment(file)
    return await run_in_threadpool(lambda: svc.send(
        ws, actor, category=category, target=target, text=text, report_id=report or None, field=field or None,
        task=task or None, anonymous=anonymous, attachment=att))


@api.post("/outside-form", summary="Report a form that came from outside the inventory (表外表)")
async def outside_api(actor: ApiActor, ws: WorkspaceDep, department: Short, received_on: Annotated[date, Form()],
                      title: Short, text: Text = "", anonymous: Annotated[bool, Form()] = False,
                      file: UploadFile | None = None) -> dict[str, Any]:
    att = await _attachment(file)
    return await run_in_threadpool(lambda: svc.report_outside_form(
        ws, actor, department=department, received_on=received_on, title=title, text=text, anonymous=anonymous,
        attachment=att))


@api.get("/stats", summary="Per department: open, overdue, answered, median hours to answer, 表外表")
def stats_api(actor: ApiActor, ws: WorkspaceDep) -> dict[str, Any]:
    return svc.stats(ws, actor)


@api.post("/escalate", summary="Send overdue items to the data administration (data admin)")
def escalate_api(actor: ApiActor, ws: WorkspaceDep) -> dict[str, Any]:
    return {"escalated": svc.escalate_overdue(ws, actor)}


@api.post("/token", summary="An anonymous sender reads their item with the token")
def by_token_api(ws: WorkspaceDep, body: TokenBody) -> dict[str, Any]:
    return svc.show_by_token(ws, body.token)


@api.post("/token/close", summary="An anonymous sender closes their item")
def close_token_api(ws: WorkspaceDep, body: TokenBody) -> dict[str, Any]:
    return svc.close(ws, None, token=body.token, text=body.text)


@api.post("/token/reopen", summary="An anonymous sender reopens their item")
def reopen_token_api(ws: WorkspaceDep, body: TokenBody) -> dict[str, Any]:
    return svc.reopen(ws, None, token=body.token, text=body.text)


@api.get("/{fid}", summary="One item with its thread")
def show_api(actor: ApiActor, ws: WorkspaceDep, fid: Id) -> dict[str, Any]:
    return svc.show(ws, actor, fid)


@api.post("/{fid}/answer", summary="The owning department answers")
def answer_api(actor: ApiActor, ws: WorkspaceDep, fid: Id, body: TextBody) -> dict[str, Any]:
    return svc.answer(ws, actor, fid, body.text)


@api.post("/{fid}/close", summary="The sender closes their item")
def close_api(actor: ApiActor, ws: WorkspaceDep, fid: Id,
              body: Annotated[TextBody | None, Body()] = None) -> dict[str, Any]:
    return svc.close(ws, actor, fid, text=body.text if body else "")


@api.post("/{fid}/reopen", summary="The sender reopens their item, saying why")
def reopen_api(actor: ApiActor, ws: WorkspaceDep, fid: Id, body: TextBody) -> dict[str, Any]:
    return svc.reopen(ws, actor, fid, text=body.text)


# ---- pages ----------------------------------------------------------------------------------------------


def page(request: Request, template: str, actor: Any, status_code: int = 200, **context: Any) -> Response:
    return render(request, template, actor, status_code=status_code, CATEGORIES=CATEGORIES, STATUSES=STATUSES,
                  **context)


def _form_page(request: Request, actor: Any, ws: Any, **context: Any) -> Response:
    from biaotong.services.inventory import for_unit

    reports = for_unit(ws, actor)["reports"] if actor.org_code else []
    targets = [t for t in TARGETS if t != "outside_form"]
    return page(request, "feedback_new.html", actor, reports=reports, targets=targets,
                status_code=400 if context.get("error") else 200, **context)


@pages.get("")
def list_page(request: Request, actor: PageActor, ws: WorkspaceDep) -> Response:
    items = svc.list_items(ws, actor)
    mine = [i for i in items if i.get("sender") == actor.username]
    inbox = [i for i in items if i.get("sender") != actor.username]
    return page(request, "feedback.html", actor, mine=mine, inbox=inbox)


@pages.get("/new")
def new_page(request: Request, actor: PageActor, ws: WorkspaceDep, report: Annotated[str, Query(max_length=80)] = "",
             field: Annotated[str, Query(max_length=80)] = "", task: Annotated[str, Query(max_length=40)] = "") -> Response:
    return _form_page(request, actor, ws, values={"report": report, "field": field, "task": task,
                                                    "target": "field" if field else ("task" if task else "report")})


@pages.post("/new", dependencies=[Csrf])
async def send_page(request: Request, actor: PageActor, ws: WorkspaceDep, category: Short, target: Short, text: Text,
                    report: Short = "", field: Short = "", task: Short = "",
                    anonymous: Annotated[bool, Form()] = False, file: UploadFile | None = None) -> Response:
    values = {"category": category, "target": target, "text": text, "report": report, "field": field, "task": task,
              "anonymous": anonymous}
    try:
        att = await _attachment(file)
        sent = await run_in_threadpool(lambda: svc.send(
            ws, actor, category=category, target=target, text=text, report_id=report or None, field=field or None,
            task=task or None, anonymous=anonymous, attachment=att))
    except AccessDenied:
        raise
    except BiaotongError as exc:
        return _form_page(request, actor, ws, values=values, error=exc.message)
    return page(request, "feedback_sent.html", actor, sent=sent)


@pages.get("/outside")
def outside_page(request: Request, actor: PageActor, ws: WorkspaceDep) -> Response:
    return page(request, "feedback_outside.html", actor, departments=ws.catalog.departments, values={})


@pages.post("/outside", dependencies=[Csrf])
async def outside_send(request: Request, actor: PageActor, ws: WorkspaceDep, department: Short,
                       received_on: Annotated[date, Form()], title: Short, text: Text = "",
                       anonymous: Annotated[bool, Form()] = False, file: UploadFile | None = None) -> Response:
    try:
        att = await _attachment(file)
        sent = await run_in_threadpool(lambda: svc.report_outside_form(
            ws, actor, department=department, received_on=received_on, title=title, text=text,
            anonymous=anonymous, attachment=att))
    except AccessDenied:
        raise
    except BiaotongError as exc:
        values = {"department": department, "received_on": received_on, "title": title, "text": text}
        return page(request, "feedback_outside.html", actor, departments=ws.catalog.departments, values=values,
                    error=exc.message, status_code=400)
    return page(request, "feedback_sent.html", actor, sent=sent)


@pages.get("/token")
def token_page(request: Request, actor: PageActor) -> Response:
    return page(request, "feedback_token.html", actor, item=None)


@pages.post("/token", dependencies=[Csrf])
def token_read(request: Request, actor: PageActor, ws: WorkspaceDep, token: Short,
               action: Annotated[str, Form(pattern="^(read|close|reopen)$")] = "read", text: Text = "") -> Response:
    """The token comes in a form body, never in the address, so it stays out of logs and history."""
    error = None
    try:
        if action == "close":
            svc.close(ws, None, token=token, text=text)
        elif action == "reopen":
            svc.reopen(ws, None, token=token, text=text)
    except BiaotongError as exc:
        error = exc.message
    try:
        item = svc.show_by_token(ws, token)
    except BiaotongError as exc:
        return page(request, "feedback_token.html", actor, item=None, error=exc.message, status_code=404)
    return page(request, "feedback_token.html", actor, item=item, token=token, error=error,
                status_code=400 if error else 200)


@pages.get("/{fid}")
def item_page(request: Request, actor: PageActor, ws: WorkspaceDep, fid: Id) -> Response:
    return _item(request, actor, ws, fid)


def _item(request: Request, actor: Any, ws: Any, fid: Id, error: str | None = None) -> Response:
    item = svc.show(ws, actor, fid)
    return page(request, "feedback_item.html", actor, item=item, error=error, status_code=400 if error else 200)


@pages.post("/{fid}/{action}", dependencies=[Csrf])
def act_page(request: Request, actor: PageActor, ws: WorkspaceDep, fid: Id, action: str,
             text: Text = "") -> Response:
    calls = {"answer": lambda: svc.answer(ws, actor, fid, text), "close": lambda: svc.close(ws, actor, fid, text=text),
             "reopen": lambda: svc.reopen(ws, actor, fid, text=text)}
    if action not in calls:
        raise HTTPException(404, "not found")
    try:
        calls[action]()
    except AccessDenied:
        raise
    except BiaotongError as exc:
        return _item(request, actor, ws, fid, error=exc.message)
    return RedirectResponse(f"/feedback/{fid}", status_code=303)
