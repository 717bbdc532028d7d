"""The source spec: a YAML file declaring how to read a department system and map it to the standard.

`load_source_spec(path, catalog)` parses and checks it; every problem is a SourceError naming the file,
the line and the dotted key to fix (e.g. `columns.XB.element`). `${ENV}` references stay unexpanded here
(they are secrets) and are expanded only when connecting.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from biaotong.errors import BiaotongError, SourceError, where
from biaotong.sources.connectors import connector_class
from biaotong.sources.yamlmarks import MarkedYaml, read_yaml

if TYPE_CHECKING:
    from biaotong.catalog.model import DataElement

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
IDENT_RE = re.compile(r"^[A-Za-z_\u4e00-\u9fff][A-Za-z0-9_$\u4e00-\u9fff]*$")
ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8", "gbk": "gbk", "gb2312": "gbk",
             "gb18030": "gb18030"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paging(_Strict):
    """HTTP paging: ask page `start`, `start+1`, … until a page returns fewer than `size` records."""

    page_param: str = "page"
    size_param: str | None = "size"
    size: int = Field(default=500, ge=1)
    start: int = 0
    max_pages: int = Field(default=100_000, ge=1)


class Connection(_Strict):
    kind: str
    url: str | None = None
    path: str | None = None
    encoding: str = "utf-8"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    sheet: str | None = None
    header_row: int | None = Field(default=None, ge=1)
    records: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)
    paging: Paging | None = None
    timeout: float = Field(default=30.0, gt=0)
    options: dict[str, Any] = Field(default_factory=dict)  # for a third-party connector's own settings

    @model_validator(mode="after")
    def _encoding(self) -> Connection:
        enc = ENCODINGS.get(self.encoding.lower().replace("_", "-"))
        if enc is None:
            raise ValueError(f"encoding must be one of utf-8, gbk, gb18030, not {self.encoding}")
        object.__setattr__(self, "encoding", enc)
        return self


class ColumnMap(_Strict):
    element: str
    column: str | None = None  # the raw column to read when the key under columns: is only a label
    codes: dict[str, str] = Field(default_factory=dict)  # source value -> standard code (before the code list)
    date_format: str | None = None  # "auto" (default for dates) or a strptime format such as %Y%m%d
    org_by_name: bool = False  # the column holds the org unit's name, not its 12-digit code
    parent_column: str | None = None  # with org_by_name: a column holding the township's name
    level: Literal["village", "township", "any"] = "village"  # with org_by_name: the level the names are at
    address: bool = False  # with org_by_name: free address text (重庆市某县某镇某村2组), places found inside it
    on_invalid: Literal["reject_row", "blank", "flag"] | None = None  # None: reject_row for keys, else blank


class DuplicatePolicy(_Strict):
    """Which row of a repeated key is kept: the latest by a mapped column, the first, the last, or none."""

    keep: Literal["latest", "first", "last", "reject"] = "last"
    by: str | None = None  # with keep: latest — a column under columns: (an approval date, an updated-at)


class Schedule(_Strict):
    """When `biaotong scheduler` syncs the source: a cron line or every N hours (one of them)."""

    cron: str | None = None  # "0 2 * * *" — minute hour day month weekday, Asia/Shanghai
    every_hours: float | None = Field(default=None, gt=0)


class SyncSpec(_Strict):
    mode: Literal["full", "incremental"] = "full"
    updated_at: str | None = None


class SourceSpec(_Strict):
    name: str
    title: str = ""
    department: str | None = None
    entity: str
    connection: Connection
    table: str | None = None
    query: str | None = None
    key: str | None = None
    select: dict[str, str] = Field(default_factory=dict)  # derived column -> SQL over the raw columns
    columns: dict[str, ColumnMap] = Field(min_length=1)
    sync: SyncSpec = Field(default_factory=SyncSpec)
    duplicates: DuplicatePolicy = Field(default_factory=DuplicatePolicy)
    schedule: Schedule | None = None
    _file: Path | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _short_forms(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("columns"), dict):
            cols: dict[str, Any] = {}
            for col, target in data["columns"].items():
                if isinstance(target, str):
                    target = {"element": target}
                elif isinstance(target, dict) and isinstance(target.get("codes"), dict):
                    target = {**target, "codes": {_scalar(k): _scalar(v) for k, v in target["codes"].items()}}
                cols[_scalar(col)] = target
            data = {**data, "columns": cols}
        if isinstance(data, dict) and isinstance(data.get("select"), dict):
            data = {**data, "select": {_scalar(k): _scalar(v) for k, v in data["select"].items()}}
        return data

    @property
    def file(self) -> Path | None:
        """The YAML file this spec was read from (None if built in code)."""
        return self._file

    def element_of_column(self) -> dict[str, str]:
        return {col: m.element for col, m in self.columns.items()}

    def column_of_element(self, element: str) -> str | None:
        for col, m in self.columns.items():
            if m.element == element:
                return col
        return None

    def read_column(self, col: str) -> str:
        """The column (raw or derived) a `columns:` entry reads: its `column:` if given, else its key."""
        return self.columns[col].column or col

    def mapped_columns(self) -> list[str]:
        """The columns mapping reads after `select:` ran: mapped, parent-name and updated_at columns."""
        out: list[str] = []
        for col, m in self.columns.items():
            for c in (self.read_column(col), m.parent_column):
                if c and c not in out:
                    out.append(c)
        if self.sync.updated_at and self.sync.updated_at not in out:
            out.append(self.sync.updated_at)
        return out

    def source_columns(self) -> list[str]:
        """Every raw column the connectors must read: mapped, parent-name and updated_at columns, with
        derived (`select:`) columns replaced by the raw columns their expressions read."""
        from biaotong.sources.derive import referenced_columns

        out = [c for c in self.mapped_columns() if c not in self.select]
        out.extend(c for c in referenced_columns(self.select) if c not in out)
        return out

    def key_path_of_column(self, col: str) -> str:
        """The spec key where a raw column is declared, for error messages."""
        if col in self.select:
            return f"select.{col}"
        for c, m in self.columns.items():
            if m.column == col:
                return f"columns.{c}.column"
        if col in self.columns:
            return f"columns.{col}"
        if col == self.sync.updated_at:
            return "sync.updated_at"
        for c, m in self.columns.items():
            if m.parent_column == col:
                return f"columns.{c}.parent_column"
        for name, text in self.select.items():
            if col in text:
                return f"select.{name}"
        return "columns"


def _scalar(value: Any) -> Any:
    """YAML turns 1 and true into int/bool; column names and codes are text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


_PYDANTIC_ZH = {
    "extra_forbidden": "未知的键",
    "missing": "缺少必填项",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "dict_type": "应为键值映射",
    "model_type": "应为键值映射",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "取值太小",
    "too_short": "不能为空",
}


def _key_of(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """The allowed keys at `loc` (for "did you mean")."""
    models: dict[tuple[str, ...], type[BaseModel]] = {
        (): SourceSpec, ("connection",): Connection, ("connection", "paging"): Paging, ("sync",): SyncSpec,
        ("duplicates",): DuplicatePolicy, ("schedule",): Schedule,
    }
    path = tuple(str(p) for p in loc)
    model = ColumnMap if len(path) == 2 and path[0] == "columns" else models.get(path)
    return list(model.model_fields) if model is not None else []


class _Ctx:
    """Raising SourceErrors that name the file, the line and the key."""

    def __init__(self, doc: MarkedYaml) -> None:
        self.doc = doc

    def error(self, key: str, zh: str, en: str, **details: Any) -> SourceError:
        return SourceError(zh, en, where(file=str(self.doc.path), row=self.doc.line_of(key), key=key), details=details)


def _from_validation(ctx: _Ctx, exc: ValidationError) -> SourceError:
    errors = exc.errors()
    first = errors[0]
    loc = tuple(first["loc"])
    key = _key_of(loc)
    kind = first["type"]
    zh = _PYDANTIC_ZH.get(kind, "取值无效")
    en = first["msg"]
    if kind == "extra_forbidden":
        allowed = _fields_at(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        zh = f"未知的键 {loc[-1]}" + (f"，是否应为 {close[0]}？" if close else "")
        en = f"unknown key {loc[-1]}" + (f"; did you mean {close[0]}?" if close else "")
    elif kind == "missing":
        zh, en = f"缺少必填项 {loc[-1]}", f"required key {loc[-1]} is missing"
    else:
        zh = f"{zh}：{first.get('input')!r}（{first['msg']}）"
    more = len(errors) - 1
    if more:
        zh += f"（另有 {more} 处错误）"
        en += f" (and {more} more)"
    return ctx.error(key, zh, en, errors=[{"key": _key_of(tuple(e["loc"])), "message": e["msg"]} for e in errors])


def load_source_spec(path: Path | str, catalog: Any) -> SourceSpec:
    """Read, validate and resolve a source spec YAML against the catalog."""
    path = Path(path).resolve()
    doc = read_yaml(path)
    ctx = _Ctx(doc)
    if not isinstance(doc.data, dict):
        raise ctx.error("", "数据源定义应为键值映射", "a source spec must be a mapping")
    try:
        spec = SourceSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise _from_validation(ctx, exc) from None
    spec = _resolve_paths(spec, path.parent)
    spec._file = path
    return _with_department(spec, check_spec(spec, catalog, ctx))


def parse_source_spec(data: dict[str, Any], catalog: Any, *, base_dir: Path | None = None) -> SourceSpec:
    """Build a spec from an already-parsed mapping (e.g. stored in the metadata store) and check it."""
    try:
        spec = SourceSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SourceError(
            f"数据源定义无效：{first['msg']}", f"invalid source spec: {first['msg']}",
            where(key=_key_of(tuple(first["loc"]))),
        ) from None
    if base_dir is not None:
        spec = _resolve_paths(spec, base_dir)
    return _with_department(spec, check_spec(spec, catalog, None))


def _with_department(spec: SourceSpec, department: str | None) -> SourceSpec:
    if department is None or department == spec.department:
        return spec
    new = spec.model_copy(update={"department": department})
    new._file = spec._file
    return new


def _resolve_paths(spec: SourceSpec, base: Path) -> SourceSpec:
    conn = spec.connection
    updates: dict[str, Any] = {}
    if conn.path and not conn.path.startswith("${") and not Path(conn.path).is_absolute():
        updates["path"] = str((base / conn.path).resolve())
    if conn.url and conn.url.startswith("sqlite:///") and not conn.url.startswith("sqlite:////"):
        rel = conn.url[len("sqlite:///"):]
        if rel and not rel.startswith("${") and rel != ":memory:":
            updates["url"] = "sqlite:///" + str((base / rel).resolve())
    if not updates:
        return spec
    new = spec.model_copy(update={"connection": conn.model_copy(update=updates)})
    new._file = spec._file
    return new


def check_spec(spec: SourceSpec, catalog: Any, ctx: _Ctx | None) -> str | None:
    """Cross-checks against the connector registry and the catalog; returns the department's id."""

    def err(key: str, zh: str, en: str) -> SourceError:
        if ctx is not None:
            return ctx.error(key, zh, en)
        return SourceError(zh, en, where(key=key))

    if not NAME_RE.match(spec.name):
        raise err("name", f"名称 {spec.name!r} 不合法：须以小写字母开头，只含小写字母、数字和下划线",
                  f"bad name {spec.name!r}: use lower-case letters, digits and underscores, starting with a letter")
    _check_connection(spec, err)
    department = _check_department(spec, catalog, err)
    try:
        entity = catalog.entity(spec.entity)
    except BiaotongError as exc:
        raise err("entity", f"未知的主体 {spec.entity}：{exc.zh}", f"unknown entity {spec.entity}: {exc.en}") from None
    elements = _check_columns(spec, catalog, err)
    key = spec.key or entity.key
    if spec.key is not None and spec.key not in {e.code for e in catalog.elements_of(spec.entity)}:
        raise err("key", f"键 {spec.key} 不是主体 {spec.entity} 的数据元", f"key {spec.key} is not an element of {spec.entity}")
    if key not in elements:
        raise err("columns", f"没有列映射到主键数据元 {key}（主体 {spec.entity} 的每行都需要它）",
                  f"no column maps to the key element {key} (every {spec.entity} row needs it)")
    if spec.sync.mode == "incremental" and not spec.sync.updated_at:
        raise err("sync.updated_at", "增量同步需要指定 updated_at 列", "an incremental sync needs sync.updated_at")
    if spec.sync.updated_at and not IDENT_RE.match(spec.sync.updated_at):
        raise err("sync.updated_at", f"列名 {spec.sync.updated_at!r} 不合法", f"bad column name {spec.sync.updated_at!r}")
    for col, m in spec.columns.items():
        _check_column_options(spec, col, m, elements[m.element], entity.org, catalog, err)
    from biaotong.sources.policies import check_policies

    check_policies(spec, catalog, key, err)
    return department


def _check_connection(spec: SourceSpec, err: Any) -> None:
    conn = spec.connection
    try:
        cls = connector_class(conn.kind)
    except SourceError as exc:
        raise err("connection.kind", exc.zh, exc.en) from None
    if cls.uses_url and not conn.url:
        raise err("connection.url", f"{conn.kind} 数据源需要 connection.url", f"a {conn.kind} source needs connection.url")
    if cls.uses_path and not conn.path:
        raise err("connection.path", f"{conn.kind} 数据源需要 connection.path", f"a {conn.kind} source needs connection.path")
    if cls.is_database:
        if (spec.table is None) == (spec.query is None):
            raise err("table", "数据库数据源须给出 table 或 query（二选一）",
                      "a database source needs exactly one of table or query")
        if spec.table is not None and not all(IDENT_RE.match(p) for p in spec.table.split(".")):
            raise err("table", f"表名 {spec.table!r} 不合法", f"bad table name {spec.table!r}")
    elif spec.table is not None or spec.query is not None:
        key = "table" if spec.table is not None else "query"
        raise err(key, f"{conn.kind} 数据源不使用 {key}", f"a {conn.kind} source does not use {key}")


def _check_department(spec: SourceSpec, catalog: Any, err: Any) -> str | None:
    """The department's id (a name or alias such as 公安局 is accepted)."""
    if spec.department is None:
        return None
    try:
        return str(catalog.department(spec.department).id)
    except BiaotongError as exc:
        raise err("department", exc.zh, exc.en) from None


def _check_columns(spec: SourceSpec, catalog: Any, err: Any) -> dict[str, DataElement]:
    found: dict[str, DataElement] = {}
    for col, m in spec.columns.items():
        key = f"columns.{col}.element"
        if not col.strip():
            raise err(f"columns.{col}", "列名不能为空", "a column name cannot be empty")
        try:
            el = catalog.element(spec.entity, m.element)
        except BiaotongError as exc:
            others = [e for e in _all_entities(catalog) if e != spec.entity
                      and m.element in {x.code for x in catalog.elements_of(e)}]
            if others:
                raise err(key, f"数据元 {m.element} 属于主体 {others[0]}，而本数据源的主体是 {spec.entity}",
                          f"element {m.element} belongs to entity {others[0]}, but this source's entity is {spec.entity}"
                          ) from None
            close = [str(s).split(".", 1)[-1] for s in exc.details.get("suggestions", [])][:3]
            hint_zh = f"，是否应为 {'、'.join(close)}？" if close else ""
            hint_en = f"; did you mean {', '.join(close)}?" if close else ""
            raise err(key, f"主体 {spec.entity} 没有数据元 {m.element}{hint_zh}",
                      f"entity {spec.entity} has no element {m.element}{hint_en}") from None
        if m.element in found:
            first = spec.column_of_element(m.element)
            raise err(key, f"数据元 {m.element} 已由列 {first} 映射，不能重复映射",
                      f"element {m.element} is already mapped from column {first}")
        found[m.element] = el
    return found


def _all_entities(catalog: Any) -> list[str]:
    ents = catalog.entities
    return list(ents) if isinstance(ents, dict) else [getattr(e, "id", e) for e in ents]


def _check_column_options(
    spec: SourceSpec, col: str, m: ColumnMap, el: DataElement, org: str, catalog: Any, err: Any
) -> None:
    base = f"columns.{col}"
    if m.codes and el.value_type not in ("code", "boolean"):
        raise err(f"{base}.codes", f"数据元 {el.code} 不是代码型，不能使用 codes", f"element {el.code} is not coded; codes do not apply")
    if m.codes and el.code_list and el.value_type == "code":
        codes = catalog.code_list(el.code_list)
        for source_value, target in m.codes.items():
            if codes.lookup(target) is None:
                raise err(f"{base}.codes.{source_value}", f"{target} 不是代码集 {codes.id}（{codes.name}）中的代码",
                          f"{target} is not a code of code list {codes.id} ({codes.name})")
    if m.date_format is not None and el.value_type != "date":
        raise err(f"{base}.date_format", f"数据元 {el.code} 不是日期型", f"element {el.code} is not a date")
    if m.date_format not in (None, "auto") and "%" not in m.date_format:
        raise err(f"{base}.date_format", f"日期格式 {m.date_format!r} 应为 auto 或 strptime 格式（如 %Y%m%d）",
                  f"date_format {m.date_format!r} must be auto or a strptime format such as %Y%m%d")
    if m.org_by_name and el.code != org:
        raise err(f"{base}.org_by_name", f"org_by_name 只能用于行政区划数据元 {org}", f"org_by_name only applies to the org element {org}")
    if m.parent_column and not m.org_by_name:
        raise err(f"{base}.parent_column", "parent_column 需要同时设置 org_by_name: true",
                  "parent_column needs org_by_name: true")
