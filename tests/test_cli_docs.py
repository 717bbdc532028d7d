"""Every command has help text and is documented (README.md or docs/*.md), in the sqlite-utils habit."""

from __future__ import annotations

from pathlib import Path

import click
import typer.main

from biaotong.cli.main import app

ROOT = Path(__file__).resolve().parents[1]


def commands() -> list[tuple[str, click.Command]]:
    root = typer.main.get_command(app)
    out: list[tuple[str, click.Command]] = []

    def walk(cmd: click.Command, path: str) -> None:
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, f"{path} {name}".strip())
        else:
            out.append((path, cmd))

    walk(root, "")
    return out


def test_every_command_has_help() -> None:
    missing = [path for path, cmd in commands() if not (cmd.help or "").strip()]
    assert missing == []


def test_every_command_is_documented() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
    missing = [path for path, _ in commands() if path != "version" and f"biaotong {path}" not in text and f"`{path}" not in text]
    assert missing == []
