"""`biaotong catalog …`: browse the unified data standard and check ID numbers and credit codes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from biaotong.catalog import Catalog, check_citizen_id, check_uscc, citizen_id_birth_date, citizen_id_sex
from biaotong.catalog.validators import normalize_citizen_id
from biaotong.cli.common import console, handle_errors, print_json, workspace
from biaotong.i18n import msg

app = typer.Typer(no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))]


def _catalog(ctx: typer.Context) -> Catalog:
    return workspace(ctx).catalog


@app.command("elements")
@handle_errors
def elements(
    ctx: typer.Context,
    entity: Annotated[
        str | None, typer.Option("--entity", "-e", help=msg("主体，如 resident", "entity, e.g. resident"))
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """列出数据元。List data elements (of one entity with --entity).

    Example: biaotong catalog elements --entity resident
    """
    cat = _catalog(ctx)
    found = cat.elements_of(entity) if entity else cat.elements
    if as_json:
        print_json(
            [
                {
                    "entity": e.entity,
                    "code": e.code,
                    "name": e.name,
                    "aliases": list(e.aliases),
                    "value_type": e.value_type,
                    "unit": e.unit,
                    "code_list": e.code_list,
                    "definition": e.definition,
                    "sensitivity": e.sensitivity,
                    "source_department": e.source_department,
                    "validator": e.validator,
                    "collected": e.collected,
                }
                for e in found
            ]
        )
        return
    table = Table(
        msg("主体", "entity"),
        msg("代码", "code"),
        msg("名称", "name"),
        msg("类型", "type"),
        msg("来源部门", "source"),
        msg("敏感级别", "sensitivity"),
        msg("别名", "aliases"),
    )
    for e in found:
        kind = (
            f"{e.value_type}:{e.code_list}"
            if e.code_list
            else e.value_type + (f" ({e.unit})" if e.unit else "")
        )
        source = cat.departments[e.source_department].name + (
            msg("（基层采集）", " (collected)") if e.collected else ""
        )
        table.add_row(e.entity, e.code, e.name, kind, source, e.sensitivity, "、".join(e.aliases[:4]))
    console.print(table)
    console.print(msg(f"共 {len(found)} 个数据元", f"{len(found)} elements"))


@app.command("codes")
@handle_errors
def codes(
    ctx: typer.Context,
    code_list: Annotated[str, typer.Argument(help="code list id, e.g. sex")],
    as_json: JsonOpt = False,
) -> None:
    """列出代码集的代码。Show a code list.

    Example: biaotong catalog codes ethnicity
    """
    cl = _catalog(ctx).code_list(code_list)
    if as_json:
        print_json(
            {
                "id": cl.id,
                "name": cl.name,
                "standard": cl.standard,
                "codes": [{"code": c.code, "label": c.label, "aliases": list(c.aliases)} for c in cl.codes],
            }
        )
        return
    table = Table(
        msg("代码", "code"),
        msg("名称", "label"),
        msg("别名", "aliases"),
        title=f"{cl.name} ({cl.id})" + (f" — {cl.standard}" if cl.standard else ""),
    )
    for c in cl.codes:
        table.add_row(c.code, c.label, "、".join(c.aliases))
    console.print(table)


@app.command("check-id")
def check_id(
    value: Annotated[str, typer.Argument(help="公民身份号码 or 统一社会信用代码")], as_json: JsonOpt = False
) -> None:
    """校验身份号码（或统一社会信用代码）。Check a citizen ID number (or a unified social credit code).

    Example: biaotong catalog check-id 11010519491231002X
    """
    as_uscc = not normalize_citizen_id(value)[:17].isdigit()
    reason = check_uscc(value) if as_uscc else check_citizen_id(value)
    result: dict[str, object] = {
        "value": value,
        "kind": "uscc" if as_uscc else "citizen_id",
        "valid": reason is None,
        "reason": reason,
    }
    if not as_uscc and reason is None:
        result |= {
            "normalized": normalize_citizen_id(value),
            "birth_date": citizen_id_birth_date(value),
            "sex": citizen_id_sex(value),
        }
    if as_json:
        print_json(result)
    elif reason is None:
        extra = (
            ""
            if as_uscc
            else msg(
                f"，出生日期 {result['birth_date']}，性别 {'男' if result['sex'] == '1' else '女'}",
                f", born {result['birth_date']}, {'male' if result['sex'] == '1' else 'female'}",
            )
        )
        console.print(msg("有效", "valid") + extra)
    else:
        console.print(f"[red]{msg('无效', 'invalid')}[/]: {reason}", highlight=False)
    if reason is not None:
        raise typer.Exit(code=1)
