"""Judging what biaotong reads and proposes for a rendered corpus form against the form's truth.

A proposal is right when it computes the same numbers as the truth on a test population (the small
synthetic county of tests/reports/county.py, evaluated with biaotong's own expression compiler on DuckDB),
or, for `collected` / `unmapped` / roster elements, when it says exactly that. A proposal that would write a
number into a column whose truth is `unmapped` is counted apart (`wrongly_filled`): the goal is zero.

    judge = Judge()
    verdict = judge.judge_file(Path("out/mz-dibao-monthly-v3.xlsx"), truth)
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from biaotong.catalog import load_catalog
from biaotong.expr import compile_fields, load_fields
from biaotong.forms import read_form_bytes
from biaotong.forms.match import Matcher, Proposal
from biaotong.forms.vocab import load_vocabulary
from biaotong.lake.types import ARROW_TYPES
from biaotong.reports.library import builtin_library

PERIOD = (date(2025, 6, 1), date(2025, 6, 30))
WRITES = ("indicator", "element", "expression")  # proposal kinds that put a number in the column
_PERCENT_WORDS = ("率", "占比", "比例", "比重", "%")


@dataclass
class LeafVerdict:
    column: str
    path: list[str]
    truth: Any
    proposed: str
    right: bool
    wrongly_filled: bool = False
    why: str = ""
    wrong_value: bool = False  # a number (or roster element) written where the truth wants another one


@dataclass
class FormVerdict:
    form_id: str
    variant: int
    split: str
    layout_right: bool
    labels_right: bool
    leaves: list[LeafVerdict] = field(default_factory=list)
    error: str = ""

    @property
    def right(self) -> int:
        return sum(v.right for v in self.leaves)

    @property
    def wrongly_filled(self) -> int:
        return sum(v.wrongly_filled for v in self.leaves)

    @property
    def wrong_values(self) -> int:
        return sum(v.wrong_value for v in self.leaves)


def describe(p: Proposal | None) -> str:
    if p is None:
        return "—"
    if p.kind in ("indicator", "element", "collected") and p.target:
        return f"{p.kind}:{p.target}"
    if p.kind == "expression":
        return f"expression:{p.expression}"
    return p.kind


class Population:
    """The test county as DuckDB tables named by entity, and a cached evaluator of field expressions."""

    def __init__(self, n_households: int = 300, seed: int = 11) -> None:
        from tests.reports.county import make_county

        self.catalog = load_catalog()
        county = make_county(n_households=n_households, seed=seed)
        _widen(county, seed)
        self.con = duckdb.connect()
        rows = {"resident": county.residents, "household": county.households, "enterprise": county.enterprises,
                "village": county.villages}
        for entity, records in rows.items():
            elements = self.catalog.elements_of(entity)
            schema = pa.schema([(e.code, ARROW_TYPES[e.value_type]) for e in elements])
            table = pa.Table.from_pylist([{e.code: r.get(e.code) for e in elements} for r in records], schema=schema)
            self.con.register(f"{entity}_arrow", table)
            self.con.execute(f"CREATE TABLE {entity} AS SELECT * FROM {entity}_arrow")
        self.orgs = sorted({r["org_code"] for r in county.residents} | {v["org_code"] for v in county.villages})
        self.library = {ind.id: dict(ind.expr) for ind in builtin_library()}
        self._cache: dict[str, dict[str, float | None]] = {}

    def evaluate(self, expr: dict[str, Any]) -> dict[str, float | None]:
        """Per village: the value of one field expression (ratios of indicator ids or of other expressions)."""
        key = repr(sorted(expr.items(), key=lambda kv: kv[0]))
        if key not in self._cache:
            self._cache[key] = self._evaluate(expr)
        return self._cache[key]

    def _evaluate(self, expr: dict[str, Any]) -> dict[str, float | None]:
        if "ratio" in expr:
            num, den = (self.evaluate(self._operand(x)) for x in expr["ratio"])
            out: dict[str, float | None] = {}
            for org in self.orgs:
                a, b = num.get(org), den.get(org)
                out[org] = None if a is None or not b else a / b * (100 if expr.get("percent") else 1)
            return out
        if "collected" in expr:
            return dict.fromkeys(self.orgs)
        entity = expr.get("entity", "resident")
        fields = load_fields({"f": expr}, report_id="judge")
        q = compile_fields(fields, entity, self.catalog, *PERIOD, report_id="judge")
        got = {org: (float(v) if v is not None else None) for org, v in self.con.execute(q.sql()).fetchall()}
        zero = None if expr.get("agg") in ("avg", "min", "max") else 0.0
        return {org: got.get(org, zero) for org in self.orgs}

    def _operand(self, x: Any) -> dict[str, Any]:
        if isinstance(x, dict):
            return x
        if x not in self.library:
            raise KeyError(f"unknown indicator {x}")
        return self.library[x]

    def indicator(self, ident: str, extra_filter: str | None = None) -> dict[str, Any]:
        expr = dict(self._operand(ident))
        if extra_filter:
            expr["filter"] = f"({expr['filter']}) and ({extra_filter})" if expr.get("filter") else extra_filter
        return expr


def _widen(county: Any, seed: int) -> None:
    """Give every kind of record the corpus truths count at least a few members in the judged month.

    The report tests' county leaves some things empty (nobody born or moved out in 2025-06, no 预备党员, no
    脱贫户 households, no 消防-checked enterprise): a truth that is 0 in every village is met by any proposal
    that is 0 too, so the judge could not tell a right composition from a wrong one. Only the judge's copy
    is changed; the report tests keep their county as it is."""
    rng = random.Random(seed * 7919 + 1)
    june = [date(2025, 6, d) for d in (3, 10, 17, 24)]
    for r in county.residents:
        age = None if r.get("birth_date") is None else 2025 - r["birth_date"].year
        x = rng.random()
        if x < 0.02 and r.get("deregistered_date") is None and r.get("death_date") is None:
            r["birth_date"] = rng.choice(june)  # born this month (registered then too)
            r["registered_date"] = r["birth_date"]
            r["student_status"] = None
        elif x < 0.04 and r.get("deregistered_date") is None and r.get("death_date") is None:
            r["deregistered_date"], r["deregister_reason"] = rng.choice(june), "2"  # moved out this month
        if r.get("assistance_category") in ("1", "4") and rng.random() < 0.25:
            r["assistance_start_date"], r["assistance_end_date"] = date(2025, 6, 1), None  # new this month
        if age is not None and age >= 18 and rng.random() < 0.03:
            r["political_status"] = "02"  # 预备党员
        elif age is not None and age >= 18 and rng.random() < 0.08:
            r["political_status"] = "01"
        if r.get("sex") == "2" and age is not None and 22 <= age < 60 and rng.random() < 0.02:
            r["enlist_date"], r["discharge_date"] = date(2025 - age + 18, 9, 1), date(2025 - age + 20, 12, 1)
            r["service_branch"] = r.get("service_branch") or "1"
        if age is not None and 3 <= age < 6 and rng.random() < 0.7:
            r["student_status"] = "1"  # 在园幼儿
    for h in county.households:
        x = rng.random()
        h["poverty_household_type"] = "1" if x < 0.2 else "2" if x < 0.26 else "3"
        if rng.random() < 0.05:
            h["household_type"] = "2"  # 集体户
        h["rental_housing"] = rng.random() < 0.15
    for e in county.enterprises:
        e["fire_safety_checked"] = rng.random() < 0.5
        if rng.random() < 0.15:
            e["established_date"] = rng.choice(june)
            e["deregistered_date"], e["business_status"] = None, "1"


def same(a: dict[str, float | None], b: dict[str, float | None], scale_a: float = 1.0, scale_b: float = 1.0) -> bool:
    for org in a.keys() | b.keys():
        x, y = a.get(org), b.get(org)
        if x is None or y is None:
            if x is not y:
                return False
            continue
        if not math.isclose(x * scale_a, y * scale_b, rel_tol=1e-6, abs_tol=1e-6):
            return False
    return True


class Judge:
    def __init__(self, matcher: Matcher | None = None, population: Population | None = None) -> None:
        self.matcher = matcher or Matcher(load_vocabulary())
        self.pop = population or _population()

    # --- one rendered form ---

    def judge_file(self, xlsx: Path, truth: dict[str, Any]) -> FormVerdict:
        verdict = FormVerdict(str(truth["form_id"]), int(truth.get("variant", 0)), str(truth.get("split")), False,
                              False)
        try:
            layout = read_form_bytes(Path(xlsx).read_bytes(), file=str(xlsx))
            proposals = self.matcher.match(layout)
        except Exception as exc:  # a form biaotong cannot read: every leaf is a miss
            verdict.error = f"{type(exc).__name__}: {exc}"
            verdict.leaves = [LeafVerdict(t.get("cell") or t["column"], t["path"], t["truth"], "—", False)
                              for t in truth["leaves"]]
            return verdict
        want = {"card": "form"}.get(truth["layout"], truth["layout"])
        verdict.layout_right = layout.kind == want and layout.sheet == truth.get("sheet", layout.sheet)
        got_labels = sorted(leaf.column for leaf in layout.leaves if leaf.role in ("label", "index"))
        verdict.labels_right = got_labels == sorted(truth.get("label_columns", []) + truth.get("index_columns", []))
        by_key = {(p.cell or p.column): p for p in proposals}
        by_column = {p.column: p for p in proposals if not p.cell}
        leaves = truth["leaves"]
        for t in leaves:
            key = t.get("cell") or t["column"]
            p = by_key.get(key) or (by_column.get(t["column"]) if not t.get("cell") else None)
            verdict.leaves.append(self.judge_leaf(p, t, leaves, by_column))
        return verdict

    # --- one leaf ---

    def judge_leaf(self, p: Proposal | None, t: dict[str, Any], leaves: list[dict[str, Any]],
                   by_column: dict[str, Proposal]) -> LeafVerdict:
        truth = t["truth"]
        out = LeafVerdict(t.get("cell") or t["column"], list(t["path"]), truth, describe(p), False)
        if p is None:
            out.why = "no proposal for this column"
            return out
        if truth in ("unmapped", "collected"):
            writes = p.kind in WRITES
            out.right = (p.kind == truth) or (truth == "unmapped" and p.kind in ("index", "label"))
            out.wrongly_filled = truth == "unmapped" and writes
            return out
        if "element" in truth:
            want = str(truth["element"])
            out.right = p.kind in ("element", "collected") and p.target in (want, want.split(".", 1)[-1])
            out.wrong_value = p.kind in WRITES and not out.right
            return out
        try:
            expected = self.truth_values(t, leaves)
            got = self.proposal_values(p, by_column)
        except Exception as exc:  # an expression that does not compile is wrong, not a crash of the bench
            out.why = f"{type(exc).__name__}: {exc}"
            return out
        if got is None:
            out.why = "proposes no value"
            return out
        out.right = same(got[0], expected[0], got[1], expected[1])
        out.wrong_value = not out.right
        return out

    def truth_values(self, t: dict[str, Any], leaves: list[dict[str, Any]]) -> tuple[dict[str, Any], float]:
        truth = t["truth"]
        if "ratio" in truth:
            num, den = (self._sibling_truth(name, leaves) for name in truth["ratio"])
            percent = truth.get("percent", any(w in "".join(t["path"]) for w in _PERCENT_WORDS))
            return self.pop.evaluate({"ratio": [num, den], "percent": percent}), 1.0
        if "indicator" in truth:
            expr = self.pop.indicator(truth["indicator"], truth.get("filter"))
        else:
            expr = dict(truth["expr"])
        return self.pop.evaluate(expr), float(truth.get("scale", 1.0))

    def _sibling_truth(self, name: str, leaves: list[dict[str, Any]]) -> dict[str, Any]:
        for leaf in leaves:
            if leaf["path"][-1] == name or "".join(leaf["path"]) == name:
                tr = leaf["truth"]
                if isinstance(tr, dict) and "indicator" in tr:
                    return self.pop.indicator(tr["indicator"], tr.get("filter"))
                if isinstance(tr, dict) and "expr" in tr:
                    return dict(tr["expr"])
        raise KeyError(f"ratio names no sibling leaf {name}")

    def proposal_values(self, p: Proposal, by_column: dict[str, Proposal]) -> tuple[dict[str, Any], float] | None:
        if p.kind == "indicator" and p.target:
            return self.pop.evaluate(self.pop.indicator(p.target)), p.scale
        if p.kind in ("expression", "element") and p.expression:
            return self.pop.evaluate(self._resolve(p.expression, by_column)), p.scale
        return None

    def _resolve(self, expr: dict[str, Any], by_column: dict[str, Proposal]) -> dict[str, Any]:
        """A ratio of two columns ({"ratio": ["@C", "@D"]}) refers to what those columns' proposals compute."""
        if "ratio" not in expr:
            return expr
        parts: list[Any] = []
        for x in expr["ratio"]:
            if isinstance(x, str) and x.startswith("@"):
                q = by_column.get(x[1:])
                if q is None or q.kind not in WRITES:
                    raise KeyError(f"ratio column {x} proposes no value")
                parts.append(self.pop.indicator(q.target) if q.kind == "indicator" and q.target
                             else self._resolve(q.expression or {}, by_column))
            else:
                parts.append(x)
        return {**expr, "ratio": parts}


@cache
def _population() -> Population:
    return Population()
