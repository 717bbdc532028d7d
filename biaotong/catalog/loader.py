"""Loading the catalog: the package's YAML, then each administrator directory on top of it.

Layout of a catalog directory (the package's `data/` and every extra dir alike; every part optional in an
extra dir)::

    departments.yaml      departments: [{id, name, aliases}]
    entities.yaml         entities: [{id, name, key, org, aliases}]
    codelists/<id>.yaml   one code list: {id, name, standard, codes: [{code, label, aliases, includes}]}
    elements/<entity>.yaml  {entity: <entity>, elements: [{code, name, aliases, value_type, ...}]}

Later directories override earlier ones by id (department, entity, code list) or by (entity, code) for
elements: the keys they give replace the earlier values, except `aliases` (and a code's `includes`), which are added to the earlier
ones (so an administrator can teach the catalog the wordings of local forms). Codes of a code list merge by
code the same way. Duplicates inside one directory are errors. Everything is validated once at the end,
and every error names the file and the key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from biaotong.catalog.model import Code, CodeList, DataElement, Department, EntityType
from biaotong.catalog.specs import CodeListSpec, DepartmentSpec, ElementSpec, EntitySpec
from biaotong.catalog.standard import Catalog, normalize_term
from biaotong.errors import CatalogError, where
from biaotong.yamlfile import read_yaml

PACKAGE_DIR = Path(__file__).parent / "data"
_M = TypeVar("_M", bound=BaseModel)


@dataclass
class _Raw:
    """One record being merged, with where it was last written (for error messages)."""

    data: dict[str, Any]
    file: str
    key: str  # e.g. 'elements[12]'


@dataclass(frozen=True)
class _Label:
    """How a file is named in errors: relative for the package's own files, full for an administrator's."""

    root: Path | None

    def __call__(self, rel: str) -> str:
        return rel if self.root is None else str(self.root / rel)


@dataclass
class _State:
    departments: dict[str, _Raw] = field(default_factory=dict)
    entities: dict[str, _Raw] = field(default_factory=dict)
    code_lists: dict[str, _Raw] = field(default_factory=dict)
    elements: dict[tuple[str, str], _Raw] = field(default_factory=dict)


def load_catalog(extra_dirs: Iterable[Path | str] = ()) -> Catalog:
    """The package catalog, extended and overridden by the administrator's directories in order."""
    extras = tuple(Path(d) for d in extra_dirs)
    if not extras:
        return _package_catalog()
    return _load((PACKAGE_DIR, *extras))


@cache
def _package_catalog() -> Catalog:
    return _load((PACKAGE_DIR,))


def _load(dirs: tuple[Path, ...]) -> Catalog:
    state = _State()
    for d in dirs:
        if not d.is_dir():
            raise CatalogError(
                f"数据标准目录不存在：{d}", f"catalog directory does not exist: {d}", where(file=str(d))
            )
        _read_dir(d, _Label(None if d == PACKAGE_DIR else d), state)
    return _build(state)


# ── reading ────────────────────────────────────────────────────────────────────────────────────────


def _read_yaml(path: Path, shown: str) -> Any:
    return read_yaml(path, error=CatalogError, shown=shown)


def _mapping(data: Any, shown: str, key: str | None = None) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise CatalogError("应为键值映射", "expected a mapping", where(file=shown, key=key))
    return data


def _records(data: dict[str, Any], name: str, shown: str) -> list[dict[str, Any]]:
    if name not in data:
        raise CatalogError(f"缺少必填项 {name}", f"missing required key {name}", where(file=shown, key=name))
    items = data[name] or []
    if not isinstance(items, list):
        raise CatalogError("应为列表", "expected a list", where(file=shown, key=name))
    for i, item in enumerate(items):
        _mapping(item, shown, f"{name}[{i}]")
    return items


def _ident(item: dict[str, Any], field_name: str, shown: str, key: str) -> str:
    value = item.get(field_name)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(
            f"缺少必填项 {field_name}（应为字符串）",
            f"missing required key {field_name} (a string)",
            where(file=shown, key=f"{key}.{field_name}"),
        )
    return value.strip()


def _merge(
    target: dict[Any, _Raw], ident: Any, item: dict[str, Any], shown: str, key: str, seen: dict[Any, str]
) -> None:
    if ident in seen:
        raise CatalogError(
            f"重复定义 {_show(ident)}（已在 {seen[ident]} 中定义）",
            f"duplicate {_show(ident)} (already defined at {seen[ident]})",
            where(file=shown, key=key),
        )
    seen[ident] = f"{shown}: {key}"
    old = target.get(ident)
    if old is None:
        target[ident] = _Raw(dict(item), shown, key)
        return
    merged = {**old.data, **item}
    if isinstance(item.get("aliases"), list) and isinstance(old.data.get("aliases"), list):
        merged["aliases"] = list(dict.fromkeys([*old.data["aliases"], *item["aliases"]]))
    target[ident] = _Raw(merged, shown, key)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _show(ident: Any) -> str:
    return ".".join(ident) if isinstance(ident, tuple) else str(ident)


def _read_dir(d: Path, label: _Label, state: _State) -> None:
    for name, target in (("departments", state.departments), ("entities", state.entities)):
        path = d / f"{name}.yaml"
        if path.exists():
            shown = label(f"{name}.yaml")
            seen: dict[Any, str] = {}
            for i, item in enumerate(_records(_mapping(_read_yaml(path, shown), shown), name, shown)):
                key = f"{name}[{i}]"
                _merge(target, _ident(item, "id", shown, key), item, shown, key, seen)
    seen_lists: dict[Any, str] = {}
    for path in sorted((d / "codelists").glob("*.y*ml")):
        shown = label(f"codelists/{path.name}")
        _read_code_list(_mapping(_read_yaml(path, shown), shown), shown, state, seen_lists)
    seen_elements: dict[Any, str] = {}
    for path in sorted((d / "elements").glob("*.y*ml")):
        shown = label(f"elements/{path.name}")
        data = _mapping(_read_yaml(path, shown), shown)
        entity = data.get("entity", path.stem)
        if entity != path.stem:
            raise CatalogError(
                f"entity {entity!r} 与文件名 {path.stem!r} 不一致",
                f"entity {entity!r} does not match the file name {path.stem!r}",
                where(file=shown, key="entity"),
            )
        extra = set(data) - {"entity", "elements"}
        if extra:
            raise CatalogError(
                f"未知的键 {sorted(extra)[0]}",
                f"unknown key {sorted(extra)[0]}",
                where(file=shown, key=sorted(extra)[0]),
            )
        for i, item in enumerate(_records(data, "elements", shown)):
            key = f"elements[{i}]"
            code = _ident(item, "code", shown, key)
            _merge(state.elements, (entity, code), item, shown, key, seen_elements)


def _read_code_list(data: dict[str, Any], shown: str, state: _State, seen: dict[Any, str]) -> None:
    list_id = _ident(data, "id", shown, "id").strip()
    codes = _records(data, "codes", shown) if "codes" in data or list_id not in state.code_lists else []
    local: dict[str, str] = {}
    for i, c in enumerate(codes):
        code = c.get("code")
        if isinstance(code, str) and code.strip() in local:
            raise CatalogError(
                f"代码 {code!r} 重复（已在 {local[code.strip()]} 中定义）",
                f"duplicate code {code!r} (already at {local[code.strip()]})",
                where(file=shown, key=f"codes[{i}].code"),
            )
        if isinstance(code, str):
            local[code.strip()] = f"codes[{i}]"
    old = state.code_lists.get(list_id)
    if old is not None and list_id not in seen:
        by_code = {str(c.get("code")).strip(): dict(c) for c in old.data.get("codes", [])}
        for c in codes:
            code = str(c.get("code")).strip()
            prev = by_code.get(code)
            if prev is None:
                by_code[code] = dict(c)
            else:
                merged = {**prev, **c}
                for key in ("aliases", "includes"):  # an administrator's words add to the package's
                    merged[key] = list(dict.fromkeys([*_as_list(prev.get(key)), *_as_list(c.get(key))]))
                by_code[code] = merged
        data = {
            **old.data,
            **{k: v for k, v in data.items() if k != "codes"},
            "codes": list(by_code.values()),
        }
        state.code_lists.pop(list_id)
    _merge(state.code_lists, list_id, data, shown, "id", seen)


# ── validating and building ────────────────────────────────────────────────────────────────────────


def _validate(model: type[_M], raw: _Raw, prefix: str) -> _M:
    try:
        return model.model_validate(raw.data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        key = f"{prefix}{loc}" if prefix else loc.lstrip(".")
        zh, en = _describe(err)
        raise CatalogError(zh, en, where(file=raw.file, key=key)) from exc


def _describe(err: Any) -> tuple[str, str]:
    kind, text = err["type"], err["msg"]
    if kind == "missing":
        return "缺少必填项", "missing required key"
    if kind == "extra_forbidden":
        return "未知的键", "unknown key"
    if kind == "string_type":
        return (
            f'应为字符串（代码请加引号，如 "01"），实际为 {err.get("input")!r}',
            f'expected a string (quote codes, e.g. "01"), got {err.get("input")!r}',
        )
    if kind == "literal_error":
        return f"取值无效：{err.get('input')!r}；{text}", f"invalid value {err.get('input')!r}: {text}"
    if kind == "string_pattern_mismatch":
        return (
            f"标识符 {err.get('input')!r} 只能包含小写字母、数字和下划线",
            f"identifier {err.get('input')!r} must be snake_case",
        )
    return f"取值无效：{text}", f"invalid value: {text}"


def _fail(raw: _Raw, sub: str, zh: str, en: str) -> CatalogError:
    return CatalogError(zh, en, where(file=raw.file, key=f"{raw.key}.{sub}" if raw.key != "id" else sub))


def _build(state: _State) -> Catalog:
    departments = {k: _validate(DepartmentSpec, r, r.key) for k, r in state.departments.items()}
    entities = {k: _validate(EntitySpec, r, r.key) for k, r in state.entities.items()}
    lists = {k: _validate(CodeListSpec, r, "") for k, r in state.code_lists.items()}
    for list_id, spec in lists.items():
        _check_code_list(spec, state.code_lists[list_id])
    elements: list[DataElement] = []
    for (entity, _code), raw in state.elements.items():
        spec = _validate(ElementSpec, raw, raw.key)
        if entity not in entities:
            raise CatalogError(
                f"未知的主体 {entity!r}", f"unknown entity {entity!r}", where(file=raw.file, key="entity")
            )
        if spec.code_list and spec.code_list not in lists:
            raise _fail(
                raw, "code_list", f"未知的代码集 {spec.code_list!r}", f"unknown code list {spec.code_list!r}"
            )
        if spec.source_department not in departments:
            raise _fail(
                raw,
                "source_department",
                f"未知的部门 {spec.source_department!r}",
                f"unknown department {spec.source_department!r}",
            )
        elements.append(
            DataElement(
                code=spec.code,
                entity=entity,
                name=spec.name,
                value_type=spec.value_type,
                definition=spec.definition,
                source_department=spec.source_department,
                sensitivity=spec.sensitivity,
                aliases=tuple(spec.aliases),
                unit=spec.unit,
                code_list=spec.code_list,
                validator=spec.validator,
                collected=spec.collected,
                validity=spec.validity,
            )
        )
    _check_terms(elements, state)
    for ent in entities.values():
        for role in ("key", "org"):
            code = getattr(ent, role)
            if (ent.id, code) not in state.elements:
                raw = state.entities[ent.id]
                raise _fail(
                    raw,
                    role,
                    f"主体 {ent.id} 没有数据元 {code!r}",
                    f"entity {ent.id} has no element {code!r}",
                )
    return Catalog(
        departments=[Department(d.id, d.name, tuple(d.aliases)) for d in departments.values()],
        entities=[EntityType(e.id, e.name, e.key, e.org, tuple(e.aliases), e.registered_by) for e in entities.values()],
        code_lists=[
            CodeList(
                c.id, c.name, c.standard, tuple(Code(x.code, x.label, tuple(x.aliases), tuple(x.includes)) for x in c.codes)
            )
            for c in lists.values()
        ],
        elements=elements,
    )


def _check_code_list(spec: CodeListSpec, raw: _Raw) -> None:
    """A label or alias must name one code only, or lookups would be ambiguous."""
    owner: dict[str, str] = {}
    for i, c in enumerate(spec.codes):
        for text in (c.label, *c.aliases, *c.includes):
            t = text.strip().lower()
            if owner.setdefault(t, c.code) != c.code:
                raise CatalogError(
                    f"{text!r} 同时指向代码 {owner[t]} 和 {c.code}",
                    f"{text!r} names both code {owner[t]} and code {c.code}",
                    where(file=raw.file, key=f"codes[{i}].aliases"),
                )


def _check_terms(elements: list[DataElement], state: _State) -> None:
    """Within an entity, a name or alias must point at one element, or header matching would guess."""
    owner: dict[tuple[str, str], str] = {}
    for el in elements:
        for text in (el.name, *el.aliases):
            t = (el.entity, normalize_term(text))
            if owner.setdefault(t, el.code) != el.code:
                raw = state.elements[(el.entity, el.code)]
                raise _fail(
                    raw,
                    "aliases",
                    f"{text!r} 已是 {el.entity}.{owner[t]} 的名称或别名",
                    f"{text!r} is already the name or an alias of {el.entity}.{owner[t]}",
                )
