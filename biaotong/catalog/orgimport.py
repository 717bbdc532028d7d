"""Importing an org tree YAML file into `org_units` / `org_events`.

    units:                                   # 12-digit codes; level is derived from the code if omitted
      - {code: "530000000000", name: 云南省}
      - {code: "530102001000", name: 华山街道, parent: "530102000000", aliases: [华山]}
      - {code: "530102001001", name: 红旗社区, valid_from: 2000-01-01}   # parent defaults to the prefix unit
    events:                                  # applied in date order; an event already recorded is skipped
      - {kind: rename, date: 2021-06-01, code: "…", name: 新名}
      - {kind: merge, date: 2022-01-01, units: ["A", "B"], into: "C", name: 新村}   # name only if C is new
      - {kind: split, date: 2023-01-01, unit: "A", into: [{code: "X", name: 甲村}, {code: "Y", name: 乙村}],
         successor: "X", children: {"<child of A>": "Y"}}

rename: the unit keeps its code; its version is closed on `date` and a new one opens with the new name and
the old name as an alias. merge: every unit of `units` other than `into` is closed on `date` with
successor_code = into; `into` is created if it does not exist (level and parent of the first unit); the
children of the closed units move to `into`. split: `unit` is closed on `date`; each unit of `into` is
created (same level and parent); the closed unit's successor (where its data rolls up until the sources
re-assign it) is `successor` if given, else the first unit of `into`; its children move to the unit
`children` names for them, else to the successor. A split unit may list its own code in `into` to keep
existing under a (new) name. Nothing is written unless the whole file is valid; the caller owns the
transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy import Connection, and_, insert, select, update

from biaotong.catalog.orgtree import BEGINNING, LEVELS, OrgUnit, level_of_code, prefix_of, unit_from_row
from biaotong.errors import CatalogError, ConfigError, where
from biaotong.ledger.events import Event as LedgerEvent
from biaotong.ledger.log import record
from biaotong.store.schema import org_events, org_units
from biaotong.yamlfile import read_yaml

OrgCode = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if isinstance(v, int) else v),
    StringConstraints(pattern=r"^\d{12}$"),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnitSpec(_Spec):
    code: OrgCode
    name: Text
    level: Literal["province", "city", "county", "township", "village"] | None = None
    parent: OrgCode | None = None
    aliases: list[Text] = Field(default_factory=list)
    valid_from: date | None = None
    valid_to: date | None = None


class RenameEvent(_Spec):
    kind: Literal["rename"]
    date: date
    code: OrgCode
    name: Text
    aliases: list[Text] = Field(default_factory=list)


class MergeEvent(_Spec):
    kind: Literal["merge"]
    date: date
    units: list[OrgCode] = Field(min_length=1)
    into: OrgCode
    name: Text | None = None
    aliases: list[Text] = Field(default_factory=list)


class SplitTarget(_Spec):
    code: OrgCode
    name: Text
    aliases: list[Text] = Field(default_factory=list)


class SplitEvent(_Spec):
    kind: Literal["split"]
    date: date
    unit: OrgCode
    into: list[SplitTarget] = Field(min_length=1)
    successor: OrgCode | None = None
    children: dict[str, OrgCode] = Field(default_factory=dict)


Event = Annotated[RenameEvent | MergeEvent | SplitEvent, Field(discriminator="kind")]


class OrgFile(_Spec):
    units: list[UnitSpec] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)


@dataclass
class ImportResult:
    units_added: int = 0
    units_updated: int = 0
    events_applied: int = 0
    events_skipped: int = 0


def read_org_file(path: Path) -> OrgFile:
    shown = str(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(
            "组织机构文件应包含 units 和/或 events",
            "an org tree file has units and/or events",
            where(file=shown),
        )
    try:
        return OrgFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"] if p not in ("rename", "merge", "split")]
        key = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        zh = {"missing": "缺少必填项", "extra_forbidden": "未知的键"}.get(
            err["type"], f"取值无效：{err['msg']}"
        )
        en = {"missing": "missing required key", "extra_forbidden": "unknown key"}.get(
            err["type"], f"invalid value: {err['msg']}"
        )
        if err["type"] == "string_pattern_mismatch":
            zh, en = f"代码应为12位数字：{err.get('input')!r}", f"a code has 12 digits: {err.get('input')!r}"
        raise ConfigError(zh, en, where(file=shown, key=key)) from exc


class _State:
    """All versions in memory while the file is applied; written back as a diff at the end."""

    def __init__(self, rows: list[OrgUnit], file: str) -> None:
        self.rows: dict[tuple[str, date], OrgUnit] = {}
        self.starts: dict[str, set[date]] = {}  # code -> valid_from of its versions
        for u in rows:
            self.put(u)
        self.original = dict(self.rows)
        self.file = file

    def err(self, key: str, zh: str, en: str) -> CatalogError:
        return CatalogError(zh, en, where(file=self.file, key=key))

    def valid(self, code: str, on: date) -> OrgUnit | None:
        versions = (self.rows[(code, f)] for f in self.starts.get(code, ()))
        return next((u for u in versions if u.valid_on(on)), None)

    def put(self, unit: OrgUnit) -> None:
        self.rows[(unit.code, unit.valid_from)] = unit
        self.starts.setdefault(unit.code, set()).add(unit.valid_from)

    def close(self, unit: OrgUnit, on: date, key: str, successor: str | None = None) -> None:
        if unit.valid_from >= on:
            raise self.err(
                key,
                f"{unit.code} 在 {on} 当天或之后才设立，不能在该日变更",
                f"{unit.code} starts on or after {on}, it cannot change on that date",
            )
        self.put(replace(unit, valid_to=on, successor=successor))

    def reopen(self, unit: OrgUnit, on: date, key: str, **changes: Any) -> OrgUnit:
        """Close `unit` on `on` and open its next version with `changes`."""
        self.close(unit, on, key)
        new = replace(unit, valid_from=on, valid_to=None, successor=None, **changes)
        self.put(new)
        return new

    def move_children(
        self, old_parent: str, on: date, target: dict[str, str], default: str, key: str
    ) -> None:
        for child in [
            u for (_c, _f), u in list(self.rows.items()) if u.parent == old_parent and u.valid_on(on)
        ]:
            self.reopen(child, on, key, parent=target.get(child.code, default))


def _add_unit(state: _State, spec: UnitSpec, key: str, declared: dict[str, UnitSpec]) -> None:
    derived = level_of_code(spec.code)
    if derived is None:
        raise state.err(
            f"{key}.code",
            f"{spec.code} 不是有效的12位统计用区划代码",
            f"{spec.code} is not a valid 12-digit division code",
        )
    if spec.level and spec.level != derived:
        raise state.err(
            f"{key}.level",
            f"代码 {spec.code} 表示{derived}级，而不是 {spec.level}",
            f"code {spec.code} denotes a {derived}, not a {spec.level}",
        )
    start = spec.valid_from or BEGINNING
    parent = spec.parent or _implied_parent(state, spec.code, derived, start, declared)
    if parent is not None:
        plevel = level_of_code(parent)
        known = parent in declared or state.valid(parent, start) is not None
        if not known or plevel is None:
            raise state.err(f"{key}.parent", f"上级 {parent} 不存在", f"parent {parent} does not exist")
        if LEVELS.index(plevel) >= LEVELS.index(derived) or not spec.code.startswith(
            prefix_of(parent, plevel)
        ):
            raise state.err(
                f"{key}.parent",
                f"{spec.code} 不在上级 {parent} 的代码范围内",
                f"{spec.code} is not within its parent {parent}'s code range",
            )
    old = state.rows.get((spec.code, start))
    unit = OrgUnit(
        spec.code,
        spec.name,
        derived,
        parent,
        tuple(spec.aliases),
        start,
        spec.valid_to,
        old.successor if old else None,
    )
    if old is not None and spec.valid_to is None:
        unit = replace(unit, valid_to=old.valid_to)
    state.put(unit)


def _implied_parent(
    state: _State, code: str, level: str, start: date, declared: dict[str, UnitSpec]
) -> str | None:
    for upper in reversed(LEVELS[: LEVELS.index(level)]):
        candidate = prefix_of(code, upper).ljust(12, "0")
        if candidate in declared or state.valid(candidate, start) is not None:
            return candidate
    return None


def _need(state: _State, code: str, on: date, key: str) -> OrgUnit:
    unit = state.valid(code, on)
    if unit is None:
        raise state.err(key, f"组织机构 {code} 在 {on} 不存在", f"org unit {code} does not exist on {on}")
    return unit


def _new_unit(
    state: _State, code: str, name: str, aliases: list[str], like: OrgUnit, on: date, key: str
) -> None:
    if level_of_code(code) != like.level:
        raise state.err(
            key,
            f"{code} 应为与 {like.code} 同级（{like.level}）的代码",
            f"{code} must be a {like.level} code like {like.code}",
        )
    if state.valid(code, on) is not None or any(f >= on for f in state.starts.get(code, ())):
        raise state.err(key, f"组织机构 {code} 已存在", f"org unit {code} already exists")
    state.put(OrgUnit(code, name, like.level, like.parent, tuple(aliases), on))


def _apply(state: _State, ev: RenameEvent | MergeEvent | SplitEvent, key: str) -> None:
    on = ev.date
    if isinstance(ev, RenameEvent):
        unit = _need(state, ev.code, on, f"{key}.code")
        aliases = tuple(dict.fromkeys([*unit.aliases, unit.name, *ev.aliases]))
        state.reopen(unit, on, key, name=ev.name, aliases=tuple(a for a in aliases if a != ev.name))
    elif isinstance(ev, MergeEvent):
        units = [_need(state, c, on, f"{key}.units[{i}]") for i, c in enumerate(ev.units)]
        if state.valid(ev.into, on) is None:
            if not ev.name:
                raise state.err(
                    f"{key}.name", f"新设单位 {ev.into} 需要 name", f"the new unit {ev.into} needs a name"
                )
            _new_unit(state, ev.into, ev.name, ev.aliases, units[0], on, f"{key}.into")
        for i, unit in enumerate(units):
            if unit.code != ev.into:
                state.close(unit, on, f"{key}.units[{i}]", successor=ev.into)
                state.move_children(unit.code, on, {}, ev.into, key)
    else:
        unit = _need(state, ev.unit, on, f"{key}.unit")
        codes = [t.code for t in ev.into]
        successor = ev.successor or codes[0]
        if successor not in codes:
            raise state.err(
                f"{key}.successor", f"{successor} 不在 into 中", f"{successor} is not one of into"
            )
        for child, target in ev.children.items():
            if target not in codes:
                raise state.err(
                    f"{key}.children.{child}", f"{target} 不在 into 中", f"{target} is not one of into"
                )
        for i, t in enumerate(ev.into):
            if t.code == unit.code:
                state.reopen(
                    unit,
                    on,
                    f"{key}.into[{i}]",
                    name=t.name,
                    aliases=tuple(dict.fromkeys([*unit.aliases, unit.name, *t.aliases])),
                )
            else:
                _new_unit(state, t.code, t.name, t.aliases, unit, on, f"{key}.into[{i}]")
        if unit.code not in codes:
            state.close(unit, on, f"{key}.unit", successor=successor)
        if successor != unit.code or ev.children:
            state.move_children(unit.code, on, ev.children, successor, key)


def _detail(ev: RenameEvent | MergeEvent | SplitEvent) -> dict[str, Any]:
    return ev.model_dump(mode="json", exclude={"kind", "date"})


def _check_overlaps(state: _State) -> None:
    by_code: dict[str, list[OrgUnit]] = {}
    for u in state.rows.values():
        by_code.setdefault(u.code, []).append(u)
    for code, versions in by_code.items():
        versions.sort(key=lambda u: u.valid_from)
        for a, b in pairwise(versions):
            if a.valid_to is None or a.valid_to > b.valid_from:
                raise state.err(
                    code,
                    f"{code} 的有效期重叠：{a.valid_from} 与 {b.valid_from}",
                    f"versions of {code} overlap: {a.valid_from} and {b.valid_from}",
                )
        for u in versions:
            if u.valid_to is not None and u.valid_to <= u.valid_from:
                raise state.err(
                    code, f"{code} 的 valid_to 早于 valid_from", f"{code}: valid_to is not after valid_from"
                )


def import_org_tree(conn: Connection, path: Path | str, *, actor: str = "admin") -> ImportResult:
    """Apply an org tree YAML file (units upserted, new events applied in date order) in the caller's
    transaction; on any error nothing is written and the error names the file and the key."""
    path = Path(path)
    spec = read_org_file(path)
    existing = [unit_from_row(r) for r in conn.execute(select(org_units)).mappings()]
    state = _State(existing, str(path))
    declared = {u.code: u for u in spec.units}
    order = sorted(
        range(len(spec.units)),
        key=lambda i: (LEVELS.index(level_of_code(spec.units[i].code) or "village"), i),
    )
    for i in order:
        _add_unit(state, spec.units[i], f"units[{i}]", declared)
    recorded = {
        (r.kind, r.effective_date, _canonical(r.detail)) for r in conn.execute(select(org_events)).all()
    }
    result = ImportResult()
    applied: list[RenameEvent | MergeEvent | SplitEvent] = []
    for i in sorted(range(len(spec.events)), key=lambda i: (spec.events[i].date, i)):
        ev = spec.events[i]
        if (ev.kind, ev.date, _canonical(_detail(ev))) in recorded:
            result.events_skipped += 1
            continue
        _apply(state, ev, f"events[{i}]")
        applied.append(ev)
    _check_overlaps(state)
    _write(conn, state, applied, result)
    if result.units_added or result.units_updated or result.events_applied:
        record(conn, LedgerEvent(
            action="catalog.change", actor=actor, object="org_tree",
            hashes={"file_sha256": hashlib.sha256(path.read_bytes()).hexdigest()},
            detail={"file": path.name, "units_added": result.units_added, "units_updated": result.units_updated,
                    "events_applied": result.events_applied},
        ))
    return result


def _canonical(detail: Any) -> str:
    return json.dumps(detail, sort_keys=True, ensure_ascii=False)


def _row(u: OrgUnit) -> dict[str, Any]:
    return {
        "code": u.code,
        "valid_from": u.valid_from,
        "valid_to": u.valid_to,
        "name": u.name,
        "level": u.level,
        "parent_code": u.parent,
        "aliases": list(u.aliases),
        "successor_code": u.successor,
    }


def _write(conn: Connection, state: _State, applied: list[Any], result: ImportResult) -> None:
    new = [_row(u) for k, u in state.rows.items() if k not in state.original]
    changed = [u for k, u in state.rows.items() if k in state.original and state.original[k] != u]
    if new:
        conn.execute(insert(org_units), new)
    for u in changed:
        values = _row(u)
        conn.execute(
            update(org_units)
            .where(and_(org_units.c.code == u.code, org_units.c.valid_from == u.valid_from))
            .values({k: v for k, v in values.items() if k not in ("code", "valid_from")})
        )
    now = datetime.now(UTC)
    if applied:
        conn.execute(
            insert(org_events),
            [
                {"kind": ev.kind, "effective_date": ev.date, "detail": _detail(ev), "created_at": now}
                for ev in applied
            ],
        )
    result.units_added, result.units_updated, result.events_applied = len(new), len(changed), len(applied)
