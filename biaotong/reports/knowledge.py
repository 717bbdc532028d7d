"""What a report knows and does not: fields no source answers (missing, never 0), events whose dates no
source gives (a past period cannot be judged exactly), and an entity without its register (who exists)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from biaotong.i18n import msg

if TYPE_CHECKING:
    from biaotong.onetable import OneTableState
    from biaotong.reports.aggregate import Computed
    from biaotong.reports.resolve import Resolved
    from biaotong.reports.result import ReportResult

# The records' own dates that decide who belongs to a period (alive and registered at its end).
EVENT_DATES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "resident": (
        ("death_date", "死亡", "death"),
        ("deregistered_date", "注销户籍", "deregistration"),
        ("registered_date", "户籍登记", "registration"),
    ),
}


def missing_of(res: Resolved, now: Computed, before: Computed | None) -> dict[str, dict[str, Any]]:
    """Every field of the report that is blank for want of data, with why; a ratio, previous or change is
    missing when a field it is computed from is. A field missing in the previous period only (last month's
    answers nobody gave) blanks the fields that compare with it, never the field itself."""
    out = dict(now.missing)
    if before is not None and before.missing:
        earlier = _spread(res, dict(before.missing))
        for fid, f in res.fields.items():
            target = f.previous or f.change
            if fid in out or target is None or target not in earlier:
                continue
            why = earlier[target]
            out[fid] = {"zh": f"上期的 {target} 缺数：{why['zh']}", "en": f"{target} is missing for the previous period: {why['en']}",
                        "elements": list(why.get("elements", [])), "collect": bool(why.get("collect")),
                        "from": [target]}
    return _spread(res, out)


def _spread(res: Resolved, out: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """`out` with every field computed from a missing one (transitively) missing too."""
    changed = True
    while changed:
        changed = False
        for fid, f in res.fields.items():
            if fid in out or not f.refs:
                continue
            gone = [r for r in f.refs if r in out]
            if gone:
                out[fid] = {"zh": f"由缺数字段 {'、'.join(gone)} 计算", "en": f"computed from missing field(s) {', '.join(gone)}",
                            "elements": sorted({e for r in gone for e in out[r].get("elements", [])}),
                            "collect": any(out[r].get("collect") for r in gone), "from": gone}
                changed = True
    return out


def undated(catalog: Any, state: OneTableState, entities: list[str]) -> list[dict[str, str]]:
    """The event dates a period needs that no synced source of the entity gives: without them a person who
    died or left before the period end is still counted."""
    out: list[dict[str, str]] = []
    for entity in dict.fromkeys(entities):
        merged = state.entities.get(entity)
        if merged is None or not merged.inputs:
            continue
        for code, zh, en in EVENT_DATES.get(entity, ()):
            if catalog.has_element(entity, code) and not merged.holds(code):
                out.append({
                    "entity": entity, "element": code,
                    "zh": f"没有数据源提供{zh}日期（{code}）：报告期末之前的{zh}无法按期判断，按最新快照计",
                    "en": f"no source gives the {en} date ({code}): {en}s before the period end cannot be placed "
                          "in time; the newest snapshot is taken as it is",
                })
    return out


def warn_knowledge(result: ReportResult, catalog: Any, state: OneTableState, entities: list[str]) -> None:
    for u in result.undated:
        result.warnings.append(msg(u["zh"], u["en"]))
    for entity in dict.fromkeys(entities):
        merged = state.entities.get(entity)
        ent = catalog.entity(entity)
        if merged is not None and merged.inputs and ent.registered_by and not merged.register:
            result.warnings.append(msg(
                f"{ent.name}的登记来源（{ent.registered_by}）尚未同步：暂以所有数据源的记录为准",
                f"the register of {entity} ({ent.registered_by}) is not synced: every source's rows are counted",
            ))
