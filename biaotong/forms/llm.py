"""Optional re-ranking of header matches by an OpenAI-compatible chat model (e.g. one deployed locally).

Set BIAOTONG_LLM_URL (e.g. http://127.0.0.1:8000) and BIAOTONG_LLM_MODEL, or the workspace settings
llm_url / llm_model. Never required: any failure (unreachable, timeout, bad JSON, unknown ids) logs a
warning and the offline proposals stand.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from typing import Any

import httpx

from biaotong.forms.match import Proposal
from biaotong.forms.model import FormLayout

log = logging.getLogger(__name__)

SYSTEM = (
    "你是政府报表表头匹配助手。对每个表头列，从给出的候选中选出含义最一致的一个（id），"
    "都不合适则给 null。只输出 JSON：{\"choices\": {\"列键\": \"候选id或null\"}}。"
)


@dataclass
class LLMReranker:
    url: str
    model: str
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, ws: Any | None = None) -> LLMReranker | None:
        url = os.environ.get("BIAOTONG_LLM_URL") or (ws.setting("llm_url") if ws is not None else None)
        model = os.environ.get("BIAOTONG_LLM_MODEL") or (ws.setting("llm_model") if ws is not None else None)
        if not url:
            return None
        return cls(str(url), str(model or "default"))

    @property
    def endpoint(self) -> str:
        base = self.url.rstrip("/")
        if base.endswith("/chat/completions"):
            return base
        if base.endswith("/v1"):
            return base + "/chat/completions"
        return base + "/v1/chat/completions"

    def rerank(self, layout: FormLayout, proposals: list[Proposal]) -> list[Proposal]:
        items = []
        for p in proposals:
            options = _options(p)
            if len(options) >= 2:
                items.append({"key": p.key, "header": p.title, "unit": p.unit,
                              "options": [{"id": i, "name": n} for i, n in options]})
        if not items:
            return proposals
        try:
            choices = self._ask(layout.title or "", items)
        except Exception as exc:  # never required: fall back to the offline ranking
            log.warning("LLM re-ranking skipped (%s: %s); keeping the offline matches", type(exc).__name__, exc)
            return proposals
        for p in proposals:
            pick = choices.get(p.key)
            if isinstance(pick, str) and pick != p.target:
                _promote(p, pick)
        return proposals

    def _ask(self, title: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": json.dumps({"form": title, "columns": items}, ensure_ascii=False)},
            ],
        }
        headers = {}
        if key := os.environ.get("BIAOTONG_LLM_KEY"):
            headers["Authorization"] = f"Bearer {key}"
        resp = httpx.post(self.endpoint, json=body, headers=headers, timeout=self.timeout)
        resp.raise_for_status()
        content = resp.json()["choices"][0]["message"]["content"]
        text = re.sub(r"^```(?:json)?\s*|\s*```$", "", content.strip())
        data = json.loads(text)
        choices = data.get("choices", data) if isinstance(data, dict) else {}
        if not isinstance(choices, dict):
            raise ValueError("the reply has no choices mapping")
        return choices


def _options(p: Proposal) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if p.kind in ("label", "index"):
        return out
    if p.target and p.kind != "unmapped":
        out.append((p.target, p.name))
    for c in p.candidates:
        if c.id not in (i for i, _ in out):
            out.append((c.id, c.name))
    return out


def _promote(p: Proposal, pick: str) -> None:
    for i, c in enumerate(p.candidates):
        if c.id != pick:
            continue
        previous = (p.kind, p.target, p.confidence)
        p.kind = c.kind if c.kind in ("indicator", "element", "collected") else "indicator"  # type: ignore[assignment]
        p.target, p.expression = c.id, c.expression
        if p.kind == "element" and "." in c.id:
            entity, code = c.id.split(".", 1)
            p.expression = {"agg": "sum", "entity": entity, "of": code} if entity == "village" else None
        p.confidence = max(c.score, 0.5)
        p.reason = f"模型重排：选「{c.name}」"
        del p.candidates[i]
        if previous[1] and previous[0] != "unmapped":
            from biaotong.forms.match import Candidate

            p.candidates.insert(0, Candidate(previous[0], previous[1], previous[1], previous[2]))
        return
