"""The shapes of quality work: a check (slug, titles, message templates, level, parameters), the findings a
check returns (one Arrow table per check), and the report of a run. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

from biaotong.i18n import msg

if TYPE_CHECKING:
    from biaotong.quality.context import CheckContext

Level = Literal["cell", "entity", "cross"]

# Every check returns rows of this shape. `source` is the source whose owner must fix the row; `key` the
# entity key (or the row number of a rejected source row, as "row:N"); values are text, as shown to people.
FINDING_SCHEMA = pa.schema([
    ("check", pa.string()),
    ("entity", pa.string()),
    ("key", pa.string()),
    ("org_code", pa.string()),
    ("source", pa.string()),
    ("element", pa.string()),
    ("value", pa.string()),
    ("other_source", pa.string()),
    ("other_value", pa.string()),
])
COLUMNS = FINDING_SCHEMA.names


@dataclass(frozen=True)
class Check:
    """One rule of the catalogue. `run` returns a DuckDB SQL query (over the context's views) selecting the
    FINDING_SCHEMA columns except `check`, or an Arrow table of them; None when it does not apply."""

    slug: str
    title_zh: str
    title_en: str
    message_zh: str  # a template over the finding's columns: {key} {element} {value} {other_source} …
    message_en: str
    level: Level
    run: Callable[[CheckContext, dict[str, Any]], str | pa.Table | None]
    params: dict[str, Any] = field(default_factory=dict)
    # which sources' syncs make this check worth re-running: "any", "register", or "programme"
    concerns: str = "any"

    @property
    def title(self) -> str:
        return msg(self.title_zh, self.title_en)

    def message(self, row: dict[str, Any]) -> str:
        values = {k: ("" if v is None else v) for k, v in row.items()}
        return msg(self.message_zh, self.message_en).format(**values)

    def describe(self) -> dict[str, Any]:
        return {"slug": self.slug, "title": self.title, "level": self.level, "params": self.params,
                "message": msg(self.message_zh, self.message_en)}


@dataclass
class QualityReport:
    """frictionless-style: valid, stats, findings (as rows), and what each check found."""

    findings: pa.Table
    checks: list[Check]
    errors: list[dict[str, str]] = field(default_factory=list)  # a check that could not run, and why

    @property
    def valid(self) -> bool:
        return self.findings.num_rows == 0 and not self.errors

    def stats(self) -> dict[str, Any]:
        by_check: dict[str, int] = {}
        by_source: dict[str, int] = {}
        for c, s in zip(self.findings.column("check").to_pylist(), self.findings.column("source").to_pylist(),
                        strict=True):
            by_check[c] = by_check.get(c, 0) + 1
            by_source[s] = by_source.get(s, 0) + 1
        return {"findings": self.findings.num_rows, "checks": len(self.checks), "by_check": by_check,
                "by_source": by_source, "errors": len(self.errors)}
