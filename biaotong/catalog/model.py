"""The standard's nouns: departments, code lists, entity types and data elements. Pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ValueType = Literal["string", "integer", "decimal", "boolean", "date", "code"]
Sensitivity = Literal["public", "internal", "personal", "sensitive"]
# public: anyone; internal: staff; personal: 个人信息 (names, addresses); sensitive: 敏感个人信息
# (ID numbers, phones, health, disability) — masked for roles without clearance, every read recorded.
SENSITIVITY_ORDER: dict[str, int] = {"public": 0, "internal": 1, "personal": 2, "sensitive": 3}


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    aliases: tuple[str, ...] = ()
    includes: tuple[str, ...] = ()  # kinds lumped into this code: read as it, never a synonym of it


@dataclass(frozen=True)
class CodeList:
    id: str
    name: str
    standard: str | None
    codes: tuple[Code, ...]
    _index: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Exact code first, then labels and aliases (case-insensitive), so '1', '男', 'M' all resolve.
        index: dict[str, str] = {}
        for c in self.codes:
            for text in (c.label, *c.aliases, *c.includes):
                index.setdefault(text.strip().lower(), c.code)
        for c in self.codes:
            index[c.code.lower()] = c.code
        object.__setattr__(self, "_index", index)

    def lookup(self, value: str) -> str | None:
        """The standard code for a code, label or alias; None if the value is not in the list."""
        return self._index.get(str(value).strip().lower())

    def label(self, code: str) -> str | None:
        for c in self.codes:
            if c.code == code:
                return c.label
        return None


@dataclass(frozen=True)
class EntityType:
    id: str  # resident, household, enterprise, village
    name: str  # 人口, 户, 市场主体, 村情
    key: str  # element code of the entity key, e.g. id_number
    org: str = "org_code"  # element code placing each row in an org unit (a village/community code)
    aliases: tuple[str, ...] = ()
    registered_by: str | None = None  # department id whose sources are the register of who exists; None: every source


@dataclass(frozen=True)
class DataElement:
    code: str  # snake_case, unique within its entity; used in field expressions
    entity: str
    name: str
    value_type: ValueType
    definition: str
    source_department: str  # the one authoritative source (一数一源); 'grassroots' if only collected
    sensitivity: Sensitivity = "internal"
    aliases: tuple[str, ...] = ()
    unit: str | None = None
    code_list: str | None = None
    validator: str | None = None  # 'citizen_id' or 'uscc'
    collected: bool = False  # no system holds it: grassroots fill it in once
    validity: str = "year"  # period | month | year | until_changed: how long a given answer is the answer

    @property
    def qualified(self) -> str:
        return f"{self.entity}.{self.code}"
