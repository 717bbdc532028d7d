"""What every command shares: the workspace from the global --home, JSON output, and error printing."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from biaotong.auth.actor import Actor
from biaotong.errors import BiaotongError
from biaotong.i18n import msg
from biaotong.workspace import Workspace

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def workspace(ctx: typer.Context, *, create: bool = True) -> Workspace:
    root = ctx.find_root()
    obj = root.obj or {}
    if "ws" not in obj:
        obj["ws"] = Workspace.open(obj.get("home"), create=create)
        root.obj = obj
        root.call_on_close(obj["ws"].close)
    return obj["ws"]


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
