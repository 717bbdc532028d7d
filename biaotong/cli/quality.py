"""`biaotong quality ...` (数据质量): the catalogue, runs, the findings report, owners' work lists, explanations,
completeness and outliers. Thin: every command calls biaotong.services.quality with the acting user."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from biaotong.cli.common import actor, console, handle_errors, print_json, workspace
from biaotong.i18n import msg

app = typer.Typer(no_args_is_help=True)
JSON = Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))]


@app.command("checks")
@handle_errors
def checks_cmd(ctx: typer.Context, as_json: JSON = False) -> None:
    """列出全部质量检查规则。List the catalogue of checks.

    Example: biaotong quality checks --json
    """
    from biaotong.services.quality import checks

    out = checks(workspace(ctx), actor(ctx))
    if as_json:
        print_json(out)
        return
    for c in out:
        console.print(f"{c['slug']} ({c['level']}) {c['title']}", highlight=False, markup=False)


@app.command("run")
@handle_errors
def run_cmd(
    ctx: typer.Context,
    check: Annotated[list[str] | None, typer.Option("--check", help=msg("只运行这些规则", "run only these checks"))] = None,
    as_json: JSON = False,
) -> None:
    """立即运行质量检查并更新问题清单（每次同步后也会自动运行）。Run the checks now.

    Example: biaotong quality run --json
    """
    from biaotong.services.quality import run

    out = run(workspace(ctx), actor(ctx), only=check or None)
    if as_json:
        print_json(out)
        return
    console.print(msg(f"发现问题 {out['findings']} 条：新增 {out['new']}，已修复 {out['fixed']}，用时 {out['seconds']} 秒",
                      f"{out['findings']} findings: {out['new']} new, {out['fixed']} fixed, {out['seconds']} s"))
    for e in out["errors"]:
        console.print(msg(f"规则 {e['check']} 未能运行：{e['error']}", f"check {e['check']} failed: {e['error']}"))
    if out["errors"]:
        raise typer.Exit(1)


@app.command("report")
@handle_errors
def report_cmd(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option("--source", help=msg("数据源", "source"))] = None,
    org: Annotated[str | None, typer.Option("--org", help=msg("区划代码", "org unit"))] = None,
    check: Annotated[str | None, typer.Option("--check", help=msg("规则", "check"))] = None,
    status: Annotated[str | None, typer.Option("--status", help="open|sent|fixed|explained")] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help=msg("最多列出条数", "most findings listed"))] = 1000,
    as_json: JSON = False,
) -> None:
    """质量报告：是否通过、统计与问题明细（默认未关闭的问题）。The quality report.

    Example: biaotong quality report --check deceased_still_paid --json
    """
    from biaotong.services.quality import report

    out = report(workspace(ctx), actor(ctx), source=source, org=org, check=check, status=status, limit=limit)
    if as_json:
        print_json(out)
        return
    st = out["stats"]
    console.print(msg(f"问题 {st['findings']} 条（显示 {st['shown']} 条）", f"{st['findings']} findings ({st['shown']} shown)"))
    for slug, n in sorted(st["by_check"].items(), key=lambda kv: -kv[1]):
        console.print(f"  {slug}: {n}", highlight=False, markup=False)
    for f in out["findings"][:50]:
        console.print(f"#{f['id']} [{f['status']}] {f['message']}", highlight=False, markup=False)


@app.command("send")
@handle_errors
def send_cmd(
    ctx: typer.Context,
    out_dir: Annotated[Path, typer.Option("--dir", help=msg("输出目录", "output folder"))],
    department: Annotated[str | None, typer.Option("--department", help=msg("只发给此部门", "only this department"))] = None,
    as_json: JSON = False,
) -> None:
    """按责任部门导出待整改问题清单（Excel）并标记为已发送。Write each owner's list and mark it sent.

    Example: biaotong quality send --dir quality-out
    """
    from biaotong.services.quality import send

    out = send(workspace(ctx), actor(ctx), out_dir, department=department)
    if as_json:
        print_json(out)
        return
    for dept, d in out["departments"].items():
        console.print(msg(f"{dept}：{d['findings']} 条 → {d['file']}", f"{dept}: {d['findings']} → {d['file']}"),
                      highlight=False, markup=False)


@app.command("explain")
@handle_errors
def explain_cmd(
    ctx: typer.Context,
    finding_id: Annotated[int, typer.Argument(help=msg("问题编号", "finding id"))],
    reason: Annotated[str, typer.Option("--reason", help=msg("说明（为何不是错误）", "why it is not an error"))],
    as_json: JSON = False,
) -> None:
    """说明一条问题属实际情况并关闭。Close a finding as explained.

    Example: biaotong quality explain 12 --reason "户籍在外县，经核实在本县享受低保"
    """
    from biaotong.services.quality import explain

    out = explain(workspace(ctx), actor(ctx), finding_id, reason)
    if as_json:
        print_json(out)
        return
    console.print(msg(f"问题 #{finding_id} 已说明并关闭", f"finding #{finding_id} explained"))


@app.command("completeness")
@handle_errors
def completeness_cmd(ctx: typer.Context, as_json: JSON = False) -> None:
    """各数据源的及时性与完整性、各数据元的填充率。Timeliness and completeness per source and element.

    Example: biaotong quality completeness --json
    """
    from rich.table import Table

    from biaotong.services.quality import completeness

    out = completeness(workspace(ctx), actor(ctx))
    if as_json:
        print_json(out)
        return
    table = Table(msg("数据源", "source"), msg("最近同步", "last sync"), msg("逾期", "late"), msg("行数", "rows"),
                  msg("较上次", "change"), msg("拒收", "rejects"), msg("平均填充率", "mean fill"))
    for s in out["sources"]:
        fill = s["elements"]
        mean = f"{sum(fill.values()) / len(fill):.0%}" if fill else ""
        table.add_row(s["source"], f"{s['last_sync']:%Y-%m-%d %H:%M}", msg("是", "yes") if s["late"] else "",
                      str(s["rows"]), "" if s["row_change"] is None else f"{s['row_change']:+d}", str(s["rejects"]), mean)
    console.print(table)


@app.command("outliers")
@handle_errors
def outliers_cmd(
    ctx: typer.Context,
    report_id: Annotated[str, typer.Argument(help=msg("报表编号", "report id"))],
    period: Annotated[str, typer.Option("--period", help=msg("报告期", "period"))],
    org: Annotated[str, typer.Option("--org", help=msg("区划代码", "org unit"))],
    history: Annotated[int, typer.Option("--history", help=msg("与前几期比较", "periods of history"))] = 6,
    threshold: Annotated[float, typer.Option("--threshold", help=msg("修正 z 分数阈值", "modified z threshold"))] = 3.5,
    as_json: JSON = False,
) -> None:
    """报表异常值：与本单位历史、与同级单位相比偏离过大的数（只提示，不改数）。Flag outliers in a report.

    Example: biaotong quality outliers mz_dibao_tekun --period 2025-06 --org 530927000000 --json
    """
    from biaotong.services.quality import outliers

    out = outliers(workspace(ctx), actor(ctx), report_id, period, org, history=history, threshold=threshold)
    if as_json:
        print_json(out)
        return
    if not out["flags"]:
        console.print(msg("未发现异常值", "no outliers"))
    for f in out["flags"]:
        kind = msg("与历史相比", "against its history") if f["kind"] == "history" else msg("与同级相比", "against its peers")
        console.print(f"{f['name']} {f['field']} = {f['value']:g}（{kind} z={f['z']}，{msg('中位数', 'median')} {f['median']:g}）",
                      highlight=False, markup=False)
