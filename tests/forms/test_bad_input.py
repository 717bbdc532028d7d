"""Bad files get a clear FormError naming the file (and sheet/cell), never a traceback."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from biaotong.cli.main import app
from biaotong.errors import FormError
from biaotong.forms import read_form, read_form_bytes
from biaotong.forms.reader import OLE2_SIGNATURE
from tests.forms.catalog_forms import DEV_FORMS
from tests.forms.conftest import draw


def _ole2(streams: list[str]) -> bytes:
    body = b"".join(s.encode("utf-16-le") + b"\x00\x00" for s in streams)
    return OLE2_SIGNATURE + b"\x00" * 504 + body + b"\x00" * 1024


def test_old_xls() -> None:
    with pytest.raises(FormError) as err:
        read_form_bytes(_ole2(["Workbook", "SummaryInformation"]), file="旧表.xls")
    assert ".xls" in err.value.zh and "另存为 .xlsx" in err.value.zh
    assert err.value.where.file == "旧表.xls"


def test_password_protected() -> None:
    with pytest.raises(FormError) as err:
        read_form_bytes(_ole2(["EncryptionInfo", "EncryptedPackage"]), file="加密.xlsx")
    assert "密码" in err.value.zh and "password" in err.value.en


def test_corrupt_zip() -> None:
    data = draw(DEV_FORMS[0])
    with pytest.raises(FormError) as err:
        read_form_bytes(data[: len(data) // 2], file="坏.xlsx")
    assert "损坏" in err.value.zh


def test_zip_that_is_not_a_workbook() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(FormError):
        read_form_bytes(buf.getvalue(), file="x.xlsx")


def test_not_excel_at_all() -> None:
    with pytest.raises(FormError) as err:
        read_form_bytes("地区,人数\n".encode(), file="表.xlsx")
    assert "不是有效的 .xlsx" in err.value.zh


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FormError) as err:
        read_form(tmp_path / "nope.xlsx")
    assert "找不到文件" in err.value.zh


def _book(fill) -> bytes:  # type: ignore[no-untyped-def]
    wb = Workbook()
    ws = wb.active
    fill(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_empty_sheet_and_sheet_without_header() -> None:
    with pytest.raises(FormError, match="空"):
        read_form_bytes(_book(lambda ws: None), file="空.xlsx")

    def only_title(ws):  # type: ignore[no-untyped-def]
        ws["A1"] = "某某统计表"
        ws["A3"] = "说明：本表按月报送"

    with pytest.raises(FormError) as err:
        read_form_bytes(_book(only_title), file="无表头.xlsx")
    assert "表头" in err.value.zh and err.value.where.key == "Sheet"


def test_unknown_sheet_lists_the_sheets() -> None:
    with pytest.raises(FormError) as err:
        read_form_bytes(draw(DEV_FORMS[0]), file="f1.xlsx", sheet="第二页")
    assert "Sheet1" in err.value.zh


def test_cli_prints_a_message_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "旧表.xls"
    bad.write_bytes(_ole2(["Workbook"]))
    result = CliRunner().invoke(app, ["--home", str(tmp_path / "ws"), "template", "import", str(bad)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "另存为 .xlsx" in result.output


def test_unplaceable_header_is_listed_as_unmapped(tmp_path: Path) -> None:
    case = next(c for c in DEV_FORMS if c.id == "f19_disaster")
    form = tmp_path / "灾情.xlsx"
    form.write_bytes(draw(case))
    runner = CliRunner()
    result = runner.invoke(app, ["--home", str(tmp_path / "ws"), "template", "import", str(form), "--json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout)
    assert [u["column"] for u in data["unmapped"]] == list("BCDEFG")
    saved = runner.invoke(app, ["--home", str(tmp_path / "ws"), "template", "save", str(form), "--id", "yj_disaster",
                                "--department", "emergency"])
    assert saved.exit_code == 2
    assert "未对应到指标" in saved.output and "Traceback" not in saved.output
