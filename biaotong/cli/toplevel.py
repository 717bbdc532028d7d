"""Top-level commands: the conflicts between sources, tracing a number, the workspace settings (and, from
biaotong/cli/demo.py, init and demo)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from biaotong.cli.common import actor, console, handle_errors, print_json, workspace
from biaotong.i18n import msg
from biaotong.settings import SETTINGS
from biaotong.sync.run import SyncResult

JsonOpt = Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))]

REJECT_KIND_ZH = {"row": "整行", "cell": "单值", "duplicate": "重复行"}


def print_reject_reasons(results: list[SyncResult]) -> None:
    table = Table(msg("数据源", "source"), msg("类别", "kind"), msg("原因", "reason"), msg("条数", "count"),
                  title=msg("拒收原因（明细见各快照的 rejects.parquet）", "reject reasons (rows in each snapshot's rejects.parquet)"))
    for r in results:
        for item in (r.snapshot.reject_summary.get("top_reasons", [])[:4] if r.snapshot else []):
            table.add_row(r.source, msg(REJECT_KIND_ZH.get(item["kind"], item["kind"]), item["kind"]),
                          msg(item["reason"], item.get("reason_en", item["reason"])),
                          f"{item['count']:,}")
    if table.row_count:
        console.print(table)


def print_conflicts(report: dict[str, Any]) -> None:
    table = Table(msg("主体", "entity"), msg("数据元", "element"), msg("采信", "winner"), msg("不一致来源", "disagreeing"),
                  msg("条数", "count"), title=msg("跨系统不一致（权威来源优先）", "disagreements (the authoritative source wins)"))
    for ent in report["entities"]:
        for item in ent["by_element"]:
            table.add_row(ent["entity"], item["element"], item["winner"], item["loser"], f"{item['count']:,}")
    if table.row_count:
        console.print(table)


@handle_errors
def conflicts(
    ctx: typer.Context,
    entity: Annotated[str | None, typer.Option(help=msg("只看某一主体", "only this entity type"))] = None,
    sample: Annotated[int, typer.Option(help=msg("附带若干条明细", "include this many sample rows"))] = 0,
    as_json: JsonOpt = False,
) -> None:
    """统计一表中各数据源之间的不一致。Count disagreements between sources in the one table.

    Example: biaotong conflicts --json
    """
    from biaotong.services.sources import conflicts as conflicts_for

    report = conflicts_for(actor(ctx), workspace(ctx), entity=entity, sample=sample)
    if as_json:
        print_json(report)
    else:
        print_conflicts(report)
        console.print(msg(f"合计 {report['total']:,} 条", f"{report['total']:,} in all"))


@handle_errors
def trace_cmd(
    ctx: typer.Context,
    report: Annotated[str, typer.Argument(help=msg("报表编号", "report id"))],
    period: Annotated[str, typer.Option(help=msg("期别，如 2025-06", "period, e.g. 2025-06"))],
    org: Annotated[str, typer.Option(help=msg("行政区划代码", "org unit code"))],
    field: Annotated[str, typer.Option(help=msg("字段编号", "field id"))],
    as_json: JsonOpt = False,
) -> None:
    """追溯报表中的一个数：口径、快照、同步记录及其存证证明。Trace a number to its sources and ledger entries.

    Example: biaotong trace mz_dibao_tekun --period 2025-06 --org 530927000000 --field dibao_n --json
    """
    from biaotong.services.ledger import trace

    result = trace(actor(ctx), workspace(ctx), report, period, org, field)
    if as_json:
        print_json(result)
        return
    console.print(f"{result['report']} {result['period']} {result['org_code']} {result['field']} = [bold]{result['value']}[/]")
    table = Table(msg("快照", "snapshot"), "SHA-256", msg("账本条目", "ledger entry"), msg("已证明", "proved"))
    for s in result["sources"]:
        entry = s["sync_entry"]
        table.add_row(s["snapshot"]["id"], s["snapshot"]["sha256"][:16], str(entry["seq"]) if entry else "—",
                      "✓" if s["verified"] else "✗")
    console.print(table)
    console.print(msg(f"树头：大小 {result['head']['size']}", f"tree head: size {result['head']['size']}"))


@handle_errors
def settings_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出全部设置项及当前取值。List every setting with its value."""
    ws = workspace(ctx)
    rows = [{"name": s.name, "value": ws.setting(s.name), "default": s.default, "help": msg(s.help_zh, s.help_en)} for s in SETTINGS]
    if as_json:
        print_json(rows)
        return
    table = Table(msg("名称", "name"), msg("取值", "value"), msg("说明", "help"))
    for r in rows:
        table.add_row(r["name"], str(r["value"]), r["help"])
    console.print(table)


def register(app: typer.Typer) -> None:
    from biaotong.cli.demo import demo, init

    app.command("init")(init)
    app.command("demo")(demo)
    app.command("conflicts")(conflicts)
    app.command("settings")(settings_cmd)
    app.command("trace")(trace_cmd)



