"""The indicator library (指标库): named, reusable field expressions with Chinese names and aliases.

A number asked by several reports (低保人数, 60周岁及以上老年人数 …) is defined once here and referred to by
id from report specs, so every report counts it the same way and header matching finds it by any alias.

```yaml
indicators:
  - id: pop_60plus
    name: 60周岁及以上老年人数
    aliases: [60岁以上老人, 60周岁以上人口]
    unit: 人
    department: civil_affairs
    expr: {agg: count, entity: resident, filter: "age >= 60"}
```
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from biaotong.errors import ReportError, where

LIBRARY_DIR = Path(__file__).parent
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    expr: dict[str, Any]  # a biaotong.expr.FieldExpr as written
    unit: str | None = None
    aliases: tuple[str, ...] = ()
    department: str | None = None
    description: str | None = None
    file: str | None = None

    @property
    def entity(self) -> str | None:
        return self.expr.get("entity")

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class Library:
    def __init__(self, indicators: Iterable[Indicator]) -> None:
        self.by_id: dict[str, Indicator] = {}
        self._alias: dict[str, str] = {}
        for ind in indicators:
            if ind.id in self.by_id:
                raise ReportError(
                    f"指标编号 {ind.id} 重复", f"duplicate indicator id {ind.id}", where(file=ind.file, key=ind.id)
                )
            self.by_id[ind.id] = ind
        for ind in self.by_id.values():
            for text in ind.names:
                self._alias.setdefault(_norm(text), ind.id)

    def __len__(self) -> int:
        return len(self.by_id)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.by_id.values())

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self.by_id

    def get(self, indicator_id: str, *, report_id: str | None = None, field_id: str | None = None) -> Indicator:
        try:
            return self.by_id[indicator_id]
        except KeyError:
            close = self.search(indicator_id, limit=3)
            hint = "、".join(i.id for i in close)
            raise ReportError(
                f"指标库中没有 {indicator_id}" + (f"（相近：{hint}）" if hint else ""),
                f"no indicator {indicator_id} in the library" + (f" (close: {hint})" if hint else ""),
                where(key=report_id, field=field_id),
            ) from None

    def lookup(self, text: str) -> Indicator | None:
        """The indicator whose name or alias is exactly this text (ignoring spaces, brackets, units)."""
        ident = self._alias.get(_norm(text))
        return self.by_id[ident] if ident else None

    def search(self, text: str, limit: int = 5) -> list[Indicator]:
        """Indicators whose id, name or aliases look like `text` (for hints and header matching)."""
        from rapidfuzz import fuzz, process

        choices = {key: ind for ind in self.by_id.values() for key in (ind.id, *map(_norm, ind.names))}
        hits = process.extract(_norm(text), list(choices), scorer=fuzz.WRatio, limit=limit * 3)
        out: list[Indicator] = []
        for key, score, _ in hits:
            ind = choices[key]
            if score >= 60 and ind not in out:
                out.append(ind)
        return out[:limit]


_STRIP = re.compile(r"[\s　（）()\[\]【】:：]|单位|（人）|\(人\)")


def _norm(text: str) -> str:
    return _STRIP.sub("", str(text)).lower()


def _load_file(path: Path) -> list[Indicator]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ReportError(
            f"YAML 格式错误：{exc}", f"malformed YAML: {exc}", where(file=str(path), row=mark.line + 1 if mark else None)
        ) from None
    items = data.get("indicators") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ReportError("指标库文件应包含 indicators 列表", "an indicator file needs an `indicators` list",
                          where(file=str(path), key="indicators"))
    out: list[Indicator] = []
    for i, raw in enumerate(items):
        key = f"indicators[{raw.get('id', i) if isinstance(raw, dict) else i}]"
        if not isinstance(raw, dict) or not _ID.match(str(raw.get("id", ""))) or not raw.get("name"):
            raise ReportError("指标需要 id（小写字母数字下划线）和 name", "an indicator needs an id and a name",
                              where(file=str(path), key=key))
        unknown = set(raw) - {"id", "name", "expr", "unit", "aliases", "department", "description"}
        if unknown:
            raise ReportError(f"未知的键：{', '.join(sorted(unknown))}", f"unknown keys: {', '.join(sorted(unknown))}",
                              where(file=str(path), key=key))
        if not isinstance(raw.get("expr"), dict):
            raise ReportError("指标需要 expr（字段表达式）", "an indicator needs an `expr` mapping",
                              where(file=str(path), key=f"{key}.expr"))
        out.append(Indicator(
            id=raw["id"], name=str(raw["name"]), expr=dict(raw["expr"]), unit=raw.get("unit"),
            aliases=tuple(str(a) for a in raw.get("aliases") or ()), department=raw.get("department"),
            description=raw.get("description"), file=str(path),
        ))
    return out


def load_library(extra_dirs: Iterable[Path | str] = ()) -> Library:
    """The built-in library plus any extra folders of *.yaml indicator files (an extra id may not clash)."""
    dirs = (LIBRARY_DIR, *map(Path, extra_dirs))
    return Library(ind for d in dirs for p in sorted(Path(d).glob("*.yaml")) for ind in _load_file(p))


@lru_cache(maxsize=1)
def builtin_library() -> Library:
    return load_library()
