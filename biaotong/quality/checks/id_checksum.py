"""Identifiers with a wrong check digit (GB 11643 citizen ID, GB 32100 credit code) that a source kept:
non-key columns (a householder's ID), and keys a source's validation policy chose to keep and flag."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from biaotong.catalog.validators import citizen_id_valid, uscc_valid
from biaotong.engines.duckdb import ident
from biaotong.quality.context import CheckContext
from biaotong.quality.model import COLUMNS, Check

VALIDATORS = {"citizen_id": citizen_id_valid, "uscc": uscc_valid}


def run(ctx: CheckContext, params: dict[str, Any]) -> pa.Table | None:
    out: list[pa.Table] = []
    for s in ctx.sources.values():
        key = ctx.key(s.entity)
        for e in ctx.catalog.elements_of(s.entity):
            if e.validator not in VALIDATORS or not s.has(e.code):
                continue
            org = "org_code" if s.has("org_code") else "NULL"
            t = ctx.con.sql(
                f"SELECT CAST({ident(key)} AS VARCHAR) AS key, CAST({org} AS VARCHAR) AS org_code, "
                f"CAST({ident(e.code)} AS VARCHAR) AS value FROM {s.view} WHERE {ident(e.code)} IS NOT NULL"
            ).to_arrow_table()
            bad = ~np.asarray(VALIDATORS[e.validator](t.column("value")), dtype=bool)
            if not bad.any():
                continue
            t = t.filter(pa.array(bad))
            n = t.num_rows
            out.append(pa.table({
                "entity": [s.entity] * n, "key": t.column("key"), "org_code": t.column("org_code"),
                "source": [s.name] * n, "element": [e.code] * n, "value": t.column("value"),
                "other_source": pa.nulls(n, pa.string()), "other_value": pa.nulls(n, pa.string()),
            }))
    return pa.concat_tables(out).select(COLUMNS[1:]) if out else None


CHECK = Check(
    slug="id_checksum", title_zh="证件号码校验位错误", title_en="identifier with a wrong check digit",
    message_zh="{source} 中 {key} 的 {element} 校验位错误：{value}",
    message_en="{source}: {element} of {key} has a wrong check digit: {value}",
    level="cell", run=run,
)
