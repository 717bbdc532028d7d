"""Checks of the spec's input policies, each naming the YAML key to fix: `select:` expressions (parsed and
whitelisted), `column:` references, org resolution options, per-element validation policies, the duplicate
policy and the schedule. Called from `check_spec` once the columns are known to map to elements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from biaotong.sources.derive import SelectError, parse_select

if TYPE_CHECKING:
    from biaotong.sources.spec import SourceSpec

# Text-typed elements can keep a value that fails its check (a credit code with a wrong check character).
FLAGGABLE_TYPES = {"string"}
BOOLEAN_TARGETS = {"true", "false", "是", "否", "1", "0", "yes", "no", "y", "n"}


TIMEZONE = "Asia/Shanghai"


def cron_trigger(line: str) -> Any:
    """An APScheduler trigger for a five-field cron line (minute hour day month weekday), China time."""
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger.from_crontab(line, timezone=TIMEZONE)


def check_policies(spec: SourceSpec, catalog: Any, key: str, err: Any) -> None:
    _check_select(spec, err)
    entity = catalog.entity(spec.entity)
    for col, m in spec.columns.items():
        base = f"columns.{col}"
        el = catalog.element(spec.entity, m.element)
        if m.column is not None and not m.column.strip():
            raise err(f"{base}.column", "column 不能为空", "column cannot be empty")
        if (m.address or m.level != "village") and not m.org_by_name:
            option = "address" if m.address else "level"
            raise err(f"{base}.{option}", f"{option} 需要同时设置 org_by_name: true", f"{option} needs org_by_name: true")
        if m.address and m.parent_column:
            raise err(f"{base}.parent_column", "地址文本已含乡镇，不需要 parent_column",
                      "an address already names its township; parent_column does not apply")
        if m.on_invalid == "flag" and el.value_type not in FLAGGABLE_TYPES:
            raise err(f"{base}.on_invalid",
                      f"on_invalid: flag 只适用于文本型数据元（如信用代码），{el.code} 是 {el.value_type} 型；可用 blank 或 reject_row",
                      f"on_invalid: flag only applies to text elements (such as credit codes); {el.code} is "
                      f"{el.value_type}: use blank or reject_row")
        if m.on_invalid == "blank" and el.code in (key, entity.org):
            raise err(f"{base}.on_invalid", f"{el.code} 是每行必需的（主键或行政区划），不能置空",
                      f"{el.code} is needed by every row (the key or the org unit) and cannot be blanked")
        if el.value_type == "boolean":
            for source_value, target in m.codes.items():
                if str(target).strip().lower() not in BOOLEAN_TARGETS:
                    raise err(f"{base}.codes.{source_value}", f"是/否数据元的代码映射应为 是 或 否，而不是 {target}",
                              f"a yes/no element's code mapping must give 是 or 否 (true/false), not {target}")
    _check_duplicates(spec, err)
    _check_schedule(spec, err)


def _check_select(spec: SourceSpec, err: Any) -> None:
    for name, text in spec.select.items():
        if not name.strip():
            raise err("select", "select 的列名不能为空", "a select: column name cannot be empty")
        try:
            columns = parse_select(text)[1]
        except SelectError as exc:
            at_zh = f"第 {exc.position} 个字符处" if exc.position else ""
            at_en = f" at character {exc.position}" if exc.position else ""
            raise err(f"select.{name}", f"select.{name}「{exc.fragment}」{at_zh}：{exc.zh}",
                      f"select.{name} `{exc.fragment}`{at_en}: {exc.en}") from None
        if not columns:
            raise err(f"select.{name}", f"select.{name} 没有读取任何列", f"select.{name} reads no column")


def _check_duplicates(spec: SourceSpec, err: Any) -> None:
    policy = spec.duplicates
    if policy.keep == "latest" and not policy.by:
        raise err("duplicates.by", "keep: latest 需要用 by 指定比较哪一列（如审批日期）",
                  "keep: latest needs by: the column to compare (an approval date, an updated-at)")
    if policy.by is not None and policy.keep != "latest":
        raise err("duplicates.by", "by 只用于 keep: latest", "by only applies to keep: latest")
    if policy.by is not None and policy.by not in spec.columns:
        known = "、".join(spec.columns)
        raise err("duplicates.by", f"by 列 {policy.by} 不在 columns 中（须是已映射的列：{known}）",
                  f"by column {policy.by} is not under columns: (it must be a mapped column: {', '.join(spec.columns)})")


def _check_schedule(spec: SourceSpec, err: Any) -> None:
    schedule = spec.schedule
    if schedule is None:
        return
    if (schedule.cron is None) == (schedule.every_hours is None):
        raise err("schedule", "schedule 须给出 cron 或 every_hours（二选一）", "schedule needs exactly one of cron or every_hours")
    if schedule.cron is not None:
        try:
            cron_trigger(schedule.cron)
        except ValueError as exc:
            raise err("schedule.cron", f"cron 表达式 {schedule.cron!r} 无效：{exc}（格式：分 时 日 月 周）",
                      f"bad cron line {schedule.cron!r}: {exc} (minute hour day month weekday)") from None


def duplicate_options(spec: SourceSpec) -> dict[str, Any]:
    """The snapshot writer's keep / latest_by for the source's duplicate policy (`by` names a column under
    columns:, whose element the writer compares)."""
    policy = spec.duplicates
    by = spec.columns[policy.by].element if policy.by else None
    return {"keep": policy.keep, "latest_by": by}
