"""The form services over the demo county: a designer uploads the demo's 低保 form and saves it with one
column changed; a grassroots user cannot upload, another department's designer cannot save over the report,
and an upload id that is not a hash never reaches the file system."""

from __future__ import annotations

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
