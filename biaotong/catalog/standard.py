"""The loaded catalog: look-ups by id, by (entity, code) and by the Chinese words forms use."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process

from biaotong.catalog.model import CodeList, DataElement, Department, EntityType
from biaotong.errors import CatalogError, where

# Units written after a header, e.g. 耕地面积（亩）, 低保标准 (元): dropped before matching a term.
_UNITS = {
    "元",
    "万元",
    "亿元",
    "元/月",
    "元/年",
    "元/人",
    "亩",
    "公顷",
    "平方米",
    "平方公里",
    "人",
    "万人",
    "人次",
    "个",
    "户",
    "月",
    "年",
    "%",
    "次",
    "分",
    "岁",
    "天",
    "间",
    "头",
    "只",
    "千米",
    "公里",
    "台套",
    "家",
    "所",
    "处",
    "名",
    "级",
    "场次",
    "套",
    "辆",
    "座",
}
_TRAILING = re.compile(r"\(([^()]*)\)$")
_SPACES = re.compile(r"[\s*＊:：]+")


def normalize_term(text: str) -> str:
    """The form of a name, alias or header used for exact matching: NFKC (full-width → half-width),
    no spaces or required-field stars, lower case, without a trailing unit such as (元) or (单位：人)."""
    s = _SPACES.sub("", unicodedata.normalize("NFKC", str(text))).lower()
    m = _TRAILING.search(s)
    if m and (m.group(1) in _UNITS or m.group(1).startswith("单位")) and m.start() > 0:
        s = s[: m.start()]
    return s


def suggestions(word: str, choices: Iterable[str], limit: int = 3) -> list[str]:
    """Close matches for an unknown identifier, best first (for 'did you mean' messages)."""
    found = process.extract(word, list(choices), scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
    return [c for c, _score, _i in found]


def _unknown(kind_zh: str, kind_en: str, word: str, choices: Iterable[str], key: str) -> CatalogError:
    close = suggestions(word, choices)
    hint_zh = f"；您是否指：{', '.join(close)}" if close else ""
    hint_en = f"; did you mean: {', '.join(close)}" if close else ""
    return CatalogError(
        f"未知的{kind_zh} {word!r}{hint_zh}",
        f"unknown {kind_en} {word!r}{hint_en}",
        where(key=key),
        details={"suggestions": close},
    )


class Catalog:
    """Departments, entity types, code lists and data elements of the unified data standard."""

    def __init__(
        self,
        departments: Iterable[Department],
        entities: Iterable[EntityType],
        code_lists: Iterable[CodeList],
        elements: Iterable[DataElement],
    ) -> None:
        self.departments: dict[str, Department] = {d.id: d for d in departments}
        self.entities: dict[str, EntityType] = {e.id: e for e in entities}
        self.code_lists: dict[str, CodeList] = {c.id: c for c in code_lists}
        self._elements: dict[str, dict[str, DataElement]] = {e: {} for e in self.entities}
        self._terms: dict[str, list[DataElement]] = {}
        for el in elements:
            self._elements.setdefault(el.entity, {})[el.code] = el
        for el in self.elements:  # names first, so find() lists exact names before aliases
            self._terms.setdefault(normalize_term(el.name), []).append(el)
        for el in self.elements:
            for alias in el.aliases:
                bucket = self._terms.setdefault(normalize_term(alias), [])
                if el not in bucket:
                    bucket.append(el)

    # ── elements ──
    @property
    def elements(self) -> list[DataElement]:
        """Every data element, entity by entity, in file order."""
        return [el for by_code in self._elements.values() for el in by_code.values()]

    def elements_of(self, entity: str) -> list[DataElement]:
        self.entity(entity)
        return list(self._elements[entity].values())

    def has_element(self, entity: str, code: str) -> bool:
        return code in self._elements.get(entity, {})

    def element(self, entity: str, code: str | None = None) -> DataElement:
        """The element `code` of `entity` (or `element("resident.sex")`); CatalogError with close matches."""
        if code is None:
            entity, _, code = entity.partition(".")
        by_code = self._elements.get(entity)
        if by_code is None:
            raise _unknown("主体", "entity", entity, self.entities, entity)
        found = by_code.get(code)
        if found is None:
            named = [el.code for el in self.find(code, entity)]
            err = _unknown(
                "数据元",
                "data element",
                f"{entity}.{code}",
                [f"{entity}.{c}" for c in by_code],
                f"{entity}.{code}",
            )
            if named:  # the user wrote the Chinese name: say which code it is
                err.details["suggestions"] = [f"{entity}.{c}" for c in named] + err.details["suggestions"]
                err = CatalogError(
                    f"未知的数据元 {entity}.{code!r}；您是否指：{', '.join(err.details['suggestions'][:3])}",
                    f"unknown data element {entity}.{code!r}; did you mean: {', '.join(err.details['suggestions'][:3])}",
                    err.where,
                    details=err.details,
                )
            raise err
        return found

    def find(self, text: str, entity: str | None = None) -> list[DataElement]:
        """Elements whose Chinese name or alias is `text` (after normalize_term), names before aliases."""
        hits = self._terms.get(normalize_term(text), [])
        return [el for el in hits if entity is None or el.entity == entity]

    def terms(self, entity: str | None = None) -> list[tuple[str, DataElement]]:
        """Every (name or alias, element) pair, for header matchers."""
        return [
            (t, el) for el in self.elements if entity in (None, el.entity) for t in (el.name, *el.aliases)
        ]

    # ── the rest ──
    def entity(self, entity_id: str) -> EntityType:
        found = self.entities.get(entity_id)
        if found is None:
            raise _unknown("主体", "entity", entity_id, self.entities, entity_id)
        return found

    def code_list(self, list_id: str) -> CodeList:
        found = self.code_lists.get(list_id)
        if found is None:
            raise _unknown("代码集", "code list", list_id, self.code_lists, list_id)
        return found

    def department(self, dept: str) -> Department:
        """A department by id, name or alias (公安局 → public_security)."""
        if dept in self.departments:
            return self.departments[dept]
        wanted = normalize_term(dept)
        for d in self.departments.values():
            if wanted in {normalize_term(t) for t in (d.name, *d.aliases)}:
                return d
        raise _unknown("部门", "department", dept, self.departments, dept)

    def codes_of(self, element: DataElement) -> CodeList | None:
        return self.code_lists[element.code_list] if element.code_list else None

    def __repr__(self) -> str:
        return (
            f"Catalog({len(self.departments)} departments, {len(self.entities)} entities, "
            f"{len(self.code_lists)} code lists, {len(self.elements)} elements)"
        )
