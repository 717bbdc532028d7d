"""What generation returns: one shape for the three layouts, which every exporter reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from biaotong.reports.period import Period
from biaotong.reports.spec import ReportSpec


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    unit: str | None = None
    group: tuple[str, ...] = ()
    number_format: str | None = None
    kind: str = "aggregate"  # aggregate | ratio | previous | change | collected | element


@dataclass
class Row:
    """One row of an aggregate report: an org unit with its values, or a subtotal / the grand total."""

    org_code: str
    name: str
    level: str
    values: dict[str, Any]
    is_subtotal: bool = False
    is_total: bool = False
    depth: int = 0  # 0 = the requested unit (grand total), 1 = its children …
    parent: str | None = None

    @property
    def label(self) -> str:
        if self.is_total:
            return "合计"
        if self.is_subtotal:
            return f"{self.name}小计"
        return self.name

    def to_json(self) -> dict[str, Any]:
        return {
            "org_code": self.org_code, "name": self.name, "level": self.level, "is_subtotal": self.is_subtotal,
            "is_total": self.is_total, "depth": self.depth, "parent": self.parent, "values": self.values,
        }


@dataclass
class ReportResult:
    spec: ReportSpec
    period: Period
    org_code: str
    org_name: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)  # aggregate
    records: list[dict[str, Any]] = field(default_factory=list)  # roster
    places: list[str | None] = field(default_factory=list)  # roster: each record's org code (names repeat)
    items: list[dict[str, Any]] = field(default_factory=list)  # form: [{id, label, unit, value}]
    # form asked for a unit above the form's level: one card per unit of that level, {org_code, org_name, items}
    cards: list[dict[str, Any]] = field(default_factory=list)
    level: str | None = None
    role: str = "public"
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    sql: dict[str, str] = field(default_factory=dict)  # entity -> the one query that computed its fields
    generated_at: datetime | None = None  # wall clock: for the ledger only, never written into a file
    warnings: list[str] = field(default_factory=list)
    known_at: datetime | None = None  # `--as-known-at`; None: the lake's newest knowledge
    missing: dict[str, dict[str, Any]] = field(default_factory=dict)  # field → why it is blank (not 0)
    undated: list[dict[str, str]] = field(default_factory=list)  # event dates no source gives

    @property
    def data_as_of(self) -> datetime | None:
        """The newest snapshot behind the report: what its numbers know, and the one time printed in its
        files (so re-generating it as known at its publication gives the same bytes)."""
        times = [s["taken_at"] for s in self.snapshots if s.get("taken_at")]
        return datetime.fromisoformat(max(times)) if times else None

    def missing_note(self) -> str | None:
        """One footnote for the blank cells of the fields shown, or None."""
        shown = [c for c in self.columns if c.id in self.missing]
        if not shown:
            return None
        parts = [f"{c.label}（{self.missing[c.id]['zh']}）" for c in shown]
        return "注：以下栏目缺数，留空而非 0 — " + "；".join(parts)

    @property
    def layout(self) -> str:
        return self.spec.layout

    @property
    def title(self) -> str:
        return self.spec.title

    def total(self) -> Row | None:
        return next((r for r in self.rows if r.is_total), None)

    def row(self, org_code: str) -> Row:
        for r in self.rows:
            if r.org_code == org_code:
                return r
        raise KeyError(org_code)

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """Headers and plain rows (labels included), for CSV and simple viewers."""
        if self.layout == "aggregate":
            heads = ["行政区划代码", "地区"] + [c.label for c in self.columns]
            return heads, [[r.org_code, r.label] + [r.values.get(c.id) for c in self.columns] for r in self.rows]
        if self.layout == "roster":
            heads = ["序号"] + [c.label for c in self.columns]
            return heads, [[i + 1] + [rec.get(c.id) for c in self.columns] for i, rec in enumerate(self.records)]
        return ["项目", "单位", "数值"], [[it["label"], it.get("unit") or "", it["value"]] for it in self.items]

    def to_json(self) -> dict[str, Any]:
        base: dict[str, Any] = {
            "report": self.spec.id, "title": self.spec.title, "department": self.spec.department,
            "layout": self.layout, "period": self.period.code, "period_label": self.period.label,
            "period_start": self.period.start.isoformat(), "period_end": self.period.end.isoformat(),
            "org_code": self.org_code, "org_name": self.org_name, "level": self.level, "role": self.role,
            "data_as_of": self.data_as_of.isoformat() if self.data_as_of else None,
            "columns": [
                {"id": c.id, "label": c.label, "unit": c.unit, "group": list(c.group), "kind": c.kind}
                for c in self.columns
            ],
            "snapshots": self.snapshots, "warnings": self.warnings,
            "missing": {fid: {"reason": w["zh"], "reason_en": w["en"], "elements": w.get("elements", [])}
                        for fid, w in self.missing.items() if any(c.id == fid for c in self.columns)},
            "undated": self.undated,
        }
        if self.layout == "aggregate":
            base["rows"] = [r.to_json() for r in self.rows]
        elif self.layout == "roster":
            base["rows"] = self.records
        else:
            base["items"] = self.items
        return base
