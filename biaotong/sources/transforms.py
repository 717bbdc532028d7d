"""Vectorised cleaning of raw values into the standard's types (pure functions over Arrow arrays).

Each `to_*` function takes a raw column (text or a native type) and returns `Parsed`: the typed values
(NULL where the input was empty or invalid) and a mask of the cells that held something invalid. Work
that depends only on the value runs once per DISTINCT value (`on_distinct`), so a million rows with a few
thousand distinct dates cost a few thousand parses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

WHITESPACE = " \t\r\n\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff"
FULLWIDTH = {chr(0xFF10 + i): str(i) for i in range(10)} | {
    "\uff0e": ".", "\uff0c": ",", "\uff0d": "-", "\uff0b": "+", "\uff38": "X", "\uff58": "x", "\uff05": "%",
    "\uff0f": "/", "\uff1a": ":",
}
TRUE_WORDS = ("是", "y", "yes", "1", "true", "t", "有", "√", "✓", "✔", "对", "已", "1.0", "☑", "○")
FALSE_WORDS = ("否", "n", "no", "0", "false", "f", "无", "×", "✗", "✘", "x", "错", "未", "没有", "0.0", "☐", "不是")
# Departments write a state and its negation: 已签约/未签约, 已消除/未消除, 有/无, 是否… — 已… and 未…/没… /
# 不… followed by the same word.
YES_PREFIX_RE = r"^(已|有)\p{Han}{1,6}$"
NO_PREFIX_RE = r"^(未|没|没有|无|不|非)\p{Han}{1,6}$"
UNKNOWN_WORDS = ("不详", "未知", "不清楚", "不确定", "待定", "待核实", "未核实")
INT_RE = r"^[+-]?\d{1,18}(\.0*)?$"
DEC_RE = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
YMD_SEP_RE = (r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
              r"(?:(?:[T\s]|\s*日).*)?$")
YMD_COMPACT_RE = r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"
# 20250131 kept as a number: a REAL column read as text (20250131.0), a float cell from Excel.
YMD_NUMBER_RE = r"^(\d{8})\.0*$"
SERIAL_RE = r"^\d{1,5}(\.\d+)?$"
# a month alone (入伍年月 1998.12, 2025-06, 2025年6月, 199812): its first day. Read before Excel serials, which
# 1998.12 would also be (a day of 1905), so a year 1900-2099 with a month 1-12 is taken as that month.
YM_RE = r"^(?P<y>(?:19|20)\d{2})(?:\s*[-/.年]\s*(?P<m>\d{1,2})\s*月?|(?P<mm>0[1-9]|1[0-2]))$"
EXCEL_SERIAL_MAX = 60_000
_WIDE_RE = "[" + "".join(FULLWIDTH) + "]"


@dataclass(frozen=True)
class Parsed:
    values: pa.Array  # typed; NULL where empty or invalid
    bad: pa.Array  # bool: a value was present but could not be used
    reason: pa.Array | None = None  # optional per-row reason (zh) where bad; None = the caller's generic reason
    reason_en: pa.Array | None = None
    outcome: pa.Array | None = None  # org units by name: how each row resolved (exact, alias, ambiguous, …)


def on_distinct(arr: pa.Array, fn: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """Apply `fn` to the distinct values only and spread the result back over the rows."""
    if len(arr) == 0:
        return fn(arr)
    encoded = pc.dictionary_encode(arr)
    if len(encoded.dictionary) * 2 > len(arr):
        return fn(arr)
    return fn(encoded.dictionary).take(encoded.indices)


def as_text(arr: pa.Array) -> pa.Array:
    """Any raw column as text: strings as they are, dates as ISO, integral floats without '.0'."""
    t = arr.type
    if pa.types.is_string(t):
        return arr
    if pa.types.is_large_string(t) or pa.types.is_dictionary(t):
        return arr.cast(pa.string())
    if pa.types.is_floating(t):
        integral = pc.equal(pc.floor(arr), arr)
        as_int = pc.if_else(integral, arr, None).cast(pa.int64(), safe=False).cast(pa.string())
        return pc.if_else(integral, as_int, arr.cast(pa.string()))
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        try:
            return arr.cast(pa.string())
        except pa.ArrowInvalid:
            return pc.binary_join_element_wise(arr.cast(pa.large_binary()), "").cast(pa.string(), safe=False)
    if pa.types.is_boolean(t):
        return pc.if_else(arr, "true", "false")
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.string())
    return arr.cast(pa.string())


def clean_text(arr: pa.Array) -> pa.Array:
    """Strip ordinary and full-width spaces; empty becomes NULL."""
    text = pc.utf8_trim(as_text(arr), characters=WHITESPACE)
    return pc.if_else(pc.equal(text, ""), None, text)


def patch(text: pa.Array, mask: pa.Array, fn: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """Apply `fn` only to the rows where `mask` is true (the rest are left as they are)."""
    mask = pc.fill_null(mask, False)
    if len(text) == 0 or not pc.any(mask).as_py():
        return text
    return pc.replace_with_mask(text, mask, fn(text.filter(mask)))


def halfwidth(text: pa.Array) -> pa.Array:
    """Full-width digits and punctuation (０１２３．，－) as ASCII."""

    def narrow(sub: pa.Array) -> pa.Array:
        for wide, ascii_char in FULLWIDTH.items():
            sub = pc.replace_substring(sub, wide, ascii_char)
        return sub

    return patch(text, pc.match_substring_regex(text, _WIDE_RE), narrow)


def _bad(present: pa.Array, ok: pa.Array) -> pa.Array:
    return pc.and_(pc.is_valid(present), pc.invert(pc.fill_null(ok, False)))


def _numeric_text(arr: pa.Array) -> pa.Array:
    text = halfwidth(clean_text(arr))
    return pc.replace_substring_regex(text, r"[,，'\s_]", "")


def to_string(arr: pa.Array) -> Parsed:
    return Parsed(clean_text(arr), _false(len(arr)))


def to_int(arr: pa.Array) -> Parsed:
    t = arr.type
    if pa.types.is_integer(t):
        return Parsed(arr.cast(pa.int64()), _false(len(arr)))
    if pa.types.is_floating(t):
        ok = pc.equal(pc.floor(arr), arr)
        return Parsed(pc.if_else(ok, arr, None).cast(pa.int64(), safe=False), _bad(arr, ok))

    def parse(a: pa.Array) -> pa.Array:
        text = _numeric_text(a)
        ok = pc.match_substring_regex(text, INT_RE)
        digits = pc.replace_substring_regex(pc.if_else(ok, text, None), r"\.0*$", "")
        return pa.StructArray.from_arrays([digits.cast(pa.int64()), _bad(text, ok)], ["v", "bad"])

    out = on_distinct(arr, parse)
    return Parsed(out.field("v"), out.field("bad"))


def to_decimal(arr: pa.Array) -> Parsed:
    t = arr.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return Parsed(arr.cast(pa.float64()), _false(len(arr)))

    def parse(a: pa.Array) -> pa.Array:
        text = _numeric_text(a)
        ok = pc.match_substring_regex(text, DEC_RE)
        return pa.StructArray.from_arrays([pc.if_else(ok, text, None).cast(pa.float64()), _bad(text, ok)], ["v", "bad"])

    out = on_distinct(arr, parse)
    return Parsed(out.field("v"), out.field("bad"))


def to_bool(arr: pa.Array, codes: dict[str, str] | None = None) -> Parsed:
    """Yes/no: the declared `codes` first (在册: 是), then the usual words and 已…/未… pairs."""
    if pa.types.is_boolean(arr.type):
        return Parsed(arr, _false(len(arr)))
    declared = {str(k).strip().lower(): str(v).strip().lower() in {w.lower() for w in TRUE_WORDS} | {"true", "yes"}
                for k, v in (codes or {}).items()}

    def parse(a: pa.Array) -> pa.Array:
        text = pc.utf8_lower(halfwidth(clean_text(a)))
        mine_yes = pa.array([k for k, v in declared.items() if v], pa.string())
        mine_no = pa.array([k for k, v in declared.items() if not v], pa.string())
        known = pc.or_(pc.is_in(text, value_set=mine_yes), pc.is_in(text, value_set=mine_no))
        yes = pc.or_(pc.is_in(text, value_set=mine_yes), pc.and_(pc.invert(known), pc.or_(
            pc.is_in(text, value_set=pa.array(TRUE_WORDS)), pc.match_substring_regex(text, YES_PREFIX_RE))))
        no = pc.or_(pc.is_in(text, value_set=mine_no), pc.and_(pc.invert(known), pc.or_(
            pc.is_in(text, value_set=pa.array(FALSE_WORDS)), pc.match_substring_regex(text, NO_PREFIX_RE))))
        no = pc.and_(no, pc.invert(pc.is_in(text, value_set=pa.array(UNKNOWN_WORDS))))
        values = pc.if_else(yes, True, pc.if_else(no, False, None))
        return pa.StructArray.from_arrays([values, _bad(text, pc.or_(yes, no))], ["v", "bad"])

    out = on_distinct(arr, parse)
    return Parsed(out.field("v"), out.field("bad"))


def _false(n: int) -> pa.Array:
    return pa.array(np.zeros(n, dtype=bool))


def _ymd(text: pa.Array) -> pa.Array:
    """Dates written with a year, month and day (any of the usual separators or none): date32 or NULL."""
    sep = pc.extract_regex(text, YMD_SEP_RE)
    compact = pc.extract_regex(text, YMD_COMPACT_RE)
    parts = []
    for name, width in (("y", 4), ("m", 2), ("d", 2)):
        value = pc.coalesce(
            pc.if_else(sep.is_valid(), pc.struct_field(sep, name), None),
            pc.if_else(compact.is_valid(), pc.struct_field(compact, name), None),
        )
        parts.append(pc.utf8_lpad(value, width=width, padding="0"))
    iso = pc.binary_join_element_wise(*parts, "-")
    stamp = pc.strptime(iso, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 2025-02-30 over to March; a date must print back as it was written.
    exact = pc.equal(pc.strftime(stamp, format="%Y-%m-%d"), iso)
    return pc.if_else(pc.fill_null(exact, False), stamp.cast(pa.date32()), None)


def _year_month(text: pa.Array) -> pa.Array:
    """A month written without a day (see YM_RE): the month's first day as date32, else NULL."""
    ym = pc.extract_regex(text, YM_RE)
    m = pc.struct_field(ym, "m")
    month = pc.if_else(pc.equal(m, ""), pc.struct_field(ym, "mm"), m)  # an unmatched group is "", not NULL
    iso = pc.binary_join_element_wise(pc.struct_field(ym, "y"), pc.utf8_lpad(month, width=2, padding="0"), "01",
                                      "-")
    stamp = pc.strptime(iso, format="%Y-%m-%d", unit="s", error_is_null=True)
    return pc.if_else(ym.is_valid(), stamp.cast(pa.date32()), None)


def _excel_serial(text: pa.Array) -> pa.Array:
    """Excel day numbers 1..60000 (1 = 1900-01-01, honouring Excel's phantom 1900-02-29)."""
    ok = pc.match_substring_regex(text, SERIAL_RE)
    number = pc.floor(pc.if_else(ok, text, None).cast(pa.float64())).cast(pa.int64())
    in_range = pc.and_(pc.greater_equal(number, 1), pc.less_equal(number, EXCEL_SERIAL_MAX))
    days = pc.subtract(number, pc.if_else(pc.less(number, 60), 25568, 25569))
    return pc.if_else(in_range, days.cast(pa.int32()).cast(pa.date32()), None)


def to_date(arr: pa.Array, date_format: str | None = None) -> Parsed:
    t = arr.type
    if pa.types.is_date(t):
        return Parsed(arr.cast(pa.date32()), _false(len(arr)))
    if pa.types.is_timestamp(t):
        if t.tz is not None:
            arr = pc.local_timestamp(arr.cast(pa.timestamp(t.unit, "Asia/Shanghai")))
        return Parsed(arr.cast(pa.date32()), _false(len(arr)))

    fmt = None if date_format in (None, "auto") else date_format

    def parse(a: pa.Array) -> pa.Array:
        text = pc.replace_substring_regex(halfwidth(clean_text(a)), YMD_NUMBER_RE, r"\1")
        if fmt is not None:
            values = pc.strptime(text, format=fmt, unit="s", error_is_null=True).cast(pa.date32())
        else:
            values = pc.coalesce(_ymd(text), _year_month(text), _excel_serial(text))
        return pa.StructArray.from_arrays([values, _bad(text, pc.is_valid(values))], ["v", "bad"])

    out = on_distinct(arr, parse)
    return Parsed(out.field("v"), out.field("bad"))


def code_lookup(values: list[str | None], codes: dict[str, str], lookup: Callable[[str], str | None] | None,
                width: int | None) -> list[str | None]:
    """Per distinct value: the explicit map first, then the code list's code/label/aliases; digits that
    lost their leading zeros (1 for ethnicity 01) are padded to the list's code width."""
    out: list[str | None] = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        target = codes.get(v, v)
        if lookup is None:
            out.append(target)
            continue
        code = lookup(target)
        if code is None and width is not None and target.isdigit() and len(target) < width:
            code = lookup(target.zfill(width))
        out.append(code)
    return out


def to_code(arr: pa.Array, codes: dict[str, str], lookup: Callable[[str], str | None] | None,
            width: int | None) -> Parsed:
    def parse(a: pa.Array) -> pa.Array:
        text = halfwidth(clean_text(a))
        distinct = pc.unique(text)
        mapped = pa.array(code_lookup(distinct.to_pylist(), codes, lookup, width), pa.string())
        values = mapped.take(pc.index_in(text, value_set=distinct))
        return pa.StructArray.from_arrays([values, _bad(text, pc.is_valid(values))], ["v", "bad"])

    out = on_distinct(arr, parse)
    return Parsed(out.field("v"), out.field("bad"))

