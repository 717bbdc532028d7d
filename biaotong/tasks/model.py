"""What a task is made of, and the rules answers follow. Pure: no I/O.

- A field is *pre-filled* when a synced system answers it; it *needs a person* when it is a collected
  element, or when no system holds the one unit-level (village) element it reads: that answer becomes the
  element's value for the unit, asked once.
- An answer is valid for its element's window (catalog `validity`): the reporting period, the month, the
  year of the period end, or until someone changes it (`*`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from biaotong.errors import WorkflowError, where

# The windows belong to the core: the one table and the reports read them.
from biaotong.onetable.windows import window as window

STATUSES = {"draft": ("待填报", "draft"), "submitted": ("已提交", "submitted"), "returned": ("已退回", "returned"),
            "reviewed": ("乡镇已通过", "passed by the township"), "approved": ("已通过", "approved")}
ORIGINS = {"prefilled": ("系统预填", "pre-filled"), "reused": ("复用已填", "reused"), "typed": ("本次填写", "typed"),
           "asked": ("待填写", "to fill")}
UNIT_ENTITY = "village"  # the entity whose rows are org units: what a unit can answer about itself


@dataclass(frozen=True)
class AskedField:
    """A field of the report that a person fills: its id, label and the unit element its answer sets."""

    field_id: str
    label: str
    element: str  # entity.code
    value_type: str
    code_list: str | None
    unit: str | None


def check_value(f: AskedField, raw: Any, catalog: Any, *, cell: str | None = None) -> Any:
    """The answer as stored (JSON), or a WorkflowError naming the field (and the sheet cell when given)."""
    loc = where(field=f.field_id, column=cell)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip()
    if f.value_type in ("integer", "decimal"):
        try:
            num = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise WorkflowError(f"{f.label}：应填数字，收到 {text[:40]!r}", f"{f.label}: a number is expected, got {text[:40]!r}",
                                loc) from None
        if not num.is_finite() or num < 0:
            raise WorkflowError(f"{f.label}：应为不小于 0 的数", f"{f.label}: must be a number ≥ 0", loc)
        if f.value_type == "integer":
            if num != num.to_integral_value():
                raise WorkflowError(f"{f.label}：应填整数", f"{f.label}: a whole number is expected", loc)
            if num > 10**12:
                raise WorkflowError(f"{f.label}：数值过大", f"{f.label}: the number is too large", loc)
            return int(num)
        return float(num)
    if f.value_type == "boolean":
        yes, no = {"是", "有", "y", "yes", "true", "1", "√"}, {"否", "无", "n", "no", "false", "0", "×"}
        if text.lower() in yes:
            return True
        if text.lower() in no:
            return False
        raise WorkflowError(f"{f.label}：应填 是/否", f"{f.label}: yes or no is expected", loc)
    if f.value_type == "code":
        cl = catalog.code_list(f.code_list)
        code = cl.lookup(text)
        if code is None:
            labels = "、".join(c.label for c in cl.codes[:12])
            raise WorkflowError(f"{f.label}：{text[:40]!r} 不在可选项中（{labels}）", f"{f.label}: {text[:40]!r} is not one of the codes",
                                loc)
        return code
    if f.value_type == "date":
        try:
            return date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            raise WorkflowError(f"{f.label}：日期格式应为 YYYY-MM-DD", f"{f.label}: dates are YYYY-MM-DD", loc) from None
    if len(text) > 2000:
        raise WorkflowError(f"{f.label}：内容过长（上限 2000 字）", f"{f.label}: too long (2,000 characters at most)", loc)
    return text


_RULE = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(<=|>=|<|>|==)\s*([a-z][a-z0-9_]*)\s*$")


def check_rules(rules: list[str], values: dict[str, Any], labels: dict[str, str]) -> list[dict[str, str]]:
    """A report's cross-field rules (其中 ≤ 合计: `female_cadres <= cadres`) over the task's values;
    returns the broken ones (a rule over a blank value is not judged)."""
    broken = []
    for rule in rules:
        m = _RULE.match(rule)
        if not m:
            continue
        a, op, b = m.groups()
        x, y = values.get(a), values.get(b)
        if not isinstance(x, int | float) or not isinstance(y, int | float):
            continue
        ok = {"<=": x <= y, ">=": x >= y, "<": x < y, ">": x > y, "==": x == y}[op]
        if not ok:
            broken.append({"field": a, "rule": rule,
                           "zh": f"{labels.get(a, a)}（{x:g}）应 {op} {labels.get(b, b)}（{y:g}）",
                           "en": f"{labels.get(a, a)} ({x:g}) must be {op} {labels.get(b, b)} ({y:g})"})
    return broken
