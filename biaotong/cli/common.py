"""What every command shares: the workspace from the global --home, JSON output, and error printing."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

from biaotong.errors import BiaotongError, ConfigError, where
from biaotong.i18n import msg

if TYPE_CHECKING:  # the workspace pulls in SQLAlchemy and Alembic: imported when a command needs it, so help is fast
    from biaotong.auth.actor import Actor
    from biaotong.workspace import Workspace

CONFIG_FILE = "biaotong.yaml"  # biaotong.workspace.CONFIG_FILE, without importing it

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def workspace(ctx: typer.Context, *, create: bool = True) -> Workspace:
    """The workspace of --home / BIAOTONG_HOME (created there if new), else the one this folder holds."""
    from biaotong.workspace import Workspace

    root = ctx.find_root()
    obj = root.obj or {}
    if "ws" not in obj:
        home = obj.get("home")
        if home is None:
            home = implicit_home()
        elif create and not (Path(home) / CONFIG_FILE).exists() and sys.stderr.isatty():  # a person, not a pipe
            err_console.print(msg(f"新建工作区：{home}", f"creating a workspace: {home}"), highlight=False)
        obj["ws"] = Workspace.open(home, create=create)
        root.obj = obj
        root.call_on_close(obj["ws"].close)
    return obj["ws"]


def implicit_home() -> Path:
    """Without --home: this folder if it is a workspace, or ./biaotong-home if that is one; never a new one."""
    for candidate in (Path("."), Path("biaotong-home")):
        if (candidate / CONFIG_FILE).exists():
            return candidate
    raise ConfigError(
        "当前目录不在任何工作区中。请用 biaotong init 目录 新建工作区，或用 --home 目录（或环境变量 BIAOTONG_HOME）指定已有工作区。",
        "not inside any workspace. Create one with `biaotong init DIR`, or name one with --home DIR (or BIAOTONG_HOME).",
        where(file=str(Path.cwd())),
    )


def actor(ctx: typer.Context) -> Actor:
    """The user this command acts as (global `--as`, default the workspace's administrator)."""
    from biaotong.auth.users import resolve_actor

    root = ctx.find_root()
    obj = root.obj or {}
    if "actor" not in obj:
        obj["actor"] = resolve_actor(workspace(ctx), obj.get("as_user"))
        root.obj = obj
    return obj["actor"]


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(type(value).__name__)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n")


def fail(exc: BiaotongError) -> None:
    err_console.print(f"[bold red]{msg('错误', 'Error')}:[/] {exc.message}", highlight=False)
    raise typer.Exit(code=2)


def handle_errors(func: F) -> F:
    """Turn our own errors into a message and a non-zero exit; anything else is a bug and shows a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BiaotongError as exc:
            fail(exc)

    return wrapper  # type: ignore[return-value]
