"""The form services over the demo county: a designer uploads the demo's 低保 form and saves it with one
column changed; a grassroots user cannot upload, another department's designer cannot save over the report,
and an upload id that is not a hash never reaches the file system."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from biaotong.demo.forms import AGGREGATE, write_demo_forms
from biaotong.errors import AccessDenied, FormError
from biaotong.ledger.tables import ledger_entries
from biaotong.services import forms
from tests.services.conftest import Demo


def _form(demo: Demo) -> bytes:
    folder = demo.ws.home / "demo-forms"
    paths = write_demo_forms(folder, demo.ws.home / "org_tree.yaml")
    return next(p for p in paths if p.name == AGGREGATE).read_bytes()


def test_designer_imports_and_saves_and_others_are_refused(demo: Demo) -> None:
    data = _form(demo)
    designer, teacher = demo.actors["designer"], demo.actors["teacher"]
    with pytest.raises(AccessDenied):
        forms.import_form(demo.ws, demo.actors["grassroots"], data, AGGREGATE)
    with pytest.raises(FormError):
        forms.import_form(demo.ws, designer, b"<html>not a workbook</html>", "evil.xlsx")

    out = forms.import_form(demo.ws, designer, data, AGGREGATE)
    assert (demo.ws.home / "uploads" / f"{out['upload']}.xlsx").read_bytes() == data
    props = {p["key"]: p for p in out["proposals"]}
    assert any(p["reason"] for p in props.values()) and any(p["candidates"] for p in props.values())
    assert any(p["sql"] for p in props.values())
    changed = next(k for k, p in props.items() if p["candidates"] and p["kind"] != "unmapped")

    saved = forms.save_form(demo.ws, designer, out["upload"], {changed: "runner-up"}, report_id="mz_dibao_web",
                            level="township", unmapped_as="skip")
    assert saved["status"] == "draft" and saved["department"] == designer.department and saved["version"] == 1
    with demo.ws.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ledger_entries).where(
            ledger_entries.c.action == "report.register",
            ledger_entries.c.object == "report:mz_dibao_web")).scalar_one() == 1

    with pytest.raises(AccessDenied):
        forms.save_form(demo.ws, teacher, out["upload"], {}, report_id="mz_dibao_web", unmapped_as="skip")
    with pytest.raises(FormError):
        forms.save_form(demo.ws, designer, "../../etc/passwd", {}, report_id="mz_dibao_web")
    with pytest.raises(FormError):
        forms.save_form(demo.ws, designer, out["upload"], {"ZZ": "skip"}, report_id="mz_dibao_web")


def test_an_upload_left_for_a_week_is_removed_at_the_next_upload(demo: Demo) -> None:
    import os
    import time

    data = _form(demo)
    designer = demo.actors["designer"]
    folder = demo.ws.home / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    old, recent = "a" * 64, "b" * 64
    for stem, age_days in ((old, forms.UPLOAD_DAYS + 1), (recent, 1)):
        for suffix in (".xlsx", ".json"):
            f = folder / f"{stem}{suffix}"
            f.write_bytes(b"x")
            t = time.time() - age_days * 86400
            os.utime(f, (t, t))
    (folder / "README.txt").write_text("not an upload", encoding="utf-8")
    out = forms.import_form(demo.ws, designer, data, AGGREGATE)
    names = {f.name for f in folder.iterdir()}
    assert f"{old}.xlsx" not in names and f"{old}.json" not in names
    assert {f"{recent}.xlsx", f"{recent}.json", "README.txt", f"{out['upload']}.xlsx"} <= names
    with pytest.raises(FormError, match="重新上传"):
        forms.show_upload(demo.ws, designer, old)


def test_template_save_on_the_command_line_keeps_a_designer_to_their_department(
    demo: Demo, tmp_path: Path
) -> None:
    """`template save` goes through the same service as the web: another department named with --department, or
    a re-opened report of another department, is refused; the designer's own re-open saves the next version."""
    from typer.testing import CliRunner

    from biaotong.cli.main import app

    form = tmp_path / AGGREGATE
    form.write_bytes(_form(demo))
    designer, teacher = demo.actors["designer"], demo.actors["teacher"]
    runner = CliRunner()

    def cli(user: str, *args: str) -> tuple[int, str]:
        r = runner.invoke(app, ["--home", str(demo.ws.home), "--as", user, "template", "save", *args])
        return r.exit_code, r.output

    code, out = cli(teacher.username, str(form), "--id", "cli_scope_form", "--department", "civil_affairs",
                    "--unmapped", "skip")
    assert code != 0 and "civil_affairs" in out and "Traceback" not in out
    code, out = cli(designer.username, str(form), "--id", "cli_scope_form", "--unmapped", "skip", "--json")
    assert code == 0, out
    assert json.loads(out)["version"] == 1
    code, out = cli(teacher.username, "--id", "cli_scope_form", "--unmapped", "skip")
    assert code != 0 and "cli_scope_form" in out
    code, out = cli(designer.username, "--id", "cli_scope_form", "--unmapped", "skip", "--json")
    assert code == 0, out
    saved = json.loads(out)
    assert saved["version"] == 2 and saved["spec"]["department"] == designer.department
