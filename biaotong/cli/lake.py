"""`biaotong lake ...` (数据湖). Commands are thin: they call biaotong.services with the acting user."""

from __future__ import annotations

from typing import Annotated

import typer

from biaotong.cli.common import actor, console, handle_errors, print_json, workspace
from biaotong.i18n import msg

app = typer.Typer(no_args_is_help=True)


@app.command("gc")
@handle_errors
def gc(
    ctx: typer.Context,
    keep: Annotated[int | None, typer.Option("--keep", help=msg("每个数据源保留最新的 N 个快照", "keep the newest N snapshots of each source"))] = None,
    keep_days: Annotated[float | None, typer.Option("--keep-days", help=msg("保留最近 D 天内的快照", "keep snapshots of the last D days"))] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=msg("只列出，不删除", "list only, remove nothing"))] = False,
    as_json: Annotated[bool, typer.Option("--json", help=msg("以 JSON 输出", "print JSON"))] = False,
) -> None:
    """清理数据湖：旧快照（哈希留存账本）、残留的暂存目录和孤立目录。Remove old snapshots (their hashes stay in the
    ledger), stale staging folders and orphans; the newest snapshot of each source is always kept.

    Example: biaotong lake gc --keep 3 --keep-days 90
    """
    from biaotong.services.lake import gc as run_gc

    out = run_gc(actor(ctx), workspace(ctx), keep=keep, keep_days=keep_days, dry_run=dry_run)
    if as_json:
        print_json(out)
        return
    verb = msg("将删除", "would remove") if dry_run else msg("已删除", "removed")
    console.print(msg(
        f"{verb} {len(out['removed'])} 个快照、{len(out['staging_removed'])} 个暂存目录、{len(out['orphans_removed'])} "
        f"个孤立目录、{len(out['caches_removed'])} 个一表缓存，释放 {out['bytes_freed']:,} 字节；保留 {out['kept']} 个快照",
        f"{verb} {len(out['removed'])} snapshots, {len(out['staging_removed'])} staging folders, "
        f"{len(out['orphans_removed'])} orphans, {len(out['caches_removed'])} one-table caches, "
        f"{out['bytes_freed']:,} bytes; {out['kept']} snapshots kept",
    ))
    for r in out["removed"]:
        console.print(f"  {r['id']}  sha256={r['sha256'][:16]}…")
