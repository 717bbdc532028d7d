"""The demo leads somewhere: it reports on the month its data describes, ships department forms that
`template import` reads at once, and ends with next commands that really run in it."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from biaotong.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    home = tmp_path_factory.mktemp("first-hour") / "demo-county"
    # the global --home names the demo's folder as it names every other command's workspace
    result = runner.invoke(app, ["--home", str(home), "demo", "--residents", "3000", "--no-serve", "--json"])
    assert result.exit_code == 0, result.output
    return home, json.loads(result.stdout)


def test_demo_refuses_two_different_folders(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--home", str(tmp_path / "a"), "demo", "--dir", str(tmp_path / "b"), "--no-serve"])
    assert result.exit_code != 0 and "--dir" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()  # nothing built


def test_demo_prints_the_publishing_departments_designer(demo: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    _, summary = demo
    assert Path(summary["workspace"]).resolve() == demo[0].resolve()
    designers = {a["username"]: a["department"] for a in summary["accounts"] if a["role"] == "designer"}
    # the demo's village card tasks are the statistics bureau's: its designer gives their final approval
    assert designers == {"designer": "civil_affairs", "designer_tj": "statistics"}


def test_demo_reports_on_its_own_month(demo: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    home, summary = demo
    assert summary["period"] == "2025-06" and summary["data_as_of"] == "2025-06-30"
    assert yaml.safe_load((home / "biaotong.yaml").read_text(encoding="utf-8"))["default_period"] == "2025-06"
    assert len(summary["reports"]) > 20 and all(Path(p).exists() for p in summary["reports"])


def test_next_commands_name_real_codes_and_run(demo: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    home, summary = demo
    codes = {u["code"] for u in yaml.safe_load((home / "org_tree.yaml").read_text(encoding="utf-8"))["units"]}
    assert len(summary["next"]) >= 6
    for line in summary["next"]:
        argv = shlex.split(line)
        assert argv[:3] == ["biaotong", "--home", str(home)]
        for i, word in enumerate(argv):
            if word == "--org":
                assert argv[i + 1] in codes
        result = runner.invoke(app, argv[1:])
        assert result.exit_code == 0, f"{line}\n{result.output}"


@pytest.mark.parametrize(("form", "layout"), [("低保对象统计表.xlsx", "aggregate"), ("高龄老人花名册.xlsx", "roster"),
                                              ("村基本情况表.xlsx", "form")])
def test_shipped_forms_import(demo: tuple[Path, dict], form: str, layout: str) -> None:  # type: ignore[type-arg]
    home, summary = demo
    assert str(home / "forms" / form) in summary["forms"]
    result = runner.invoke(app, ["--home", str(home), "template", "import", str(home / "forms" / form), "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["layout"] == layout and found["summary"]["mapped"] >= 4
