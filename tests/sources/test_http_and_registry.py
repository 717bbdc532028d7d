"""JSON over HTTP from a real local server (paging, headers from the environment, errors), and the
connector registry: built-ins and a third-party connector found through its entry point."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from biaotong.catalog import Catalog
from biaotong.errors import SourceError
from biaotong.sources import (
    Connector,
    connector_class,
    connector_kinds,
    load_source_spec,
    open_connector,
    test_source,
)
from biaotong.sources.connectors import BUILTINS, reload_connectors
from tests.httpserver import serve


@pytest.fixture
def server(ids: list[str]) -> Iterator[str]:
    records = [{"sfzh": ids[i], "xm": f"人{i}", "cjlb": ["视力", "肢体", "4", "火星"][i % 4]} for i in range(7)]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if self.headers.get("Authorization") != "Bearer t0ken":
                self.send_response(401)
                self.end_headers()
                return
            q = parse_qs(url.query)
            page, size = int(q["page"][0]), int(q["size"][0])
            body = json.dumps({"result": {"rows": records[page * size: (page + 1) * size]}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with serve(Handler) as base:
        yield base


HTTP_SPEC = """\
name: cl_disabled
entity: resident
connection:
  kind: http
  url: {url}/api/disabled
  headers: {{Authorization: "Bearer ${{CL_TOKEN}}"}}
  records: result.rows
  paging: {{page_param: page, size_param: size, size: 3, start: 0}}
columns: {{sfzh: id_number, xm: name, cjlb: disability_category}}
"""


def test_http_json_with_paging(write_spec: Callable[..., Path], catalog: Catalog, server: str, ids: list[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CL_TOKEN", "t0ken")
    spec = load_source_spec(write_spec(HTTP_SPEC.format(url=server)), catalog)
    preview = test_source(spec, catalog, None, limit=100)
    assert preview.mapped["id_number"].to_pylist() == ids[:7]  # three pages: 3 + 3 + 1
    assert preview.mapped["disability_category"].to_pylist() == ["1", "4", "4", None, "1", "4", "4"]
    assert [(r["row"], r["value"]) for r in preview.rejects.to_pylist()] == [(4, "火星")]


def test_http_json_with_derived_columns(write_spec: Callable[..., Path], catalog: Catalog, server: str,
                                        ids: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CL_TOKEN", "t0ken")
    text = HTTP_SPEC.replace("columns: {{sfzh: id_number, xm: name, cjlb: disability_category}}", """\
select:
  SFZH: "lower(sfzh)"
  XM: "'残疾人' || xm"
columns: {{SFZH: id_number, XM: name}}""")
    preview = test_source(load_source_spec(write_spec(text.format(url=server)), catalog), catalog, None, limit=100)
    assert preview.mapped["id_number"].to_pylist() == ids[:7]  # x → X by the ID check after lower()
    assert preview.mapped["name"].to_pylist()[:2] == ["残疾人人0", "残疾人人1"]


def test_http_error_status(write_spec: Callable[..., Path], catalog: Catalog, server: str,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CL_TOKEN", "wrong")
    spec = load_source_spec(write_spec(HTTP_SPEC.format(url=server)), catalog)
    with pytest.raises(SourceError) as info:
        list(open_connector("http").batches(spec))
    assert "401" in info.value.en and "/api/disabled" in info.value.en


def test_http_refused(write_spec: Callable[..., Path], catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CL_TOKEN", "t0ken")
    spec = load_source_spec(write_spec(HTTP_SPEC.format(url="http://127.0.0.1:1")), catalog)
    with pytest.raises(SourceError) as info:
        list(open_connector("http").batches(spec))
    assert "127.0.0.1:1" in info.value.en and info.value.where.key == "connection.url"


def test_builtins_are_registered() -> None:
    assert set(BUILTINS) <= set(connector_kinds())
    for kind in BUILTINS:
        cls = connector_class(kind)
        assert issubclass(cls, Connector) and cls.kind == kind


PLUGIN = '''
from collections.abc import Iterator
import pyarrow as pa
from biaotong.sources import Connector


class FixedConnector(Connector):
    kind = "fixed"
    uses_path = False

    def batches(self, spec, *, watermark=None, limit=None) -> Iterator[pa.RecordBatch]:
        rows = spec.connection.options["rows"][:limit]
        yield pa.RecordBatch.from_pylist(rows)
'''


@pytest.fixture
def plugin(tmp_path: Path) -> Iterator[None]:
    """A real installed distribution on sys.path declaring a connector under the entry-point group."""
    site = tmp_path / "site"
    (site / "bt_fixed-0.1.dist-info").mkdir(parents=True)
    (site / "bt_fixed.py").write_text(PLUGIN, encoding="utf-8")
    (site / "bt_fixed-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: bt-fixed\nVersion: 0.1\n")
    (site / "bt_fixed-0.1.dist-info" / "entry_points.txt").write_text(
        "[biaotong.connectors]\nfixed = bt_fixed:FixedConnector\n")
    sys.path.insert(0, str(site))
    reload_connectors()
    try:
        yield
    finally:
        sys.path.remove(str(site))
        sys.modules.pop("bt_fixed", None)
        reload_connectors()


def test_third_party_connector_via_entry_point(plugin: None, write_spec: Callable[..., Path], catalog: Catalog,
                                               ids: list[str]) -> None:
    assert "fixed" in connector_kinds()
    path = write_spec(f"""\
        name: province_system
        entity: resident
        connection:
          kind: fixed
          options: {{rows: [{{SFZ: "{ids[0]}", XB: 女}}, {{SFZ: "{ids[1]}", XB: 男}}]}}
        columns: {{SFZ: id_number, XB: sex}}
    """)
    preview = test_source(load_source_spec(path, catalog), catalog, None)
    assert preview.mapped.select(["id_number", "sex"]).to_pylist() == [
        {"id_number": ids[0], "sex": "2"}, {"id_number": ids[1], "sex": "1"}]
