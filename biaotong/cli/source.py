"""`biaotong source …`: register, test and sync department systems."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from biaotong.cli.common import actor, console, handle_errors, print_json, workspace
from biaotong.i18n import msg
from biaotong.services import sources as svc
from biaotong.sync.run import SyncResult

app = typer.Typer(no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))]


@app.command("add")
@handle_errors
def add(
    ctx: typer.Context, files: Annotated[list[Path], typer.Argument(help="source YAML")],
    no_check: Annotated[bool, typer.Option("--no-check", help=msg("不读取数据检查（离线登记）", "do not check the spec against the data (offline)"))] = False,
    as_json: JsonOpt = False,
) -> None:
    """登记数据源：先按数据检查（键、列、唯一性），改动的定义登记为新版本。Register sources from YAML files,
    checked against their data first; a changed spec of a registered name becomes its next version.

    Example: biaotong source add sources/gaj.yaml
    """
    added = svc.add_sources(actor(ctx), workspace(ctx), list(files), check=not no_check)
    if as_json:
        print_json([{"name": i.name, "title": i.title} for i in added])
        return
    for info in added:
        console.print(msg(f"已登记数据源 {info.name}（{info.title}）", f"registered source {info.name} ({info.title})"))


@app.command("remove")
@handle_errors
def remove(ctx: typer.Context, name: str, as_json: JsonOpt = False) -> None:
    """注销数据源（报表立即不再使用；快照保留，可按 --as-known-at 重现）。Unregister a source: reports stop using it;
    its snapshots stay readable for --as-known-at until `lake gc`.

    Example: biaotong source remove cl_disabled
    """
    out = svc.remove_source(actor(ctx), workspace(ctx), name)
    if as_json:
        print_json(out)
        return
    console.print(msg(f"已注销数据源 {name}，保留 {out['snapshots_kept']} 个快照",
                      f"source {name} removed; {out['snapshots_kept']} snapshots kept"))


@app.command("list")
@handle_errors
def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出数据源及其当前快照。List sources with rows, snapshot hash and rejects."""
    rows = svc.list_sources(actor(ctx), workspace(ctx))
    if as_json:
        print_json(rows)
        return
    table = Table(msg("名称", "name"), msg("系统", "system"), msg("部门", "department"), msg("主体", "entity"),
                  msg("行数", "rows"), msg("拒收", "rejects"), "SHA-256", msg("上次同步", "last run"))
    for r in rows:
        s = r["snapshot"] or {}
        last = (r.get("last_sync") or {}).get("status") or "—"
        shown = last if last in ("ok", "—", "running") else f"[red]{last}[/]"  # failed, missed, held
        problem = (r.get("schedule") or {}).get("last_problem")
        if problem and problem["status"] != last:  # a missed or failed run before the latest one
            shown += f" [red]({problem['status']} {problem['at'][:16]})[/]"
        if r.get("invalid"):
            shown = f"[red]{msg('定义无效', 'spec invalid')}[/]"
        table.add_row(r["name"], r["title"], r["department"], r["entity"], str(s.get("rows", "—")),
                      str(s.get("rejects", "—")), (s.get("sha256") or "—")[:16], shown)
    console.print(table)
    for r in rows:
        if r.get("invalid"):
            console.print(f"[red]{r['invalid']}[/]")


@app.command("test")
@handle_errors
def test(
    ctx: typer.Context, name: str,
    limit: Annotated[int, typer.Option(min=0, help=msg("预览行数", "rows to preview"))] = 10,
    scan: Annotated[int, typer.Option(help=msg("统计地名匹配结果与拒收所扫描的行数",
                                               "rows scanned for place-name resolution and reject counts"))] = 10_000,
    as_json: JsonOpt = False,
) -> None:
    """连接数据源并预览映射后的行与错误（按用户权限脱敏）。Connect and preview mapped rows and rejects, masked.

    Example: biaotong source test gaj_population --limit 5 --scan 50000
    """
    result = svc.test_source(actor(ctx), workspace(ctx), name, limit=limit, scan=scan)
    if as_json:
        print_json(result)
        return
    rows, rejects = result["rows"], result["rejects"]
    table = Table(*(rows[0].keys() if rows else []))
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    console.print(table)
    if rejects:
        rt = Table(msg("行", "row"), msg("列", "column"), msg("值", "value"), msg("原因", "reason"))
        for r in rejects:
            rt.add_row(str(r["row"]), str(r["column"]), str(r["value"]), msg(r["reason"], r["reason_en"]))
        console.print(rt)
    scanned = result.get("scanned", 0)
    for column, counts in result.get("resolution", {}).items():
        shown = "  ".join(f"{k}: {v:,}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
        console.print(msg(f"{column} 地名匹配（前 {scanned:,} 行）：{shown}",
                          f"{column} place names (first {scanned:,} rows): {shown}"))
    if result.get("reject_counts"):
        shown = "  ".join(f"{k}: {v:,}" for k, v in sorted(result["reject_counts"].items()))
        console.print(msg(f"拒收（前 {scanned:,} 行）：{shown}", f"rejects (first {scanned:,} rows): {shown}"))


def print_sync_results(results: list[SyncResult]) -> None:
    table = Table(msg("数据源", "source"), msg("结果", "result"), msg("读取", "read"), msg("入湖", "rows"),
                  msg("拒收", "rejects"), msg("秒", "s"), "SHA-256")
    for r in results:
        s = r.snapshot
        table.add_row(
            r.source, msg("成功", "ok") if r.ok else f"[red]{msg('失败', 'failed')}[/]", str(r.rows_read),
            str(s.row_count) if s else "—", str(s.reject_count) if s else "—", f"{r.seconds:.1f}",
            s.sha256[:16] if s else (r.error or "")[:60],
        )
    console.print(table)
    for r in results:
        if r.error:
            console.print(f"[red]{r.source}[/]: {r.error}")


def sync_with_progress(ctx: typer.Context, name: str | None, *, accept_drop: bool = False) -> list[SyncResult]:
    ws, who = workspace(ctx), actor(ctx)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,} 行"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        if name:
            task = bar.add_task(name, total=None)
            return svc.sync_sources(who, ws, name, progress=lambda n: bar.update(task, completed=n), accept_drop=accept_drop)
        tasks: dict[str, int] = {}

        def on(source: str, n: int) -> None:
            if source not in tasks:
                tasks[source] = bar.add_task(source, total=None)
            bar.update(tasks[source], completed=n)

        return svc.sync_sources(who, ws, None, progress=on)


@app.command("sync")
@handle_errors
def sync(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help=msg("数据源名称", "source name"))] = None,
    all_: Annotated[bool, typer.Option("--all", help=msg("同步全部数据源", "sync every source"))] = False,
    accept_drop: Annotated[bool, typer.Option("--accept-drop", help=msg("确认行数大幅下降属实：启用被暂缓的快照", "the fall in rows is right: make the held-back snapshot current"))] = False,
    as_json: JsonOpt = False,
) -> None:
    """同步数据源到数据湖。Sync one source, or all of them, into the lake.

    A sync that loses more than half of the rows (setting sync_max_drop), or all, is held back until
    `source sync NAME --accept-drop`.

    Example: biaotong source sync --all
    """
    if not name and not all_:
        raise typer.BadParameter(msg("请给出数据源名称或 --all", "give a source name or --all"))
    if accept_drop and not name:
        raise typer.BadParameter(msg("--accept-drop 只能用于一个数据源", "--accept-drop takes one source name"))
    results = sync_with_progress(ctx, None if all_ else name, accept_drop=accept_drop)
    if as_json:
        print_json([r.to_json() for r in results])
    else:
        print_sync_results(results)
    if not all(r.ok for r in results):
        raise typer.Exit(code=1)
