"""`biaotong lake ...` (数据湖). Commands are thin: they call biaotong.services with the acting user."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)
