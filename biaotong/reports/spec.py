"""Report specs: what a department needs, as YAML validated with pydantic; errors name the file and key."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from biaotong.errors import ReportError, where
from biaotong.yamlfile import read_yaml

Layout = Literal["aggregate", "roster", "form"]
LEVELS = ("province", "city", "county", "township", "village")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    id: str
    label: str  # the column header text as the department prints it
    indicator: str | None = None  # an indicator library id
    # an inline field expression (biaotong.expr.FieldExpr): {agg, filter, of, window, date} | {ratio: [a, b]}
    # | {previous: f} | {change: f} | {collected: element}; ratio/previous/change name other fields or indicators
    expression: dict[str, Any] | None = None
    # narrows an aggregate indicator: its own filter AND this one ({indicator: disabled_certified, filter: "sex = '女'"})
    filter: str | None = None
    unit: str | None = None
    group: list[str] = Field(default_factory=list)  # header groups, outermost first ("a > b" also accepted)
    number_format: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("field ids are lower-case letters, digits and _, starting with a letter")
        return v

    @field_validator("group", mode="before")
    @classmethod
    def _group(cls, v: Any) -> Any:
        if v is None:
            return []
        if isinstance(v, str):
            return [p.strip() for p in v.split(">") if p.strip()]
        return v

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        given = [k for k in ("indicator", "expression") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a field needs exactly one of indicator or expression")
        if self.filter is not None and self.indicator is None:
            raise ValueError("filter narrows an indicator: give it with indicator (or put it in the expression)")
        return self


class RosterSpec(_Strict):
    entity: str
    filter: Any = None  # a SQL boolean expression over the entity's elements (see biaotong.expr)
    columns: list[str]  # element codes, or {element: code, label: header}
    labels: dict[str, str] = Field(default_factory=dict)  # column header overrides
    order_by: list[str] = Field(default_factory=list)

    @field_validator("order_by", mode="before")
    @classmethod
    def _order(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else (v or [])


class TemplateSpec(_Strict):
    """The department's own workbook, filled by the forms export (biaotong.forms)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    path: str | None = None
    sheet: str | None = None
    anchors: dict[str, Any] = Field(default_factory=dict)


class ReportSpec(_Strict):
    id: str
    title: str
    department: str
    period_type: Literal["month", "quarter", "half_year", "year", "adhoc"]
    layout: Layout
    level: Literal["province", "city", "county", "township", "village"] = "village"
    description: str | None = None
    unit_note: str | None = None  # e.g. "单位：人、户、元"
    fields: list[FieldSpec] = Field(default_factory=list)
    roster: RosterSpec | None = None
    template: TemplateSpec | None = None
    source_form: str | None = None  # where the form was modelled from (real-forms.md id or a URL)
    # cross-field rules a submission must keep (其中 ≤ 合计), e.g. "female_cadres <= cadres"
    rules: list[Annotated[str, StringConstraints(pattern=r"^\s*[a-z][a-z0-9_]*\s*(<=|>=|<|>|==)\s*[a-z][a-z0-9_]*\s*$")]] = Field(
        default_factory=list)

    @field_validator("id")
    @classmethod
    def _rid(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("report ids are lower-case letters, digits and _, starting with a letter")
        return v

    @model_validator(mode="after")
    def _layout_parts(self) -> ReportSpec:
        if self.layout == "roster":
            if self.roster is None:
                raise ValueError("a roster report needs a 'roster' section")
        elif not self.fields:
            raise ValueError(f"a {self.layout} report needs at least one field")
        ids = [f.id for f in self.fields]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate field ids: {', '.join(dup)}")
        return self

    def field(self, field_id: str) -> FieldSpec:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise ReportError(
            f"报表 {self.id} 没有字段 {field_id}（可用：{', '.join(f.id for f in self.fields)}）",
            f"report {self.id} has no field {field_id} (available: {', '.join(f.id for f in self.fields)})",
            where(key=self.id, field=field_id),
        )

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _key_of(loc: tuple[Any, ...], data: Any) -> str:
    """Turn a pydantic location into the key a person finds in the YAML: fields[3].indicator → fields.<id>.…"""
    parts: list[str] = []
    node = data
    for p in loc:
        if isinstance(p, int) and isinstance(node, list) and p < len(node):
            node = node[p]
            ident = node.get("id") if isinstance(node, dict) else None
            parts.append(f"[{p}]" if ident is None else f"[{ident}]")
            continue
        parts.append(("." if parts else "") + str(p))
        node = node.get(p) if isinstance(node, dict) else None
    return "".join(parts)


def parse_spec(data: Any, *, file: str | None = None) -> ReportSpec:
    if not isinstance(data, dict):
        raise ReportError("报表定义应为键值映射", "a report spec must be a mapping", where(file=file))
    try:
        return ReportSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = _key_of(tuple(first["loc"]), data) or None
        detail = "; ".join(f"{_key_of(tuple(e['loc']), data)}: {e['msg']}" for e in exc.errors()[:5])
        raise ReportError(f"报表定义有误：{detail}", f"invalid report spec: {detail}", where(file=file, key=key)) from None


def load_spec_file(path: Path | str) -> ReportSpec:
    p = Path(path)
    data = read_yaml(p, error=ReportError)
    return parse_spec(data, file=str(p))


def load_specs(directory: Path | str) -> dict[str, ReportSpec]:
    """Every *.yaml spec in a folder, by id; a duplicate id is an error naming both files."""
    out: dict[str, ReportSpec] = {}
    files: dict[str, Path] = {}
    for p in sorted(Path(directory).glob("*.y*ml")):
        spec = load_spec_file(p)
        if spec.id in out:
            raise ReportError(
                f"报表编号 {spec.id} 重复：{files[spec.id].name} 与 {p.name}",
                f"duplicate report id {spec.id}: {files[spec.id].name} and {p.name}",
                where(file=str(p), key="id"),
            )
        out[spec.id] = spec
        files[spec.id] = p
    return out


BUILTIN_SPECS = Path(__file__).parent / "specs"
