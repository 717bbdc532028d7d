"""Every fenced `biaotong …` command in README.md and docs/*.md runs against the small demo county.

Each page's commands run in the order written, on a fresh copy of the demo workspace (a page's later commands
may rely on its earlier ones), from inside that workspace — so `--home demo-county` and relative files such
as `forms/低保对象统计表.xlsx` or `sources/gaj_population.yaml` resolve. An example that fails, or names a
report, field or org code the demo does not have, fails here.

Conventions a page may use in a command's trailing comment:
  `# exit 1`        the example shows a failing check (documented exit codes: 0 ok, 1 a check failed, 2 bad input)
  `# not run: why`  it cannot run in a test (a server that keeps running, another machine's URL)
`biaotong demo` runs with `--residents 3000` (unless the page gives a size) and `--no-serve`; `serve`, `scheduler`
without `--once` and a command sent to the background (`&`) are not run. A `> file` redirection writes the
command's output to that file, so a later command can read it.
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from biaotong.cli.main import app
from tests.demo_workspace import RESIDENTS, demo_home

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_COMMAND = re.compile(r"^\s*(?:\$\s+)?((?:[A-Z_]+=\S*\s+)*biaotong(?:\s.*)?)$")


@dataclass
class Example:
    page: str
    line: int
    text: str  # as written, continuation lines joined
    argv: list[str]
    env: dict[str, str]
    exit_code: int
    redirect: str | None
    skip: str | None


def examples(page: Path) -> list[Example]:
    """The fenced biaotong commands of a page, in order."""
    out: list[Example] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    fenced, i = False, 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("```"):
            fenced = not fenced
            i += 1
            continue
        start = i
        text = line
        while text.rstrip().endswith("\\") and i + 1 < len(lines):  # shell line continuation
            i += 1
            text = text.rstrip()[:-1] + " " + lines[i].strip()
        i += 1
        if not fenced:
            continue
        for part in re.split(r"\s&&\s", text):
            m = _COMMAND.match(part)
            if m:
                out.append(parse(page.name, start + 1, m.group(1)))
    return out


def parse(page: str, line: int, text: str) -> Example:
    comment = text.split(" #", 1)[1] if " #" in text else ""
    code = re.search(r"\bexit\s+(\d)", comment)
    skip = re.search(r"not run:\s*(.+)", comment)
    words = shlex.split(text, comments=True)
    env: dict[str, str] = {}
    while words and re.match(r"^[A-Z_]+=", words[0]):
        k, _, v = words.pop(0).partition("=")
        env[k] = v
    redirect = None
    if ">" in words:
        at = words.index(">")
        redirect, words = (words[at + 1] if at + 1 < len(words) else None), words[:at]
    if "|" in words:  # only biaotong's part of a pipeline
        words = words[: words.index("|")]
    argv = words[1:]
    name = command_words(argv)[:1]
    background = bool(argv) and argv[-1] == "&"
    if name == ["demo"]:  # small, and not left serving
        argv = [*argv, *(["--residents", str(RESIDENTS)] if "--residents" not in argv else []),
                *(["--no-serve"] if "--no-serve" not in argv else [])]
    keeps_running = name == ["serve"] or (name == ["scheduler"] and "--once" not in argv) or background
    why = skip.group(1).strip() if skip else ("it keeps running" if keeps_running else None)
    return Example(page, line, text.strip(), argv, env, int(code.group(1)) if code else 0, redirect, why)


def command_words(argv: list[str]) -> list[str]:
    """The command path of an argv: its words that are not options (nor the root options' values)."""
    out, it = [], iter(argv)
    for a in it:
        if a in ("--home", "--as", "--lang"):
            next(it, None)
        elif not a.startswith("-"):
            out.append(a)
    return out


def test_pages_have_runnable_examples() -> None:
    found = {p.name: examples(p) for p in PAGES}
    assert found["README.md"], "the README's own commands are read"
    assert sum(len(v) for v in found.values()) >= 20


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_documented_commands_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    todo = examples(page)
    if not todo:
        pytest.skip(f"{page.name} has no fenced biaotong commands")
    home = tmp_path / "demo-county"
    shutil.copytree(demo_home(), home, symlinks=True)
    (home / "demo-county").symlink_to(".")  # `--home demo-county` from inside the workspace
    monkeypatch.chdir(home)
    monkeypatch.delenv("BIAOTONG_HOME", raising=False)
    monkeypatch.delenv("BIAOTONG_LANG", raising=False)
    runner = CliRunner()
    failures: list[str] = []
    for ex in todo:
        if ex.skip:
            continue
        result = runner.invoke(app, ex.argv, env=ex.env or None, input="demo-secret-1\ndemo-secret-1\n")
        if ex.redirect and result.exit_code == 0:
            Path(ex.redirect).write_bytes(result.stdout_bytes)
        if result.exit_code != ex.exit_code:
            said = (result.output or "").strip().splitlines()[-3:]
            if result.exception and not isinstance(result.exception, SystemExit):
                said.append(f"{type(result.exception).__name__}: {result.exception}")
            failures.append(f"{ex.page}:{ex.line}: exit {result.exit_code} (want {ex.exit_code}): {ex.text}\n      "
                            + "\n      ".join(said))
    assert not failures, "documented commands that fail:\n" + "\n".join(failures)
