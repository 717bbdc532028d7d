"""`biaotong events` (生命周期事件): events since a date; `events subscribe` for a department; `events records`
for what subscriptions produced; `events detect SOURCE` to diff again. Thin: calls biaotong.services.events."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from biaotong.cli.common import actor, console, handle_errors, print_json, workspace
from biaotong.i18n import msg

events_app = typer.Typer(invoke_without_command=True)
JSON = Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))]


def register(app: typer.Typer) -> None:
    app.add_typer(events_app, name="events", help=msg("生命周期事件：出生、死亡、迁移、年满、纳入退出项目",
                                                       "life events: births, deaths, moves, birthdays, programmes"))


def _types(raw: list[str] | None) -> list[str] | None:
    return [t.strip() for item in raw or [] for t in item.split(",") if t.strip()] or None


@events_app.callback()
@handle_errors
def events_cmd(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option("--since", help=msg("自此日期起发现的事件 YYYY-MM-DD", "events found since"))] = None,
    type_: Annotated[list[str] | None, typer.Option("--type", help=msg("事件类型，如 died", "event type, e.g. died"))] = None,
    org: Annotated[str | None, typer.Option("--org", help=msg("区划代码", "org unit"))] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help=msg("最多列出条数", "most listed"))] = 1000,
    as_json: JSON = False,
) -> None:
    """列出某日以来各系统变化产生的事件。List the events found since a date.

    Example: biaotong events --since 2026-11-01 --type died --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from biaotong.errors import WorkflowError, where
    from biaotong.services.events import list_events

    if since is None:
        raise WorkflowError("请给出 --since 日期", "give --since DATE", where(field="since"))
    try:
        day = date.fromisoformat(since)
    except ValueError as exc:
        raise WorkflowError(f"日期格式应为 YYYY-MM-DD：{since}", f"dates are YYYY-MM-DD: {since}",
                            where(field="since")) from exc
    out = list_events(workspace(ctx), actor(ctx), since=day, types=_types(type_), org=org, limit=limit)
    if as_json:
        print_json(out)
        return
    for t, n in sorted(out["counts"].items()):
        console.print(f"{t}: {n}", highlight=False, markup=False)
    for e in out["events"][:100]:
        console.print(f"{e['detected_at']:%Y-%m-%d} {msg(e['type_zh'], e['type'])} {e['key']} {e['org_name'] or ''} "
                      f"{e['occurred_on'] or ''}", highlight=False, markup=False)


@events_app.command("subscribe")
@handle_errors
def subscribe_cmd(
    ctx: typer.Context,
    department: Annotated[str, typer.Option("--department", help=msg("订阅部门", "department"))],
    type_: Annotated[list[str], typer.Option("--type", help=msg("事件类型（可多次或逗号分隔）", "event types"))],
    org: Annotated[str | None, typer.Option("--org", help=msg("辖区（默认本人范围）", "jurisdiction"))] = None,
    action: Annotated[str, typer.Option("--action", help="notify|task")] = "notify",
    title: Annotated[str, typer.Option("--title", help=msg("记录名称，如 高龄津贴调整", "record title"))] = "",
    as_json: JSON = False,
) -> None:
    """部门订阅辖区内的事件，每个事件生成本部门的预填记录。Subscribe a department to event types.

    Example: biaotong events subscribe --department civil_affairs --type died --type turned_80 --title 高龄津贴调整
    """
    from biaotong.services.events import subscribe

    out = subscribe(workspace(ctx), actor(ctx), department=department, types=_types(type_) or [], org=org,
                    action=action, title=title)
    if as_json:
        print_json(out)
        return
    console.print(msg(f"已订阅 #{out['id']}：{out['department']} ← {', '.join(out['types'])}",
                      f"subscribed #{out['id']}: {out['department']} ← {', '.join(out['types'])}"))


@events_app.command("records")
@handle_errors
def records_cmd(
    ctx: typer.Context,
    department: Annotated[str | None, typer.Option("--department", help=msg("部门", "department"))] = None,
    as_json: JSON = False,
) -> None:
    """订阅产生的本部门记录（预填）。The records subscriptions produced.

    Example: biaotong events records --department civil_affairs --json
    """
    from biaotong.services.events import records

    out = records(workspace(ctx), actor(ctx), department=department)
    if as_json:
        print_json(out)
        return
    for r in out:
        c = r["content"]
        console.print(f"#{r['id']} {r['department']} {c['event']} {c['key']} {c.get('name') or ''} "
                      f"{c.get('occurred_on') or ''}", highlight=False, markup=False)


@events_app.command("detect")
@handle_errors
def detect_cmd(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help=msg("数据源", "source"))],
    as_json: JSON = False,
) -> None:
    """重新比对数据源当前快照与上一快照（同步后会自动进行）。Diff a source's snapshot again.

    Example: biaotong events detect gaj_population
    """
    from biaotong.services.events import redetect

    out = redetect(workspace(ctx), actor(ctx), source)
    if as_json:
        print_json(out)
        return
    console.print(msg(f"{source}：事件 {out['events']} 个", f"{source}: {out['events']} events"))
