"""`biaotong demo` and `biaotong init`: a workspace to start from, empty or holding the demo county.

The demo reports on the month its data describes (not the clock's last month), ships three department forms
for `template import`, and ends with the next commands to try, written with its own --home and real codes.
"""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from biaotong.cli.common import console, err_console, handle_errors, print_json, workspace
from biaotong.errors import ConfigError
from biaotong.i18n import msg

JsonOpt = Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))]


@handle_errors
def init(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help=msg("新工作区的目录", "folder of the new workspace"))],
    store_url: Annotated[str | None, typer.Option("--store-url", help=msg(
        "元数据库地址（默认工作区内的 SQLite 文件；密码用 ${变量}）",
        "metadata store URL (default: a SQLite file in the workspace; passwords as ${VAR})"))] = None,
    as_json: JsonOpt = False,
) -> None:
    """新建工作区：配置文件、元数据库、数据湖目录与账本密钥。Create a workspace: config, store, lake and ledger keys.

    Example: biaotong init my-county
    """
    from biaotong.workspace import CONFIG_FILE, Workspace

    existed = (directory / CONFIG_FILE).exists()
    from biaotong.auth.users import ensure_admin

    with Workspace.open(directory, store_url=store_url) as ws:
        if store_url:
            ws.save_config()
        ensure_admin(ws)  # the workspace administrator: `biaotong user passwd admin` to log in to the web
        info = {"home": str(ws.home), "created": not existed, "config": str(ws.home / CONFIG_FILE),
                "lake": str(ws.lake_dir), "next": [f"biaotong --home {_q(directory)} org import tree.yaml",
                                                   f"biaotong --home {_q(directory)} source add SOURCE.yaml"]}
    if as_json:
        print_json(info)
        return
    console.print(msg(f"工作区已就绪：{info['home']}" + ("" if not existed else "（已存在，未改动）"),
                      f"workspace ready: {info['home']}" + ("" if not existed else " (already there, unchanged)")),
                  highlight=False)
    console.print(msg("下一步：", "next:"))
    for line in info["next"]:
        console.print(f"  {line}", highlight=False, markup=False)


def _demo_dir(given: Path | None, home: Path | None) -> Path:
    """`--dir`, else the global `--home` (or BIAOTONG_HOME): a user who names a workspace gets the demo there."""
    if given is not None and home is not None and given.resolve() != Path(home).resolve():
        raise ConfigError(f"--dir {given} 与 --home {home} 指向不同的目录，请只给一个",
                          f"--dir {given} and --home {home} name different folders; give one")
    return given or (Path(home) if home is not None else Path("demo-county"))


@handle_errors
def demo(
    ctx: typer.Context,
    dir_: Annotated[Path | None, typer.Option("--dir", help=msg("演示县的目录（即工作区；默认 --home，再默认 demo-county）", "folder of the demo county (the workspace; default --home, else demo-county)"))] = None,
    residents: Annotated[int, typer.Option(help=msg("常住人口规模（如 3000 为小县，几秒即成）", "number of residents (3000 makes a small county in seconds)"))] = 150_000,
    seed: Annotated[int, typer.Option(help=msg("随机种子", "random seed"))] = 20250101,
    pg_url: Annotated[str | None, typer.Option("--pg-url", help=msg("人社系统放在此 PostgreSQL 中（可选）", "put the pension system in this PostgreSQL (optional)"))] = None,
    period: Annotated[str | None, typer.Option(help=msg("生成报表的期别，默认演示数据所述的月份", "report period, default the month the demo data describes"))] = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help=msg("不启动网页服务", "do not start the web app"))] = False,
    as_json: JsonOpt = False,
) -> None:
    """生成演示县、同步全部部门系统并生成全部报表。Build the demo county, sync it, generate every report.

    Example: biaotong demo --dir demo-county --residents 3000 --no-serve
    """
    from biaotong.cli.source import print_sync_results, sync_with_progress
    from biaotong.cli.toplevel import print_conflicts, print_reject_reasons
    from biaotong.demo.setup import prepare_demo
    from biaotong.onetable import conflict_report
    from biaotong.reports.generate import generate_all

    started = time.perf_counter()
    dir_ = _demo_dir(dir_, (ctx.find_root().obj or {}).get("home"))
    ctx.find_root().obj = {**(ctx.find_root().obj or {}), "home": dir_}
    if pg_url:  # the demo's pension system refers to it as ${BIAOTONG_DEMO_PG_URL}: never written to disk
        os.environ["BIAOTONG_DEMO_PG_URL"] = pg_url
    ws = workspace(ctx)
    with err_console.status(msg(f"正在生成演示县（{residents:,} 人）…", f"generating the demo county ({residents:,} residents)…")):
        prepared = prepare_demo(dir_, residents=residents, seed=seed, pg_url=pg_url, workspace=ws)
    manifest, forms = prepared.manifest, prepared.forms
    report_period = period or prepared.data_month
    results = sync_with_progress(ctx, None)
    conflicts = conflict_report(ws)
    if not as_json:
        print_sync_results(results)
        print_reject_reasons(results)
        print_conflicts(conflicts)
    err_console.print(msg(f"报表期别：{report_period}（演示数据截至 {manifest.reference_date}）",
                          f"report period: {report_period} (the demo data is as of {manifest.reference_date})"),
                      highlight=False)
    outputs = _generate_with_progress(lambda progress: generate_all(
        ws, period=report_period, out_dir=dir_ / "out", progress=progress))
    summary: dict[str, Any] = {
        "workspace": str(ws.home), "period": report_period, "data_as_of": manifest.reference_date,
        "sources": len(results), "rows": sum(r.snapshot.row_count for r in results if r.snapshot),
        "rejected": sum(r.snapshot.reject_count for r in results if r.snapshot),
        "conflicts": conflicts["total"], "reports": [str(p) for p in outputs], "forms": [str(p) for p in forms],
        "seconds": round(time.perf_counter() - started, 1),
        "next": next_commands(ws, dir_, report_period, forms),
        "ok": all(r.ok for r in results),
    }
    from biaotong.auth.demo import create_demo_accounts

    summary["accounts"] = [vars(a) for a in create_demo_accounts(ws)]  # fresh passwords on every run
    from biaotong.demo.workflows import seed_tasks

    summary["tasks"] = seed_tasks(ws, report_period[:4])  # the village card, one task per village
    if as_json:
        print_json(summary)
    else:
        _print_summary(summary)
        _print_accounts(summary["accounts"])
        _print_next(summary["next"])  # last, so the next step is what the user sees
    if not summary["ok"]:
        raise typer.Exit(code=1)
    if not no_serve:
        from biaotong.cli.serve import run_server

        run_server(ws, "127.0.0.1", 8000)


def _print_accounts(accounts: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(msg("用户名", "username"), msg("密码", "password"), msg("角色", "role"), msg("范围", "scope"),
                  title=msg("演示账号（每次运行重置密码）", "demo accounts (passwords reset on every run)"))
    for a in accounts:
        scope = f"{a['org_name']}（{a['org_code']}）" if a["org_code"] else (a["department"] or msg("全县", "whole county"))
        table.add_row(a["username"], a["password"], a["role"], scope)
    console.print(table)


def _generate_with_progress(run: Any) -> list[Path]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(msg("生成报表", "reports")), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, report_id: str) -> None:
            bar.update(task, completed=done, total=total, description=report_id)

        return run(progress)


def next_commands(ws: Any, dir_: Path, period: str, forms: list[Path]) -> list[str]:
    """The commands to try next, with this demo's --home and codes that exist in it."""
    from biaotong.reports.context import all_specs

    home = f"biaotong --home {_q(dir_)}"
    township, village = _sample_units(dir_)
    # The civil-affairs pair first (低保: the form every township knows), else any monthly aggregate and roster.
    specs = sorted(all_specs(ws).values(), key=lambda s: (not s.id.startswith("mz_dibao"), s.id))
    aggregate = next((s for s in specs if s.layout == "aggregate" and s.period_type == "month" and s.fields), None)
    roster = next((s for s in specs if s.layout == "roster" and s.period_type == "month"), None)
    lines = [f"{home} report list"]
    if aggregate:
        field = next((f.id for f in aggregate.fields if f.id == "dibao_n"), aggregate.fields[0].id)
        lines += [
            f"{home} report generate {aggregate.id} --period {period} --org {township} --format xlsx --out {_q(dir_ / 'out' / (aggregate.id + '-' + township + '.xlsx'))}",
            f"{home} report explain {aggregate.id} --period {period} --org {village} --field {field}",
            f"{home} trace {aggregate.id} --period {period} --org {village} --field {field}",
        ]
    if roster:
        lines.append(f"{home} report generate {roster.id} --period {period} --org {township} --format csv --out -")
    lines += [f"{home} template import {_q(f)}" for f in forms[:1]]
    lines += [f"{home} conflicts", f"{home} ledger verify"]
    return lines


def _sample_units(dir_: Path) -> tuple[str, str]:
    """A town (镇) with villages under it, and its first village: codes the demo county really has."""
    from biaotong.yamlfile import read_yaml

    units = (read_yaml(dir_ / "org_tree.yaml") or {}).get("units", [])
    for u in sorted(units, key=lambda u: not str(u.get("name", "")).endswith("镇")):
        if u.get("level") == "township":
            kids = [v["code"] for v in units if v.get("parent") == u["code"] and v.get("level") == "village"]
            if kids:
                return str(u["code"]), str(kids[0])
    return "530927000000", "530927000000"


def _print_summary(s: dict[str, Any]) -> None:
    from rich.panel import Panel
    from rich.table import Table

    grid = Table.grid(padding=(0, 2))
    grid.add_row(msg("数据源", "sources"), str(s["sources"]))
    grid.add_row(msg("入湖行数", "rows in the lake"), f"{s['rows']:,}")
    grid.add_row(msg("拒收行/值", "rejected rows/values"), f"{s['rejected']:,}")
    grid.add_row(msg("跨系统冲突", "conflicts between sources"), f"{s['conflicts']:,}")
    grid.add_row(msg("报表期别", "report period"), msg(f"{s['period']}（数据截至 {s['data_as_of']}）",
                                                     f"{s['period']} (data as of {s['data_as_of']})"))
    grid.add_row(msg("生成报表", "reports generated"), str(len(s["reports"])))
    grid.add_row(msg("部门表样", "department forms"), str(Path(s["forms"][0]).parent) if s["forms"] else "—")
    grid.add_row(msg("耗时", "time"), f"{s['seconds']:.1f} s")
    grid.add_row(msg("工作区", "workspace"), s["workspace"])
    console.print(Panel(grid, title=msg("演示县已就绪", "the demo county is ready"), expand=False))


def _print_next(lines: list[str]) -> None:
    console.print(msg("接下来可以试试：", "try next:"))
    for line in lines:
        console.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)


def _q(path: Path | str) -> str:
    return shlex.quote(str(path))
