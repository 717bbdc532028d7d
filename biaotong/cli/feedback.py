"""`biaotong feedback ...` (基层反馈): send, follow, answer, close, reopen, escalate, stats. Thin: every command
calls biaotong.services.feedback with the acting user (`--as`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from biaotong.cli.common import actor, console, handle_errors, print_json, workspace
from biaotong.i18n import msg

app = typer.Typer(no_args_is_help=True)

JSON = Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))]


def _attachment(path: Path | None) -> tuple[str, bytes] | None:
    if path is None:
        return None
    from biaotong.errors import WorkflowError, where

    if not path.is_file():
        raise WorkflowError(f"附件不存在：{path}", f"attachment not found: {path}", where(file=str(path)))
    return path.name, path.read_bytes()


def _print_item(item: dict[str, Any]) -> None:
    from biaotong.feedback.model import CATEGORIES, STATUSES

    cat = CATEGORIES.get(item["category"], (item["category"],) * 2)
    st = STATUSES.get(item["status"], (item["status"],) * 2)
    who = msg("匿名", "anonymous") if item["anonymous"] else item.get("sender", "")
    console.print(f"#{item['id']} [{msg(cat[0], cat[1])}] {msg(st[0], st[1])}"
                  f"{msg('（已督办）', ' (escalated)') if item['escalated'] else ''} — {item['department']} — {who}",
                  highlight=False, markup=False)
    console.print(f"  {item['text']}", highlight=False, markup=False)
    for m in item.get("thread", []):
        console.print(f"  · {m['created_at']:%Y-%m-%d %H:%M} {m['author']}: {m['text']}", highlight=False, markup=False)


@app.command("send")
@handle_errors
def send_cmd(
    ctx: typer.Context,
    category: Annotated[str, typer.Option("--category", help="duplicate|wrong_data|unclear|deadline|burden|other")],
    text: Annotated[str, typer.Option("--text", help=msg("反馈内容", "what you want to say"))],
    report: Annotated[str | None, typer.Option("--report", help=msg("报表编号", "report id"))] = None,
    field: Annotated[str | None, typer.Option("--field", help=msg("字段编号", "field id"))] = None,
    task: Annotated[str | None, typer.Option("--task", help=msg("填报任务", "task"))] = None,
    target: Annotated[str | None, typer.Option("--target", help="report|field|task|value|system")] = None,
    anonymous: Annotated[bool, typer.Option("--anonymous", help=msg("匿名发送", "send anonymously"))] = False,
    attach: Annotated[Path | None, typer.Option("--attach", help=msg("附件（照片、PDF、Excel）", "attachment"))] = None,
    as_json: JSON = False,
) -> None:
    """发送基层反馈。Send feedback on a report, field, task, value or the system.

    Example: biaotong --as cun01 feedback send --report mz_dibao_tekun --category unclear --text "低保人数是否含停保"
    """
    from biaotong.services.feedback import send

    kind = target or ("task" if task else "field" if field else "report" if report else "system")
    out = send(workspace(ctx), actor(ctx), category=category, target=kind, text=text, report_id=report,
               field=field, task=task, anonymous=anonymous, attachment=_attachment(attach))
    if as_json:
        print_json(out)
        return
    console.print(msg(f"反馈 #{out['id']} 已送达 {out['department']}，答复期限 {out['due_at']:%Y-%m-%d}",
                      f"feedback #{out['id']} sent to {out['department']}, answer due {out['due_at']:%Y-%m-%d}"))
    if "token" in out:
        console.print(msg(f"匿名凭证（只显示这一次，请保存，用于查看答复）：{out['token']}",
                          f"anonymous token (shown once; keep it to read the answer): {out['token']}"))


@app.command("outside")
@handle_errors
def outside_cmd(
    ctx: typer.Context,
    department: Annotated[str, typer.Option("--from", help=msg("下发表格的部门（如 民政局）", "department that sent it"))],
    received: Annotated[str, typer.Option("--received", help=msg("收到日期 YYYY-MM-DD", "date received"))],
    title: Annotated[str, typer.Option("--title", help=msg("表格名称", "the form's title"))],
    text: Annotated[str, typer.Option("--text", help=msg("补充说明", "details"))] = "",
    anonymous: Annotated[bool, typer.Option("--anonymous", help=msg("匿名报告", "report anonymously"))] = False,
    attach: Annotated[Path | None, typer.Option("--attach", help=msg("表格照片或文件", "photo or file of the form"))] = None,
    as_json: JSON = False,
) -> None:
    """报告一张清单外的表格（表外表）。Report a form that came from outside the inventory.

    Example: biaotong --as cun01 feedback outside --from 民政局 --received 2026-11-20 --title 独居老人摸底表
    """
    from biaotong.errors import WorkflowError, where
    from biaotong.services.feedback import report_outside_form

    try:
        day = date.fromisoformat(received)
    except ValueError as exc:
        raise WorkflowError(f"日期格式应为 YYYY-MM-DD：{received}", f"dates are YYYY-MM-DD: {received}",
                            where(field="received")) from exc
    out = report_outside_form(workspace(ctx), actor(ctx), department=department, received_on=day, title=title,
                              text=text, anonymous=anonymous, attachment=_attachment(attach))
    if as_json:
        print_json(out)
        return
    console.print(msg(f"已报告表外表，记入 {out['sending_department']}；反馈 #{out['id']}",
                      f"outside form reported against {out['sending_department']}; feedback #{out['id']}"))
    if "token" in out:
        console.print(msg(f"匿名凭证（只显示这一次）：{out['token']}", f"anonymous token (shown once): {out['token']}"))


@app.command("list")
@handle_errors
def list_cmd(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="open|answered|closed")] = None,
    as_json: JSON = False,
) -> None:
    """列出我可以查看的反馈（我发的、本部门收到的、本乡镇各村的）。List the feedback you may read.

    Example: biaotong --as mz_designer feedback list --status open --json
    """
    from biaotong.services.feedback import list_items

    items = list_items(workspace(ctx), actor(ctx), status=status)
    if as_json:
        print_json(items)
        return
    if not items:
        console.print(msg("没有反馈", "no feedback"))
    for item in items:
        _print_item(item)


@app.command("show")
@handle_errors
def show_cmd(
    ctx: typer.Context,
    feedback_id: Annotated[int | None, typer.Argument(help=msg("反馈编号", "feedback id"))] = None,
    token: Annotated[str | None, typer.Option("--token", help=msg("匿名凭证", "anonymous token"))] = None,
    as_json: JSON = False,
) -> None:
    """查看一条反馈及其答复（匿名发送人用凭证）。Show one item and its answers (anonymous senders: --token).

    Example: biaotong feedback show --token TOKEN
    """
    from biaotong.errors import WorkflowError
    from biaotong.services.feedback import show, show_by_token

    if token:
        item = show_by_token(workspace(ctx), token)
    elif feedback_id is not None:
        item = show(workspace(ctx), actor(ctx), feedback_id)
    else:
        raise WorkflowError("请给出反馈编号或 --token", "give a feedback id or --token")
    if as_json:
        print_json(item)
        return
    _print_item(item)


@app.command("answer")
@handle_errors
def answer_cmd(
    ctx: typer.Context,
    feedback_id: Annotated[int, typer.Argument(help=msg("反馈编号", "feedback id"))],
    text: Annotated[str, typer.Option("--text", help=msg("答复内容", "the answer"))],
    as_json: JSON = False,
) -> None:
    """部门答复反馈。Answer feedback as the owning department.

    Example: biaotong --as mz_designer feedback answer 1 --text "低保人数不含停保对象"
    """
    from biaotong.services.feedback import answer

    out = answer(workspace(ctx), actor(ctx), feedback_id, text)
    print_json(out) if as_json else console.print(msg(f"已答复反馈 #{feedback_id}", f"answered #{feedback_id}"))


@app.command("close")
@handle_errors
def close_cmd(
    ctx: typer.Context,
    feedback_id: Annotated[int | None, typer.Argument(help=msg("反馈编号", "feedback id"))] = None,
    token: Annotated[str | None, typer.Option("--token", help=msg("匿名凭证", "anonymous token"))] = None,
    text: Annotated[str, typer.Option("--text", help=msg("说明", "note"))] = "",
    as_json: JSON = False,
) -> None:
    """发送人关闭反馈（问题已解决）。Close your feedback.

    Example: biaotong --as cun01 feedback close 1
    """
    from biaotong.services.feedback import close

    who = None if token else actor(ctx)
    out = close(workspace(ctx), who, feedback_id, token=token, text=text)
    print_json(out) if as_json else console.print(msg(f"反馈 #{out['id']} 已关闭", f"feedback #{out['id']} closed"))


@app.command("reopen")
@handle_errors
def reopen_cmd(
    ctx: typer.Context,
    text: Annotated[str, typer.Option("--text", help=msg("为什么重新打开", "why it is reopened"))],
    feedback_id: Annotated[int | None, typer.Argument(help=msg("反馈编号", "feedback id"))] = None,
    token: Annotated[str | None, typer.Option("--token", help=msg("匿名凭证", "anonymous token"))] = None,
    as_json: JSON = False,
) -> None:
    """发送人重新打开反馈。Reopen your feedback.

    Example: biaotong --as cun01 feedback reopen 1 --text "答复未说明是否含停保"
    """
    from biaotong.services.feedback import reopen

    who = None if token else actor(ctx)
    out = reopen(workspace(ctx), who, feedback_id, token=token, text=text)
    print_json(out) if as_json else console.print(msg(f"反馈 #{out['id']} 已重新打开", f"feedback #{out['id']} reopened"))


@app.command("escalate")
@handle_errors
def escalate_cmd(ctx: typer.Context, as_json: JSON = False) -> None:
    """把逾期未答复的反馈提交数据管理部门督办。Escalate overdue feedback to the data administration.

    Example: biaotong feedback escalate --json
    """
    from biaotong.services.feedback import escalate_overdue

    ids = escalate_overdue(workspace(ctx), actor(ctx))
    if as_json:
        print_json({"escalated": ids})
        return
    console.print(msg(f"已督办 {len(ids)} 条逾期反馈", f"escalated {len(ids)} overdue items"))


@app.command("stats")
@handle_errors
def stats_cmd(ctx: typer.Context, as_json: JSON = False) -> None:
    """各部门反馈答复情况：待答复、逾期、答复用时中位数、表外表。Per department: open, overdue, median time.

    Example: biaotong feedback stats --json
    """
    from rich.table import Table

    from biaotong.services.feedback import stats

    out = stats(workspace(ctx), actor(ctx))
    if as_json:
        print_json(out)
        return
    table = Table(msg("部门", "department"), msg("反馈", "items"), msg("待答复", "open"), msg("逾期", "overdue"),
                  msg("答复用时中位数（小时）", "median hours to answer"), msg("表外表", "outside forms"))
    for dept, d in out["departments"].items():
        table.add_row(dept, str(d["items"]), str(d["open"]), str(d["overdue"]),
                      "" if d["median_hours_to_answer"] is None else f"{d['median_hours_to_answer']:g}",
                      str(d["outside_forms"]))
    console.print(table)
