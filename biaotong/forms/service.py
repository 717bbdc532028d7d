"""The form workflow in three calls, shared by the CLI, the web layer and tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from biaotong.forms.layout import read_form_bytes
from biaotong.forms.llm import LLMReranker
from biaotong.forms.match import Matcher, Proposal
from biaotong.forms.model import FormLayout
from biaotong.forms.reader import read_bytes
from biaotong.forms.vocab import Vocabulary, load_vocabulary

_MATCHERS: dict[int, Matcher] = {}


def matcher(ws: Any | None = None, vocab: Vocabulary | None = None) -> Matcher:
    """A matcher over the library, the catalog and (with a workspace) the aliases users confirmed."""
    v = vocab or load_vocabulary(ws)
    return Matcher(v, reranker=LLMReranker.from_settings(ws))


def import_form(
    path: Path | str, *, sheet: str | None = None, ws: Any | None = None, data: bytes | None = None,
    match: Matcher | None = None,
) -> tuple[FormLayout, list[Proposal], bytes]:
    """Read the form, understand its layout and propose a mapping for every column."""
    raw = data if data is not None else read_bytes(path)
    layout = read_form_bytes(raw, file=str(path), sheet=sheet)
    proposals = (match or matcher(ws)).match(layout)
    return layout, proposals, raw


def import_json(layout: FormLayout, proposals: list[Proposal]) -> dict[str, Any]:
    unmapped = [p for p in proposals if p.kind == "unmapped"]
    return {
        **layout.to_json(),
        "proposals": [p.to_json() for p in proposals],
        "unmapped": [{"column": p.column, "title": p.title} for p in unmapped],
        "summary": {
            "columns": len(proposals),
            "mapped": sum(p.kind in ("indicator", "element", "expression", "collected") for p in proposals),
            "unmapped": len(unmapped),
        },
    }
