"""Label columns: which header texts name the row's unit (地区, 乡镇（街道）, 村（社区）, 单位名称) or number it (序号).

Forms spell these many ways (乡镇(街道), 乡 镇, 镇（街道）名称, 村居委会), so a text is normalised — spaces out,
brackets to one style — and then looked up, or recognised by its shape: a short text naming a place and no
measure (村干部人数 names a count, not a village).
"""

from __future__ import annotations

import re

from biaotong.forms.text import compact

INDEX_NAMES = {"序号", "序", "行次", "顺序号", "编号", "行号", "序列"}
# normalised label text -> org level it names ("org" = the row's own unit, "code" = its division code)
LABEL_LEVELS: dict[str, str] = {
    "地区": "org", "区域": "org", "单位": "org", "单位名称": "org", "机构名称": "org", "名称": "org",
    "行政区划": "org", "区划名称": "org", "统计单位": "org", "地区名称": "org", "辖区": "org", "填报单位": "org",
    "省": "province", "市": "city", "市州": "city", "地市": "city", "县": "county", "区县": "county",
    "县(市、区)": "county", "县(市、区、旗)": "county", "县(区)": "county", "县(市)": "county",
    "镇": "township", "乡": "township", "乡镇": "township", "乡(镇)": "township", "街道": "township",
    "乡镇(街道)": "township", "镇(街道)": "township", "乡(镇、街道)": "township", "乡镇街道": "township",
    "村": "village", "社区": "village", "村/社区": "village", "村(社区)": "village", "村(居)": "village",
    "行政村": "village", "村居": "village", "村居委会": "village", "村(居)委会": "village", "村社区": "village",
    "机构代码": "code", "区划代码": "code", "行政区划代码": "code", "单位代码": "code", "统计代码": "code",
}
# measure words: a header holding one names a number, never a row label
_MEASURE = re.compile(r"数|率|额|金|人|户|面积|比|量|值|标准|补贴|费|次|合计|小计|总计|其中|[0-9]")
_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    # 村名 / 乡镇名 as well as …名称 (a 台账's own columns)
    (re.compile(r"^(?:所属)?(?:村|社区|村居|行政村)(?:\(.*\))?(?:名称|名|委会)?$"), "village"),
    (re.compile(r"^(?:所属)?(?:乡镇?|镇|街道)(?:\(.*\))?(?:名称|名)?$"), "township"),
    (re.compile(r"^(?:所属)?(?:县|区县|县区|县\(.*\))(?:名称|名)?$"), "county"),
    (re.compile(r"^(?:单位|地区|机构|区划|填报单位)(?:名称)?$"), "org"),
)


def normalise(text: str) -> str:
    """'乡镇（街道）' and '乡 镇(街道)' -> '乡镇(街道)'."""
    return compact(text).replace("（", "(").replace("）", ")").rstrip(":：")


def is_index(text: str) -> bool:
    return normalise(text) in INDEX_NAMES


def label_level(text: str) -> str | None:
    """The org level a label-column header names, or None when it names a measure or anything else."""
    t = normalise(text)
    if t in LABEL_LEVELS:
        return LABEL_LEVELS[t]
    if len(t) > 12 or _MEASURE.search(re.sub(r"\(.*?\)", "", t)):
        return None
    for pattern, level in _SHAPES:
        if pattern.match(t):
            return level
    return None
