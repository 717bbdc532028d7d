"""The effective-dated org tree: province › city › county › township › village.

Each row of `org_units` is one version of a unit, valid on [valid_from, valid_to). Renames close a version
and open the next under the same code; merges and splits close units and point them at the unit that holds
their data afterwards (`successor_code`). A report for today rolls the data of dissolved units into their
successors (`rollup`); a report for a past period uses the tree as it was (`as_of`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, select

from biaotong.errors import CatalogError, where
from biaotong.store.schema import org_units

if TYPE_CHECKING:
    from biaotong.catalog.orgimport import ImportResult

LEVELS = ("province", "city", "county", "township", "village")
LEVEL_ZH = {"province": "省", "city": "市", "county": "县", "township": "乡镇", "village": "村（社区）"}
# How many leading digits of a code identify a unit of each level (the rest are zeros).
PREFIX_LEN = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
BEGINNING = date(1900, 1, 1)  # valid_from of units whose YAML gives none: "as far back as it matters"


def level_of_code(code: str) -> str | None:
    """The level a 12-digit statistical division code denotes, or None if it is not such a code."""
    if len(code) != 12 or not code.isascii() or not code.isdigit():
        return None
    parts = (code[:2], code[2:4], code[4:6], code[6:9], code[9:])
    depth = sum(1 for p in parts if int(p))
    if depth == 0 or any(int(p) == 0 for p in parts[:depth]):  # zeros only after the last non-zero part
        return None
    return LEVELS[depth - 1]


def prefix_of(code: str, level: str) -> str:
    return code[: PREFIX_LEN[level]]


@dataclass(frozen=True)
class OrgUnit:
    code: str
    name: str
    level: str
    parent: str | None
    aliases: tuple[str, ...] = ()
    valid_from: date = BEGINNING
    valid_to: date | None = None  # exclusive; None while the unit exists
    successor: str | None = None  # where its data rolls up after 撤并

    def valid_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "parent": self.parent,
            "aliases": list(self.aliases),
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "successor": self.successor,
        }


@dataclass
class _DateIndex:
    units: dict[str, OrgUnit]
    children: dict[str | None, list[str]]


class OrgTree:
    """Every version of every unit. Methods take `on` (default: the tree's date, else today)."""

    def __init__(self, units: Iterable[OrgUnit], on: date | None = None) -> None:
        self._versions: dict[str, list[OrgUnit]] = {}
        for u in units:
            self._versions.setdefault(u.code, []).append(u)
        for versions in self._versions.values():
            versions.sort(key=lambda u: u.valid_from)
        self._on = on
        self._indexes: dict[date, _DateIndex] = {}
        self._names: dict[Any, Any] = {}  # caches of biaotong.catalog.orgnames

    @classmethod
    def load(cls, conn: Connection | Engine, on: date | None = None) -> OrgTree:
        if isinstance(conn, Engine):
            with conn.connect() as c:
                return cls.load(c, on)
        rows = conn.execute(select(org_units)).mappings()
        return cls((unit_from_row(r) for r in rows), on)

    def at(self, on: date) -> OrgTree:
        """The same tree with `on` as its default date."""
        tree = OrgTree((), on)
        tree._versions = self._versions
        return tree

    @property
    def default_date(self) -> date:
        return self._on or date.today()

    def index(self, on: date | None = None) -> _DateIndex:
        day = on or self.default_date
        idx = self._indexes.get(day)
        if idx is None:
            units = {c: u for c, vs in self._versions.items() for u in vs if u.valid_on(day)}
            children: dict[str | None, list[str]] = {}
            for u in sorted(units.values(), key=lambda u: u.code):
                children.setdefault(u.parent if u.parent in units else None, []).append(u.code)
            idx = self._indexes[day] = _DateIndex(units, children)
        return idx

    # ── queries ──
    def as_of(self, on: date | None = None, level: str | None = None) -> list[OrgUnit]:
        """The units valid on `on`, by code."""
        units = self.index(on).units.values()
        return sorted((u for u in units if level in (None, u.level)), key=lambda u: u.code)

    def codes(self) -> list[str]:
        """Every code that has ever existed."""
        return list(self._versions)

    def versions(self, code: str) -> list[OrgUnit]:
        return list(self._versions.get(code, ()))

    def __contains__(self, code: object) -> bool:
        return code in self._versions

    def get(self, code: str, on: date | None = None) -> OrgUnit:
        """The version of `code` valid on `on`; CatalogError if the unit does not exist then."""
        unit = self.index(on).units.get(code)
        if unit is None:
            day = on or self.default_date
            if code in self._versions:
                raise CatalogError(
                    f"组织机构 {code} 在 {day} 不存在（已撤并或尚未设立）",
                    f"org unit {code} does not exist on {day} (dissolved or not yet created)",
                    where(key=code),
                )
            raise CatalogError(f"未知的组织机构代码 {code}", f"unknown org unit code {code}", where(key=code))
        return unit

    def name_of(self, code: str, on: date | None = None) -> str | None:
        """The name on `on`, else the last name before it, else the first one (for labels of old data)."""
        versions = self._versions.get(code)
        if not versions:
            return None
        day = on or self.default_date
        before = [u for u in versions if u.valid_from <= day]
        return (before[-1] if before else versions[0]).name

    def children(self, code: str | None, on: date | None = None) -> list[OrgUnit]:
        idx = self.index(on)
        return [idx.units[c] for c in idx.children.get(code, ())]

    def roots(self, on: date | None = None) -> list[OrgUnit]:
        return self.children(None, on)

    def descendants(
        self, code: str, level: str | None = None, on: date | None = None, include_self: bool = False
    ) -> list[OrgUnit]:
        """Units below `code` on `on` (depth first, by code), only those of `level` if given."""
        idx = self.index(on)
        self.get(code, on)
        found: list[OrgUnit] = [idx.units[code]] if include_self else []
        stack = list(reversed(idx.children.get(code, ())))
        while stack:
            c = stack.pop()
            found.append(idx.units[c])
            stack.extend(reversed(idx.children.get(c, ())))
        return [u for u in found if level in (None, u.level)]

    def ancestors(self, code: str, on: date | None = None) -> list[OrgUnit]:
        """The parent, its parent … up to the root."""
        idx = self.index(on)
        unit = self.get(code, on)
        chain: list[OrgUnit] = []
        while unit.parent and unit.parent in idx.units and len(chain) < 10:
            unit = idx.units[unit.parent]
            chain.append(unit)
        return chain

    def rollup(self, code: str, on: date | None = None) -> str | None:
        """The unit that holds `code`'s data on `on`: itself while it exists, else its successor (followed
        through further merges and splits); None if it did not exist yet or was dissolved without one."""
        day = on or self.default_date
        seen: set[str] = set()
        current: str | None = code
        while current is not None and current not in seen:
            seen.add(current)
            versions = self._versions.get(current)
            if not versions:
                return None
            if any(u.valid_on(day) for u in versions):
                return current
            ended = [u for u in versions if u.valid_to is not None and u.valid_to <= day]
            if not ended:
                return None
            current = max(ended, key=lambda u: u.valid_to or day).successor
        return None

    def rollup_map(self, codes: Iterable[str], on: date | None = None) -> dict[str, str | None]:
        """rollup for each distinct code, for mapping a whole column at once."""
        return {c: self.rollup(c, on) for c in set(codes)}

    def resolve_name(
        self,
        name: str,
        parent: str | None = None,
        on: date | None = None,
        level: str | None = None,
        threshold: float = 85.0,
    ) -> tuple[str, float] | None:
        """The code of the unit called `name` (under `parent`, a name or a code), with a score 0–100."""
        from biaotong.catalog.orgnames import resolve

        return resolve(self, name, parent, on, level, threshold)

    def resolve_names(
        self,
        pairs: Iterable[tuple[str | None, str]],
        on: date | None = None,
        level: str | None = None,
        threshold: float = 85.0,
    ) -> dict[tuple[str | None, str], tuple[str, float] | None]:
        """resolve_name for each distinct (parent, name) pair: resolve the distinct pairs of a column once,
        then map the column through the dict."""
        return {(p, n): self.resolve_name(n, p, on, level, threshold) for p, n in set(pairs)}

    def __len__(self) -> int:
        return len(self._versions)


def unit_from_row(r: Any) -> OrgUnit:
    return OrgUnit(
        code=r["code"],
        name=r["name"],
        level=r["level"],
        parent=r["parent_code"],
        aliases=tuple(r["aliases"] or ()),
        valid_from=r["valid_from"],
        valid_to=r["valid_to"],
        successor=r["successor_code"],
    )


def import_org_tree(conn: Connection, path: Path | str, *, actor: str = "admin") -> ImportResult:
    """Load units and events from an org tree YAML file (recorded in the ledger); see biaotong.catalog.orgimport."""
    from biaotong.catalog.orgimport import import_org_tree as _import

    return _import(conn, path, actor=actor)
