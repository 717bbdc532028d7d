"""Numbers in headers that are really filters: ages (60周岁以上, 0-17岁, 16至59周岁) and sex (其中：女).

Chinese statistical convention (统计上“以上”含本数、“以下”不含本数): 60岁以上 = age >= 60, 16岁以下 =
age < 16. A range a-b is inclusive (0-17岁 = 0..17) unless a sibling column starts at b (16-60岁 next to
60-80岁), in which case it is half-open so the buckets do not overlap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_N = r"(\d{1,3})"
_AGE = r"(?:周岁|岁)"
_RANGE = re.compile(rf"{_N}\s*(?:[-－—~～至到]|－)\s*{_N}\s*{_AGE}(?:以下)?")
_AT_LEAST = re.compile(rf"{_N}\s*{_AGE}?\s*(?:及以上|以上|或以上|\+)(?:的)?")
_BELOW = re.compile(rf"{_N}\s*{_AGE}\s*(?:及以下|以下|以内)(?:的)?")
_UNDER = re.compile(rf"(?:不满|未满|低于){_N}\s*{_AGE}")
_OVER = re.compile(rf"(?:满|年满){_N}\s*{_AGE}")
_SEX = {"女": "女", "女性": "女", "妇女": "女", "男": "男", "男性": "男"}
_SEX_PREFIX = re.compile(r"^(女性|男性)")
_SEX_SUFFIX = re.compile(r"(?<=\S\S)中的?(女性|男性|妇女)(?:人数|数)?$")  # 外出务工人员中女性


@dataclass(frozen=True)
class AgeRange:
    lo: int | None  # inclusive
    hi: int | None  # inclusive
    text: str

    def filter(self) -> str:
        parts = []
        if self.lo is not None and self.lo > 0:
            parts.append(f"age >= {self.lo}")
        if self.hi is not None:
            parts.append(f"age <= {self.hi}")
        return " and ".join(parts)

    def same(self, other: AgeRange | None) -> bool:
        """Equal, allowing 16-60岁 (inclusive as written) to meet 16..59 (half-open beside 60-80岁)."""
        if other is None or (self.lo or 0) != (other.lo or 0) or (self.hi is None) != (other.hi is None):
            return False
        if self.hi is None or other.hi is None or self.hi == other.hi:
            return True
        # only a range written a-b is ambiguous about its end; “16岁以下” is exact and ≠ 0-14岁
        return self.lo is not None and other.lo is not None and abs(self.hi - other.hi) <= 1


def find_age(text: str) -> AgeRange | None:
    """The age range a header names, or None. `text` should have no spaces."""
    if "百岁" in text:  # 百岁老人: a hundred and over
        return AgeRange(100, None, "百岁")
    m = re.search(r"劳动年龄段?", text)
    if m and "岁" not in text:  # 劳动年龄段持证残疾人: the statistical working age, 16 to 59
        return AgeRange(16, 59, m.group(0))
    if "岁" not in text and not re.search(r"\d\s*(?:及以上|以上)", text):
        return None
    m = _RANGE.search(text)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if m.group(0).endswith("以下"):
            hi -= 1
        return AgeRange(lo, hi, m.group(0))
    m = _AT_LEAST.search(text)
    if m and ("岁" in m.group(0) or "岁" in text):
        inclusive = "以上" in m.group(0) or "+" in m.group(0)
        return AgeRange(int(m.group(1)) if inclusive else int(m.group(1)) + 1, None, m.group(0))
    m = _BELOW.search(text)
    if m:
        n = int(m.group(1))
        return AgeRange(None, n if "及以下" in m.group(0) else n - 1, m.group(0))
    m = _UNDER.search(text)
    if m:
        return AgeRange(None, int(m.group(1)) - 1, m.group(0))
    m = _OVER.search(text)
    if m:
        return AgeRange(int(m.group(1)), None, m.group(0))
    return None


def fit_siblings(ranges: list[AgeRange | None]) -> list[AgeRange | None]:
    """Make a-b ranges half-open when a sibling begins at b (16-60岁 beside 60-80岁 → 16..59)."""
    starts = {r.lo for r in ranges if r is not None and r.lo is not None}
    out: list[AgeRange | None] = []
    for r in ranges:
        if r is not None and r.lo is not None and r.hi is not None and r.hi in starts and r.hi != r.lo:
            out.append(AgeRange(r.lo, r.hi - 1, r.text))
        else:
            out.append(r)
    return out


def strip_age(text: str, age: AgeRange | None) -> str:
    return text.replace(age.text, "") if age else text


def find_sex(text: str) -> str | None:
    """'女' / '其中：女性' / '女性人数' -> '女'."""
    t = re.sub(r"(?:人数|数|人口|人)$", "", re.sub(r"^(?:其中|性别)[:：]?", "", text))
    if t in _SEX:
        return _SEX[t]
    m = _SEX_PREFIX.match(text) or _SEX_SUFFIX.search(text)
    return _SEX[m.group(1)] if m else None


def strip_sex(text: str) -> str:
    return _SEX_SUFFIX.sub("", _SEX_PREFIX.sub("", text))
