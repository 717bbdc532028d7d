"""`biaotong report`: list, generate (one or all), explain a cell, add a spec."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import typer

from biaotong.cli.common import actor, console, err_console, handle_errors, print_json, workspace
from biaotong.errors import ReportError, where
from biaotong.i18n import msg
from biaotong.reports.period import parse_known_at

app = typer.Typer(no_args_is_help=True)

FORMATS = ("xlsx", "csv", "json")


@app.command("list")
@handle_errors
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help=msg("输出 JSON", "print JSON"))) -> None:
    """列出报表：编号、标题、部门、版式、周期、字段数。List the report specs: id, title, department, layout, period type, field count.

    Example: biaotong report list --json
    """
    from biaotong.services.reports import list_reports

    rows = list_reports(actor(ctx), workspace(ctx))
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
    known_at: str | None = typer.Option(None, "--as-known-at", help=msg("按某一时刻数据湖所知重现（如 2026-07-01T09:30:00+08:00）；默认用最新快照", "reproduce what the lake knew at a time (e.g. 2026-07-01T09:30:00+08:00); default: the newest snapshots")),
    cards: str = typer.Option("sheets", "--cards", help=msg("单位卡片（--format template）：sheets 一个工作簿每单位一张表；folder 每单位一个文件（--out 为文件夹）", "single-unit forms (--format template): sheets = one workbook, a sheet per unit; folder = a file per unit (--out is a folder)")),
    as_json: bool = typer.Option(False, "--json", help=msg("以 JSON 输出所写文件与警告", "print the files written and the warnings as JSON")),
) -> None:
    """按报告期末生成报表（按当前用户脱敏）。Generate a report as of the period end, masked for the acting user (global --as).

    Example: biaotong report generate mz_dibao_tekun --period 2025-06 --org 530102000000 --format xlsx --out dibao.xlsx
    Cards, a file per village: biaotong report generate tj_village_card --period 2025-06 --org 530102001000 --format template --cards folder --out cards/
    """
    from biaotong.reports.export import exporters, suffix
    from biaotong.services.reports import generate_report, generate_reports

    if fmt not in exporters():
        raise ReportError(f"未知的导出格式：{fmt}", f"unknown format: {fmt}", where(key="format"))
    ws = workspace(ctx)
    if all_:
        if directory is None:
            raise ReportError("--all 需要 --dir", "--all needs --dir", where(key="dir"))
        files = _with_progress(lambda progress: generate_reports(
            actor(ctx), ws, period, org, directory, fmt=fmt, known_at=parse_known_at(known_at), progress=progress))
        if as_json:
            print_json({"directory": str(directory), "files": [str(f) for f in files]})
        else:
            err_console.print(msg(f"已生成 {len(files)} 张报表到 {directory}", f"wrote {len(files)} reports to {directory}"))
        return
    if not report_id:
        raise ReportError("请给出报表编号，或使用 --all", "give a report id, or --all", where(key="report"))
    if not period or not org:
        raise ReportError("请给出 --period 和 --org", "give --period and --org", where(key="period" if not period else "org"))
    if out is None:
        raise ReportError("请用 --out 指定输出文件", "give the output file with --out", where(key="out"))
    if cards not in ("sheets", "folder"):
        raise ReportError(f"--cards 只能是 sheets 或 folder：{cards}", f"--cards is sheets or folder: {cards}", where(key="cards"))
    if cards == "folder":
        from biaotong.services.cards import generate_card_folder

        files = generate_card_folder(actor(ctx), ws, report_id, period, org, out, level=level,
                                     known_at=parse_known_at(known_at))
        console.print(msg(f"已生成 {len(files)} 张卡片到 {out}", f"wrote {len(files)} cards to {out}"))
        return
    to_stdout = str(out) == "-"  # `--out -`: the file's bytes on stdout, messages on stderr
    target = Path(tempfile.mkdtemp(prefix="biaotong-")) / f"{report_id}{suffix(fmt)}" if to_stdout else out
    result = generate_report(actor(ctx), ws, report_id, period, org, target, fmt=fmt, level=level,
                             known_at=parse_known_at(known_at))
    if to_stdout:
        sys.stdout.flush()
        sys.stdout.buffer.write(target.read_bytes())
        sys.stdout.buffer.flush()
        shutil.rmtree(target.parent, ignore_errors=True)
    elif as_json:
        print_json({"report": report_id, "period": period, "org": org, "format": fmt, "file": str(out),
                    "warnings": list(result.warnings)})
        return
    for w in result.warnings:
        err_console.print(f"[yellow]{w}[/]", highlight=False)
    if not to_stdout:
        err_console.print(msg(f"已生成：{out}", f"written: {out}"), highlight=False)


def _with_progress(run: Callable[[Callable[[int, int, str], None]], list[Path]]) -> list[Path]:
    """A progress bar on stderr while every report is generated."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(msg("生成报表", "reports")), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task("", total=None)
        return run(lambda done, total, rid: bar.update(task, completed=done, total=total, description=rid))


@app.command()
@handle_errors
def explain(
    ctx: typer.Context,
    report_id: str = typer.Argument(..., help=msg("报表编号", "report id")),
    period: str = typer.Option(..., "--period"),
    org: str = typer.Option(..., "--org"),
    field: str = typer.Option(..., "--field", help=msg("字段编号", "field id")),
    limit: int = typer.Option(20, "--limit", min=0, help=msg("下钻明细条数", "drill-down rows shown")),
    known_at: str | None = typer.Option(None, "--as-known-at", help=msg("按某一时刻数据湖所知重现（如 2026-07-01T09:30:00+08:00）；默认用最新快照", "reproduce what the lake knew at a time (e.g. 2026-07-01T09:30:00+08:00); default: the newest snapshots")),
    outliers: bool = typer.Option(False, "--outliers", help=msg("同时与本单位历史、同级单位比较，标出异常值", "also flag the value against its history and its siblings")),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """说明一个格子的数：口径、SQL、快照、明细。Explain one cell: expression, SQL, snapshots, rows behind it, drill-down.

    Example: biaotong report explain mz_dibao_tekun --period 2025-06 --org 530102001001 --field dibao_n --json
    """
    from biaotong.services.reports import explain_cell

    info = explain_cell(actor(ctx), workspace(ctx), report_id, period, org, field, limit=limit,
                        known_at=parse_known_at(known_at), outliers=outliers)
    if as_json:
        print_json(info)
        return
    console.print(f"[bold]{info['report']}.{info['field']}[/] {info['label']} = {info['value']}")
    if info.get("missing"):
        console.print("[yellow]" + msg(f"缺数（留空，不是 0）：{info.get('missing_reason')}",
                                       f"missing (blank, not 0): {info.get('missing_reason_en')}") + "[/]")
    console.print(info.get("sql") or "")
    for s in info["snapshots"]:
        console.print(f"  {s['source']} {s['id']} sha256={s['sha256']}")
    for f in info.get("outliers", []):
        kind = msg("与本单位历史相比", "against its history") if f["kind"] == "history" else msg("与同级单位相比", "against its siblings")
        console.print(msg(f"异常值提示：{kind}，修正 z = {f['z']}（中位数 {f['median']:g}）",
                          f"outlier: {kind}, modified z = {f['z']} (median {f['median']:g})"), highlight=False, markup=False)


@app.command()
@handle_errors
def add(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help=msg("报表定义 YAML", "report spec YAML")),
    as_json: bool = typer.Option(False, "--json", help=msg("以 JSON 输出", "print JSON")),
) -> None:
    """校验报表定义并存入工作区（草稿）。Validate a report spec and store it in the workspace (status draft).

    Example: biaotong report add my_report.yaml
    """
    from biaotong.services.reports import add_report_spec

    spec, what = add_report_spec(actor(ctx), workspace(ctx), file)
    if as_json:
        print_json({"id": spec.id, "title": spec.title, "result": what, "status": "draft"})
        return
    console.print(msg(f"报表 {spec.id}（{spec.title}）已{'新增' if what == 'added' else '更新'}",
                      f"report {spec.id} ({spec.title}) {what}"))


def _register_workflows() -> None:
    # Admission review (报表准入) lives in biaotong.review; its commands join this group.
    from biaotong.cli.review import register_review_commands

    register_review_commands(app)


_register_workflows()
