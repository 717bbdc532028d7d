"""Optional re-ranking by an OpenAI-compatible endpoint, against a real local HTTP server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from biaotong.forms import read_form_bytes
from biaotong.forms.llm import LLMReranker
from biaotong.forms.match import Matcher
from tests.forms.catalog_forms import DEV_FORMS
from tests.forms.conftest import draw
from tests.httpserver import serve

SEEN: list[dict[str, Any]] = []
REPLY: dict[str, Any] = {"mode": "ok"}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        SEEN.append({"path": self.path, "body": body})
        if REPLY["mode"] == "error":
            self.send_response(500)
            self.end_headers()
            return
        columns = json.loads(body["messages"][1]["content"])["columns"]
        choices = {}
        for col in columns:  # pick the runner-up for column D, keep the rest
            ids = [o["id"] for o in col["options"]]
            choices[col["key"]] = ids[1] if col["key"] == "D" else ids[0]
        content = "```json\n" + json.dumps({"choices": choices}) + "\n```" if REPLY["mode"] == "ok" else "不是 JSON"
        data = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    SEEN.clear()
    with serve(Handler) as base:
        yield base


def test_reranker_speaks_the_protocol(server: str, matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIAOTONG_LLM_URL", server)
    monkeypatch.setenv("BIAOTONG_LLM_MODEL", "qwen-local")
    REPLY["mode"] = "ok"
    rr = LLMReranker.from_settings()
    assert rr is not None
    layout = read_form_bytes(draw(DEV_FORMS[0]))
    props = rr.rerank(layout, matcher.match(layout))
    assert SEEN[0]["path"] == "/v1/chat/completions" and SEEN[0]["body"]["model"] == "qwen-local"
    d = next(p for p in props if p.key == "D")
    assert d.target == "households_total" and d.reason.startswith("模型重排")
    assert d.candidates[0].id == "dibao_households"  # the offline choice stays as the runner-up
    b = next(p for p in props if p.key == "B")
    assert b.target == "pop_nonagricultural"


@pytest.mark.parametrize("mode", ["error", "garbage"])
def test_failures_fall_back_silently(server: str, matcher: Matcher, mode: str,
                                     caplog: pytest.LogCaptureFixture) -> None:
    REPLY["mode"] = mode
    layout = read_form_bytes(draw(DEV_FORMS[0]))
    offline = {p.key: p.target for p in matcher.match(layout)}
    props = LLMReranker(server + "/v1", "m", timeout=5).rerank(layout, matcher.match(layout))
    assert {p.key: p.target for p in props} == offline
    assert "LLM re-ranking skipped" in caplog.text


def test_unreachable_endpoint(matcher: Matcher, caplog: pytest.LogCaptureFixture) -> None:
    layout = read_form_bytes(draw(DEV_FORMS[0]))
    props = LLMReranker("http://127.0.0.1:9", "m", timeout=2).rerank(layout, matcher.match(layout))
    assert next(p for p in props if p.key == "D").target == "dibao_households"
    assert "LLM re-ranking skipped" in caplog.text


def test_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BIAOTONG_LLM_URL", raising=False)
    assert LLMReranker.from_settings() is None
