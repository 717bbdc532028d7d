"""`biaotong ledger …` end to end on a workspace, with the auditor's module checking what it prints."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from biaotong.cli.main import app
from biaotong.ledger import Event, audit, record
from biaotong.workspace import Workspace

runner = CliRunner()


def _sql(home: Path, *events: Event, statement: str | None = None) -> None:
    ws = Workspace.open(home)
    try:
        with ws.engine.begin() as conn:
            record(conn, *events)
            if statement:
                conn.execute(sa.text(statement))
    finally:
        ws.close()


def _run(home: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--home", str(home), "--lang", "en", "ledger", *args])
    return result.exit_code, result.stdout


def test_ledger_commands(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    _sql(home, *(Event(action="task.fill", actor="村委会", object=f"task:{i}") for i in range(12)))

    code, out = _run(home, "head", "--json")
    assert code == 0, out
    head = json.loads(out)
    assert head["size"] == 12
    (tmp_path / "head.txt").write_text(head["checkpoint"])

    _sql(home, Event(action="task.submit", actor="村委会", object="task:1"))
    code, out = _run(home, "prove", "12", "--json")  # not covered by a head yet: one is signed
    assert code == 0, out
    (tmp_path / "proof.json").write_text(out)
    assert json.loads(out)["tree_size"] == 13
    assert audit.main([str(tmp_path / "proof.json"), "--key", str(home / "keys" / "ledger.pub")]) == 0

    code, out = _run(home, "consistency", "12", "13", "--json")
    assert code == 0, out
    (tmp_path / "consistency.json").write_text(out)
    assert audit.main([str(tmp_path / "consistency.json"), "--key", str(home / "keys" / "ledger.pub")]) == 0

    code, out = _run(home, "verify", "--head", str(tmp_path / "head.txt"), "--json")
    assert code == 0, out
    assert json.loads(out)["ok"] and json.loads(out)["older_head_size"] == 12
    code, out = _run(home, "verify")
    assert code == 0 and "ledger intact" in out

    code, out = _run(home, "witness", "--log", str(home), "--state", str(tmp_path / "witness"), "--json")
    assert code == 0 and json.loads(out)["ok"], out

    _sql(home, statement="UPDATE ledger_entries SET actor = '他人' WHERE seq = 3")
    code, out = _run(home, "verify", "--json")
    assert code == 1
    assert json.loads(out)["problem"]["position"] == 3
    code, out = _run(home, "prove", "99")
    assert code == 2
