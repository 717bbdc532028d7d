"""Masking personal data by sensitivity and the caller's role (public < staff < cleared)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from biaotong.auth.actor import CLEARANCES
from biaotong.catalog.model import SENSITIVITY_ORDER, DataElement
from biaotong.errors import ReportError, where

ROLES = CLEARANCES
# The highest sensitivity each role reads in clear.
CLEARANCE = {"public": "internal", "staff": "personal", "cleared": "sensitive"}


def normalize_role(role: str | None) -> str:
    r = (role or "public").lower()
    if r not in ROLES:
        raise ReportError(f"未知的角色：{role}（可用：{', '.join(ROLES)}）", f"unknown role: {role} (use {', '.join(ROLES)})",
                          where(key="role"))
    return r


def must_mask(element: DataElement, role: str) -> bool:
    return SENSITIVITY_ORDER[element.sensitivity] > SENSITIVITY_ORDER[CLEARANCE[normalize_role(role)]]


def masked_columns(elements: list[DataElement], role: str) -> set[str]:
    """The codes of `elements` the role reads masked: decided once per column, not per cell."""
    limit = SENSITIVITY_ORDER[CLEARANCE[normalize_role(role)]]
    return {e.code for e in elements if SENSITIVITY_ORDER[e.sensitivity] > limit}


def mask_id(value: str) -> str:
    """5309**********123X: the region prefix and the last four characters stay."""
    s = str(value)
    if len(s) <= 8:
        return "*" * len(s)
    return s[:4] + "*" * (len(s) - 8) + s[-4:]


def mask_phone(value: str) -> str:
    s = str(value)
    if len(s) < 7:
        return "*" * len(s)
    return s[:3] + "*" * (len(s) - 7) + s[-4:]


def mask_name(value: str) -> str:
    s = str(value)
    return s[:1] + "*" * max(len(s) - 1, 1) if s else s


def mask_value(element: DataElement, value: Any) -> Any:
    if value is None or value == "":
        return value
    return masker(element)(value)


def masker(element: DataElement) -> Callable[[Any], Any]:
    """How `element`'s non-empty values are masked, chosen once per column; `mask_value` cell by cell."""
    code = element.code
    if element.validator in ("citizen_id", "uscc") or code.endswith("id_number") or code.endswith("cert_no"):
        return mask_id
    if "phone" in code:
        return mask_phone
    if code.endswith("name") and element.value_type == "string":
        return mask_name
    string = element.value_type == "string"

    def other(value: Any) -> Any:
        if isinstance(value, date):
            return f"{value.year}-**-**"
        if string:
            s = str(value)
            return s[:6] + "****" if len(s) > 6 else "****"
        return "***"

    return other


def is_direct_identifier(element: DataElement) -> bool:
    """ID numbers, names and phones: a filter on one of them picks out a person."""
    return masker(element) in (mask_id, mask_phone, mask_name)
