"""What each field of a report needs: its resolved expression and the data elements it reads."""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

# helpers of biaotong.expr and the elements they read
HELPER_ELEMENTS: dict[str, tuple[str, ...]] = {
    "age": ("birth_date",), "age_at": ("birth_date",), "sex_from_id": ("id_number",),
    "birth_date_from_id": ("id_number",), "alive": ("death_date",), "include_deregistered": ("death_date",),
}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRINGS = re.compile(r"'(?:[^']|'')*'")


@dataclass
class FieldNeed:
    id: str
    label: str
    indicator: str | None
    expression: dict[str, Any]
    elements: set[str] = field(default_factory=set)  # qualified entity.code
    collected: set[str] = field(default_factory=set)  # elements named by {collected: …}
    # Alternatives, as the compiler sees them: one element of each group is enough (age: birth_date OR
    # id_number). An element whose group has a sourced member needs no collection.
    groups: list[frozenset[str]] = field(default_factory=list)

    @property
    def signature(self) -> str:
        """Same indicator, or the same expression written the same way, means the same number."""
        if self.indicator:
            return f"indicator:{self.indicator}"
        return "expr:" + json.dumps(self.expression, sort_keys=True, ensure_ascii=False)


def field_needs(spec: dict[str, Any], library: Any, catalog: Any) -> list[FieldNeed]:
    out: list[FieldNeed] = []
    if spec.get("layout") == "roster" and spec.get("roster"):
        roster = spec["roster"]
        entity = roster.get("entity", "resident")
        for col in roster.get("columns", []):
            code = col["element"] if isinstance(col, dict) else str(col)
            expr = {"element": f"{entity}.{code}"}
            need = FieldNeed(code, roster.get("labels", {}).get(code, code), None, expr, {f"{entity}.{code}"})
            out.append(need)
        if roster.get("filter"):
            filt = FieldNeed("_filter", "名册筛选条件", None, {"filter": roster["filter"]})
            filt.elements = _elements_of(roster["filter"], entity, catalog)
            for n in out:
                n.elements |= filt.elements
        return out
    for f in spec.get("fields", []):
        expr = f.get("expression")
        indicator = f.get("indicator")
        if indicator:
            expr = dict(library.get(indicator).expr) if indicator in library else {"indicator": indicator}
        need = FieldNeed(f["id"], f.get("label", f["id"]), indicator, dict(expr or {}))
        _collect(need, need.expression, library, catalog, set())
        out.append(need)
    return out


def _collect(need: FieldNeed, expr: dict[str, Any], library: Any, catalog: Any, seen: set[str]) -> None:
    entity = expr.get("entity") or "resident"
    if expr.get("collected"):
        code = str(expr["collected"])
        qualified = code if "." in code else (f"{expr['entity']}.{code}" if expr.get("entity") else _qualify(code, catalog))
        need.collected.add(qualified)
        need.elements.add(qualified)
        return
    if expr.get("agg"):  # counting rows needs the rows: the entity's key element
        with contextlib.suppress(Exception):  # an unknown entity is reported when the spec is validated
            need.elements.add(f"{entity}.{catalog.entity(entity).key}")
    groups = _compiled_groups(expr, entity, catalog)
    if groups is not None:  # what the report itself will read: the same rule decides missing there
        need.groups += groups
        need.elements |= {e for g in groups for e in g}
    else:
        for text in (expr.get("filter"), expr.get("of"), expr.get("date")):
            if isinstance(text, str):
                need.elements |= _elements_of(text, entity, catalog)
    refs = list(expr.get("ratio") or []) + [expr[k] for k in ("previous", "change") if expr.get(k)]
    for ref in refs:
        if ref in seen or ref not in library:
            continue
        seen.add(ref)
        _collect(need, dict(library.get(ref).expr), library, catalog, seen)


def _compiled_groups(expr: dict[str, Any], entity: str, catalog: Any) -> list[frozenset[str]] | None:
    """The element groups an aggregate field requires, from the compiler (None if it does not compile here:
    the regular expression reading below stands in, and the spec's own validation reports the error)."""
    if not expr.get("agg"):
        return None
    from datetime import date

    from biaotong.expr import FieldExpr, compile_fields

    try:
        f = FieldExpr.load(expr, report_id="review", field_id="f")
        q = compile_fields({"f": f}, entity, catalog, date.today(), date.today(), report_id="review",
                           population=f.population)
    except Exception:  # any failure falls back to the textual reading
        return None
    return list(q.fields["f"].requires)


def available(n: FieldNeed, el: str, sourced: set[str], is_collected: Any) -> bool:
    """Whether `el` is answered by a system for this field: sourced itself, or an alternative of its group is."""
    if el in sourced and not is_collected(el):
        return True
    return any(el in g and any(o in sourced and not is_collected(o) for o in g) for g in n.groups if len(g) > 1)


def _elements_of(text: str, entity: str, catalog: Any) -> set[str]:
    out: set[str] = set()
    for word in _IDENT.findall(_STRINGS.sub("", text)):
        for code in HELPER_ELEMENTS.get(word, (word,)):
            for ent in (entity, "household", "resident"):
                if catalog.has_element(ent, code):
                    out.add(f"{ent}.{code}")
                    break
    return out


def _qualify(code: str, catalog: Any) -> str:
    for ent in ("village", "resident", "household", "enterprise"):
        if catalog.has_element(ent, code):
            return f"{ent}.{code}"
    return f"village.{code}"
