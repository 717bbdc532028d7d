"""The top-level `biaotong burden` command: hours saved from recorded work. Thin: calls biaotong.services.tasks."""

from __future__ import annotations

from typing import Annotated

import typer

from biaotong.cli.common import actor, console, handle_errors, print_json, workspace
from biaotong.i18n import msg


@handle_errors
def burden_cmd(
    ctx: typer.Context,
    period: Annotated[str, typer.Option("--period", help=msg("报告期", "period"))],
    org: Annotated[str | None, typer.Option("--org", help=msg("区划代码", "org unit"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))] = False,
) -> None:
    """基层负担：各单位各报表的预填、复用、手填字段数与节省工时（不计点击与下载）。Burden from recorded work.

    Example: biaotong burden --period 2025 --json
    """
    from biaotong.services.tasks import burden

    res = burden(workspace(ctx), actor(ctx), period, org)
    if as_json:
        print_json(res)
        return
    t = res["totals"]
    console.print(msg(f"{res['period']}：{t['tasks']} 个任务，{t['fields']} 个字段，系统预填 {t['prefilled']}、复用 {t['reused']}、"
                      f"手填 {t['typed']}；节省 {t['hours_saved']:g} 小时（全部手填需 {t['hours_baseline']:g} 小时）",
                      f"{res['period']}: {t['tasks']} tasks, {t['fields']} fields: {t['prefilled']} pre-filled, "
                      f"{t['reused']} reused, {t['typed']} typed; {t['hours_saved']:g} hours saved of {t['hours_baseline']:g}"),
                  highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.command("burden")(burden_cmd)
