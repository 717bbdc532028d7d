"""Input is bounded: each hostile file or server of the experiments gets a clear error naming the limit,
quickly, and leaves the workspace as it was."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import openpyxl
import pytest

from biaotong.catalog import load_catalog
from biaotong.errors import ConfigError, ExpressionError, FormError, SourceError
from biaotong.expr.parse import Scope, parse_expression
from biaotong.forms.reader import open_workbook
from biaotong.limits import check_workbook, json_depth
from biaotong.sources import load_source_spec, open_connector
from biaotong.workspace import Workspace
from biaotong.yamlfile import load_yaml
from tests.hostile.conftest import cli, fingerprint
from tests.httpserver import serve


def _far_cell_workbook() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "表"
    wb.active["XFD1048576"] = 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_one_cell_at_xfd1048576_is_refused_at_once(workspace: Workspace, tmp_path: Path) -> None:
    data = _far_cell_workbook()
    assert len(data) < 10_000
    started = time.perf_counter()
    with pytest.raises(FormError) as err:
        open_workbook(data, "far.xlsx")
    assert time.perf_counter() - started < 2
    assert "1,048,576" in err.value.en and "xlsx_max_cells" in err.value.en
    path = tmp_path / "far.xlsx"
    path.write_bytes(data)
    before = fingerprint(workspace)
    code, out = cli(workspace, "template", "import", str(path))
    assert code == 2 and "xlsx_max_cells" in out and "Traceback" not in out
    assert fingerprint(workspace) == before


def test_a_sparse_sheet_claiming_a_huge_extent_is_read_by_its_real_one() -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "姓名"
    wb.active["B2"] = "张三"
    out = io.BytesIO()
    wb.save(out)
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b'<dimension ref="A1:B2"', b'<dimension ref="A1:XFD1048576"')
            dst.writestr(item, body)
    check_workbook(patched.getvalue(), "claims.xlsx")  # no error: the real extent is A1:B2


def test_a_zip_bomb_part_is_refused_before_opening(tmp_path: Path) -> None:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/media/pad.bin", b"\0" * (40 << 20))
    assert len(bomb.getvalue()) < 200_000
    with pytest.raises(FormError) as err:
        check_workbook(bomb.getvalue(), "bomb.xlsx")
    assert "zip_max_ratio" in err.value.en


BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


def test_yaml_alias_bomb_source_add(workspace: Workspace, tmp_path: Path) -> None:
    spec = tmp_path / "bomb.yaml"
    spec.write_text("name: bomb\nentity: resident\n" + BOMB, encoding="utf-8")
    assert len(spec.read_bytes()) < 600
    before = fingerprint(workspace)
    started = time.perf_counter()
    code, out = cli(workspace, "source", "add", str(spec))
    assert time.perf_counter() - started < 5
    assert code == 2 and "yaml_max_nodes" in out
    assert fingerprint(workspace) == before


def test_yaml_depth_and_recursion() -> None:
    with pytest.raises(ConfigError) as err:
        load_yaml("[" * 3000 + "]" * 3000, "deep.yaml")
    assert "yaml_max_depth" in err.value.en
    with pytest.raises(ConfigError):
        load_yaml("&a [*a]", "self.yaml")
    assert load_yaml("a: &x [1, 2]\nb: *x\n", "ok.yaml") == {"a": [1, 2], "b": [1, 2]}


def test_json_depth_and_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[["}]}') == 3
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    spec_path = tmp_path / "j.yaml"
    spec_path.write_text(f"name: j\nentity: resident\nconnection: {{kind: json, path: {deep}}}\ncolumns: {{sfzh: id_number}}\n",
                         encoding="utf-8")
    spec = load_source_spec(spec_path, load_catalog())
    with pytest.raises(SourceError) as err:
        list(open_connector("json").batches(spec))
    assert "json_max_depth" in err.value.en
    monkeypatch.setenv("BIAOTONG_JSON_MAX_MB", "0.1")
    deep.write_text(json.dumps([{"sfzh": "x" * 100}] * 2000), encoding="utf-8")
    with pytest.raises(SourceError) as err:
        list(open_connector("json").batches(spec))
    assert "json_max_mb" in err.value.en


@pytest.mark.parametrize("text, needle", [
    ("age >= 1e999", "not finite"),
    ("(" * 5000 + "age" + ")" * 5000, "expr_max_length"),
    ("(" * 500 + "age > 1" + ")" * 500, "expr_max_depth"),
    ("+".join(["age"] * 2000) + " > 1", "expr_max_depth"),
], ids=["1e999", "5000-parens", "500-parens", "2000-terms"])
def test_expressions_are_bounded(text: str, needle: str) -> None:
    with pytest.raises(ExpressionError) as err:
        parse_expression(text, Scope("r", "f", text))
    assert needle in err.value.en


def test_report_add_refuses_an_infinite_literal(workspace: Workspace, tmp_path: Path) -> None:
    for name, flt in (("inf", "age >= 1e999"), ("deep", "(" * 5000 + "age >= 1" + ")" * 5000)):
        spec = tmp_path / f"{name}.yaml"
        spec.write_text(json.dumps({
            "id": f"hostile_{name}", "title": "测试", "department": "statistics", "period_type": "year",
            "layout": "form",
            "fields": [{"id": "n", "label": "人数", "expression": {"agg": "count", "entity": "resident", "filter": flt}}],
        }, ensure_ascii=False), encoding="utf-8")
        before = fingerprint(workspace)
        code, out = cli(workspace, "report", "add", str(spec))
        assert code == 2 and "Traceback" not in out and "RecursionError" not in out, out
        assert fingerprint(workspace) == before


# --- HTTP ---------------------------------------------------------------------------------------------

HTTP_SPEC = """\
name: api
entity: resident
connection:
  kind: http
  url: {url}/data
  headers: {{X-Api-Key: s3cret, Authorization: "Bearer t0k"}}
  records: rows
columns: {{sfzh: id_number}}
"""


@pytest.fixture
def spec_at(tmp_path: Path):  # type: ignore[no-untyped-def]
    def make(url: str):  # type: ignore[no-untyped-def]
        path = tmp_path / "api.yaml"
        path.write_text(HTTP_SPEC.format(url=url), encoding="utf-8")
        return load_source_spec(path, load_catalog())

    return make


@pytest.fixture
def collector() -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []

    class Other(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(dict(self.headers))
            body = b'{"rows": [{"sfzh": "530927195001010011"}]}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with serve(Other) as base:
        yield base, seen


def test_secret_headers_never_follow_a_redirect_to_another_origin(spec_at, collector) -> None:  # type: ignore[no-untyped-def]
    other, seen = collector
    first: list[dict[str, str]] = []

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            first.append(dict(self.headers))
            self.send_response(302)
            self.send_header("Location", f"{other}/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    with serve(Redirect) as base:
        batches = list(open_connector("http").batches(spec_at(base)))
    assert sum(b.num_rows for b in batches) == 1
    assert first[0].get("X-Api-Key") == "s3cret"
    assert seen and "X-Api-Key" not in seen[0] and "Authorization" not in seen[0]


def test_a_server_sending_a_byte_a_second_is_cut_off(spec_at, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    stop = threading.Event()

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                if stop.is_set():
                    return
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.5)

        def log_message(self, *args: object) -> None:
            pass

    monkeypatch.setenv("BIAOTONG_HTTP_TOTAL_TIMEOUT", "2")
    with serve(Slow) as base:
        started = time.perf_counter()
        try:
            with pytest.raises(SourceError) as err:
                list(open_connector("http").batches(spec_at(base)))
        finally:
            stop.set()
    assert time.perf_counter() - started < 6
    assert "http_total_timeout" in err.value.en


def test_a_huge_body_is_refused(spec_at, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    class Big(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()  # no length declared: counted while read
            try:
                for _ in range(64):
                    self.wfile.write(b" " * 65536)
            except OSError:
                pass

        def log_message(self, *args: object) -> None:
            pass

    monkeypatch.setenv("BIAOTONG_HTTP_MAX_BODY_MB", "1")
    with serve(Big) as base, pytest.raises(SourceError) as err:
        list(open_connector("http").batches(spec_at(base)))
    assert "http_max_body_mb" in err.value.en


def test_an_xlsx_source_with_a_far_cell_is_refused(tmp_path: Path) -> None:
    (tmp_path / "far.xlsx").write_bytes(_far_cell_workbook())
    spec_path = tmp_path / "x.yaml"
    spec_path.write_text("name: x\nentity: resident\nconnection: {kind: xlsx, path: far.xlsx}\ncolumns: {表: id_number}\n",
                         encoding="utf-8")
    spec = load_source_spec(spec_path, load_catalog())
    with pytest.raises(SourceError) as err:
        list(open_connector("xlsx").batches(spec))
    assert "xlsx_max_cells" in err.value.en and "far.xlsx" in err.value.message


@pytest.mark.parametrize("flt", [
    "age >= 18; DROP TABLE ledger_entries",
    "age >= 18 OR pg_sleep(10) IS NULL",
    "read_csv('/etc/passwd') IS NOT NULL",
    "(SELECT count(*) FROM ledger_entries) > 0",
    "getenv('HOME') = 'x'",
    "age >= 18 UNION SELECT 1",
])
def test_injection_strings_still_hold(workspace: Workspace, tmp_path: Path, flt: str) -> None:
    spec = tmp_path / "inj.yaml"
    spec.write_text(json.dumps({
        "id": "hostile_inj", "title": "注入", "department": "statistics", "period_type": "year", "layout": "form",
        "fields": [{"id": "n", "label": "人数", "expression": {"agg": "count", "entity": "resident", "filter": flt}}],
    }, ensure_ascii=False), encoding="utf-8")
    before = fingerprint(workspace)
    code, out = cli(workspace, "report", "add", str(spec))
    assert code == 2 and "Traceback" not in out, out
    assert fingerprint(workspace) == before
