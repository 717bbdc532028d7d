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


def import_json(layout: FormLayout, proposals: list[Proposal], *,
                population: dict[str, Any] | None = None) -> dict[str, Any]:
    """`population`: a roster's filter proposal (Matcher.roster_population), kept as `roster_filter` so that
    `template save --mapping` applies it (set it to null in the file to list everyone)."""
    unmapped = [p for p in proposals if p.kind == "unmapped"]
    extra = {"roster_filter": population} if layout.kind == "roster" else {}
    return {
        **layout.to_json(),
        **extra,
        "proposals": [p.to_json() for p in proposals],
        "unmapped": [{"column": p.column, "title": p.title} for p in unmapped],
        "summary": {
            "columns": len(proposals),
            "mapped": sum(p.kind in ("indicator", "element", "expression", "collected") for p in proposals),
            "unmapped": len(unmapped),
        },
    }


def explain(proposals: list[Proposal], *, catalog: Any | None = None, library: Any | None = None) -> None:
    """Fill each proposal's `sql`: the query that would compute it (one field alone), for designers to check."""
    from datetime import date

    from biaotong.expr import compile_fields, load_fields

    if catalog is None:
        from biaotong.catalog import load_catalog

        catalog = load_catalog()
    if library is None:
        from biaotong.reports.library import builtin_library

        library = builtin_library()
    by_key = {p.key: p for p in proposals}
    today = date.today()
    start = today.replace(day=1)
    for p in proposals:
        expr: dict[str, Any] | None = None
        if p.kind == "indicator" and p.target and p.target in library:
            expr = dict(library.get(p.target).expr)
        elif p.kind in ("expression", "element") and p.expression:
            expr = dict(p.expression)
        if not expr:
            continue
        if "ratio" in expr:
            parts = [f"列 {r[1:]}（{by_key[r[1:]].title}）" if isinstance(r, str) and r.startswith("@") and r[1:] in by_key
                     else str(r) for r in expr["ratio"]]
            p.sql = f"{parts[0]} / {parts[1]}" + (" × 100" if expr.get("percent") else "")
            continue
        if "agg" not in expr:
            continue
        try:
            fields = load_fields({"f": expr}, report_id="preview")
            q = compile_fields(fields, expr.get("entity", "resident"), catalog, start, today, report_id="preview")
            p.sql = q.explain("f")
        except Exception as exc:  # shown, not raised: the designer fixes it in the mapping
            p.sql = f"-- {exc}"


def roster_filter(given: str | None, mapping: Path | None, population: dict[str, Any] | None) -> str | None:
    """A roster's filter: `--filter` first, else the mapping file's `roster_filter` (an import's proposal,
    perhaps edited; null lists everyone), else the population the title names."""
    if given is not None:
        return given or None
    if mapping is not None and mapping.suffix.lower() in (".json", ".yaml", ".yml"):
        import json

        import yaml

        text = mapping.read_text(encoding="utf-8")
        data = json.loads(text) if mapping.suffix.lower() == ".json" else yaml.safe_load(text)
        if isinstance(data, dict) and "roster_filter" in data:
            chosen = data["roster_filter"]
            return (chosen.get("filter") if isinstance(chosen, dict) else chosen) or None
    return (population or {}).get("filter")
