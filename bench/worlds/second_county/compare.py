"""Read a filled form back and compare every expected cell with truth; say why the misses happened."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from openpyxl import load_workbook

from .forms import FORMS
from .world import COUNTY, TOWNSHIPS

_T_SUFFIX = re.compile(r"(街道办事处|办事处|街道|水族乡|民族乡|镇|乡)$")
_V_SUFFIX = re.compile(r"(社区居民委员会|居民委员会|村民委员会|社区居委会|居委会|村委会|社区|村)$")
_TOTAL = re.compile(r"合计|总计|全县|" + COUNTY[1])


def _clean(v) -> str:
    return re.sub(r"\s+", "", str(v)) if v is not None else ""


def _tbase(name: str) -> str:
    return _T_SUFFIX.sub("", _clean(name))


def _vbase(name: str) -> str:
    return _V_SUFFIX.sub("", _clean(name))


_TOWNSHIP_BY_BASE = {}
for _code, _name, _old, _vills in TOWNSHIPS:
    _TOWNSHIP_BY_BASE[_tbase(_name)] = _code
    if _old:
        _TOWNSHIP_BY_BASE[_tbase(_old)] = _code
_VILLAGE = {(t, _vbase(vn)): vc for t, _n, _o, vs in TOWNSHIPS for vc, vn in vs}
_VILLAGE_ANY: dict[str, list[str]] = {}
for (_t, _b), _vc in _VILLAGE.items():
    _VILLAGE_ANY.setdefault(_b, []).append(_vc)


def _number(v) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    s = _clean(v).replace(",", "")
    try:
        return float(s)
    except ValueError:
        return None


def _date(v) -> str:
    if isinstance(v, (dt.datetime, dt.date)):
        return f"{v:%Y-%m-%d}"
    s = _clean(v)
    m = re.match(r"(\d{4})\D?(\d{1,2})\D?(\d{1,2})", s)
    return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}" if m else s


def equal(expected, got, kind: str = "") -> bool:
    if isinstance(expected, float):
        g = _number(got)
        return g is not None and abs(g - expected) <= 0.006
    if kind in ("township_name", "card_township"):
        return _tbase(got) == _tbase(expected)
    if kind in ("village_name", "card_name"):
        return _vbase(got) == _vbase(expected)
    if kind == "born":
        return _date(got) == expected
    if kind == "mode":
        return _clean(got).replace("供养", "") == expected.replace("供养", "")
    return _clean(got).upper() == _clean(expected).upper()


def _row_key(labels: dict[str, str], level: str, last_township: list) -> str | None:
    texts = [t for t in labels.values() if t]
    if any(_TOTAL.search(t) for t in texts):
        return "total"
    t_text = labels.get("township", "")
    if t_text:
        last_township[0] = _TOWNSHIP_BY_BASE.get(_tbase(t_text))
    if level == "township":
        return _TOWNSHIP_BY_BASE.get(_tbase(t_text)) if t_text else None
    v_text = labels.get("village", "")
    if not v_text or "小计" in v_text:
        return None
    base = _vbase(v_text)
    if last_township[0] and (last_township[0], base) in _VILLAGE:
        return _VILLAGE[(last_township[0], base)]
    cands = _VILLAGE_ANY.get(base, [])
    return cands[0] if len(cands) == 1 else None


def _aggregate(ws, meta, expected: dict, repeated: list[str]) -> dict[str, dict]:
    """Rows by their label cells; the first row of a unit counts (a repeat is noted in `repeated`)."""
    found: dict[str, dict] = {}
    label_cols = {role: col for col, role in meta.label_columns.items() if role != "index"}
    last: list = [None]
    for r in range(meta.first_data_row, ws.max_row + 1):
        labels = {role: _clean(ws[f"{col}{r}"].value) for role, col in label_cols.items()}
        key = _row_key(labels, meta.level, last)
        if key and key in expected:
            values = {col: ws[f"{col}{r}"].value for col in meta.columns}
            if key not in found:
                found[key] = values
            elif any(v is not None for v in values.values()):
                repeated.append(key)
    return found


def _roster(ws, meta, expected: dict) -> dict[str, dict]:
    """Rows by ID number; where the ID is masked (5227**********123X), by name and birth date."""
    found: dict[str, dict] = {}
    col = {k: c for c, k in meta.columns.items()}
    by_person = {(_clean(e[col["name"]]), e[col["born"]]): pid for pid, e in expected.items()}
    for r in range(meta.first_data_row, ws.max_row + 1):
        pid = _clean(ws[f"{col['id']}{r}"].value).upper()
        if pid not in expected:
            pid = by_person.get((_clean(ws[f"{col['name']}{r}"].value), _date(ws[f"{col['born']}{r}"].value)), "")
        if pid and pid not in found:
            found[pid] = {c: ws[f"{c}{r}"].value for c in meta.columns}
    return found


def one_form(fid: str, expected: dict, path: Path | None, imp: dict | None) -> dict:
    meta = FORMS[fid]
    total = sum(len(cols) for cols in expected.values())
    per_col = {col: [0, 0, []] for col in meta.columns}
    stumbles: list[str] = []
    found: dict[str, dict] = {}
    if path is None:
        stumbles.append("no filled form was produced (see the report generate stumble)")
    else:
        ws = load_workbook(path, data_only=True).worksheets[0]
        if meta.layout == "card":
            found = {"card": {cell: ws[cell].value for cell in meta.columns}}
        elif meta.layout == "roster":
            found = _roster(ws, meta, expected)
        else:
            repeated: list[str] = []
            found = _aggregate(ws, meta, expected, repeated)
            if repeated:
                stumbles.append(f"{len(repeated)} units appear twice: the pre-listed row left blank and the values "
                                f"written in a new row below (e.g. {repeated[:3]}); the pre-listed row is compared")
        if meta.layout == "roster":
            listed = sum(1 for r in range(meta.first_data_row, ws.max_row + 1)
                         if any(ws.cell(r, c).value is not None for c in range(2, 8)))
            if listed != len(expected) or len(found) < len(expected):
                stumbles.append(f"roster lists {listed} people where {len(expected)} are expected; "
                                f"{len(found)} of them found (extra rows are not counted as cells)")
        missing = [k for k in expected if k not in found]
        if missing:
            stumbles.append(f"{len(missing)} of {len(expected)} expected rows not found in the filled form "
                            f"(e.g. {missing[:3]})")
    eq = 0
    for key, cols in expected.items():
        got_row = found.get(key)
        for col, want in cols.items():
            per_col[col][1] += 1
            got = got_row.get(col) if got_row else None
            if got_row is not None and equal(want, got, meta.columns[col]):
                eq += 1
                per_col[col][0] += 1
            elif got_row is not None and len(per_col[col][2]) < 2:
                per_col[col][2].append(f"{key}: want {want!r} got {got!r}")
    proposals = {p.get("key") or p.get("column"): p for p in (imp or {}).get("proposals", [])}
    for col, (ok, n, samples) in per_col.items():
        if ok < n and samples:
            p = proposals.get(col, {})
            stumbles.append(f"{col} {p.get('title', meta.columns[col])!r} ({meta.columns[col]}): {ok}/{n} equal; "
                            f"proposal {p.get('kind')}:{p.get('target') or p.get('expression')}; {'; '.join(samples)}")
    right = sum(1 for ok, n, _ in per_col.values() if n and ok == n)
    return {"form": fid, "layout": meta.layout, "equal": eq, "expected": total, "share": eq / total if total else 0,
            "columns_right": right, "columns_total": len(per_col),
            "columns": {c: v[:2] for c, v in per_col.items()}, "stumbles": stumbles}


def all_forms(expected: dict, filled: dict[str, Path], world, imports: dict[str, dict]) -> list[dict]:
    return [one_form(fid, expected[fid], filled.get(fid), imports.get(fid)) for fid in FORMS]
