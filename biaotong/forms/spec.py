"""From a reviewed mapping to a normal report spec (biaotong.reports.spec) that refers to the workbook.

A mapping file (JSON or YAML) overrides the proposals column by column::

    {"columns": {"B": "dibao_persons",                 # an indicator id
                 "C": "resident.name",                 # a data element (rosters; village elements)
                 "D": {"expression": {"agg": "count", "entity": "resident", "filter": "age >= 80"}},
                 "E": "collected:road_length",         # grassroots fill it (a collected element)
                 "F": "skip"}}                         # leave the column empty

The JSON that `biaotong template import --json` prints is accepted too (its `proposals`, edited).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from biaotong.errors import FormError, where
from biaotong.forms.match import Proposal
from biaotong.forms.model import FormLayout

_FIELD_ID = re.compile(r"[^a-z0-9_]")


def load_mapping(path: Path | str) -> dict[str, Any]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
        data = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except FileNotFoundError:
        raise FormError(f"找不到映射文件：{p}", f"mapping file not found: {p}", where(file=str(p))) from None
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise FormError(f"映射文件格式错误：{exc}", f"malformed mapping file: {exc}", where(file=str(p))) from None
    if isinstance(data, dict) and "proposals" in data:
        return {
            str(pr["key"]): _from_proposal(pr) for pr in data["proposals"] if isinstance(pr, dict) and "key" in pr
        }
    if isinstance(data, dict) and isinstance(data.get("columns"), dict):
        return {str(k): v for k, v in data["columns"].items()}
    if isinstance(data, dict):
        return {str(k): v for k, v in data.items()}
    raise FormError("映射文件应为 {列: 指标} 的映射", "a mapping file maps columns to indicators", where(file=str(p)))


def _from_proposal(pr: dict[str, Any]) -> Any:
    kind, target = pr.get("kind"), pr.get("target")
    if kind in ("label", "index"):
        return kind
    if kind == "expression" or (kind == "element" and pr.get("expression")):
        return {"expression": pr.get("expression")}
    if kind == "collected" and pr.get("expression"):
        return {"expression": pr["expression"]}
    if kind in ("indicator", "element", "collected") and target:
        return target
    return "unmapped"


def apply_mapping(proposals: list[Proposal], mapping: dict[str, Any], *, file: str | None = None) -> None:
    """Overwrite proposals by the user's choices; unknown column keys are an error naming them."""
    keys = {p.key: p for p in proposals}
    unknown = sorted(set(mapping) - set(keys))
    if unknown:
        raise FormError(
            f"映射中的列不存在：{'、'.join(unknown)}（表中的列：{'、'.join(keys)}）",
            f"the mapping names columns the form does not have: {', '.join(unknown)}",
            where(file=file, column=unknown[0]),
        )
    for key, choice in mapping.items():
        p = keys[key]
        p.confidence = 1.0
        p.reason = "人工确认"
        if isinstance(choice, dict):
            expr = choice.get("expression")
            if not isinstance(expr, dict):
                raise FormError("映射项需要 expression", "a mapping entry needs an expression", where(file=file, column=key))
            p.kind, p.target, p.expression = "expression", choice.get("indicator"), expr
        elif choice in ("label", "index", "unmapped"):
            p.kind, p.target, p.expression = choice, None, None
        elif choice == "skip":
            p.kind, p.target, p.expression = "unmapped", "skip", None
        elif isinstance(choice, str) and choice.startswith("collected:"):
            code = choice.split(":", 1)[1]
            entity = code.split(".")[0] if "." in code else "village"
            p.kind, p.target, p.expression = "collected", code, {"collected": code.split(".")[-1], "entity": entity}
        elif isinstance(choice, str) and "." in choice:
            entity, code = choice.split(".", 1)
            p.kind, p.target = "element", choice
            p.expression = {"agg": "sum", "entity": entity, "of": code} if entity == "village" else None
        elif isinstance(choice, str):
            p.kind, p.target, p.expression = "indicator", choice, None
        else:
            raise FormError(f"无法理解的映射：{choice!r}", f"cannot understand mapping {choice!r}",
                            where(file=file, column=key))


def unmapped(proposals: list[Proposal]) -> list[Proposal]:
    return [p for p in proposals if p.kind == "unmapped" and p.target != "skip"]


def build_spec(
    layout: FormLayout,
    proposals: list[Proposal],
    *,
    report_id: str,
    title: str | None,
    department: str,
    period_type: str = "month",
    level: str | None = None,
    roster_filter: str | None = None,
    unmapped_as: str = "error",
) -> dict[str, Any]:
    """The report spec (a plain mapping the reports package validates) for this form and mapping."""
    missing = unmapped(proposals)
    if missing and unmapped_as == "error":
        cols = "、".join(f"{p.column}「{p.title}」" for p in missing)
        raise FormError(
            f"还有 {len(missing)} 列未对应到指标：{cols}。请用 --mapping 指定，或用 --unmapped collected 标为基层采集、"
            "--unmapped skip 留空",
            f"{len(missing)} columns are not mapped: {', '.join(p.column for p in missing)}; give them in --mapping, "
            "or pass --unmapped collected|skip",
            where(file=layout.file, column=missing[0].column),
            details={"unmapped": [{"column": p.column, "title": p.title} for p in missing]},
        )
    anchors: dict[str, Any] = {"layout": layout.to_json(), "columns": {}}
    spec: dict[str, Any] = {
        "id": report_id,
        "title": title or layout.title or report_id,
        "department": department,
        "period_type": period_type,
        "layout": layout.kind,
        "source_form": Path(layout.file).name,
    }
    if level:
        spec["level"] = level
    if layout.default_units:
        spec["unit_note"] = "单位：" + "、".join(layout.default_units)
    if layout.kind == "roster":
        spec["roster"] = _roster(layout, proposals, roster_filter, anchors)
    else:
        spec["fields"] = _fields(layout, proposals, anchors, unmapped_as)
    spec["template"] = {"sheet": layout.sheet, "anchors": anchors}
    return spec


def _field_id(p: Proposal, used: set[str]) -> str:
    base = p.target if p.kind == "indicator" and p.target else f"col_{p.column.lower()}"
    if p.cell:
        base = f"cell_{p.cell.lower()}" if not (p.kind == "indicator" and p.target) else base
    fid = _FIELD_ID.sub("_", base.lower())
    if not fid[:1].isalpha():
        fid = "f_" + fid
    out, n = fid, 2
    while out in used:
        out, n = f"{fid}_{n}", n + 1
    used.add(out)
    return out


def _fields(layout: FormLayout, proposals: list[Proposal], anchors: dict[str, Any], unmapped_as: str) -> list[dict[str, Any]]:
    used: set[str] = set()
    fields: list[dict[str, Any]] = []
    for p in proposals:
        if p.kind in ("label", "index"):
            anchors["columns"][p.key] = {"role": p.kind, "column": p.column, "level": p.level}
            continue
        if p.kind == "unmapped":
            if p.target == "skip" or unmapped_as == "skip":
                continue
            code = f"{layout.sheet}_{p.column}".lower()
            p.kind, p.expression = "collected", {"collected": _FIELD_ID.sub("_", code)}
        leaf = layout.leaf(p.key)
        fid = _field_id(p, used)
        field: dict[str, Any] = {"id": fid, "label": leaf.name or p.title}
        if p.kind in ("indicator", "collected") and p.target and not p.expression:
            field["indicator"] = p.target
        else:
            field["expression"] = p.expression
        if p.unit:
            field["unit"] = p.unit
        if leaf.path[:-1]:
            field["group"] = list(leaf.path[:-1])
        fields.append(field)
        anchors["columns"][p.key] = {"field": fid, "column": p.column, "cell": p.cell, "scale": p.scale}
    return fields


def _roster(layout: FormLayout, proposals: list[Proposal], roster_filter: str | None,
            anchors: dict[str, Any]) -> dict[str, Any]:
    entities = [p.target.split(".")[0] for p in proposals if p.kind in ("element", "collected") and p.target
                and "." in p.target]
    entity = max(set(entities), key=entities.count) if entities else "resident"
    columns: list[str] = []
    labels: dict[str, str] = {}
    for p in proposals:
        if p.kind in ("element", "collected") and p.target and "." in p.target:
            ent, code = p.target.split(".", 1)
            if ent != entity:
                continue
            if code not in columns:
                columns.append(code)
                labels[code] = layout.leaf(p.key).name
            anchors["columns"][p.key] = {"element": code, "column": p.column}
        elif p.kind in ("label", "index"):
            anchors["columns"][p.key] = {"role": p.kind, "column": p.column, "level": p.level}
            if p.kind == "label" and "org_code" not in columns:
                columns.append("org_code")
    out: dict[str, Any] = {"entity": entity, "columns": columns, "labels": labels}
    if roster_filter:
        out["filter"] = roster_filter
    return out
