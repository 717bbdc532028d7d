"""Top-level commands: the demo county, the conflicts between sources, and the workspace settings."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from rich.panel import Panel
from rich.table import Table

from biaotong.cli.common import console, handle_errors, print_json, workspace
from biaotong.cli.source import print_sync_results, sync_with_progress
from biaotong.i18n import msg
from biaotong.settings import SETTINGS
from biaotong.sync.run import SyncResult

JsonOpt = Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))]


@handle_errors
def demo(
    ctx: typer.Context,
    dir_: Annotated[Path, typer.Option("--dir", help=msg("演示县的目录（即工作区）", "folder of the demo county (the workspace)"))] = Path("demo-county"),
    residents: Annotated[int, typer.Option(help=msg("常住人口规模", "number of residents"))] = 150_000,
    seed: Annotated[int, typer.Option(help=msg("随机种子", "random seed"))] = 20250101,
    pg_url: Annotated[str | None, typer.Option("--pg-url", help=msg("人社系统放在此 PostgreSQL 中（可选）", "put the pension system in this PostgreSQL (optional)"))] = None,
    period: Annotated[str | None, typer.Option(help=msg("生成报表的期别，默认上一个月", "report period, default last month"))] = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help=msg("不启动网页服务", "do not start the web app"))] = False,
) -> None:
    """生成演示县、同步全部部门系统并生成全部报表。Build the demo county, sync it, generate every report.

    Example: biaotong demo --dir demo-county --no-serve
    """
    from biaotong.catalog.orgtree import import_org_tree
    from biaotong.demo import generate_county
    from biaotong.onetable import conflict_report
    from biaotong.reports.generate import generate_all
    from biaotong.store.schema import org_units
    from biaotong.sync import add_source

    started = time.perf_counter()
    ctx.find_root().obj = {"home": dir_}
    if pg_url:  # the demo's pension system refers to it as ${BIAOTONG_DEMO_PG_URL}: never written to disk
        os.environ["BIAOTONG_DEMO_PG_URL"] = pg_url
    with console.status(msg(f"正在生成演示县（{residents:,} 人）…", f"generating the demo county ({residents:,} residents)…")):
        manifest = generate_county(dir_, residents=residents, seed=seed, pg_url=pg_url)
    ws = workspace(ctx)
    with ws.engine.begin() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(org_units)).scalar_one() == 0:
            import_org_tree(conn, dir_ / "org_tree.yaml")
    for spec in manifest.sources:
        add_source(ws, dir_ / spec)
    results = sync_with_progress(ctx, None)
    print_sync_results(results)
    _print_reject_reasons(results)
    conflicts = conflict_report(ws)
    _print_conflicts(conflicts)
    outputs = generate_all(ws, period=period, out_dir=dir_ / "out")
    summary = Table.grid(padding=(0, 2))
    summary.add_row(msg("数据源", "sources"), str(len(results)))
    summary.add_row(msg("入湖行数", "rows in the lake"), f"{sum(r.snapshot.row_count for r in results if r.snapshot):,}")
    summary.add_row(msg("拒收行/值", "rejected rows/values"), f"{sum(r.snapshot.reject_count for r in results if r.snapshot):,}")
    summary.add_row(msg("跨系统冲突", "conflicts between sources"), f"{conflicts['total']:,}")
    summary.add_row(msg("生成报表", "reports generated"), str(len(outputs)))
    summary.add_row(msg("耗时", "time"), f"{time.perf_counter() - started:.1f} s")
    summary.add_row(msg("工作区", "workspace"), str(ws.home))
    console.print(Panel(summary, title=msg("演示县已就绪", "the demo county is ready"), expand=False))
    if not all(r.ok for r in results):
        raise typer.Exit(code=1)
    if not no_serve:
        console.print(msg("网页服务尚未提供；已结束。", "the web app does not exist yet; done."))


def _print_reject_reasons(results: list[SyncResult]) -> None:
    table = Table(msg("数据源", "source"), msg("类别", "kind"), msg("原因", "reason"), msg("条数", "count"),
                  title=msg("拒收原因（明细见各快照的 rejects.parquet）", "reject reasons (rows in each snapshot's rejects.parquet)"))
    for r in results:
        for item in (r.snapshot.reject_summary.get("top_reasons", [])[:4] if r.snapshot else []):
            table.add_row(r.source, item["kind"], msg(item["reason"], item.get("reason_en", item["reason"])),
                          f"{item['count']:,}")
    if table.row_count:
        console.print(table)


def _print_conflicts(report: dict[str, Any]) -> None:
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
    from biaotong.onetable import conflict_report

    report = conflict_report(workspace(ctx), entity=entity, sample=sample)
    if as_json:
        print_json(report)
    else:
        _print_conflicts(report)
        console.print(msg(f"合计 {report['total']:,} 条", f"{report['total']:,} in all"))


@handle_errors
def trace_cmd(
    ctx: typer.Context,
    report: Annotated[str, typer.Argument(help=msg("报表编号", "report id"))],
    period: Annotated[str, typer.Option(help=msg("期别，如 2025-06", "period, e.g. 2025-06"))],
    org: Annotated[str, typer.Option(help=msg("行政区划代码", "org unit code"))],
    field: Annotated[str, typer.Option(help=msg("字段编号", "field id"))],
    role: Annotated[str | None, typer.Option(help=msg("角色（决定是否脱敏）", "role (decides masking)"))] = None,
    as_json: JsonOpt = False,
) -> None:
    """追溯报表中的一个数：口径、快照、同步记录及其存证证明。Trace a number to its sources and ledger entries.

    Example: biaotong trace mz_dibao_tekun --period 2025-06 --org 530927000000 --field dibao_persons --json
    """
    from biaotong.audit import trace

    result = trace(workspace(ctx), report, period, org, field, role=role)
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
    app.command("demo")(demo)
    app.command("conflicts")(conflicts)
    app.command("settings")(settings_cmd)
    app.command("trace")(trace_cmd)



