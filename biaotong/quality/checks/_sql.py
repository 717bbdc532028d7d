"""SQL pieces the checks share: the register of an entity as one view, and what "active in a programme"
means for the elements a programme source holds. Names and codes here are the catalog's, never user text."""

from __future__ import annotations

from biaotong.engines.duckdb import ident, literal
from biaotong.quality.context import CheckContext, SourceView

# An element whose value means the person is being paid by the programme, as a predicate over `p`.
PAYMENT = {
    "pension_status": "p.pension_status = '2'",  # 待遇领取
    "old_age_allowance": "p.old_age_allowance > 0",
    "disability_living_subsidy": "p.disability_living_subsidy IS TRUE",
    "severe_disability_care_subsidy": "p.severe_disability_care_subsidy IS TRUE",
    "assistance_category": "p.assistance_category IS NOT NULL",
}
# The source itself says the person left the programme (so a listing is history, not an error).
ENDED = {
    "pension_status": "p.pension_status IN ('4', '9')",  # 终止, 未参保
}


def register_view(ctx: CheckContext, entity: str, columns: list[str]) -> str | None:
    """A subquery over the entity's register sources with `columns` (NULL where a register lacks one)."""
    regs = ctx.registers(entity)
    if not regs:
        return None
    key = ctx.key(entity)
    parts = []
    for r in regs:
        cols = [f"{ident(c)}" if r.has(c) else f"NULL AS {ident(c)}" for c in dict.fromkeys([key, *columns])]
        parts.append(f"SELECT {', '.join(cols)}, {literal(r.name)} AS _register FROM {r.view}")
    return "(" + " UNION ALL ".join(parts) + ")"


def ended_before(src: SourceView, gone: str) -> str:
    """The programme row ended on or before the date `gone` (SQL over p)."""
    conds = [ENDED[e] for e in ENDED if src.has(e)]
    if src.has("assistance_end_date"):
        conds.append(f"p.assistance_end_date <= {gone}")
    return " OR ".join(f"({c})" for c in conds) if conds else "FALSE"


def paid(src: SourceView) -> list[tuple[str, str]]:
    return [(e, PAYMENT[e]) for e in PAYMENT if src.has(e)]


def programmes(ctx: CheckContext, entity: str = "resident") -> list[SourceView]:
    """The sources of an entity that are not its register."""
    return [s for s in ctx.of(entity) if not s.register]
