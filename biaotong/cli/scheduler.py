"""The top-level `biaotong scheduler` command: run the sources' scheduled syncs. Thin: it calls
biaotong.services.sources with the acting user."""

from __future__ import annotations

from typing import Annotated

import typer

from biaotong.cli.common import actor, console, handle_errors, print_json, workspace
from biaotong.i18n import msg


def register(app: typer.Typer) -> None:
    @app.command("scheduler")
    @handle_errors
    def scheduler(
        ctx: typer.Context,
        once: Annotated[bool, typer.Option("--once", help=msg("只同步当前到期的数据源后退出",
                                                              "sync the sources due now, then exit"))] = False,
        tick: Annotated[int, typer.Option(help=msg("检查间隔（秒）", "seconds between checks"))] = 60,
        as_json: Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))] = False,
    ) -> None:
        """按各数据源的 schedule 定时同步（同一数据源不会同时运行两次）。Run scheduled syncs.

        Example: biaotong scheduler --once
        """
        from biaotong.services import sources as svc

        runs = svc.run_scheduled(actor(ctx), workspace(ctx), once=once, tick_seconds=tick)
        if as_json:
            print_json([r.to_json() for r in runs])
            return
        if not runs:
            console.print(msg("没有到期的数据源", "no source is due"))
        for r in runs:
            missed = msg(f"（此前错过 {r.missed} 次）", f" ({r.missed} missed before)") if r.missed else ""
            console.print(f"{r.source}: {r.status}{missed} {r.snapshot or r.error or ''}")
