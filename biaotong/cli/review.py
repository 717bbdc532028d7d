"""`biaotong report review|approve|reject|publish`: admission review commands, added to the report group."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from biaotong.cli.common import console, handle_errors, print_json, workspace
from biaotong.i18n import msg

STATUS_ZH = {"auto": "系统生成", "reused": "复用", "new": "基层新填"}


def register_review_commands(report_app: typer.Typer) -> None:
    report_app.command("review")(review_cmd)
    report_app.command("approve")(approve_cmd)
    report_app.command("reject")(reject_cmd)
    report_app.command("publish")(publish_cmd)


@handle_errors
def review_cmd(
    ctx: typer.Context,
    report_id: Annotated[str, typer.Argument(help=msg("报表编号", "report id"))],
    as_json: Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))] = False,
) -> None:
    """准入审核：字段来源、与已有报表重复、基层负担、建议结论。Admission review of a report.

    Example: biaotong report review mz_dibao_monthly --json
    """
    from biaotong.cli.common import actor
    from biaotong.services.review import review

    result = review(workspace(ctx), actor(ctx), report_id)
    if as_json:
        print_json(result.to_json())
        return
    c = result.counts
    console.print(msg(f"《{result.title}》 系统生成 {c['auto']}、复用 {c['reused']}、基层新填 {c['new']}；"
                      f"基层负担 {result.minutes_before:g} → {result.minutes_after:g} 分钟/期"
                      f"（{result.org_units} 个{result.level}单位 × {result.minutes_per_field:g} 分钟/字段）",
                      f"{result.title}: auto {c['auto']}, reused {c['reused']}, new {c['new']}; grassroots minutes "
                      f"{result.minutes_before:g} → {result.minutes_after:g} per cycle"))
    table = Table(msg("字段", "field"), msg("名称", "label"), msg("来源", "status"), msg("说明", "reason"))
    for f in result.fields:
        table.add_row(f.id, f.label, msg(STATUS_ZH[f.status], f.status), f.reason)
    console.print(table)
    for o in result.overlaps[:5]:
        console.print(msg(f"与《{o.title}》({o.report}) 共有 {len(o.common)} 个字段（{o.share:.0%}）",
                          f"{len(o.common)} fields in common with {o.report} ({o.share:.0%})"))
    for r in result.reasons:
        console.print(f"[bold]{r}[/]")


@handle_errors
def approve_cmd(
    ctx: typer.Context,
    report_id: Annotated[str, typer.Argument(help=msg("报表编号", "report id"))],
    reason: Annotated[str, typer.Option("--reason", help=msg("审核意见", "reason"))],
    as_json: Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))] = False,
) -> None:
    """准入通过。Approve a report for publication.

    Example: biaotong report approve mz_dibao_monthly --reason "字段均由系统生成"
    """
    from biaotong.cli.common import actor
    from biaotong.services.review import decide

    decide(workspace(ctx), actor(ctx), report_id, "approve", reason)
    if as_json:
        print_json({"report": report_id, "decision": "approve", "reason": reason})
        return
    console.print(msg(f"报表 {report_id} 已通过准入", f"report {report_id} approved"))


@handle_errors
def reject_cmd(
    ctx: typer.Context,
    report_id: Annotated[str, typer.Argument(help=msg("报表编号", "report id"))],
    reason: Annotated[str, typer.Option("--reason", help=msg("退回理由", "reason"))],
    as_json: Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))] = False,
) -> None:
    """准入退回。Send a report back to its department.

    Example: biaotong report reject mz_x --reason "90% 字段与低保月报重复"
    """
    from biaotong.cli.common import actor
    from biaotong.services.review import decide

    decide(workspace(ctx), actor(ctx), report_id, "reject", reason)
    if as_json:
        print_json({"report": report_id, "decision": "reject", "reason": reason})
        return
    console.print(msg(f"报表 {report_id} 已退回", f"report {report_id} sent back"))


@handle_errors
def publish_cmd(
    ctx: typer.Context,
    report_id: Annotated[str, typer.Argument(help=msg("报表编号", "report id"))],
    to: Annotated[str | None, typer.Option("--to", help=msg("下发到的区划代码（默认全部）", "org unit it goes to (default: all)"))] = None,
    level: Annotated[str | None, typer.Option("--level", help=msg("填报单位层级（默认报表自身层级）", "level of the units asked (default: the report's)"))] = None,
    basis: Annotated[str | None, typer.Option("--basis", help=msg("法律或政策依据", "legal or policy basis"))] = None,
    basis_ref: Annotated[str | None, typer.Option("--basis-ref", help=msg("依据文号", "document reference"))] = None,
    period: Annotated[str | None, typer.Option("--period", help=msg("报告期：为每个单位生成填报任务", "period: make a task per unit"))] = None,
    due: Annotated[str | None, typer.Option("--due", help=msg("截止日期 YYYY-MM-DD", "due date"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))] = False,
) -> None:
    """发布报表（须已通过准入），列入报表清单；给出报告期则为每个单位生成预填的填报任务。Publish an approved report.

    Example: biaotong report publish tj_village_basic --period 2025 --to 530927000000 --level village --due 2026-01-15
    """
    from datetime import date

    from biaotong.cli.common import actor
    from biaotong.errors import WorkflowError, where

    ws, who = workspace(ctx), actor(ctx)
    if period is None:
        from biaotong.services.inventory import publish

        out = publish(ws, who, report_id, to=to, level=level, basis=basis, basis_ref=basis_ref)
    else:
        from biaotong.services.tasks import publish as publish_tasks

        try:
            day = date.fromisoformat(due) if due else None
        except ValueError as exc:
            raise WorkflowError(f"日期格式应为 YYYY-MM-DD：{due}", f"dates are YYYY-MM-DD: {due}", where(field="due")) from exc
        out = publish_tasks(ws, who, report_id, period=period, to=to, level=level, due=day, basis=basis,
                            basis_ref=basis_ref)
    if as_json:
        print_json(out)
        return
    console.print(msg(f"报表 {report_id} 已发布并列入报表清单", f"report {report_id} published and listed in the inventory"))
    if period is not None:
        console.print(msg(f"{out['period']}：新建填报任务 {out['created']} 个（已有 {out['existing']} 个）",
                          f"{out['period']}: {out['created']} tasks created ({out['existing']} existed)"))
