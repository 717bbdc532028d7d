"""`biaotong catalog …` and `biaotong org …` end to end through the real CLI and a real workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from biaotong.cli.main import app

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "ws"


def run(home: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--home", str(home), "--lang", "zh", *args])
    return result.exit_code, result.output


def test_catalog_elements_and_codes(home: Path) -> None:
    code, out = run(home, "catalog", "elements", "--entity", "resident", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert len(data) >= 60 and data[0]["code"] == "id_number" and "身份证号" in data[0]["aliases"]
    code, out = run(home, "catalog", "elements", "--entity", "village")
    assert code == 0 and "共 17 个数据元" in out
    code, out = run(home, "catalog", "codes", "ethnicity", "--json")
    assert code == 0 and json.loads(out)["codes"][0] == {"code": "01", "label": "汉族", "aliases": ["汉"]}
    code, out = run(home, "catalog", "codes", "sexx")
    assert code == 2 and "sex" in out
    code, out = run(home, "catalog", "elements", "--entity", "house")
    assert code == 2


def test_workspace_catalog_extension_is_used(home: Path) -> None:
    (home / "catalog" / "codelists").mkdir(parents=True)
    (home / "catalog" / "codelists" / "sex.yaml").write_text(
        "id: sex\ncodes:\n  - {code: '1', label: 男, aliases: [男士]}\n", encoding="utf-8"
    )
    code, out = run(home, "catalog", "codes", "sex", "--json")
    assert code == 0 and "男士" in json.loads(out)["codes"][1]["aliases"]


def test_check_id(home: Path) -> None:
    code, out = run(home, "catalog", "check-id", "11010519491231002X")
    assert code == 0 and "1949-12-31" in out
    code, out = run(home, "catalog", "check-id", "110105194912310021", "--json")
    assert code == 1 and json.loads(out)["valid"] is False
    code, out = run(home, "catalog", "check-id", "91350100M000100Y43", "--json")
    assert code == 0 and json.loads(out)["kind"] == "uscc"


def test_org_import_and_list(home: Path, tmp_path: Path) -> None:
    org = tmp_path / "org.yaml"
    org.write_text(
        "units:\n"
        "  - {code: '530102000000', name: 五华区}\n"
        "  - {code: '530102100000', name: 沙朗乡}\n"
        "  - {code: '530102100001', name: 桃园村}\n"
        "  - {code: '530102100002', name: 沙朗村}\n"
        "events:\n"
        "  - {kind: merge, date: 2022-01-01, units: ['530102100002'], into: '530102100001'}\n",
        encoding="utf-8",
    )
    code, out = run(home, "org", "import", str(org), "--json")
    assert code == 0, out
    assert json.loads(out)["events_applied"] == 1
    code, out = run(home, "org", "list", "--level", "village", "--json")
    assert code == 0 and [u["code"] for u in json.loads(out)] == ["530102100001"]
    code, out = run(home, "org", "list", "--level", "village", "--on", "2021-12-31", "--json")
    assert [u["name"] for u in json.loads(out)] == ["桃园村", "沙朗村"]
    code, out = run(home, "org", "list")
    assert code == 0 and "五华区" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("units:\n  - {code: '5301', name: 甲}\n", encoding="utf-8")
    code, out = run(home, "org", "import", str(bad))
    assert code == 2 and "bad.yaml" in out and "units[0].code" in out
    code, out = run(home, "org", "list", "--on", "yesterday")
    assert code == 2
