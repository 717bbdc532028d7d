"""Why a value was rejected, in Chinese and English (both are stored with the reject)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    from biaotong.catalog.model import DataElement
    from biaotong.sources.spec import ColumnMap
    from biaotong.sources.transforms import Parsed


@dataclass(frozen=True)
class Reason:
    zh: str | pa.Array
    en: str | pa.Array

    @staticmethod
    def empty(el: DataElement, key: str) -> Reason:
        if el.code == key:
            return Reason(f"主键 {el.name}（{el.code}）为空，整行无法入库", f"the key {el.code} is empty; the row cannot be used")
        return Reason(f"所属行政区划（{el.code}）为空，整行无法入库", f"the org unit ({el.code}) is empty; the row cannot be used")


_BY_TYPE = {
    "integer": ("不是整数", "not an integer"),
    "decimal": ("不是数字", "not a number"),
    "boolean": ("无法识别为是/否", "not a yes/no value"),
    "date": ("无法识别的日期", "not a recognisable date"),
    "string": ("取值无效", "invalid value"),
    "code": ("取值无效", "invalid value"),
}


def reason_for(el: DataElement, cmap: ColumnMap, parsed: Parsed, catalog: Any) -> Reason:
    if parsed.reason is not None and parsed.reason_en is not None:
        return Reason(parsed.reason, parsed.reason_en)
    if el.value_type == "code" and el.code_list:
        codes = catalog.code_list(el.code_list)
        return Reason(f"不是代码集「{codes.name}」（{codes.id}）中的代码、名称或别名",
                      f"not a code, label or alias of code list {codes.id} ({codes.name})")
    if el.value_type == "date" and cmap.date_format not in (None, "auto"):
        return Reason(f"不符合日期格式 {cmap.date_format}", f"does not match the date format {cmap.date_format}")
    zh, en = _BY_TYPE[el.value_type]
    return Reason(zh, en)
