"""`biaotong source …`: register, test and sync department systems."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from biaotong.cli.common import console, handle_errors, print_json, workspace
from biaotong.i18n import msg
from biaotong.sync import add_source, get_source, source_status, sync_all, sync_source
from biaotong.sync.run import SyncResult

app = typer.Typer(no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))]


@app.command("add")
@handle_errors
def add(ctx: typer.Context, files: Annotated[list[Path], typer.Argument(help="source YAML")]) -> None:
    """登记数据源（或更新同名数据源）。Register sources from YAML files.

    Example: biaotong source add sources/gaj.yaml
    """
    ws = workspace(ctx)
    for f in files:
        info = add_source(ws, f)
        console.print(msg(f"已登记数据源 {info.name}（{info.title}）", f"registered source {info.name} ({info.title})"))


@app.command("list")
@handle_errors
def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出数据源及其当前快照。List sources with rows, snapshot hash and rejects."""
    rows = source_status(workspace(ctx))
    if as_json:
        print_json(rows)
        return
    table = Table(msg("名称", "name"), msg("系统", "system"), msg("部门", "department"), msg("主体", "entity"),
                  msg("行数", "rows"), msg("拒收", "rejects"), "SHA-256")
    for r in rows:
        s = r["snapshot"] or {}
        table.add_row(r["name"], r["title"], r["department"], r["entity"], str(s.get("rows", "—")),
                      str(s.get("rejects", "—")), (s.get("sha256") or "—")[:16])
    console.print(table)


@app.command("test")
@handle_errors
def test(
    ctx: typer.Context, name: str,
    limit: Annotated[int, typer.Option(help=msg("预览行数", "rows to preview"))] = 10,
    as_json: JsonOpt = False,
) -> None:
    """连接数据源并预览映射后的行与错误。Connect and preview mapped rows and rejects.

    Example: biaotong source test gaj_population --limit 5
    """
    from biaotong.sources.preview import test_source

    ws = workspace(ctx)
    info = get_source(ws, name)
    result = test_source(info.spec, ws.catalog, ws.org_tree(), limit=limit)
    mapped, rejects = result.mapped, result.rejects
    if as_json:
        print_json({"source": name, "rows": mapped.to_pylist(), "rejects": rejects.to_pylist()})
        return
    table = Table(*mapped.column_names)
    for row in mapped.to_pylist():
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    console.print(table)
    if rejects.num_rows:
        rt = Table(msg("行", "row"), msg("列", "column"), msg("值", "value"), msg("原因", "reason"))
        for r in rejects.to_pylist():
            rt.add_row(str(r["row"]), str(r["column"]), str(r["value"]), msg(r["reason"], r["reason_en"]))
        console.print(rt)


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


def sync_with_progress(ctx: typer.Context, name: str | None) -> list[SyncResult]:
    ws = workspace(ctx)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,} 行"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        if name:
            task = bar.add_task(name, total=None)
            return [sync_source(ws, name, progress=lambda n: bar.update(task, completed=n))]
        tasks: dict[str, int] = {}

        def on(source: str, n: int) -> None:
            if source not in tasks:
                tasks[source] = bar.add_task(source, total=None)
            bar.update(tasks[source], completed=n)

        return sync_all(ws, progress=on)


@app.command("sync")
@handle_errors
def sync(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help=msg("数据源名称", "source name"))] = None,
    all_: Annotated[bool, typer.Option("--all", help=msg("同步全部数据源", "sync every source"))] = False,
    as_json: JsonOpt = False,
) -> None:
    """同步数据源到数据湖。Sync one source, or all of them, into the lake.

    Example: biaotong source sync --all
    """
    if not name and not all_:
        raise typer.BadParameter(msg("请给出数据源名称或 --all", "give a source name or --all"))
    results = sync_with_progress(ctx, None if all_ else name)
    if as_json:
        print_json([r.to_json() for r in results])
    else:
        print_sync_results(results)
    if not all(r.ok for r in results):
        raise typer.Exit(code=1)
