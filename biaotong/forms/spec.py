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
    if kind == "expression" and target and pr.get("filter"):
        return {"indicator": target, "filter": pr["filter"]}
    if kind == "expression" and isinstance(pr.get("expression"), dict) and "ratio" in pr["expression"]:
        return {"ratio": pr["expression"]["ratio"], "percent": pr["expression"].get("percent", True),
                "digits": pr["expression"].get("digits")}
    if kind == "expression" or (kind == "element" and pr.get("expression")):
        return {"expression": pr.get("expression")}
    if kind == "collected" and pr.get("expression"):
        return {"expression": pr["expression"]}
    if kind in ("indicator", "element", "collected") and target:
        return target
    return "unmapped"


def apply_mapping(proposals: list[Proposal], mapping: dict[str, Any], *, file: str | None = None,
                  layout: FormLayout | None = None, library: Any | None = None, catalog: Any | None = None) -> None:
    """Overwrite proposals by the user's choices (biaotong.forms.mapping), every choice checked first: a bad one
    names the sheet, the header cells and the column, and no proposal is changed."""
    from biaotong.forms.mapping import MappingChecker, apply_choices

    if library is None:
        from biaotong.reports.library import builtin_library

        library = builtin_library()
    if catalog is None:
        from biaotong.catalog import load_catalog

        catalog = load_catalog()
    if layout is None:  # a bare list of proposals (tests): a layout of their keys only
        from biaotong.forms.model import LeafColumn

        layout = FormLayout(file or "", "Sheet1", "aggregate", None, [], [], 1, 1, 1, 1, [],
                            [LeafColumn(p.key, p.column, [p.title], p.name, cell=p.cell) for p in proposals])
    choices = MappingChecker(layout, library, catalog, file=file).check_all(mapping)
    apply_choices(proposals, choices)


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
        elif p.kind == "expression" and p.target and p.filter:
            field["indicator"], field["filter"] = p.target, p.filter  # reads as “an indicator, narrowed”
        else:
            field["expression"] = p.expression
        if p.unit:
            field["unit"] = p.unit
        if leaf.path[:-1]:
            field["group"] = list(leaf.path[:-1])
        fields.append(field)
        anchors["columns"][p.key] = {"field": fid, "column": p.column, "cell": p.cell, "scale": p.scale}
    # a rate of two of the form's columns names their fields ("@D" → the field filling column D)
    field_of = {key: a["field"] for key, a in anchors["columns"].items() if "field" in a}
    for f in fields:
        expr = f.get("expression")
        if isinstance(expr, dict) and "ratio" in expr:
            refs = []
            for ref in expr["ratio"]:
                if isinstance(ref, str) and ref.startswith("@"):
                    if ref[1:] not in field_of:
                        raise FormError(f"比率引用的列 {ref[1:]} 没有对应字段（未映射或已跳过）",
                                        f"the ratio names column {ref[1:]}, which has no field (unmapped or skipped)",
                                        where(file=layout.file, column=ref[1:], field=f["id"]))
                    refs.append(field_of[ref[1:]])
                else:
                    refs.append(ref)
            f["expression"] = {k: v for k, v in {**expr, "ratio": refs}.items() if v is not None}
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


def stored_mapping(spec: dict[str, Any]) -> dict[str, Any]:
    """The mapping a saved form-backed report was built with (column → choice), to re-open and change it."""
    anchors = (spec.get("template") or {}).get("anchors") or {}
    columns: dict[str, Any] = anchors.get("columns") or {}
    layout = anchors.get("layout") or {}
    out: dict[str, Any] = {}
    if spec.get("layout") == "roster":
        entity = (spec.get("roster") or {}).get("entity", "resident")
        for key, a in columns.items():
            out[key] = a["role"] if "role" in a else f"{entity}.{a['element']}"
    else:
        fields = {f["id"]: f for f in spec.get("fields") or []}
        column_of = {a["field"]: key for key, a in columns.items() if "field" in a}
        for key, a in columns.items():
            if "role" in a:
                out[key] = a["role"]
                continue
            f = fields.get(a.get("field", ""))
            if f is None:
                continue
            if f.get("indicator"):
                out[key] = {"indicator": f["indicator"], "filter": f["filter"]} if f.get("filter") else f["indicator"]
            elif "ratio" in (f.get("expression") or {}):
                e = f["expression"]
                out[key] = {"ratio": [f"@{column_of[r]}" if r in column_of else r for r in e["ratio"]],
                            "percent": e.get("percent", False), "digits": e.get("digits")}
            else:
                out[key] = {"expression": f.get("expression")}
    for leaf in layout.get("leaves") or []:  # columns left empty on purpose stay so
        out.setdefault(leaf["key"], "skip")
    return out
