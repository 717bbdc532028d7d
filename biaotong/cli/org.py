"""`biaotong org …`: import and browse the effective-dated org tree."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from biaotong.catalog.orgtree import LEVEL_ZH, LEVELS, import_org_tree
from biaotong.cli.common import actor, console, handle_errors, print_json, workspace
from biaotong.errors import ConfigError, where
from biaotong.i18n import msg

app = typer.Typer(no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))]


@app.command("import")
@handle_errors
def import_(
    ctx: typer.Context, file: Annotated[Path, typer.Argument(help="org tree YAML")], as_json: JsonOpt = False
) -> None:
    """导入行政区划（units）与撤并、更名、拆分事件（events）。Import org units and events from YAML.

    Example: biaotong org import org.yaml
    """
    ws = workspace(ctx)
    with ws.engine.begin() as conn:
        result = import_org_tree(conn, file)
    if as_json:
        print_json(vars(result))
        return
    console.print(
        msg(
            f"新增 {result.units_added} 条、更新 {result.units_updated} 条区划记录；应用事件 {result.events_applied} 个，"
            f"跳过已导入事件 {result.events_skipped} 个",
            f"{result.units_added} unit versions added, {result.units_updated} updated; {result.events_applied} events "
            f"applied, {result.events_skipped} already imported",
        )
    )


@app.command("list")
@handle_errors
def list_(
    ctx: typer.Context,
    level: Annotated[str | None, typer.Option(help="province|city|county|township|village")] = None,
    on: Annotated[
        str | None, typer.Option(help=msg("日期 YYYY-MM-DD（默认今天）", "date YYYY-MM-DD (default today)"))
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """列出某日有效的组织机构（限用户管辖范围）。List the org units valid on a date, within the user's scope.

    Example: biaotong org list --level village --on 2021-12-31
    """
    if level is not None and level not in LEVELS:
        raise ConfigError(f"未知的层级 {level}", f"unknown level {level}", where(key="--level"))
    try:
        day = date.fromisoformat(on) if on else date.today()
    except ValueError as exc:
        raise ConfigError(
            f"日期格式应为 YYYY-MM-DD：{on}", f"a date is YYYY-MM-DD: {on}", where(key="--on")
        ) from exc
    from biaotong.services.catalog import org_units

    found = org_units(actor(ctx), workspace(ctx), day, level)
    if as_json:
        print_json(found)
        return

    table = Table(
        msg("代码", "code"),
        msg("名称", "name"),
        msg("层级", "level"),
        msg("上级", "parent"),
        msg("别名", "aliases"),
        msg("生效日期", "valid from"),
    )
    for u in found:
        table.add_row(
            u["code"],
            u["name"],
            msg(LEVEL_ZH[u["level"]], u["level"]),
            u["parent"] or "—",
            "、".join(u["aliases"]),
            u["valid_from"],
        )
    console.print(table)
    console.print(msg(f"{day} 共 {len(found)} 个单位", f"{len(found)} units on {day}"))
