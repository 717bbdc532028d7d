"""The command line's conventions: every command and sub-command has help and is documented (README.md or
docs/*.md, in the sqlite-utils habit); --json where a command lists, reports or changes something; -h and
--version; help in the chosen language; an unknown language refused; no workspace created behind the user's
back; and `biaotong --help` / `biaotong version` without the heavy libraries."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from biaotong.cli import common, main
from biaotong.cli.main import GROUPS, TOPLEVEL, app
from biaotong.workspace import CONFIG_FILE

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
# Commands that neither list, report nor change anything a script would read (or that keep running).
NO_JSON = {"version", "serve", "user passwd"}
HEAVY = ("sqlalchemy", "alembic", "duckdb", "pyarrow", "openpyxl", "xlsxwriter", "pandas", "numpy", "jieba")
runner = CliRunner()


def commands() -> list[tuple[str, Any]]:
    """Every leaf command, walked through the lazy root (which imports each group as it goes)."""
    out: list[tuple[str, Any]] = []

    def walk(cmd: Any, path: str) -> None:
        names = cmd.list_commands(None) if hasattr(cmd, "list_commands") else []
        for name in names:
            walk(cmd.get_command(None, name), f"{path} {name}".strip())
        if not names and path:
            out.append((path, cmd))

    walk(typer.main.get_command(app), "")
    return out


def _groups_without_commands() -> set[str]:
    return {path for path, cmd in commands() if hasattr(cmd, "list_commands")}


def test_the_walk_reaches_sub_commands() -> None:
    paths = {p for p, _ in commands()}
    assert {"report generate", "report reject", "ledger verify", "template import", "init", "demo"} <= paths


def test_every_command_has_help() -> None:
    missing = [path for path, cmd in commands() if not (cmd.help or "").strip()]
    assert missing == []


def test_every_command_is_documented() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
    text += re.sub(r"biaotong((?:\s+--(?:home|as|lang)[=\s]\S+)+)", "biaotong", text)  # `biaotong --as li feedback send`
    missing = [path for path, _ in commands()
               if path not in _groups_without_commands() and f"biaotong {path}" not in text and f"`{path}" not in text]
    assert missing == []


def test_json_where_a_command_lists_reports_or_changes() -> None:
    lacking = [path for path, cmd in commands()
               if path not in NO_JSON and path not in _groups_without_commands()
               and "--json" not in {o for p in cmd.params for o in getattr(p, "opts", [])}]
    assert lacking == []


def test_help_in_the_chosen_language() -> None:
    zh = runner.invoke(app, ["--lang", "zh", "report", "-h"])
    en = runner.invoke(app, ["--lang", "en", "report", "--help"])
    assert zh.exit_code == en.exit_code == 0
    assert "生成" in zh.output and "Generate a report" not in zh.output
    assert "Generate a report" in en.output and not CJK.search(en.output.split("Commands")[-1])
    env = runner.invoke(app, ["--help"], env={"BIAOTONG_LANG": "en"})
    assert "fetch from systems" in env.output and "工作区目录" not in env.output
    # and back: one invocation's language does not leak into the next
    assert "工作区目录" in runner.invoke(app, ["--help"], env={"BIAOTONG_LANG": "zh"}).output


def test_every_command_help_speaks_chinese_by_default() -> None:
    lacking = [path for path, cmd in commands() if not CJK.search(main.pick_language(cmd.help) or "")]
    assert lacking == []


def test_unknown_language_refused() -> None:
    result = runner.invoke(app, ["--lang", "fr", "version"])
    assert result.exit_code == 2 and "zh" in result.output
    assert runner.invoke(app, ["version"], env={"BIAOTONG_LANG": "de"}).exit_code == 2


def test_version_and_short_help() -> None:
    from biaotong import __version__

    assert runner.invoke(app, ["--version"]).output.strip() == __version__
    assert runner.invoke(app, ["-h"]).exit_code == 0
    assert runner.invoke(app, ["ledger", "verify", "-h"]).exit_code == 0
    out = subprocess.run([sys.executable, "-m", "biaotong", "version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == __version__


def test_a_typo_gets_a_suggestion() -> None:
    result = runner.invoke(app, ["reprot", "list"])
    assert result.exit_code == 2 and "report" in result.output


def test_registered_top_level_commands_match_the_table() -> None:
    holder = typer.Typer()
    from biaotong.cli import toplevel

    toplevel.register(holder)
    assert {c.name for c in holder.registered_commands} == set(TOPLEVEL)
    for name in GROUPS:
        assert isinstance(__import__(f"biaotong.cli.{name}", fromlist=["app"]).app, typer.Typer)
    assert common.CONFIG_FILE == CONFIG_FILE


@pytest.mark.parametrize("args", [["--help"], ["version"]])
def test_help_and_version_import_no_heavy_library(args: list[str]) -> None:
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "biaotong", *args],
                         capture_output=True, text=True, check=True)
    rows = [line[len("import time:"):].split("|") for line in out.stderr.splitlines()
            if line.startswith("import time:") and line.split("|")[0].split(":")[1].strip().isdigit()]
    assert not {r[2].strip() for r in rows if r[2].strip().split(".")[0] in HEAVY}
    total_us = sum(int(r[0]) for r in rows)  # every module's own time
    assert total_us < 2_000_000  # ~0.1 s on an idle machine (docs/cli.md); generous for a busy CI


def test_outside_any_workspace_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BIAOTONG_HOME", raising=False)
    result = runner.invoke(app, ["report", "list"])
    assert result.exit_code == 2
    assert "biaotong init" in result.output
    assert not (tmp_path / "biaotong-home").exists()


def test_init_makes_a_workspace_that_later_commands_find(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BIAOTONG_HOME", raising=False)
    result = runner.invoke(app, ["init", "county", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["created"] and (tmp_path / "county" / CONFIG_FILE).exists()
    monkeypatch.chdir(tmp_path / "county")  # inside the workspace: no --home needed
    listed = runner.invoke(app, ["settings", "--json"])
    assert listed.exit_code == 0 and any(s["name"] == "default_period" for s in json.loads(listed.stdout))
