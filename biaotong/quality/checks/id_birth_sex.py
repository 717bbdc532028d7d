"""A person's birth date or sex disagreeing with their 18-digit citizen ID (digits 7–14, and the 17th:
odd 男 '1', even 女 '2')."""

from __future__ import annotations

from typing import Any

from biaotong.engines.duckdb import literal
from biaotong.quality.context import CheckContext
from biaotong.quality.model import Check

ID_BIRTH = "try_strptime(substr(id_number, 7, 8), '%Y%m%d')::DATE"
ID_SEX = "CASE WHEN CAST(substr(id_number, 17, 1) AS INTEGER) % 2 = 1 THEN '1' ELSE '2' END"


def run(ctx: CheckContext, params: dict[str, Any]) -> str | None:
    parts = []
    for s in ctx.of("resident"):
        org = "CAST(org_code AS VARCHAR)" if s.has("org_code") else "NULL"
        base = (f"SELECT 'resident' AS entity, id_number AS key, {org} AS org_code, {literal(s.name)} AS source")
        valid = "length(id_number) = 18 AND regexp_full_match(substr(id_number, 1, 17), '[0-9]{17}')"
        if s.has("birth_date"):
            parts.append(f"{base}, 'birth_date' AS element, CAST(birth_date AS VARCHAR) AS value, 'id_number' AS other_source, "
                         f"CAST({ID_BIRTH} AS VARCHAR) AS other_value FROM {s.view} "
                         f"WHERE {valid} AND birth_date IS NOT NULL AND birth_date <> {ID_BIRTH}")
        if s.has("sex"):
            parts.append(f"{base}, 'sex' AS element, CAST(sex AS VARCHAR) AS value, 'id_number' AS other_source, "
                         f"{ID_SEX} AS other_value FROM {s.view} "
                         f"WHERE {valid} AND sex IN ('1', '2') AND CAST(sex AS VARCHAR) <> {ID_SEX}")
    return " UNION ALL ".join(parts) if parts else None


CHECK = Check(
    slug="id_birth_sex", title_zh="出生日期或性别与身份证号不符", title_en="birth date or sex disagrees with the ID",
    message_zh="{source} 中 {key} 的 {element} 为 {value}，身份证号显示为 {other_value}",
    message_en="{source}: {element} of {key} is {value}, the ID number says {other_value}",
    level="entity", run=run,
)
