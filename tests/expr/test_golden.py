"""Golden SQL: tests/expr/fixtures/*.sql hold field expressions and the exact DuckDB and Spark SQL.

A case is a `# case:` header, the fields as YAML under `# fields:`, then `-- duckdb` and `-- spark` SQL.
After an intended change, regenerate with `python tests/expr/test_golden.py` and read the diff: it is
the review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import yaml

from biaotong.expr import OrgRollup, compile_fields, load_fields

FIXTURES = Path(__file__).parent / "fixtures"
DIALECTS = ("duckdb", "spark")


@dataclass
class Case:
    file: Path
    name: str
    header: list[str]
    entity: str
    start: date
    end: date
    fields: str
    rollup: OrgRollup | None
    expected: dict[str, str]


def _parse(path: Path) -> list[Case]:
    cases: list[Case] = []
    blocks = path.read_text(encoding="utf-8").split("# case: ")[1:]
    for block in blocks:
        lines = ("# case: " + block).rstrip().splitlines()
        header = [ln for ln in lines if ln.startswith("#")]
        meta: dict[str, str] = {}
        field_lines: list[str] = []
        in_fields = False
        for ln in header:
            body = ln[2:]
            if in_fields and body.startswith("  "):
                field_lines.append(body[2:])
                continue
            in_fields = body.startswith("fields:")
            key, _, value = body.partition(":")
            meta[key.strip()] = value.strip()
        expected: dict[str, str] = {}
        current = None
        for ln in lines[len(header) :]:
            if ln.startswith("-- ") and ln[3:].strip() in DIALECTS:
                current = ln[3:].strip()
                expected[current] = ""
            elif current:
                expected[current] += ln + "\n"
        start, _, end = meta["period"].partition("..")
        rollup = None
        if meta.get("rollup"):
            table, _, levels = meta["rollup"].partition(" ")
            rollup = OrgRollup(table, tuple(tuple(p.split("=")) for p in levels.split()))  # type: ignore[misc]
        cases.append(
            Case(
                path,
                meta["case"],
                header,
                meta["entity"],
                date.fromisoformat(start),
                date.fromisoformat(end),
                "\n".join(field_lines),
                rollup,
                {k: v.strip() for k, v in expected.items()},
            )
        )
    return cases


CASES = [c for path in sorted(FIXTURES.glob("*.sql")) for c in _parse(path)]


def _compile(case: Case, catalog, dialect: str) -> str:
    fields = load_fields(yaml.safe_load(case.fields), report_id=case.name)
    q = compile_fields(
        fields, case.entity, catalog, case.start, case.end, report_id=case.name, org_rollup=case.rollup
    )
    return q.sql(dialect)


def update_golden() -> None:
    """Rewrite the SQL sections of every fixture from the current compiler (headers are kept)."""
    from biaotong.catalog import load_catalog

    catalog = load_catalog()
    by_file: dict[Path, list[str]] = {}
    for case in CASES:
        text = "\n".join(case.header)
        for dialect in DIALECTS:
            text += f"\n-- {dialect}\n{_compile(case, catalog, dialect)};"
        by_file.setdefault(case.file, []).append(text)
    for path, texts in by_file.items():
        path.write_text("\n\n".join(texts) + "\n", encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[f"{c.file.stem}:{c.name}" for c in CASES])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_golden_sql(case: Case, dialect: str, catalog):
    assert case.expected.get(dialect), f"{case.file.name}: case {case.name} has no -- {dialect} section"
    assert _compile(case, catalog, dialect) + ";" == case.expected[dialect]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.file.stem}:{c.name}" for c in CASES])
def test_golden_duckdb_sql_runs(case: Case, con):
    """The text in the fixture, not just the tree, is valid DuckDB over the test population."""
    con.execute(case.expected["duckdb"].rstrip(";")).fetchall()


if __name__ == "__main__":
    update_golden()
