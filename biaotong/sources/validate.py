"""Citizen ID numbers and unified social credit codes: normalised and checked with the catalog's
vectorised validators; the reason of each bad value is worked out with Arrow kernels too."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from biaotong.catalog.validators import citizen_id_valid, normalize_citizen_id, uscc_valid
from biaotong.sources.transforms import Parsed, clean_text, halfwidth, patch


def _compact_upper(raw: pa.Array) -> pa.Array:
    """Trimmed, upper-case; full-width characters and inner spaces or dashes fixed where the length is off."""
    text = pc.utf8_upper(clean_text(raw))
    odd = pc.not_equal(pc.utf8_length(text), 18)
    return patch(text, odd, lambda sub: pc.replace_substring_regex(halfwidth(sub), r"[\s\-]+", ""))


def _length_reason(text: pa.Array, bad: pa.Array, what_zh: str, what_en: str, other_zh: str, other_en: str
                   ) -> tuple[pa.Array, pa.Array]:
    if not pc.any(bad).as_py():
        nothing = pa.nulls(len(text), pa.string())
        return nothing, nothing
    length = pc.utf8_length(text)
    wrong_len = pc.not_equal(length, 18)
    n = pc.cast(length, pa.string())
    zh = pc.if_else(wrong_len, pc.binary_join_element_wise(f"{what_zh}应为18位，实际为", n, "位", ""), other_zh)
    en = pc.if_else(wrong_len, pc.binary_join_element_wise(f"{what_en} has 18 characters, not ", n, ""), other_en)
    return pc.if_else(bad, zh, None), pc.if_else(bad, en, None)


def _upgrade_15(text: pa.Array) -> pa.Array:
    """Old 15-digit numbers become their 18-digit form (few rows; done per distinct value)."""
    old = pc.fill_null(pc.equal(pc.utf8_length(text), 15), False)
    if not pc.any(old).as_py():
        return text
    old = pc.and_(old, pc.fill_null(pc.match_substring_regex(text, r"^\d{15}$"), False))
    distinct = pc.unique(text.filter(old))
    upgraded = pa.array([normalize_citizen_id(v) for v in distinct.to_pylist()], pa.string())
    index = pc.index_in(text, value_set=distinct)
    return pc.if_else(old, upgraded.take(index), text)


def to_citizen_id(raw: pa.Array) -> Parsed:
    text = _upgrade_15(_compact_upper(raw))
    valid = pa.array(citizen_id_valid(text))
    bad = pc.and_(pc.is_valid(text), pc.invert(valid))
    zh, en = _length_reason(text, bad, "身份号码", "an ID number",
                            "身份号码无效（校验码、出生日期或地址码不符）",
                            "invalid ID number (check digit, birth date or region code)")
    return Parsed(pc.if_else(valid, text, None), bad, zh, en)


def to_uscc(raw: pa.Array) -> Parsed:
    text = _compact_upper(raw)
    valid = pa.array(uscc_valid(text)) if len(text) else pa.array(np.zeros(0, bool))
    bad = pc.and_(pc.is_valid(text), pc.invert(valid))
    zh, en = _length_reason(text, bad, "统一社会信用代码", "a credit code",
                            "统一社会信用代码无效（含不允许的字符或校验码错误）",
                            "invalid credit code (a character not allowed or a wrong check character)")
    return Parsed(pc.if_else(valid, text, None), bad, zh, en)
