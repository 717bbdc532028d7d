"""Witnessing a log over real HTTP (http.server on 127.0.0.1) and from a workspace folder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import Engine

from biaotong.ledger import consistency, head
from biaotong.ledger.checkpoint import Signer, generate_key, signature_time, verify
from biaotong.ledger.keys import ensure_witness_key
from biaotong.ledger.witness import head_document, witness
from tests.httpserver import serve

from .helpers import fill
from .test_tamper import _rewrite_and_resign, truncate_and_tidy


@pytest.fixture
def served(store_engine: Engine, log_key: Signer) -> Iterator[str]:
    """The log's JSON at http://127.0.0.1:PORT/api/ledger/{head, consistency/OLD/NEW}."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = self.path.strip("/").split("/")
            with store_engine.connect() as conn:
                if parts[:3] == ["api", "ledger", "head"]:
                    doc = head_document(conn, log_key.verifier)
                elif parts[:3] == ["api", "ledger", "consistency"] and len(parts) == 5:
                    doc = consistency(conn, int(parts[3]), int(parts[4])).to_json()
                else:
                    self.send_error(404)
                    return
            body = json.dumps(doc).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with serve(Handler) as base:
        yield f"{base}/api/ledger"


def _sign(engine: Engine, key: Signer) -> None:
    with engine.begin() as conn:
        head(conn, key)


def test_witness_follows_an_honest_log_and_catches_a_resigned_rewrite(
    served: str, store_engine: Engine, log_key: Signer, tmp_path: Path
) -> None:
    state = tmp_path / "witness"
    wkey = ensure_witness_key(state, "witness.example/county")
    fill(store_engine, 10)
    _sign(store_engine, log_key)
    first = witness(served, state, wkey)
    assert first.ok and (first.old_size, first.new_size) == (None, 10)
    assert (state / "log.pub").read_text().strip() == log_key.verifier.vkey  # trusted on first use
    cp = verify(first.checkpoint or "", log_key.verifier, wkey.verifier)
    assert signature_time(cp, wkey.verifier) is not None

    fill(store_engine, 25, start=10)
    _sign(store_engine, log_key)
    second = witness(served, state, wkey)
    assert second.ok and (second.old_size, second.new_size) == (10, 35)
    assert witness(served, state, wkey).ok  # nothing new: same size, same root

    kept = (state / "checkpoint").read_text()
    _rewrite_and_resign(store_engine, log_key)  # entry 4 changed, every hash recomputed, re-signed
    caught = witness(served, state, wkey)
    assert not caught.ok and caught.reason and caught.evidence is not None
    assert (state / "checkpoint").read_text() == kept  # the kept head is not replaced
    evidence = json.loads(caught.evidence.read_text())
    assert evidence["kept_checkpoint"] == kept and evidence["offered_checkpoint"] != kept


def test_witness_catches_truncation_and_a_new_key(served: str, store_engine: Engine, log_key: Signer, tmp_path: Path) -> None:
    state = tmp_path / "w"
    wkey = ensure_witness_key(state)
    fill(store_engine, 20)
    _sign(store_engine, log_key)
    assert witness(served, state, wkey).ok
    with store_engine.begin() as conn:
        truncate_and_tidy(conn)  # 20 -> 15 entries
        conn.exec_driver_sql("DELETE FROM ledger_heads")
        head(conn, log_key)
    result = witness(served, state, wkey)
    assert not result.ok and (result.old_size, result.new_size) == (20, 15)

    from biaotong.errors import LedgerError

    with pytest.raises(LedgerError):  # a different log key than the one kept since the first use
        witness(served, state, wkey, log_key=generate_key(log_key.name).verifier)


def test_witness_a_workspace_folder(tmp_path: Path) -> None:
    from biaotong.ledger import Event, record
    from biaotong.ledger.keys import ensure_keys
    from biaotong.workspace import Workspace

    ws = Workspace.open(tmp_path / "county")
    try:
        key = ensure_keys(ws.home)
        with ws.engine.begin() as conn:
            record(conn, Event(action="report.generate", actor="民政局", object="report:mz-01"))
            head(conn, key)
        result = witness(ws.home, tmp_path / "witness", ensure_witness_key(tmp_path / "witness"))
        assert result.ok and result.new_size >= 1 and result.origin == key.name
    finally:
        ws.close()
