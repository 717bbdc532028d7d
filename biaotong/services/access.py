"""The rules every service module shares: who may read which report, the default org of a user, statistical
disclosure control (small counts) and the refusal of filters that pick out one person.

Role and scope checks themselves are `biaotong.auth.require_role` / `require_scope`; this module adds the
rules that need the catalog or the report specs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from biaotong.auth.actor import Actor, require_role
from biaotong.errors import AccessDenied, where
from biaotong.reports.mask import is_direct_identifier

if TYPE_CHECKING:
    from biaotong.reports.resolve import Resolved
    from biaotong.reports.spec import ReportSpec
    from biaotong.workspace import Workspace

# Who reads reports at all (a system administrator manages users, not data).
REPORT_READERS = ("grassroots", "township", "designer", "data_admin", "auditor")
# Roles that read every department's reports; a designer alone reads their own department's.
ALL_DEPARTMENTS = ("grassroots", "township", "data_admin", "auditor")


def can_read_report(actor: Actor, spec: ReportSpec) -> bool:
    if actor.has_role(*ALL_DEPARTMENTS):
        return True
    return actor.has_role("designer") and actor.department is not None and spec.department == actor.department


def require_report(actor: Actor, spec: ReportSpec) -> None:
    require_role(actor, *REPORT_READERS)
    if not can_read_report(actor, spec):
        raise AccessDenied(
            f"用户 {actor.username} 只能查看本部门（{actor.department or '未设定'}）的报表，{spec.id} 属于 {spec.department}",
            f"user {actor.username} reads only their department's ({actor.department or 'none set'}) reports; "
            f"{spec.id} belongs to {spec.department}",
            where(key=spec.id),
        )


def personal_clearance(actor: Actor) -> bool:
    """Whether the user reads personal data (names, addresses) in clear: staff or cleared."""
    return actor.clearance in ("staff", "cleared")


def small_count_threshold(ws: Workspace) -> int:
    return int(ws.setting("small_count_threshold"))


def suppressed(value: Any, threshold: int) -> Any:
    """A count 1..threshold-1 shown as `<threshold`; zero and larger counts stay as they are."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return f"<{threshold}" if 0 < value < threshold else value


def count_fields(res: Resolved) -> set[str]:
    return {fid for fid, f in res.fields.items() if f.kind == "aggregate" and f.agg in ("count", "count_distinct")}


def _presence_only(column: exp.Column) -> bool:
    """`x IS [NOT] NULL` or `is_set(x)`: asks whether a value exists, never which one."""
    parent = column.parent
    return isinstance(parent, exp.Is) or (
        isinstance(parent, exp.Anonymous) and str(parent.this).lower() == "is_set" and len(parent.expressions) == 1
    )


def filter_columns(text: str, entity: str) -> set[tuple[str, str]]:
    """(entity, element) pairs a filter compares with values (presence checks left out); a column qualified by
    another entity (household.x) keeps that entity."""
    try:
        tree = sqlglot.parse_one(text, dialect="duckdb")
    except sqlglot.errors.ParseError:
        return set()  # the compiler reports a malformed filter with its own message
    return {(c.table or entity, c.name) for c in tree.find_all(exp.Column) if not _presence_only(c)}


def refuse_identifier_filters(actor: Actor, ws: Workspace, spec: ReportSpec, res: Resolved | None) -> None:
    """A field that filters on an ID number, name or phone reports on one person: cleared users only."""
    if actor.clearance == "cleared":
        return
    from biaotong.reports.resolve import DEFAULT_ENTITY

    filters: list[tuple[str, str, str]] = []
    if res is not None:
        filters += [(fid, f.filter, f.entity or DEFAULT_ENTITY) for fid, f in res.fields.items() if f.filter]
    if spec.roster is not None and spec.roster.filter:
        filters.append(("roster", spec.roster.filter, spec.roster.entity))
    catalog = ws.catalog
    for fid, text, entity in filters:
        for ent, code in filter_columns(text, entity):
            if catalog.has_element(ent, code) and is_direct_identifier(el := catalog.element(ent, code)):
                raise AccessDenied(
                    f"报表 {spec.id} 的字段 {fid} 按直接标识（{el.name}）筛选，仅限有敏感信息权限的用户",
                    f"field {fid} of report {spec.id} filters on a direct identifier ({el.name}): cleared users only",
                    where(key=spec.id, field=fid),
                )
