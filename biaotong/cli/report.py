"""`biaotong report`: list, generate (one or all), explain a cell, add a spec."""

from __future__ import annotations

from pathlib import Path

import typer

from biaotong.cli.common import console, handle_errors, print_json, workspace
from biaotong.errors import ReportError, where
from biaotong.i18n import msg

app = typer.Typer(no_args_is_help=True)

FORMATS = ("xlsx", "csv", "json")


@app.command("list")
@handle_errors
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help=msg("输出 JSON", "print JSON"))) -> None:
    """List the report specs: id, title, department, layout, period type, field count.

    Example: biaotong report list --json
    """
    from biaotong.reports.context import all_specs

    ws = workspace(ctx)
    rows = [
        {"id": s.id, "title": s.title, "department": s.department, "layout": s.layout, "period_type": s.period_type,
         "fields": len(s.fields) if s.layout != "roster" else len(s.roster.columns if s.roster else [])}
        for s in sorted(all_specs(ws).values(), key=lambda s: s.id)
    ]
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    t = Table("id", msg("标题", "title"), msg("部门", "department"), msg("版式", "layout"), msg("周期", "period"),
              msg("字段数", "fields"))
    for r in rows:
        t.add_row(r["id"], r["title"], r["department"], r["layout"], r["period_type"], str(r["fields"]))
    console.print(t)


@app.command()
@handle_errors
def generate(
    ctx: typer.Context,
    report_id: str | None = typer.Argument(None, help=msg("报表编号", "report id")),
    period: str | None = typer.Option(None, "--period", help=msg("报告期：2025-06、2025Q2、2025H1、2025（--all 可省略：上月）", "period: 2025-06, 2025Q2, 2025H1, 2025 (--all: last month if omitted)")),
    org: str | None = typer.Option(None, "--org", help=msg("行政区划代码（12位；--all 可省略）", "org unit code (12 digits; optional with --all)")),
    level: str | None = typer.Option(None, "--level", help=msg("行的层级，默认按报表定义", "level of the rows")),
    fmt: str = typer.Option("xlsx", "--format", help="xlsx | csv | json"),
    out: Path | None = typer.Option(None, "--out", help=msg("输出文件", "output file")),
    all_: bool = typer.Option(False, "--all", help=msg("生成全部报表", "generate every report")),
    directory: Path | None = typer.Option(None, "--dir", help=msg("--all 的输出目录", "output folder for --all")),
    role: str | None = typer.Option(None, "--role", help="public | staff | cleared"),
) -> None:
    """Generate a report as of the period end.

    Example: biaotong report generate mz_dibao_tekun --period 2025-06 --org 530102000000 --format xlsx --out dibao.xlsx
    """
    from biaotong.reports.export import export, exporters
    from biaotong.reports.generate import generate as gen
    from biaotong.reports.generate import generate_all

    if fmt not in exporters():
        raise ReportError(f"未知的导出格式：{fmt}", f"unknown format: {fmt}", where(key="format"))
    ws = workspace(ctx)
    if all_:
        if directory is None:
            raise ReportError("--all 需要 --dir", "--all needs --dir", where(key="dir"))
        files = generate_all(ws, period, org, directory, fmt=fmt, role=role)
        console.print(msg(f"已生成 {len(files)} 张报表到 {directory}", f"wrote {len(files)} reports to {directory}"))
        return
    if not report_id:
        raise ReportError("请给出报表编号，或使用 --all", "give a report id, or --all", where(key="report"))
    if not period or not org:
        raise ReportError("请给出 --period 和 --org", "give --period and --org", where(key="period" if not period else "org"))
    if out is None:
        raise ReportError("请用 --out 指定输出文件", "give the output file with --out", where(key="out"))
    result = gen(ws, report_id, period, org, level=level, role=role)
    export(result, fmt, out, ws=ws)
    for w in result.warnings:
        console.print(f"[yellow]{w}[/]")
    console.print(msg(f"已生成：{out}", f"written: {out}"))


@app.command()
@handle_errors
def explain(
    ctx: typer.Context,
    report_id: str = typer.Argument(..., help=msg("报表编号", "report id")),
    period: str = typer.Option(..., "--period"),
    org: str = typer.Option(..., "--org"),
    field: str = typer.Option(..., "--field", help=msg("字段编号", "field id")),
    role: str | None = typer.Option(None, "--role", help="public | staff | cleared"),
    limit: int = typer.Option(20, "--limit", help=msg("下钻明细条数", "drill-down rows shown")),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Explain one cell: expression, SQL, snapshots, rows behind it, drill-down.

    Example: biaotong report explain mz_dibao_tekun --period 2025-06 --org 530102001001 --field dibao_n --json
    """
    from biaotong.reports.lineage import explain as explain_cell

    info = explain_cell(workspace(ctx), report_id, period, org, field, role=role, limit=limit)
    if as_json:
        print_json(info)
        return
    console.print(f"[bold]{info['report']}.{info['field']}[/] {info['label']} = {info['value']}")
    console.print(info.get("sql") or "")
    for s in info["snapshots"]:
        console.print(f"  {s['source']} {s['id']} sha256={s['sha256']}")


@app.command()
@handle_errors
def add(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help=msg("报表定义 YAML", "report spec YAML")),
) -> None:
    """Validate a report spec and store it in the workspace (status draft).

    Example: biaotong report add my_report.yaml
    """
    from biaotong.reports.context import workspace_library
    from biaotong.reports.store import add_file

    ws = workspace(ctx)
    spec, what = add_file(ws.engine, file, workspace_library(ws), ws.catalog)
    console.print(msg(f"报表 {spec.id}（{spec.title}）已{'新增' if what == 'added' else '更新'}",
                      f"report {spec.id} ({spec.title}) {what}"))


def _register_workflows() -> None:
    # Admission review (报表准入) lives in biaotong.review; its commands join this group.
    from biaotong.cli.review import register_review_commands

    register_review_commands(app)


_register_workflows()
