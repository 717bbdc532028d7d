"""`biaotong template …`: import a department's own Excel form, map it, save it as a report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from biaotong.cli.common import actor, console, handle_errors, print_json, workspace
from biaotong.errors import ConfigError
from biaotong.i18n import msg

app = typer.Typer(no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))]
SheetOpt = Annotated[str | None, typer.Option("--sheet", help=msg("工作表名（默认第一个）", "sheet name (default: the first)"))]

KIND_ZH = {"indicator": "指标", "element": "数据元", "expression": "合成口径", "collected": "基层采集",
           "unmapped": "未对应", "label": "行标签", "index": "序号"}


def _library(ws):  # type: ignore[no-untyped-def]
    """The indicator library with the workspace's own `indicators/` folder."""
    if ws is None:
        from biaotong.reports.library import builtin_library

        return builtin_library()
    from biaotong.reports.context import workspace_library

    return workspace_library(ws)


def _optional_ws(ctx: typer.Context):  # type: ignore[no-untyped-def]
    try:
        return workspace(ctx, create=False)
    except ConfigError:
        return None


@app.command("import")
@handle_errors
def import_(
    ctx: typer.Context,
    form: Annotated[Path, typer.Argument(help=msg("部门的 .xlsx 表样", "the department's .xlsx form"))],
    sheet: SheetOpt = None,
    show_sql: Annotated[bool, typer.Option("--sql", help=msg("列出每列将执行的 SQL", "print the SQL of each column"))] = False,
    as_json: JsonOpt = False,
) -> None:
    """读取表样：标题、表头树、每列的建议、理由、备选和 SQL。Read a form and propose a mapping for every column.

    Example: biaotong template import 低保统计表.xlsx --json > mapping.json
    """
    from biaotong.forms.service import explain, import_form, import_json, matcher

    ws = _optional_ws(ctx)
    match = matcher(ws)
    layout, proposals, _raw = import_form(form, sheet=sheet, ws=ws, match=match)
    explain(proposals, catalog=ws.catalog if ws else None, library=_library(ws))
    population = match.roster_population(layout)
    data = import_json(layout, proposals, population=population)
    if as_json:
        print_json(data)
        return
    console.print(msg(f"《{layout.title or form.name}》 工作表 {layout.sheet}，版式 {layout.kind}，表头第 "
                      f"{'、'.join(map(str, layout.header_rows))} 行，数据自第 {layout.first_data_row} 行",
                      f"{layout.title or form.name}: sheet {layout.sheet}, layout {layout.kind}, header rows "
                      f"{layout.header_rows}, data from row {layout.first_data_row}"))
    table = Table(msg("列", "col"), msg("表头", "header"), msg("单位", "unit"), msg("建议", "proposal"),
                  msg("置信度", "confidence"), msg("理由", "reasons"), msg("备选", "runner-up"))
    for p in proposals:
        kind = msg(KIND_ZH[p.kind], p.kind)
        target = f"{kind}: {p.target}" if p.target else kind
        if p.filter:
            target += f" + {p.filter}"
        elif p.kind == "expression" and p.expression and "ratio" in p.expression:
            target += f" {p.sql or ''}"
        runner = f"{p.candidates[0].id} ({p.candidates[0].score:.2f})" if p.candidates else ""
        style = "red" if p.kind == "unmapped" else ""
        table.add_row(p.key, p.title, p.unit or "", target, f"{p.confidence:.2f}", p.reason, runner, style=style)
    console.print(table)
    if population:
        console.print(msg(f"名册筛选建议：{population['filter']}（{population['reason']}）",
                          f"roster filter proposed: {population['filter']} (the title names {population['name']})"),
                      markup=False, highlight=False)
    if show_sql:
        for p in proposals:
            if p.sql:
                console.print(f"[bold]{p.key}[/] {p.title}\n{p.sql}\n", markup=True, highlight=False)
    if data["unmapped"]:
        cols = "、".join(u["column"] for u in data["unmapped"])
        console.print(msg(f"[yellow]未对应的列：{cols}。请在映射文件中手工指定（见 docs/forms.md）[/]",
                          f"[yellow]unmapped columns: {cols}; map them by hand in a mapping file (docs/forms.md)[/]"))


@app.command("save")
@handle_errors
def save(
    ctx: typer.Context,
    form: Annotated[Path | None, typer.Argument(help=msg("部门的 .xlsx 表样（用 --id 重开已保存的可省略）",
                                                         "the department's .xlsx form (omit to re-open --id)"))] = None,
    report_id: Annotated[str, typer.Option("--id", help=msg("报表编号（小写字母、数字、下划线）", "report id"))] = "",
    department: Annotated[str, typer.Option("--department", help=msg("所属部门", "owning department"))] = "",
    title: Annotated[str | None, typer.Option("--title", help=msg("报表名称（默认取表样标题）", "title"))] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", help=msg("人工确认的映射 JSON/YAML", "reviewed mapping"))] = None,
    sheet: SheetOpt = None,
    period: Annotated[str, typer.Option("--period", help="month|quarter|half_year|year|adhoc")] = "month",
    level: Annotated[str | None, typer.Option("--level", help=msg("填报层级", "reporting level"))] = None,
    roster_filter: Annotated[str | None, typer.Option("--filter", help=msg("名册的筛选条件", "roster filter"))] = None,
    unmapped_as: Annotated[str, typer.Option("--unmapped", help="error|collected|skip")] = "error",
    learn: Annotated[bool, typer.Option(help=msg("把确认的表头写法加为指标别名", "add confirmed wordings as aliases"))] = True,
    as_json: JsonOpt = False,
) -> None:
    """保存为报表（含原表样），状态为草稿，待准入审核。Save the form as a draft report with its workbook.

    Example: biaotong template save 低保统计表.xlsx --id mz_dibao_monthly --department civil_affairs --mapping m.json
    """
    from biaotong.forms.reader import read_bytes
    from biaotong.services import forms as svc

    if not report_id:
        raise typer.BadParameter(msg("需要 --id", "--id is required"))
    out = svc.save_template(
        workspace(ctx), actor(ctx), report_id, data=None if form is None else read_bytes(form),
        name=None if form is None else str(form), mapping_file=mapping, level=level, sheet=sheet, title=title,
        period_type=period, department=department or None, roster_filter=roster_filter, unmapped_as=unmapped_as,
        learn=learn,
    )
    rid, version, added, spec = out["report"], out["version"], out["aliases_added"], out["spec"]
    if as_json:
        print_json({"report": rid, "status": "draft", "version": version, "aliases_added": added, "spec": spec})
        return
    console.print(msg(f"已保存报表 {rid}（草稿，第 {version} 版，{len(spec.get('fields', []))} 个字段），新增别名 {added} 个；"
                      f"下一步：biaotong report review {rid}",
                      f"saved report {rid} (draft, version {version}), {added} aliases added; "
                      f"next: biaotong report review {rid}"))
