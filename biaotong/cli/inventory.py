"""The top-level `biaotong inventory` command. Thin: it calls biaotong.services with the acting user."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app (none yet)."""
