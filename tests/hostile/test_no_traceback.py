"""Never a traceback: every failure the experiments provoked ends in a message naming what was being done,
a documented exit code and, for the unexpected, a log file whose path is printed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from biaotong.cli.entry import EXIT_INPUT, EXIT_INTERNAL, run
from biaotong.workspace import Workspace
from tests.hostile.conftest import fingerprint
from tests.reports.county import COUNTY


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        run(["--lang", "en", *args])
    captured = capsys.readouterr()
    return int(done.value.code or 0), re.sub(r"\s+", " ", captured.out + captured.err)  # rich wraps lines


@pytest.fixture(autouse=True)
def _restore_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIAOTONG_LANG", "zh")  # run() sets it for its messages; restored after each test


def test_home_at_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "file.txt"
    f.write_text("x", encoding="utf-8")
    code, out = _run(capsys, "--home", str(f), "source", "list")
    assert code == EXIT_INPUT and "is a folder; this is a file" in out and "Traceback" not in out
    assert f.read_text(encoding="utf-8") == "x"


def test_out_at_a_folder_or_a_device(county_ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = fingerprint(county_ws)
    for out_path in (str(tmp_path), "/dev/null"):
        code, out = _run(capsys, "--home", str(county_ws.home), "report", "generate", "tj_population", "--period", "2025",
                         "--org", COUNTY, "--format", "csv", "--out", out_path)
        assert code == EXIT_INPUT and "not a regular file" in out and "Traceback" not in out
    assert Path("/dev/null").is_char_device()
    assert fingerprint(county_ws) == before


def test_bad_periods_and_limits(county_ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    home = ["--home", str(county_ws.home)]
    for args in (["report", "generate", "tj_population", "--period", "0001-01-01..9999-12-31", "--org", COUNTY, "--format", "json",
                  "--out", str(county_ws.home / "r.json")],
                 ["report", "generate", "tj_population", "--period", "99999", "--org", COUNTY],
                 ["report", "explain", "tj_population", "--period", "2025", "--org", COUNTY, "--field", "pop", "--limit", "-1"]):
        code, out = _run(capsys, *home, *args)
        assert code in (0, 1, EXIT_INPUT) and "Traceback" not in out, out


def test_an_unexpected_error_is_logged_not_shown(county_ws: Workspace, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import biaotong.sync.run as sync_run

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("secret 530102195001010011")

    monkeypatch.setattr(sync_run, "read_sources", broken)  # stands in for a bug: no real path should raise
    code, out = _run(capsys, "--home", str(county_ws.home), "source", "sync", "--all")
    assert code == EXIT_INTERNAL and "source sync" in out and "RuntimeError" in out
    assert "Traceback" not in out and "530102195001010011" not in out
    logs = list((county_ws.home / "logs").glob("biaotong-error-*.log"))
    assert len(logs) == 1 and str(logs[0]) in out
    assert "Traceback" in logs[0].read_text(encoding="utf-8")


def test_a_full_disk(county_ws: Workspace, tmp_path: Path) -> None:
    """Files may not grow past 4 KB (RLIMIT_FSIZE stops writes as a full disk would): a message, no traceback."""
    script = textwrap.dedent(f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        from biaotong.cli.entry import run
        run(["--lang", "en", "--home", {str(county_ws.home)!r}, "report", "generate", "sc_enterprise_roster",
             "--period", "2025Q2", "--org", "{COUNTY}", "--format", "csv", "--out", {str(tmp_path / "big.csv")!r}])
    """)
    before = fingerprint(county_ws)
    county_ws.close()
    env = {**os.environ, "BIAOTONG_LANG": "en"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert done.returncode == EXIT_INPUT and "disk is full" in done.stderr, done.stderr
    assert not (tmp_path / "big.csv").exists()
    again = Workspace.open(county_ws.home)
    try:
        assert fingerprint(again) == before
    finally:
        again.close()


def test_malformed_files_in_source_test(county_ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = ["--home", str(county_ws.home)]
    files = {
        "csv": "身份证号,姓名\n530102195001010011,张三\n530102195001010012,李四,多余,列\n",
        "xlsx": "not a zip at all",
        "json": '{"rows": [1, 2',
    }
    for kind, body in files.items():
        (tmp_path / f"bad.{kind}").write_text(body, encoding="utf-8")
        (tmp_path / f"bad_{kind}.yaml").write_text(
            f"name: bad_{kind}\nentity: resident\ndepartment: statistics\n"
            f"connection: {{kind: {kind}, path: bad.{kind}}}\ncolumns: {{身份证号: id_number}}\n", encoding="utf-8")
        code, out = _run(capsys, *home, "source", "add", "--no-check", str(tmp_path / f"bad_{kind}.yaml"))
        assert code == 0, out
        code, out = _run(capsys, *home, "source", "test", f"bad_{kind}")
        assert code == EXIT_INPUT and "Traceback" not in out and f"bad.{kind}" in out, out
        assert "李四" not in out and "530102195001010012" not in out  # no personal data in the message
    code, out = _run(capsys, *home, "source", "test", "bad_csv")
    assert "row 3" in out
