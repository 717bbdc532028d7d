"""What a header can map to: the indicator library and the catalog's data elements, as plain `Term`s.

The matcher only sees Terms, so it is tested without a workspace; `load_vocabulary(ws)` gathers them from
the catalog, the indicator library and the aliases users confirmed (table indicator_aliases).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

log = logging.getLogger(__name__)

TermKind = Literal["indicator", "element"]


@dataclass(frozen=True)
class Term:
    kind: TermKind
    id: str  # indicator id, or "entity.code" for an element
    name: str
    aliases: tuple[str, ...] = ()
    unit: str | None = None
    entity: str | None = None
    expression: dict[str, Any] | None = None  # indicators: the FieldExpr as a mapping
    collected: bool = False  # no system holds it
    value_type: str | None = None

    @property
    def texts(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def code(self) -> str:
        return self.id.split(".", 1)[1] if self.kind == "element" else self.id


@dataclass
class Vocabulary:
    indicators: list[Term] = field(default_factory=list)
    elements: list[Term] = field(default_factory=list)

    def words(self) -> Iterable[str]:
        for t in (*self.indicators, *self.elements):
            yield from t.texts

    def with_aliases(self, aliases: dict[str, str]) -> Vocabulary:
        """Add user-confirmed aliases (alias -> indicator id, or entity.code for an element)."""
        from biaotong.forms.rerank import GENERIC

        by_id: dict[str, list[str]] = {}
        for alias, target in aliases.items():
            if alias.strip() in GENERIC:
                continue  # a bare 合计 / 人数 remembered by an older version names nothing without its parent
            by_id.setdefault(target, []).append(alias)

        def extend(terms: list[Term]) -> list[Term]:
            out = []
            for t in terms:
                extra = tuple(a for a in by_id.get(t.id, ()) if a not in t.texts)
                out.append(Term(**{**t.__dict__, "aliases": t.aliases + extra}) if extra else t)
            return out

        return Vocabulary(extend(self.indicators), extend(self.elements))

    def term(self, ident: str) -> Term | None:
        for t in (*self.indicators, *self.elements):
            if t.id == ident:
                return t
        return None


def element_terms() -> list[Term]:
    """Every catalog data element as a Term (`resident.sex` …)."""
    from biaotong.catalog import load_catalog

    return [
        Term("element", f"{el.entity}.{el.code}", el.name, tuple(el.aliases), el.unit, el.entity, None,
             bool(el.collected), el.value_type)
        for el in load_catalog().elements
    ]


def indicator_terms(library: Any | None = None) -> list[Term]:
    """The indicator library (biaotong/reports/library, plus a workspace's own `indicators/`) as Terms."""
    from biaotong.reports.library import builtin_library

    out: list[Term] = []
    for ind in library if library is not None else builtin_library():
        expr = dict(ind.expr)
        out.append(Term("indicator", ind.id, ind.name, tuple(ind.aliases), ind.unit, ind.entity, expr,
                        "collected" in expr))
    return out


def load_vocabulary(ws: Any | None = None) -> Vocabulary:
    library = None
    if ws is not None:
        from biaotong.reports.context import workspace_library

        library = workspace_library(ws)
    vocab = Vocabulary(indicator_terms(library), element_terms())
    if ws is not None:
        vocab = vocab.with_aliases(stored_aliases(ws))
    return vocab


def stored_aliases(ws: Any) -> dict[str, str]:
    import sqlalchemy as sa

    from biaotong.store.schema import indicator_aliases

    with ws.engine.connect() as conn:
        rows = conn.execute(sa.select(indicator_aliases.c.alias, indicator_aliases.c.indicator)).all()
    return {a: i for a, i in rows}
