"""A workspace's own rules in YAML (`<home>/quality/*.yaml`), in the field-expression language of reports:
a rule names an entity and a filter; every entity of the one table matching it is a finding.

```yaml
rules:
  - slug: elderly_without_check
    title: 65岁以上老年人无体检记录
    entity: resident
    filter: "age >= 65 and elderly_health_check_date is null"
    owner: wj_health            # the source whose department must act
```
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from biaotong.errors import ConfigError, where
from biaotong.quality.model import COLUMNS, Check

if TYPE_CHECKING:
    from biaotong.quality.context import CheckContext
    from biaotong.workspace import Workspace

_SLUG = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


def load_rules(ws: Workspace) -> list[Check]:
    from biaotong.yamlfile import read_yaml

    folder = ws.home / "quality"
    out: list[Check] = []
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.y*ml")):
        data = read_yaml(path) or {}
        rules = data.get("rules") if isinstance(data, dict) else None
        if not isinstance(rules, list):
            raise ConfigError("质量规则文件应包含 rules: 列表", "a quality rule file holds a `rules:` list",
                              where(file=str(path), key="rules"))
        for i, rule in enumerate(rules):
            out.append(_rule(path, i, rule, ws))
    return out


def _rule(path: Path, i: int, rule: Any, ws: Workspace) -> Check:
    at = f"rules[{i}]"
    if not isinstance(rule, dict):
        raise ConfigError("每条规则应为键值映射", "each rule is a mapping", where(file=str(path), key=at))
    for k in ("slug", "title", "entity", "filter", "owner"):
        if not isinstance(rule.get(k), str) or not rule[k].strip():
            raise ConfigError(f"规则缺少 {k}", f"the rule has no {k}", where(file=str(path), key=f"{at}.{k}"))
    if not _SLUG.match(rule["slug"]):
        raise ConfigError("规则编号应为小写字母、数字和下划线", "a rule slug is lower-case letters, digits and _",
                          where(file=str(path), key=f"{at}.slug"))
    ws.catalog.entity(rule["entity"])
    _compiled(rule, ws, date.today(), path=str(path), at=at)  # a broken filter is refused when loaded

    def run(ctx: CheckContext, params: dict[str, Any]) -> pa.Table | None:
        return _matches(ctx, rule)

    title = rule["title"].strip()
    return Check(slug=rule["slug"], title_zh=title, title_en=rule.get("title_en", title),
                 message_zh=f"{{key}}：{title}", message_en=f"{{key}}: {rule.get('title_en', title)}",
                 level="entity", run=run, params={"filter": rule["filter"], "owner": rule["owner"]})


def _compiled(rule: dict[str, Any], ws: Workspace, day: date, *, path: str | None = None, at: str = "") -> Any:
    from biaotong.errors import BiaotongError
    from biaotong.expr import FieldExpr, compile_fields

    try:
        field = FieldExpr.load({"agg": "count", "entity": rule["entity"], "filter": rule["filter"]},
                               report_id=f"quality.{rule['slug']}", field_id="rule")
        return compile_fields({"rule": field}, rule["entity"], ws.catalog, day, day, report_id=f"quality.{rule['slug']}")
    except BiaotongError as exc:
        raise ConfigError(exc.zh, exc.en, where(file=path, key=f"{at}.filter")) from None


def _matches(ctx: CheckContext, rule: dict[str, Any]) -> pa.Table | None:
    from biaotong.expr.dialects import render
    from biaotong.reports.context import Engine

    day = date.today()
    q = _compiled(rule, ctx.ws, day)
    eng = Engine(ctx.ws)
    try:
        con, _ = eng.connection(day)
        villages = [u.code for u in eng.tree.as_of(day, level="village")]
        sql = render(q.drilldown("rule", villages or [""]), "duckdb", pretty=False)
        key = ctx.key(rule["entity"])
        found = con.sql(f"SELECT CAST({key} AS VARCHAR) AS key, CAST(org_code AS VARCHAR) AS org_code FROM ({sql})"
                            ).to_arrow_table()
    finally:
        eng.close()
    n = found.num_rows
    if not n:
        return None
    return pa.table({
        "entity": [rule["entity"]] * n, "key": found.column("key"), "org_code": found.column("org_code"),
        "source": [rule["owner"]] * n, "element": pa.nulls(n, pa.string()), "value": pa.nulls(n, pa.string()),
        "other_source": pa.nulls(n, pa.string()), "other_value": pa.nulls(n, pa.string()),
    }).select(COLUMNS[1:])
