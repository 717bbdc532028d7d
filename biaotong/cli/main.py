"""The `biaotong` command: a root with a global --home and one sub-command group per capability."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import typer

from biaotong import __version__
from biaotong.cli import toplevel
from biaotong.i18n import msg

app = typer.Typer(
    name="biaotong",
    help=msg(
        "表通：报表数据中心——从系统取，不向基层要。",
        "biaotong: a report data center — fetch from systems, don't ask the grassroots.",
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    home: Path | None = typer.Option(
        None, "--home", envvar="BIAOTONG_HOME", help=msg("工作区目录", "workspace folder")
    ),
    lang: str | None = typer.Option(None, "--lang", help=msg("界面语言：zh 或 en", "language: zh or en")),
    as_user: str | None = typer.Option(
        None, "--as", envvar="BIAOTONG_USER", help=msg("以哪个用户身份操作（默认工作区管理员）", "act as this user (default: the workspace administrator)")
    ),
) -> None:
    if lang:
        before = os.environ.get("BIAOTONG_LANG")
        os.environ["BIAOTONG_LANG"] = lang
        # Restore on exit, so one in-process invocation (tests, the Python API) does not change the next.
        ctx.call_on_close(lambda: os.environ.pop("BIAOTONG_LANG") if before is None else os.environ.update(BIAOTONG_LANG=before))
    ctx.obj = {"home": home, "as_user": as_user}


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


# Sub-command groups, each a Typer app in biaotong/cli/<name>.py.
GROUPS: dict[str, tuple[str, str]] = {
    "source": ("数据源：登记、测试、同步", "sources: add, test, sync"),
    "catalog": ("数据标准：数据元与代码集", "the standard: data elements and code lists"),
    "org": ("行政区划树", "the org tree"),
    "report": ("报表：生成、说明、准入", "reports: generate, explain, review"),
    "template": ("部门自有 Excel 表样", "the department's own Excel forms"),
    "ledger": ("存证账本", "the tamper-evident ledger"),
    "task": ("填报任务：预填、填报、审核、纠错", "tasks: pre-filled, filled, reviewed, corrected"),
    "user": ("用户、角色与管辖范围", "users, roles and scopes"),
    "feedback": ("基层反馈", "grassroots feedback"),
    "quality": ("数据质量", "data quality"),
    "lake": ("数据湖：快照与清理", "the lake: snapshots and clean-up"),
}
for _name, (_zh, _en) in GROUPS.items():
    app.add_typer(importlib.import_module(f"biaotong.cli.{_name}").app, name=_name, help=msg(_zh, _en))

toplevel.register(app)  # demo, conflicts, settings, trace
# Top-level commands of other capabilities, each module with a register(app).
for _module in ("serve", "burden", "inventory", "events"):
    importlib.import_module(f"biaotong.cli.{_module}").register(app)


if __name__ == "__main__":
    app()
