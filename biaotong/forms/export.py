"""The 'template' exporter: a generated report written into the department's own workbook.

Registered with biaotong.reports.export on import. Options: `ws` (a Workspace: the workbook and spec are
read from report_specs, org names from its org tree) or `template` (bytes) with `spec` (a mapping);
`fill_date`, `org_name`, `notes` (filler, reviewer, head, phone) are optional.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from biaotong.catalog.orgnames import resolve_detail
from biaotong.errors import FormError, where
from biaotong.forms.fill import fill_from_result


def write_template(
    result: Any, out: Path, *, ws: Any | None = None, template: bytes | None = None,
    spec: dict[str, Any] | None = None, fill_date: date | None = None, org_name: str | None = None,
    notes: dict[str, str] | None = None, **_options: Any,
) -> None:
    if template is None or spec is None:
        if ws is None:
            raise FormError(
                "按部门表样导出需要工作区或表样文件", "the template export needs a workspace or the workbook",
                where(key=getattr(result.spec, "id", None)),
            )
        from biaotong.forms.store import load_template

        stored_spec, stored = load_template(ws, result.spec.id)
        spec, template = spec or stored_spec, template or stored
    if not (spec.get("template") or {}).get("anchors", {}).get("layout"):
        raise FormError(
            f"报表 {result.spec.id} 不是由部门表样导入的，无法按表样导出",
            f"report {result.spec.id} was not imported from a form; it has no template layout",
            where(key=result.spec.id),
        )
    data = fill_from_result(template, spec, result, names_at=_names_at(ws, result), org_name=org_name,
                            fill_date=fill_date, extra_notes=notes, parent_of=_parent_of(ws, result))
    Path(out).write_bytes(data)


def _parent_of(ws: Any | None, result: Any):  # type: ignore[no-untyped-def]
    """code -> the name of its parent unit on the period's end (the 所属乡镇 of a village card)."""
    if ws is None:
        return None
    on = getattr(result.period, "end", None)
    try:
        tree = ws.org_tree()
    except Exception:  # no org tree in this workspace: cards name their unit only
        return None

    def parent_of(code: str) -> str | None:
        try:
            chain = tree.ancestors(code, on)
        except Exception:  # a code the tree does not know
            return None
        return str(chain[0].name) if chain else None

    return parent_of


def _names_at(ws: Any | None, result: Any):  # type: ignore[no-untyped-def]
    if ws is None:
        return None
    on = getattr(result.period, "end", None)
    try:
        tree = ws.org_tree()
    except Exception:  # no org tree in this workspace: labels come from the report rows alone
        return None

    chains: dict[str, list[Any]] = {}

    def chain_of(code: str) -> list[Any]:
        try:
            unit = tree.get(code, on)
        except Exception:  # a roster shows its people's unit by name (城东社区), not by code
            found = resolve_detail(tree, code, None, on, None, 90.0)
            if found.code is None:  # unknown, or a name two units share: blank, never guessed
                return []
            try:
                unit = tree.get(found.code, on)
            except Exception:  # resolved to a unit not valid on the period's end
                return []
        return [unit, *tree.ancestors(unit.code, on)]

    def names_at(code: str, level: str) -> str | None:
        if code not in chains:
            chains[code] = chain_of(code)
        return next((str(u.name) for u in chains[code] if u.level == level), None)

    return names_at
