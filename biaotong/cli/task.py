"""`biaotong task ...` (填报任务): list, show, fill, download, upload, download-batch, upload-batch, submit,
return, approve, flag, corrections, progress, databack. Thin: every command calls biaotong.services.tasks with the acting user (`--as`)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from biaotong.cli.common import actor, console, handle_errors, print_json, workspace
from biaotong.i18n import msg

app = typer.Typer(no_args_is_help=True)
JSON = Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))]
VERSION = Annotated[int | None, typer.Option("--version", help=msg("打开时的任务版本（防止覆盖他人修改）",
                                                                    "the task version you read (no lost updates)"))]


def _out(data: Any, as_json: bool, zh: str, en: str) -> None:
    if as_json:
        print_json(data)
    else:
        console.print(msg(zh, en), highlight=False, markup=False)


def _day(text: str | None, field: str) -> date | None:
    from biaotong.errors import WorkflowError, where

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise WorkflowError(f"日期格式应为 YYYY-MM-DD：{text}", f"dates are YYYY-MM-DD: {text}", where(field=field)) from exc


@app.command("list")
@handle_errors
def list_cmd(
    ctx: typer.Context,
    report: Annotated[str | None, typer.Option("--report", help=msg("报表编号", "report id"))] = None,
    period: Annotated[str | None, typer.Option("--period", help=msg("报告期", "period"))] = None,
    status: Annotated[str | None, typer.Option("--status", help="draft|submitted|returned|reviewed|approved")] = None,
    as_json: JSON = False,
) -> None:
    """列出我范围内的填报任务。List the tasks in your scope.

    Example: biaotong --as cun01 task list --json
    """
    from biaotong.services.tasks import list_tasks

    items = list_tasks(workspace(ctx), actor(ctx), report=report, period=period, status=status)
    if as_json:
        print_json(items)
        return
    for t in items:
        from biaotong.tasks.model import STATUSES

        late = msg("（逾期）", " (overdue)") if t["overdue"] else ""
        status = msg(*STATUSES.get(t["status"], (t["status"],) * 2))
        console.print(f"#{t['id']} {t['report']} {t['period']} {t['org_name']} {status}{late}", highlight=False,
                      markup=False)


@app.command("show")
@handle_errors
def show_cmd(ctx: typer.Context, task_id: Annotated[int, typer.Argument(help=msg("任务编号", "task id"))],
             as_json: JSON = False) -> None:
    """查看任务：系统预填的数（只读，含来源）与需要填写的项。Show a task.

    Example: biaotong --as cun01 task show 1 --json
    """
    from biaotong.services.tasks import show

    view = show(workspace(ctx), actor(ctx), task_id)
    if as_json:
        print_json(view)
        return
    from biaotong.tasks.model import STATUSES

    status = msg(*STATUSES.get(view["status"], (view["status"],) * 2))
    console.print(f"{view['title']} — {view['org_name']} {view['period']}（{status}，v{view['version']}）",
                  highlight=False, markup=False)
    if view.get("kind") == "roster":  # a row per person: its key (first 12 characters) for `task fill --row`
        _show_roster(view)
        return
    for f in view["fields"]:
        mark = {"prefilled": "系统", "reused": "复用", "typed": "已填", "asked": "待填"}[f["origin"]]
        value = "" if f["value"] is None else f["value"]
        console.print(f"  [{mark}] {f['id']} {f['label']}: {value} {f.get('note') or ''}", highlight=False, markup=False)


def _show_roster(view: dict[str, Any]) -> None:
    marks = {"reused": "复用", "typed": "已填", "asked": "待填"}
    labels = {c["id"]: c["label"] for c in view["columns"]}
    shown = [c["id"] for c in view["columns"] if not c["asked"]][:4]
    console.print(msg(f"  {len(view['rows'])} 人，{view['missing']} 处待填；行键用于 task fill --row",
                      f"  {len(view['rows'])} persons, {view['missing']} cells to fill; the key is for task fill --row"),
                  highlight=False, markup=False)
    for r in view["rows"]:
        sys_part = " ".join("" if r["values"].get(c) is None else str(r["values"][c]) for c in shown)
        asked = "；".join(f"[{marks[a['origin']]}] {labels.get(fid, fid)}: {'' if a['value'] is None else a['value']}"
                         for fid, a in r["asked"].items())
        console.print(f"  {r['seq']:>4} {r['key'][:12]} {sys_part} — {asked}", highlight=False, markup=False)


@app.command("fill", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@handle_errors
def fill_cmd(
    ctx: typer.Context,
    task_id: Annotated[int, typer.Argument(help=msg("任务编号", "task id"))],
    values: Annotated[list[str] | None, typer.Option("--set", help=msg("字段=值，可多次", "field=value, repeatable"))] = None,
    version: VERSION = None,
    reason: Annotated[str | None, typer.Option("--reason", help=msg("修改原因", "why it changed"))] = None,
    as_json: JSON = False,
) -> None:
    """填写任务中需要人工填报的字段。Fill the fields a person must give.

    Example: biaotong --as cun01 task fill 1 --set cadres=7 --set groups=12
    Example (roster): biaotong --as cun01 task fill 9 --row 3f9a0c1be2d4 recent_situation=外出务工

    花名册任务逐人填写：--row 行键 字段=值（行键见 task show，前 8 位以上即可；可多次）。
    A roster task is filled per person: --row KEY FIELD=VALUE (the key as task show lists it, 8 characters or more).
    """
    from biaotong.errors import WorkflowError, where
    from biaotong.services.tasks import fill

    def split(item: str) -> tuple[str, str]:
        if "=" not in item:
            raise WorkflowError(f"应写成 字段=值：{item}", f"write field=value: {item}", where(field=item))
        k, v = item.split("=", 1)
        return k.strip(), v

    pairs: dict[str, Any] = dict(split(item) for item in values or [])
    extra = list(ctx.args)  # `--row KEY FIELD=VALUE` (two values, repeatable): a person's answers in a roster task
    while extra:
        flag = extra.pop(0)
        if flag != "--row" or len(extra) < 2:
            raise WorkflowError(f"无法识别的参数：{flag}（花名册任务写作 --row 行键 字段=值）",
                                f"unexpected argument {flag} (a roster task takes --row KEY FIELD=VALUE)", where(field=flag))
        key, item = extra.pop(0), extra.pop(0)
        k, v = split(item)
        pairs.setdefault(key.strip(), {})[k] = v
    if not pairs:
        raise WorkflowError("请用 --set 字段=值（或花名册任务的 --row 行键 字段=值）给出填报值",
                            "give values with --set field=value (or --row KEY field=value for a roster task)",
                            where(field="set"))
    out = fill(workspace(ctx), actor(ctx), task_id, pairs, version=version, reason=reason)
    _out(out, as_json, f"已保存 {out['changed']} 项（版本 {out['version']}）", f"saved {out['changed']} (version {out['version']})")


@app.command("download")
@handle_errors
def download_cmd(ctx: typer.Context, task_id: Annotated[int, typer.Argument(help=msg("任务编号", "task id"))],
                 out: Annotated[Path, typer.Option("--out", help=msg("保存为 .xlsx", "write to .xlsx"))],
                 as_json: JSON = False) -> None:
    """下载任务表（系统预填已锁定，需填写的单元格可编辑）。Download the task's sheet.

    Example: biaotong --as cun01 task download 1 --out task1.xlsx
    """
    from biaotong.services.tasks import download

    res = download(workspace(ctx), actor(ctx), task_id, out)
    _out(res, as_json, f"已写入 {res['file']}", f"written {res['file']}")


@app.command("upload")
@handle_errors
def upload_cmd(ctx: typer.Context, task_id: Annotated[int, typer.Argument(help=msg("任务编号", "task id"))],
               file: Annotated[Path, typer.Argument(help=msg("填好的任务表", "the filled sheet"))],
               as_json: JSON = False) -> None:
    """上传填好的任务表。Upload the filled sheet.

    Example: biaotong --as cun01 task upload 1 task1.xlsx
    """
    from biaotong.errors import WorkflowError, where
    from biaotong.services.tasks import upload

    if not file.is_file():
        raise WorkflowError(f"文件不存在：{file}", f"no such file: {file}", where(file=str(file)))
    res = upload(workspace(ctx), actor(ctx), task_id, file.read_bytes(), name=file.name)
    _out(res, as_json, f"已读入 {res['changed']} 项（版本 {res['version']}）", f"read {res['changed']} (version {res['version']})")


@app.command("download-batch")
@handle_errors
def download_batch_cmd(
    ctx: typer.Context,
    report: Annotated[str, typer.Option("--report", help=msg("报表编号", "report id"))],
    period: Annotated[str, typer.Option("--period", help=msg("报告期", "period"))],
    out: Annotated[Path, typer.Option("--out", help=msg("保存为 .xlsx", "write to .xlsx"))],
    as_json: JSON = False,
) -> None:
    """乡镇批量填报：下载本乡镇各村待填任务的一张表（按部门表样：每村一行，或每村一页）。Download a township's batch sheet.

    Example: biaotong --as township task download-batch --report tj_village_basic --period 2025 --out 本镇各村.xlsx
    """
    from biaotong.services.tasks import download_batch

    res = download_batch(workspace(ctx), actor(ctx), report, period, out)
    _out(res, as_json, f"已写入 {res['file']}（{res['tasks']} 个村（社区），{res['cells']} 个待填单元格）",
         f"written {res['file']} ({res['tasks']} villages, {res['cells']} cells to fill)")


@app.command("upload-batch")
@handle_errors
def upload_batch_cmd(ctx: typer.Context,
                     file: Annotated[Path, typer.Argument(help=msg("填好的批量表", "the filled batch sheet"))],
                     as_json: JSON = False) -> None:
    """上传乡镇批量表：逐格校验，任一格有误则整表不导入并列出全部错误。Upload a township's batch sheet (all or nothing).

    Example: biaotong --as township task upload-batch 本镇各村.xlsx
    """
    from biaotong.errors import WorkflowError, where
    from biaotong.services.tasks import upload_batch

    if not file.is_file():
        raise WorkflowError(f"文件不存在：{file}", f"no such file: {file}", where(file=str(file)))
    res = upload_batch(workspace(ctx), actor(ctx), file.read_bytes(), name=file.name)
    _out(res, as_json, f"已导入 {res['tasks']} 个任务的 {res['changed']} 项", f"stored {res['changed']} values in {res['tasks']} tasks")


@app.command("submit")
@handle_errors
def submit_cmd(ctx: typer.Context, task_id: Annotated[int, typer.Argument(help=msg("任务编号", "task id"))],
               version: VERSION = None, as_json: JSON = False) -> None:
    """提交任务待乡镇审核。Submit a task for review.

    Example: biaotong --as cun01 task submit 1
    """
    from biaotong.services.tasks import submit

    res = submit(workspace(ctx), actor(ctx), task_id, version=version)
    _out(res, as_json, f"任务 {task_id} 已提交", f"task {task_id} submitted")


def _decide(ctx: typer.Context, task_id: int, verdict: str, version: int | None, comment: str | None,
            field_comment: list[str] | None, as_json: bool) -> None:
    from biaotong.services.tasks import review

    per = dict(item.split("=", 1) for item in field_comment or [] if "=" in item)
    res = review(workspace(ctx), actor(ctx), task_id, verdict, version=version, comment=comment, field_comments=per)
    from biaotong.tasks.model import STATUSES

    zh = STATUSES.get(res["status"], (res["status"],))[0]
    _out(res, as_json, f"任务 {task_id}：{zh}", f"task {task_id}: {res['status']}")


@app.command("approve")
@handle_errors
def approve_cmd(ctx: typer.Context, task_id: Annotated[int, typer.Argument(help=msg("任务编号", "task id"))],
                version: VERSION = None,
                comment: Annotated[str | None, typer.Option("--comment", help=msg("意见", "comment"))] = None,
                as_json: JSON = False) -> None:
    """审核通过（答复进入基层采集数据源，供所有报表复用）。Approve a submission.

    Example: biaotong --as zhen01 task approve 1
    """
    _decide(ctx, task_id, "approve", version, comment, None, as_json)


@app.command("return")
@handle_errors
def return_cmd(ctx: typer.Context, task_id: Annotated[int, typer.Argument(help=msg("任务编号", "task id"))],
               comment: Annotated[str | None, typer.Option("--comment", help=msg("退回原因", "why"))] = None,
               field_comment: Annotated[list[str] | None, typer.Option("--field", help=msg("字段=意见", "field=comment"))] = None,
               version: VERSION = None, as_json: JSON = False) -> None:
    """退回任务并说明原因（可逐字段）。Return a submission with comments.

    Example: biaotong --as zhen01 task return 1 --field cadres="两委人数与换届结果不符"
    """
    _decide(ctx, task_id, "return", version, comment, field_comment, as_json)


@app.command("flag")
@handle_errors
def flag_cmd(
    ctx: typer.Context,
    task_id: Annotated[int, typer.Argument(help=msg("任务编号", "task id"))],
    field: Annotated[str, typer.Option("--field", help=msg("有误的预填字段", "the wrong pre-filled field"))],
    reason: Annotated[str, typer.Option("--reason", help=msg("理由（如某人已死亡、已迁出）", "why it is wrong"))],
    key: Annotated[list[str] | None, typer.Option("--key", help=msg("涉及的人员或对象编号（花名册任务：一个行键）",
                                                                        "entity keys (a roster task: one row key)"))] = None,
    evidence: Annotated[str | None, typer.Option("--evidence", help=msg("佐证说明", "evidence"))] = None,
    as_json: JSON = False,
) -> None:
    """对系统预填的数纠错，转给数据所属部门。Flag a pre-filled value as wrong.

    Example: biaotong --as cun01 task flag 1 --field pop --reason "张某已于10月迁出"
    """
    from biaotong.services.tasks import flag

    res = flag(workspace(ctx), actor(ctx), task_id, field, reason, keys=key, evidence=evidence)
    _out(res, as_json, f"纠错 #{res['id']} 已转 {res['department']}", f"correction #{res['id']} sent to {res['department']}")


@app.command("corrections")
@handle_errors
def corrections_cmd(ctx: typer.Context,
                    status: Annotated[str | None, typer.Option("--status", help="open|accepted|rejected|fixed")] = None,
                    as_json: JSON = False) -> None:
    """列出纠错请求（部门看本部门的，基层看本单位的）。List corrections.

    Example: biaotong --as mz_designer task corrections --status open --json
    """
    from biaotong.services.tasks import list_corrections

    items = list_corrections(workspace(ctx), actor(ctx), status=status)
    if as_json:
        print_json(items)
        return
    for c in items:
        console.print(f"#{c['id']} {c['status']} {c['department']} {c['report']}.{c['field']} {c['org_code']}: {c['reason']}",
                      highlight=False, markup=False)


@app.command("answer-correction")
@handle_errors
def answer_correction_cmd(
    ctx: typer.Context, correction_id: Annotated[int, typer.Argument(help=msg("纠错编号", "correction id"))],
    verdict: Annotated[str, typer.Option("--verdict", help="accept|reject")],
    answer: Annotated[str, typer.Option("--answer", help=msg("答复", "answer"))], as_json: JSON = False,
) -> None:
    """数据所属部门受理或驳回纠错。Accept or reject a correction.

    Example: biaotong --as gaj_admin task answer-correction 1 --verdict accept --answer "已核实，下次同步更正"
    """
    from biaotong.services.tasks import answer_correction

    res = answer_correction(workspace(ctx), actor(ctx), correction_id, verdict, answer)
    _out(res, as_json, f"纠错 #{correction_id}：{res['status']}", f"correction #{correction_id}: {res['status']}")


@app.command("progress")
@handle_errors
def progress_cmd(ctx: typer.Context, report: Annotated[str, typer.Argument(help=msg("报表编号", "report id"))],
                 period: Annotated[str, typer.Option("--period", help=msg("报告期", "period"))],
                 as_json: JSON = False) -> None:
    """各地区填报进度：各状态数、待乡镇/部门审核、逾期。Completeness per area, awaiting each level.

    Example: biaotong task progress tj_village_basic --period 2025 --json
    """
    from biaotong.services.tasks import progress

    res = progress(workspace(ctx), actor(ctx), report, period)
    if as_json:
        print_json(res)
        return
    for code, d in res["by_area"].items():
        console.print(f"{d['name'] or code}: " + json.dumps({k: v for k, v in d.items() if k != "name"}, ensure_ascii=False),
                      highlight=False, markup=False)


@app.command("databack")
@handle_errors
def databack_cmd(
    ctx: typer.Context, out: Annotated[Path, typer.Option("--out", help=msg("保存为 .xlsx", "write to .xlsx"))],
    entity: Annotated[str, typer.Option("--entity", help="resident|household|enterprise")] = "resident",
    org: Annotated[str | None, typer.Option("--org", help=msg("区划（默认本单位）", "unit (default yours)"))] = None,
    on: Annotated[str | None, typer.Option("--date", help=msg("截至日期", "as of"))] = None,
    as_json: JSON = False,
) -> None:
    """数据回流：下载本辖区的基础数据（按权限脱敏，下载留痕）。Download your own jurisdiction's data.

    Example: biaotong --as cun01 task databack --entity resident --out 本村人口.xlsx
    """
    from biaotong.services.tasks import databack

    res = databack(workspace(ctx), actor(ctx), out, entity=entity, org=org, on=_day(on, "date"))
    _out(res, as_json, f"已写入 {res['file']}（{res['rows']} 条）", f"written {res['file']} ({res['rows']} rows)")
