"""Pydantic v2 models of the catalog's YAML files: the shapes that are validated on load."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
CodeValue = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DepartmentSpec(_Spec):
    id: Ident
    name: Text
    aliases: list[Text] = Field(default_factory=list)


class EntitySpec(_Spec):
    id: Ident
    name: Text
    key: Ident
    org: Ident = "org_code"
    aliases: list[Text] = Field(default_factory=list)
    registered_by: Ident | None = None  # the department whose register defines who exists (公安 for residents)


class CodeSpec(_Spec):
    code: CodeValue
    label: Text
    aliases: list[Text] = Field(default_factory=list)
    # kinds this code lumps together (其他优抚对象: 在乡复员军人, 参战参试退役人员 …): a source value naming one
    # reads as this code, but a form's header naming one asks for a part of it, not for the code
    includes: list[Text] = Field(default_factory=list)


class CodeListSpec(_Spec):
    id: Ident
    name: Text
    standard: Text | None = None
    codes: list[CodeSpec] = Field(min_length=1)


class ElementSpec(_Spec):
    code: Ident
    name: Text
    aliases: list[Text] = Field(default_factory=list)
    value_type: Literal["string", "integer", "decimal", "boolean", "date", "code"]
    unit: Text | None = None
    code_list: Ident | None = None
    definition: Text
    sensitivity: Literal["public", "internal", "personal", "sensitive"] = "internal"
    source_department: Ident
    validator: Literal["citizen_id", "uscc"] | None = None
    collected: bool = False
    # how long a value the grassroots give stays the answer (ask once): per reporting period, per month,
    # per year, or until someone changes it
    validity: Literal["period", "month", "year", "until_changed"] = "year"

    @model_validator(mode="after")
    def _code_list_matches_type(self) -> ElementSpec:
        if self.value_type == "code" and not self.code_list:
            raise ValueError("value_type code needs a code_list / 代码型数据元必须指定 code_list")
        if self.value_type != "code" and self.code_list:
            raise ValueError("code_list is only for value_type code / 只有代码型数据元才能指定 code_list")
        if self.validator and self.value_type != "string":
            raise ValueError("validators apply to value_type string / 校验器只适用于字符串型")
        return self
