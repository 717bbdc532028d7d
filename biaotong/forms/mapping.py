"""A designer's choices for the columns of a form, checked before anything is stored.

Per column (its letter, or a card's value cell) a mapping file may say::

    B: dibao_persons                                       # an indicator (library, or the workspace's own)
    C: {indicator: disabled_certified, filter: "disability_grade = '一级'"}   # an indicator, narrowed
    D: resident.name                                       # a data element (roster column; village.* in tables)
    E: {element: resident.assistance_amount, agg: sum, filter: "assistance_category = '低保'"}
    F: {element: household, filter: "house_safety_level = 'A级'"}           # a count of an entity
    G: {expression: {agg: count, entity: resident, filter: "age >= 80"}}    # any field expression
    H: {ratio: [D, B], percent: true}                      # a rate of two of the form's own columns
    I: collected                                           # grassroots fill it (collected:<element> to name it)
    J: skip                                                # leave it empty

Every choice is validated against the indicator library (with the workspace's `indicators/` folder), the
catalog and the form itself; a bad one raises a FormError naming the sheet, the header cells and the column,
and nothing is changed (choices are checked first, applied after).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from biaotong.errors import FormError, where
from biaotong.forms.match import Proposal
from biaotong.forms.model import FormLayout

AGGS = ("count", "count_distinct", "sum", "avg", "min", "max")


@dataclass
class Choice:
    kind: str  # indicator | element | expression | collected | unmapped | label | index
    target: str | None = None
    expression: dict[str, Any] | None = None
    filter: str | None = None


class MappingChecker:
    """Turns raw choices into `Choice`s; `library` is the indicator library, `catalog` the data standard."""

    def __init__(self, layout: FormLayout, library: Any, catalog: Any, *, file: str | None = None) -> None:
        self.layout, self.library, self.catalog, self.file = layout, library, catalog, file
        self.keys = {leaf.key: leaf for leaf in layout.leaves}

    def place(self, key: str) -> str:
        """'工作表 Sheet1 表头 C4:C5（列 C）' — where a designer finds the column."""
        leaf = self.keys.get(key)
        if leaf is None:
            return f"工作表 {self.layout.sheet}"
        if leaf.cell:
            return f"工作表 {self.layout.sheet} 单元格 {leaf.cell}（{'>'.join(leaf.path)}）"
        rows = self.layout.header_rows or [self.layout.first_data_row - 1]
        return f"工作表 {self.layout.sheet} 表头 {leaf.column}{rows[0]}:{leaf.column}{rows[-1]}（列 {leaf.column}）"

    def fail(self, key: str, zh: str, en: str) -> FormError:
        leaf = self.keys.get(key)
        return FormError(f"{self.place(key)}：{zh}", f"sheet {self.layout.sheet}, column {key}: {en}",
                         where(file=self.file, column=leaf.column if leaf else key, key=f"{self.layout.sheet}!{key}"))

    def check_all(self, mapping: dict[str, Any]) -> dict[str, Choice]:
        unknown = [k for k in mapping if k not in self.keys]
        if unknown:
            rows = self.layout.header_rows or [self.layout.first_data_row]
            span = f"{self.layout.leaves[0].column}{rows[0]}:{self.layout.leaves[-1].column}{rows[-1]}" \
                if self.layout.leaves else "—"
            raise FormError(
                f"映射中的列不存在：{'、'.join(unknown)}（工作表 {self.layout.sheet} 表头 {span} 中的列："
                f"{'、'.join(self.keys)}）",
                f"the mapping names columns the form does not have: {', '.join(unknown)} "
                f"(sheet {self.layout.sheet}, header {span})",
                where(file=self.file, column=unknown[0], key=f"{self.layout.sheet}!{span}"),
            )
        return {key: self.check(key, choice) for key, choice in mapping.items()}

    def check(self, key: str, choice: Any) -> Choice:
        if isinstance(choice, str):
            return self._text(key, choice.strip())
        if isinstance(choice, dict):
            return self._mapping(key, choice)
        raise self.fail(key, f"无法理解的映射：{choice!r}", f"cannot understand {choice!r}")

    def _text(self, key: str, text: str) -> Choice:
        if text in ("label", "index", "unmapped"):
            return Choice(text)
        if text == "skip":
            return Choice("unmapped", "skip")
        if text == "collected" or text.startswith("collected:"):
            code = text.split(":", 1)[1] if ":" in text else f"{self.layout.sheet}_{key}".lower()
            return self._collected(key, code)
        if "." in text:
            return Choice("element", self._element(key, text))
        return Choice("indicator", self._indicator(key, text))

    def _mapping(self, key: str, m: dict[str, Any]) -> Choice:
        if "expression" in m:
            expr = m["expression"]
            if not isinstance(expr, dict):
                raise self.fail(key, "expression 应为一个口径映射", "expression must be a mapping")
            if "ratio" in expr:
                return self._ratio(key, {**m, **expr})
            return Choice("expression", m.get("indicator"), dict(expr))
        if "ratio" in m:
            return self._ratio(key, m)
        if "collected" in m:
            return self._collected(key, str(m["collected"]))
        if "indicator" in m:
            ident = self._indicator(key, str(m["indicator"]))
            flt = m.get("filter")
            if flt is None:
                return Choice("indicator", ident)
            ind = self.library.get(ident)
            if "agg" not in ind.expr:
                raise self.fail(key, f"指标 {ident} 不是计数/求和指标，不能再加筛选条件",
                                f"indicator {ident} is not an aggregate and cannot take a filter")
            base = dict(ind.expr)
            base["filter"] = f"({base['filter']}) and ({flt})" if base.get("filter") else str(flt)
            return Choice("expression", ident, base, str(flt))
        if "element" in m:
            el = str(m["element"])
            entity, _, code = el.partition(".")
            self._entity(key, entity)
            agg = str(m.get("agg") or ("sum" if code else "count"))
            if agg not in AGGS:
                raise self.fail(key, f"未知的汇总方式 {agg}（可用：{'、'.join(AGGS)}）", f"unknown agg {agg}")
            expr: dict[str, Any] = {"agg": agg, "entity": entity}
            if code:
                self._element(key, el)
                expr["of"] = code
            if m.get("filter"):
                expr["filter"] = str(m["filter"])
            return Choice("expression", None, expr)
        raise self.fail(key, f"无法理解的映射：{m!r}（可写 indicator、element、expression、ratio、collected、skip）",
                        f"cannot understand {m!r}")

    def _ratio(self, key: str, m: dict[str, Any]) -> Choice:
        parts = m.get("ratio")
        if not isinstance(parts, list | tuple) or len(parts) != 2:
            raise self.fail(key, "ratio 应为两列：[分子列, 分母列]", "ratio needs two columns: [numerator, denominator]")
        refs = []
        for part in parts:
            ref = str(part).lstrip("@")
            if ref in self.keys:
                if ref == key or self.keys[ref].role != "data":
                    raise self.fail(key, f"比率的列 {ref} 不是本表的数据列", f"ratio column {ref} is not a data column")
                refs.append(f"@{ref}")
            elif ref in self.library:
                refs.append(ref)
            else:
                raise self.fail(key, f"比率引用了不存在的列或指标 {ref}（表中的列：{'、'.join(self.keys)}）",
                                f"ratio names no column or indicator {ref}")
        expr: dict[str, Any] = {"ratio": refs, "percent": bool(m.get("percent", True))}
        if m.get("digits") is not None:
            expr["digits"] = int(m["digits"])
        return Choice("expression", None, expr)

    def _collected(self, key: str, code: str) -> Choice:
        entity, _, name = code.rpartition(".")
        entity = entity or "village"
        return Choice("collected", code, {"collected": name.replace("-", "_"), "entity": entity})

    def _indicator(self, key: str, ident: str) -> str:
        if ident not in self.library:
            near = [i.id for i in self.library if ident in i.id or i.id in ident][:5]
            hint = f"；相近的指标：{'、'.join(near)}" if near else "；可用 biaotong report indicators 查看指标库"
            raise self.fail(key, f"未知的指标 {ident}{hint}", f"unknown indicator {ident}")
        return ident

    def _entity(self, key: str, entity: str) -> None:
        try:
            self.catalog.entity(entity)
        except Exception:
            raise self.fail(key, f"未知的主体 {entity}", f"unknown entity {entity}") from None

    def _element(self, key: str, text: str) -> str:
        entity, _, code = text.partition(".")
        self._entity(key, entity)
        if code not in {el.code for el in self.catalog.elements_of(entity)}:
            raise self.fail(key, f"主体 {entity} 没有数据元 {code}", f"entity {entity} has no element {code}")
        return text


def apply_choices(proposals: list[Proposal], choices: dict[str, Choice]) -> None:
    """Overwrite the proposals of the chosen columns (after every choice was checked)."""
    by_key = {p.key: p for p in proposals}
    for key, c in choices.items():
        p = by_key[key]
        p.kind, p.target, p.filter = c.kind, c.target, c.filter  # type: ignore[assignment]
        p.confidence, p.reason, p.scale = 1.0, "人工确认", p.scale if c.kind != "unmapped" else 1.0
        if c.kind == "element" and c.target and c.target.startswith("village."):
            p.expression = {"agg": "sum", "entity": "village", "of": c.target.split(".", 1)[1]}
        else:
            p.expression = c.expression
