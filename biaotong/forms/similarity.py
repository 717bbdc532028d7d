"""Chinese text similarity for headers: jieba tokens (with the library's words as a user dictionary),
character-level fuzzy ratios (rapidfuzz) and containment, normalised to 0..1.

The report period reads alike however the report's frequency names it (本月 / 本季度 / 当月 → 本期), and the
period's end (期末, 本月末, 年末) and 在保 are dropped as 在册 is: 期末户数 is 户数, 本月末在保 > 人数 the title's
programme's persons (fourth tuning round, 2026-12-03: 20 leaves of its aggregate batch, none lost on the tuning
half). 上月末 stays: a previous period's stock is another number."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache

import jieba
from rapidfuzz import fuzz

jieba.setLogLevel(logging.WARNING)
logging.getLogger("jieba").setLevel(logging.WARNING)

# 在册 (on the register) is what every count of a register is: 高血压患者 > 在册人数 is the patients
_SYNONYMS: tuple[tuple[str, str], ...] = (
    ("周岁", "岁"), ("及以上", "以上"), ("或以上", "以上"), ("（", "("), ("）", ")"), ("人员数", "人数"),
    ("人口数", "人口"), ("总人数", "人数"), ("数量", "数"), ("个数", "数"), ("家庭户数", "户数"),
    ("居民户数", "户数"), ("最低生活保障", "低保"), ("低保对象", "低保人员"), ("特困供养", "特困"),
    ("特困人员救助供养", "特困"), ("建档立卡", ""), ("在册", ""), ("城乡居民", "城乡"), ("六十", "60"), ("八十", "80"),
)
# the end of the report period (期末, 本月末, 年末) and 在保 (on the assistance roll) say what 在册 says: a count is
# of the stock at the period's end; 上月末 is kept (a previous period's stock is another number)
_STOCK = re.compile(r"(?<!上)本?[月季年期]末|在保")
# the period a report covers, however the report's frequency names it (本月新增 in a monthly report = 本期新增)
_PERIOD = re.compile(r"本季度|本季|本月|当月|当期|当季")
_DROP = re.compile(r"[()（）：:、，,。.\s\"'“”]")
_STOP = {"的", "及", "和", "与", "或", "其中", "合计", "小计", "总计", "情况", "（", "）"}
_added: set[str] = set()


def normalise(text: str) -> str:
    t = text
    for a, b in _SYNONYMS:
        t = t.replace(a, b)
    t = _PERIOD.sub("本期", _STOCK.sub("", t))
    return _DROP.sub("", t)


def add_words(words: Iterable[str]) -> None:
    """Teach jieba the library's and catalog's wording once (低保户数, 60周岁 …)."""
    for w in words:
        w = normalise(w)
        if 2 <= len(w) <= 12 and w not in _added:
            jieba.add_word(w, freq=2000)
            _added.add(w)
    tokens.cache_clear()


@lru_cache(maxsize=20000)
def tokens(text: str) -> frozenset[str]:
    return frozenset(w for w in jieba.lcut(text, HMM=False) if w.strip() and w not in _STOP)


def _token_f1(a: str, b: str) -> float:
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return 0.0
    common = ta & tb
    # parts of longer tokens count too: “低保户” vs “低保”+“户”
    ov = sum(len(w) for w in common)
    ov += sum(len(w) for w in ta - common if len(w) >= 2 and w in b)
    la, lb = sum(len(w) for w in ta), sum(len(w) for w in tb)
    prec, rec = min(ov / la, 1.0), min(ov / lb, 1.0)
    return 0.0 if prec + rec == 0 else 2 * prec * rec / (prec + rec)


def similarity(a: str, b: str) -> float:
    """0..1; 1 only for equal normalised texts."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    ratio = fuzz.ratio(a, b) / 100
    f1 = _token_f1(a, b) * 0.95
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    contain = 0.0
    if short in long_:
        contain = 0.62 + 0.33 * len(short) / len(long_)
    return min(max(ratio, f1, contain), 0.97)
