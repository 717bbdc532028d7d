"""Unit families, so 户 never maps to a count of people and 万元 maps to 元 with a scale."""

from __future__ import annotations

from typing import Any

FAMILY: dict[str, str] = {
    "人": "person", "万人": "person", "人次": "person", "名": "person",
    "户": "household",
    "元": "money", "万元": "money", "亿元": "money", "千元": "money",
    "元/月": "money_rate", "元/人·月": "money_rate", "元/人": "money_rate", "元/年": "money_rate",
    "%": "ratio", "‰": "ratio",
    "亩": "area", "公顷": "area", "平方米": "area", "平方公里": "area",
    "千米": "length", "公里": "length", "米": "length", "皮长公里": "length",
    "个": "count", "家": "count", "所": "count", "间": "count", "套": "count", "台": "count", "台套": "count",
    "座": "count", "处": "count", "辆": "count", "场": "count", "场次": "count", "支": "count", "次": "count",
    "对": "count", "头": "count", "只": "count", "头只匹": "count", "张": "count", "床": "count", "户次": "count",
    "件": "count", "宗": "count", "起": "count", "项": "count", "栋": "count",
}
SCALE: dict[str, float] = {"元": 1.0, "千元": 1e3, "万元": 1e4, "亿元": 1e8, "人": 1.0, "万人": 1e4,
                           "公顷": 15.0, "亩": 1.0}


def family(unit: str | None) -> str | None:
    return FAMILY.get(unit) if unit else None


def term_unit(unit: str | None, entity: str | None, expression: dict[str, Any] | None) -> str | None:
    """The unit a term's numbers are in: declared, or implied by counting residents (人) or households (户)."""
    if unit:
        return unit
    expr = expression or {}
    if expr.get("agg") in ("count", "count_distinct"):
        ent = expr.get("entity") or entity
        if ent == "resident":
            return "人"
        if ent == "household":
            return "户"
        if ent == "enterprise":
            return "个"
    if expr.get("ratio") and expr.get("percent"):
        return "%"
    return None


def compatible(column_unit: str | None, unit: str | None) -> bool | None:
    """True/False when both are known, None when either is not."""
    a, b = family(column_unit), family(unit)
    if a is None or b is None:
        return None
    if {a, b} <= {"count", "person", "household"} and "count" in {a, b} and "个" in (column_unit, unit):
        return None  # 个 is loose: “个” may count anything; 处, 所, 座, 件 never count people
    return a == b


def scale(column_unit: str | None, unit: str | None) -> float:
    """Multiply a term's value by this to write it in the column's unit (元 → 万元: 0.0001)."""
    if not column_unit or not unit or column_unit == unit or family(column_unit) != family(unit):
        return 1.0
    if column_unit in SCALE and unit in SCALE and family(column_unit) in ("money", "person"):
        return SCALE[unit] / SCALE[column_unit]
    return 1.0
