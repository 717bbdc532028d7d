"""`biaotong inventory` (报表清单): what may be asked of a unit; `inventory review` for the yearly review;
`inventory basis` to record a report's legal basis. Thin: calls biaotong.services.inventory."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from biaotong.cli.common import actor, console, handle_errors, print_json, workspace
from biaotong.i18n import msg

inventory_app = typer.Typer(invoke_without_command=True)
JSON = Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))]


def register(app: typer.Typer) -> None:
    app.add_typer(inventory_app, name="inventory",
                  help=msg("报表清单：可向基层下发的报表", "the report inventory: what may be asked of the grassroots"))


def _day(text: str | None) -> date | None:
    from biaotong.errors import WorkflowError, where

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise WorkflowError(f"日期格式应为 YYYY-MM-DD：{text}", f"dates are YYYY-MM-DD: {text}",
                            where(field="date")) from exc


@inventory_app.callback()
@handle_errors
def inventory_cmd(
    ctx: typer.Context,
    org: Annotated[str | None, typer.Option("--org", help=msg("区划代码（默认本人所属单位）", "org unit (default: yours)"))] = None,
    on: Annotated[str | None, typer.Option("--date", help=msg("日期（默认今天）", "date (default today)"))] = None,
    as_json: JSON = False,
) -> None:
    """列出可向某单位下发的报表（报表清单）。List the reports that may be asked of a unit.

    Example: biaotong inventory --org 530927101201 --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from biaotong.inventory.listing import FREQUENCY
    from biaotong.services.inventory import for_unit

    out = for_unit(workspace(ctx), actor(ctx), org, _day(on))
    if as_json:
        print_json(out)
        return
    table = Table(msg("报表", "report"), msg("部门", "department"), msg("依据", "basis"), msg("频次", "frequency"),
                  msg("填报单位数", "units asked"), msg("需人工填报字段", "fields asked of people"),
                  msg("准入", "admission"))
    for r in out["reports"]:
        freq = FREQUENCY.get(r["frequency"], (r["frequency"],) * 2)
        table.add_row(f"{r['title']} ({r['report']})", str(r["department"]),
                      " ".join(x for x in (r["basis"], r["basis_ref"]) if x), msg(freq[0], freq[1]),
                      str(r["units_asked"]), str(r["fields_asked_of_people"]),
                      "" if r["admission"] is None else r["admission"]["verdict"])
    console.print(table)
    if not out["reports"]:
        console.print(msg("清单中没有可向该单位下发的报表", "no listed report may be asked of this unit"))


@inventory_app.command("review")
@handle_errors
def review_cmd(
    ctx: typer.Context,
    year: Annotated[int, typer.Option("--year", help=msg("年度", "year"))],
    as_json: JSON = False,
) -> None:
    """年度清单评估：每张报表的负担工时、重复/口径不清/负担反馈、各部门表外表数。Yearly inventory review.

    Example: biaotong inventory review --year 2026 --json
    """
    from rich.table import Table

    from biaotong.services.inventory import yearly_review

    out = yearly_review(workspace(ctx), actor(ctx), year)
    if as_json:
        print_json(out)
        return
    table = Table(msg("报表", "report"), msg("部门", "department"), msg("年负担（小时）", "hours per year"),
                  msg("重复", "duplicate"), msg("口径不清", "unclear"), msg("负担", "burden"))
    for r in out["reports"]:
        fb = r["feedback"]
        table.add_row(f"{r['title']} ({r['report']})", str(r["department"]),
                      "" if r["burden_hours_per_year"] is None else f"{r['burden_hours_per_year']:g}",
                      str(fb["duplicate"]), str(fb["unclear"]), str(fb["burden"]))
    console.print(table)
    for dept, n in out["outside_forms_by_department"].items():
        console.print(msg(f"表外表：{dept} {n} 张", f"outside forms: {dept} {n}"))


@inventory_app.command("basis")
@handle_errors
def basis_cmd(
    ctx: typer.Context,
    report_id: Annotated[str, typer.Argument(help=msg("报表编号", "report id"))],
    text: Annotated[str, typer.Option("--text", help=msg("法律或政策依据", "legal or policy basis"))],
    ref: Annotated[str, typer.Option("--ref", help=msg("文号", "document reference"))] = "",
    as_json: JSON = False,
) -> None:
    """记录报表的法律或政策依据。Record a listed report's legal or policy basis.

    Example: biaotong inventory basis mz_dibao_tekun --text "《社会救助暂行办法》" --ref "国务院令第649号"
    """
    from biaotong.services.inventory import set_basis

    out = set_basis(workspace(ctx), actor(ctx), report_id, text, ref)
    if as_json:
        print_json(out)
        return
    console.print(msg(f"已记录报表 {report_id} 的依据", f"basis of {report_id} recorded"))
