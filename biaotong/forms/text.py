"""Header text: whitespace, unit notes （人）（户）（万元）, qualifiers (累计值), and 单位：人、元 lines."""

from __future__ import annotations

import re

UNITS: tuple[str, ...] = (
    "人", "户", "元", "万元", "亿元", "千元", "%", "‰", "个", "家", "所", "间", "套", "台", "台套", "辆", "头",
    "只", "头只匹", "亩", "公顷", "平方米", "平方公里", "千米", "公里", "皮长公里", "米", "吨", "万人", "人次",
    "户次", "次", "场", "场次", "支", "对", "处", "座", "元/月", "元/年", "元/人", "元/人·月", "人/平方公里", "月", "年",
    "岁", "周岁", "张", "件", "项", "册", "床", "张床", "小时", "宗", "份", "批次", "起", "栋", "条", "名",
)
_UNIT_SET = set(UNITS)
_WS = re.compile(r"[\s\u3000\xa0]+")
_PAREN = re.compile(r"[（(]\s*([^（）()]{1,12}?)\s*[)）]")
_UNIT_LINE = re.compile(r"(?<![表报送制编计上])(?:金额|计量)?单位\s*[:：]\s*([^\s:：]+(?:\s*[、，,/]\s*[^\s:：]+)*)")
_PREFIX = re.compile(r"^(?:其中\s*[:：]?|含\s*[:：]|内\s*[:：]|注\s*[:：])\s*")
# “一、二级” lists two grades, it is not item 一 (numbering is never followed by another numeral)
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、.．](?![一二三四五六七八九十])|\d+[、.．](?!\d)|[（(][一二三四五六七八九十\d]+[)）])\s*")


def clean(value: object) -> str:
    """Cell text on one line: newlines, full-width and repeated spaces collapse."""
    if value is None:
        return ""
    text = str(value)
    return _WS.sub(" ", text).strip()


def compact(text: str) -> str:
    """Text with every space removed (Chinese headers are often spaced out: “地  区”)."""
    return _WS.sub("", text)


def is_unit(text: str) -> bool:
    t = compact(text).replace("（", "").replace("）", "")
    return t in _UNIT_SET or bool(re.fullmatch(r"[万亿千]?元/(?:人|户|月|年|人·月|人月|亩)", t))


def split_units(text: str) -> tuple[str, str | None, list[str]]:
    """'当月资金支出数 (万元)' -> ('当月资金支出数', '万元', []); '紧急转移安置人口(累计值)' ->
    ('紧急转移安置人口', None, ['累计值']). The last unit note wins; other parentheses are qualifiers
    and stay in the name unless they are pure notes like （累计值）."""
    unit: str | None = None
    qualifiers: list[str] = []
    name = text

    def sub(m: re.Match[str]) -> str:
        nonlocal unit
        inner = compact(m.group(1))
        if is_unit(inner):
            unit = inner
            return ""
        if inner.endswith("值") or inner in {"累计", "实时", "当月", "本月", "本年", "上年"}:
            qualifiers.append(inner)
            return ""
        return m.group(0)

    name = _PAREN.sub(sub, name)
    # "数（人）" style already handled; a trailing “/人” or “：人” is rare, ignore it.
    return compact(name), unit, qualifiers


def strip_prefix(text: str) -> str:
    """'其中：女' -> '女'; '1.低保户数' -> '低保户数'."""
    t = _PREFIX.sub("", text)
    return _NUMBERING.sub("", t)


def unit_line(text: str) -> list[str]:
    """'单位：人、元' -> ['人', '元']; '金额单位：万元' -> ['万元']; other text (填表单位：…) -> []."""
    out: list[str] = []
    for m in _UNIT_LINE.finditer(text):
        for part in re.split(r"[、，,/\s]+", m.group(1)):
            unit = next((part[:n] for n in range(len(part), 0, -1) if is_unit(part[:n])), None)
            if unit is None:
                break
            out.append(unit)
            if unit != part:
                break
    return out


_NUMERIC = re.compile(r"^[-+]?\d+(?:\.\d+)?%?$")


def is_numeric(value: object) -> bool:
    if isinstance(value, int | float):
        return True
    return bool(_NUMERIC.match(clean(value)))
