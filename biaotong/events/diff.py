"""Events from two consecutive snapshots of one source, diffed by entity key in DuckDB.

From the register of who exists (residents: the population register): born, moved in, moved out, died,
changed village, turned 60 / 65 / 80 / 90 / 100. From a programme's own roster: entered or left the
programme (a row appearing or going, or its programme element set, cleared or ended)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from biaotong.engines.duckdb import ident, literal

AGES = (60, 65, 80, 90, 100)
EVENT_TYPES = ("born", "died", "moved_in", "moved_out", "changed_village", *(f"turned_{a}" for a in AGES),
               "entered_programme", "left_programme", "appeared", "disappeared")
# Elements whose value means "in this programme", with the programme they stand for.
PROGRAMME_ELEMENTS = {
    "assistance_category": "assistance", "disability_cert_no": "disability_certificate",
    "monitoring_category": "poverty_monitoring", "veteran_type": "veterans", "pension_status": "pension",
    "medical_insurance_type": "medical_insurance", "health_record_no": "health_record",
}
OUT = pa.schema([("type", pa.string()), ("key", pa.string()), ("org_code", pa.string()),
                 ("occurred_on", pa.date32()), ("detail", pa.string())])


def _col(cols: set[str], alias: str, name: str, cast: str = "VARCHAR") -> str:
    return f"CAST({alias}.{ident(name)} AS {cast})" if name in cols else f"CAST(NULL AS {cast})"


def diff(
    con: duckdb.DuckDBPyConnection, prev: Path, new: Path, *, key: str, register: bool, entity: str,
    prev_cols: set[str], new_cols: set[str], prev_taken: date, new_taken: date,
) -> pa.Table:
    """The events between `prev` and `new` (Parquet files of one source), as rows of OUT."""
    a = f"(SELECT * FROM read_parquet({literal(str(prev))}))"
    b = f"(SELECT * FROM read_parquet({literal(str(new))}))"
    k = ident(key)
    both = prev_cols & new_cols
    org_b, org_a = _col(new_cols, "b", "org_code"), _col(prev_cols, "a", "org_code")
    programme = next((PROGRAMME_ELEMENTS[e] for e in PROGRAMME_ELEMENTS if e in new_cols | prev_cols), None)
    parts: list[str] = []
    resident = entity == "resident"
    if register:
        born = (f"b.birth_date > DATE {literal((prev_taken - timedelta(days=365)).isoformat())}"
                if "birth_date" in new_cols and resident else "FALSE")
        arrive = ("born", "moved_in", "moved_out") if resident else ("appeared", "appeared", "disappeared")
        parts.append(
            f"SELECT CASE WHEN {born} THEN {literal(arrive[0])} ELSE {literal(arrive[1])} END AS type, "
            f"CAST(b.{k} AS VARCHAR) AS key, {org_b} AS org_code, "
            f"CASE WHEN {born} THEN {_col(new_cols, 'b', 'birth_date', 'DATE')} END AS occurred_on, "
            f"'{{}}' AS detail FROM {b} b ANTI JOIN {a} a ON a.{k} = b.{k}"
        )
        parts.append(
            f"SELECT {literal(arrive[2])} AS type, CAST(a.{k} AS VARCHAR) AS key, {org_a} AS org_code, "
            f"CAST(NULL AS DATE) AS occurred_on, '{{}}' AS detail FROM {a} a ANTI JOIN {b} b ON a.{k} = b.{k}"
        )
        if {"death_date"} <= both:
            parts.append(
                f"SELECT 'died' AS type, CAST(b.{k} AS VARCHAR) AS key, {org_b} AS org_code, b.death_date AS occurred_on, "
                f"'{{}}' AS detail FROM {a} a JOIN {b} b ON a.{k} = b.{k} "
                f"WHERE a.death_date IS NULL AND b.death_date IS NOT NULL"
            )
        if {"deregistered_date"} <= both:
            dead = "AND b.death_date IS NULL" if "death_date" in new_cols else ""
            parts.append(
                f"SELECT 'moved_out' AS type, CAST(b.{k} AS VARCHAR) AS key, {org_b} AS org_code, "
                f"b.deregistered_date AS occurred_on, '{{}}' AS detail FROM {a} a JOIN {b} b ON a.{k} = b.{k} "
                f"WHERE a.deregistered_date IS NULL AND b.deregistered_date IS NOT NULL {dead}"
            )
        if "org_code" in both:
            parts.append(
                f"SELECT 'changed_village' AS type, CAST(b.{k} AS VARCHAR) AS key, {org_b} AS org_code, "
                f"CAST(NULL AS DATE) AS occurred_on, "
                f"json_object('from', CAST(a.org_code AS VARCHAR), 'to', CAST(b.org_code AS VARCHAR))::VARCHAR AS detail "
                f"FROM {a} a JOIN {b} b ON a.{k} = b.{k} "
                f"WHERE a.org_code IS NOT NULL AND b.org_code IS NOT NULL AND a.org_code <> b.org_code"
            )
        if resident and "birth_date" in new_cols:
            alive = " AND ".join(f"b.{c} IS NULL" for c in ("death_date", "deregistered_date") if c in new_cols) or "TRUE"
            lo, hi = literal(prev_taken.isoformat()), literal(new_taken.isoformat())
            for age in AGES:
                day = f"CAST(b.birth_date + INTERVAL {age} YEAR AS DATE)"
                parts.append(
                    f"SELECT 'turned_{age}' AS type, CAST(b.{k} AS VARCHAR) AS key, {org_b} AS org_code, {day} AS occurred_on, "
                    f"'{{}}' AS detail FROM {b} b SEMI JOIN {a} a ON a.{k} = b.{k} "
                    f"WHERE {alive} AND {day} > DATE {lo} AND {day} <= DATE {hi}"
                )
    elif programme is not None:
        detail = f"json_object('programme', {literal(programme)})::VARCHAR"
        parts.append(f"SELECT 'entered_programme' AS type, CAST(b.{k} AS VARCHAR) AS key, {org_b} AS org_code, "
                     f"CAST(NULL AS DATE) AS occurred_on, {detail} AS detail FROM {b} b ANTI JOIN {a} a ON a.{k} = b.{k}")
        parts.append(f"SELECT 'left_programme' AS type, CAST(a.{k} AS VARCHAR) AS key, {org_a} AS org_code, "
                     f"CAST(NULL AS DATE) AS occurred_on, {detail} AS detail FROM {a} a ANTI JOIN {b} b ON a.{k} = b.{k}")
        for element, prog in PROGRAMME_ELEMENTS.items():
            if element not in both:
                continue
            e = ident(element)
            d = (f"json_object('programme', {literal(prog)}, 'from', CAST(a.{e} AS VARCHAR), "
                 f"'to', CAST(b.{e} AS VARCHAR))::VARCHAR")
            entered = f"a.{e} IS NULL AND b.{e} IS NOT NULL"
            left = f"a.{e} IS NOT NULL AND b.{e} IS NULL"
            if element == "pension_status":  # 待遇领取 begins or stops
                entered, left = "a.pension_status <> '2' AND b.pension_status = '2'", "a.pension_status = '2' AND b.pension_status <> '2'"
            if element == "assistance_category" and "assistance_end_date" in both:
                left = f"({left}) OR (a.assistance_end_date IS NULL AND b.assistance_end_date IS NOT NULL)"
            end = _col(new_cols, "b", "assistance_end_date", "DATE") if element == "assistance_category" else "CAST(NULL AS DATE)"
            for kind, cond, when in (("entered_programme", entered, "CAST(NULL AS DATE)"), ("left_programme", left, end)):
                parts.append(f"SELECT {literal(kind)} AS type, CAST(b.{k} AS VARCHAR) AS key, {org_b} AS org_code, "
                             f"{when} AS occurred_on, {d} AS detail FROM {a} a JOIN {b} b ON a.{k} = b.{k} WHERE {cond}")
    if not parts:
        return OUT.empty_table()
    return con.sql(" UNION ALL ".join(parts)).to_arrow_table().cast(OUT)
