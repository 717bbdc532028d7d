"""Render corpus form definitions (defs/*.yaml) into realistic .xlsx arrangements, each with its truth.

A definition says what a form asks (title, header tree, truth of every leaf); the arrangement — where the
表号 block sits, how the 填报单位/统计时点/单位 line is split, how the header is merged, which label columns
the rows carry, notes, footer, sheet names — is drawn from a seeded RNG, so variant n of a form is the same
workbook on every machine. Variant 0 is the plain arrangement; the others are drawn.

    truth = render_form(defn, 3, Path("out/mz-dibao-v3.xlsx"))
    pairs = corpus(Path("out"), "tuning", variants=4)
"""

from __future__ import annotations

import itertools
import json
import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

DEFS = Path(__file__).parent / "defs"
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")

LABELS_BY_LEVEL: dict[str, list[list[str]]] = {
    "village": [["乡镇（街道）", "村（社区）"], ["村（社区）"], ["单位名称"], ["村（居）"], ["地区"], ["乡镇", "村"]],
    "township": [["乡镇（街道）"], ["地区"], ["单位名称"], ["乡镇"], ["镇（街道）"], ["单位"]],
    "county": [["地区"], ["县（市、区）"], ["单位名称"]],
}
LABEL_LEVEL = {"单位名称": "org", "地区": "org", "单位": "org", "所属村": "village", "乡镇（街道）": "township", "乡镇": "township", "镇（街道）": "township", "村（社区）": "village",
               "村（居）": "village", "村": "village", "县（市、区）": "county"}
TOWNSHIPS = ["城关镇", "河西乡", "龙泉街道", "石桥镇", "白沙乡", "东岳街道", "青山镇"]
VILLAGES = ["新庄村", "李家村", "团结社区", "红旗村", "柳树湾村", "和平社区", "大河村", "王庄村"]
SHEET_NAMES = ["Sheet1", "表1", "附件1", "汇总表", "2025年6月", "月报", "统计表 (2)", "填报", "6月"]
SIGNATURES = ["单位负责人", "统计负责人", "填表人", "审核人", "联系电话", "报出日期"]
REF_DATE = (2025, 6, 30)


@dataclass
class Sheet:
    """Where the drawing is: the worksheet, the next free row, and the truth gathered so far."""

    ws: Worksheet
    rng: random.Random
    width: int
    col0: int = 1
    row: int = 1
    truth: dict[str, Any] = field(default_factory=dict)

    def put(self, r: int, c: int, text: Any, *, w: int = 1, h: int = 1, box: bool = False,
            align: Alignment = CENTER, bold: bool = False, size: int = 10) -> None:
        cell = self.ws.cell(r, c, text)
        cell.font = Font(name="宋体", size=size, bold=bold)
        cell.alignment = align
        if w > 1 or h > 1:
            self.ws.merge_cells(start_row=r, start_column=c, end_row=r + h - 1, end_column=c + w - 1)
        if box:
            for rr in range(r, r + h):
                for cc in range(c, c + w):
                    self.ws.cell(rr, cc).border = BOX


def _rng(form_id: str, variant: int, seed: int) -> random.Random:
    return random.Random(zlib.crc32(f"{seed}:{form_id}:{variant}".encode()))


def _letter(c: int) -> str:
    return get_column_letter(c)


# --- the header tree ---

def _depth(cols: list[dict[str, Any]]) -> int:
    return max(1 + _depth(c["children"]) if c.get("children") else 1 for c in cols)


def _width(col: dict[str, Any]) -> int:
    return sum(_width(c) for c in col["children"]) if col.get("children") else 1


def _leaves(cols: list[dict[str, Any]], path: tuple[str, ...] = ()) -> list[tuple[list[str], dict[str, Any]]]:
    out: list[tuple[list[str], dict[str, Any]]] = []
    for c in cols:
        p = (*path, str(c["header"]))
        out.extend(_leaves(c["children"], p) if c.get("children") else [(list(p), c)])
    return out


def _with_unit(text: str, unit: str | None, rng: random.Random, plain: bool) -> str:
    if not unit:
        return text
    if plain:
        return f"{text}（{unit}）"
    return rng.choice([f"{text}（{unit}）", f"{text}({unit})", f"{text}\n（{unit}）", f"{text} （{unit}）"])


# --- the lines above and below a table ---

def _ref_text(kind: str, rng: random.Random, plain: bool) -> str:
    y, m, d = REF_DATE
    if plain:
        return f"{kind}：{y}年{m}月{d}日"
    return rng.choice([f"{kind}：{y}年{m}月{d}日", f"{kind}：{y}年{m:02d}月{d:02d}日", f"{kind}：{y}-{m:02d}-{d:02d}",
                       f"{kind}：{y}.{m}.{d}", f"截至{y}年{m}月{d}日"])


def _head_block(s: Sheet, defn: dict[str, Any], plain: bool) -> None:
    """表号 / 制定机关 / 批准机关 / 批准文号 / 有效期至: one merged cell or several, left or top right."""
    rng = s.rng
    table_no = defn.get("table_no") or (None if plain or rng.random() < 0.6 else f"表{rng.randint(1, 9)}")
    if not table_no:
        return
    lines = [f"表    号：{table_no}"]
    if defn.get("authority"):
        lines.append(f"制定机关：{defn['authority']}")
    if not plain and rng.random() < 0.5:
        lines.append("批准机关：县统计局")
    if not plain and rng.random() < 0.5:
        lines.append(f"批准文号：县统制〔2025〕{rng.randint(3, 40)}号")
    if not plain and rng.random() < 0.5:
        lines.append("有效期至：2027年12月")
    style = "right_cells" if plain else rng.choice(["right_cells", "right_merged", "left_merged", "left_cells", "line"])
    w = min(3, max(1, s.width // 3))
    right = s.col0 + s.width - w
    top = s.row
    if style == "line":
        s.put(top, s.col0, "    ".join(lines), w=s.width, align=LEFT)
        s.row = top + 1
    elif style.endswith("merged"):
        c = right if style == "right_merged" else s.col0
        h = 2 if len(lines) <= 2 else 3
        s.put(top, c, "\n".join(lines), w=w, h=h, align=LEFT, size=9)
        s.truth["block_beside_title"] = style == "right_merged"
        s.truth["_block_rows"] = (top, top + h - 1, c, c + w - 1)
        if style == "left_merged":
            s.row = top + h
    else:
        c = right if style == "right_cells" else s.col0
        for i, line in enumerate(lines):
            s.put(top + i, c, line, w=w, align=LEFT, size=9)
        s.truth["_block_rows"] = (top, top + len(lines) - 1, c, c + w - 1)
        if style == "left_cells":
            s.row = top + len(lines)


def _titles(s: Sheet, defn: dict[str, Any], plain: bool) -> None:
    rng = s.rng
    title = str(defn["title"])
    period = None if plain else rng.choice([None, None, "2025年6月", "2025年第二季度", "2025年"])
    block = s.truth.pop("_block_rows", None)
    lo, w = s.col0, s.width
    if block and block[2] > s.col0 and block[0] <= s.row:  # leave the top-right block its columns
        w = block[2] - s.col0
    two = not plain and rng.random() < 0.35
    first = f"{period}{title}" if period and not two else title
    if not plain and rng.random() < 0.15:
        s.put(s.row, lo, first, bold=True, size=16, align=LEFT)  # a title in a single unmerged cell
    else:
        s.put(s.row, lo, first, w=w, bold=True, size=16)
    s.ws.row_dimensions[s.row].height = 28
    s.row += 1
    if two:
        sub = f"（{period}）" if period else rng.choice(["（月报）", "（季报）", "（年报）"])
        s.put(s.row, lo, sub, w=w)
        s.row += 1
    if block:
        s.row = max(s.row, block[1] + 1)
    if period:
        s.truth["period"] = period


def _meta_line(s: Sheet, defn: dict[str, Any], plain: bool) -> None:
    """填报单位（盖章）： / 统计时点： / 单位：… in one cell, or split over two or three merged cells."""
    rng = s.rng
    parts = [rng.choice(["填报单位（盖章）：", "填表单位：", "填报单位："]) if not plain else "填表单位："]
    ref = defn.get("reference")
    if ref:
        parts.append(_ref_text(str(ref), rng, plain))
        s.truth["reference_date"] = "{:04d}-{:02d}-{:02d}".format(*REF_DATE)
    if defn.get("unit_line"):
        parts.append(str(defn["unit_line"]))
    if not plain and rng.random() < 0.3:
        parts.append("填报日期：    年  月  日")
    style = "one" if plain or len(parts) == 1 else rng.choice(["one", "split", "split", "rows"])
    if style == "one":
        s.put(s.row, s.col0, "          ".join(parts), w=s.width, align=LEFT)
        s.row += 1
    elif style == "split":
        n = len(parts)
        widths = _split(s.width, n, rng)
        c = s.col0
        for text, w in zip(parts, widths, strict=True):
            s.put(s.row, c, text, w=w, align=LEFT if c == s.col0 else RIGHT if c + w >= s.col0 + s.width else CENTER)
            c += w
        s.row += 1
    else:
        s.put(s.row, s.col0, parts[0], w=max(1, s.width // 2), align=LEFT)
        s.row += 1
        rest = "    ".join(parts[1:])
        w = max(1, s.width // 2)
        s.put(s.row, s.col0 + s.width - w, rest, w=w, align=RIGHT)
        s.row += 1


def _split(width: int, n: int, rng: random.Random) -> list[int]:
    if width < n:
        return [1] * n  # narrow sheet: cells run past the table, as clerks do
    cuts = sorted(rng.sample(range(1, width), n - 1)) if n > 1 else []
    edges = [0, *cuts, width]
    return [b - a for a, b in itertools.pairwise(edges)]


def _notes(s: Sheet, notes: list[str], plain: bool) -> None:
    if not notes:
        return
    rng = s.rng
    style = "rows" if plain else rng.choice(["one", "rows", "heading", "rows"])
    word = "注：" if plain else rng.choice(["注：", "填表说明：", "说明：", "注："])
    numbered = [f"{i}.{n}" if plain else f"{i}{rng.choice(['.', '、', '．'])}{n}" for i, n in enumerate(notes, 1)]
    if len(notes) == 1:
        numbered = [notes[0]]
    if style == "one":
        s.put(s.row, s.col0, word + "\n".join(numbered), w=s.width, h=min(3, len(notes)), align=LEFT)
        s.row += min(3, len(notes))
        return
    if style == "heading":
        s.put(s.row, s.col0, word.rstrip("："), w=s.width, align=LEFT)
        s.row += 1
        lines = numbered
    else:
        lines = [word + numbered[0], *numbered[1:]]
    for line in lines:
        s.put(s.row, s.col0, line, w=s.width, align=LEFT)
        s.row += 1


def _footer(s: Sheet, plain: bool) -> None:
    rng = s.rng
    keys = SIGNATURES if plain else [k for k in SIGNATURES if rng.random() < 0.75] or ["填表人"]
    texts = [f"{k}：    年  月  日" if k == "报出日期" else f"{k}：" for k in keys]
    style = "one" if plain else rng.choice(["one", "cells", "two"])
    if style == "one":
        s.put(s.row, s.col0, "        ".join(texts), w=s.width, align=LEFT)
        s.row += 1
    elif style == "cells" and s.width >= 2:
        per = max(1, s.width // max(1, min(len(texts), s.width)))
        c = s.col0
        for text in texts:
            if c > s.col0 + s.width - 1:
                s.row += 1
                c = s.col0
            s.put(s.row, c, text, align=LEFT)
            c += per
        s.row += 1
    else:
        half = (len(texts) + 1) // 2
        for chunk in (texts[:half], texts[half:]):
            if chunk:
                s.put(s.row, s.col0, "        ".join(chunk), w=s.width, align=LEFT)
                s.row += 1


# --- tables: aggregate and roster ---

def _label_columns(defn: dict[str, Any], rng: random.Random, plain: bool) -> list[str]:
    if defn["layout"] == "roster":  # a 台账 often starts with the person's township and village
        has_index = any(str(c["header"]) == "序号" for c in defn["columns"])
        labels = [] if plain or has_index else rng.choice([[], [], ["村（社区）"], ["乡镇（街道）", "村（社区）"], ["所属村"]])
        if not has_index and not plain and rng.random() < 0.5:
            labels.insert(0, "序号")
        return labels
    if defn["layout"] != "aggregate":
        return []
    options = LABELS_BY_LEVEL.get(str(defn.get("level") or "village"), LABELS_BY_LEVEL["village"])
    labels = list(options[0] if plain else rng.choice(options))
    if plain or rng.random() < 0.5:
        labels.insert(0, "序号")
    return labels


def _table(s: Sheet, defn: dict[str, Any], labels: list[str], plain: bool) -> None:
    rng = s.rng
    cols: list[dict[str, Any]] = defn["columns"]
    depth = _depth(cols)
    lazy_groups = not plain and rng.random() < 0.12
    unit_row = defn["layout"] == "aggregate" and not plain and rng.random() < 0.15
    lazy_leaves = not plain and rng.random() < 0.12
    unmerged_labels = not plain and rng.random() < 0.12
    top = s.row
    bottom = top + depth - 1
    c = s.col0
    label_truth: list[str] = []
    index_truth: list[str] = []
    levels: dict[str, str] = {}
    for text in labels:
        h = 1 if unmerged_labels else depth
        s.put(top, c, text, h=h, box=True, bold=True)
        for rr in range(top, bottom + 1):
            s.ws.cell(rr, c).border = BOX
        (index_truth if text == "序号" else label_truth).append(_letter(c))
        if text in LABEL_LEVEL:
            levels[_letter(c)] = LABEL_LEVEL[text]
        s.ws.column_dimensions[_letter(c)].width = 6 if text == "序号" else 14
        c += 1
    leaves: list[dict[str, Any]] = []

    def draw(items: list[dict[str, Any]], row: int, col: int, path: tuple[str, ...]) -> None:
        for item in items:
            w = _width(item)
            header = str(item["header"])
            kids = item.get("children")
            text = header if unit_row and not kids else _with_unit(header, item.get("unit"), rng, plain)
            h = 1 if kids or lazy_leaves else bottom - row + 1
            ww = 1 if (kids and lazy_groups) else w
            s.put(row, col, text, w=ww, h=h, box=True, bold=True)
            for rr in range(row, (row if kids else bottom) + 1):
                for cc in range(col, col + w):
                    s.ws.cell(rr, cc).border = BOX
            if kids:
                # in a 计量单位 row a group's unit is written under each of its leaves
                draw([{**k, "unit": k.get("unit") or item.get("unit")} if unit_row and not k.get("children") else k
                      for k in kids], row + 1, col, (*path, header))
            else:
                truth = item.get("truth", "unmapped")
                if header == "序号":
                    index_truth.append(_letter(col))
                elif isinstance(truth, dict) and "label" in truth:
                    label_truth.append(_letter(col))
                    levels[_letter(col)] = str(truth["label"])
                else:
                    leaves.append({"column": _letter(col), "path": [*path, header], "truth": truth,
                                   "_unit": item.get("unit")})
                s.ws.column_dimensions[_letter(col)].width = 11
            col += w

    draw(cols, top, c, ())
    last_col = c + sum(_width(x) for x in cols) - 1
    s.row = bottom + 1
    if unit_row:  # a 计量单位 row under the header: part of the header, its units the leaves'
        for cc in range(s.col0, last_col + 1):
            letter = _letter(cc)
            leaf = next((lf for lf in leaves if lf["column"] == letter), None)
            text = ("计量单位" if cc == s.col0 + len(labels) - 1 or (cc == s.col0 and not labels) else "—") \
                if leaf is None else (leaf.pop("_unit", None) or "—")
            if cc == s.col0 and labels and labels[0] == "序号":
                text = None
            s.put(s.row, cc, text, box=True)
        s.row += 1
    for lf in leaves:
        lf.pop("_unit", None)
    s.truth["header_rows"] = list(range(top, s.row))
    if not plain and rng.random() < 0.35:
        n = 0
        for cc in range(s.col0, last_col + 1):
            letter = _letter(cc)
            if letter in index_truth or letter in label_truth:
                text: Any = "甲乙丙丁戊"[min(4, cc - s.col0)]
            else:
                n += 1
                text = n
            s.put(s.row, cc, text, box=True)
        s.truth["code_row"] = s.row
        s.row += 1
    s.truth["data_start_row"] = s.row
    s.truth["label_columns"] = label_truth
    s.truth["index_columns"] = index_truth
    s.truth["label_levels"] = levels
    s.truth["leaves"] = leaves
    _body(s, defn, labels, label_truth, last_col, plain)


def _body(s: Sheet, defn: dict[str, Any], labels: list[str], label_cols: list[str], last_col: int,
          plain: bool) -> None:
    rng = s.rng
    rows: list[dict[str, str]] = []
    if defn["layout"] == "aggregate" and label_cols and not plain and rng.random() < 0.45:
        finest = [t for t in labels if t != "序号"][-1]
        level = LABEL_LEVEL.get(finest, str(defn.get("level") or "village"))
        names = rng.sample(VILLAGES if level == "village" else TOWNSHIPS, rng.randint(3, 6))
        total_first = rng.random() < 0.7
        rows = [{"label": n} for n in names]
        total = {"label": rng.choice(["合计", "总计", "合  计"]), "total": "1"}
        rows = [total, *rows] if total_first else [*rows, total]
    blank = 0 if rows else (5 if plain else rng.randint(3, 12))
    first = s.row
    pre: dict[str, str] = {}
    named = [t for t in labels if t != "序号"]  # a roster's own 乡镇名称 / 村名 columns are its columns, not labels
    label_col = (s.col0 + labels.index(named[-1])) if label_cols and named else None
    town_col = next((s.col0 + i for i, t in enumerate(labels) if LABEL_LEVEL.get(t) == "township"), None)
    grouped = rows and town_col is not None and label_col != town_col and rng.random() < 0.6
    for i in range(len(rows) + blank):
        r = first + i
        for cc in range(s.col0, last_col + 1):
            cell = s.ws.cell(r, cc)
            cell.border = BOX
            cell.font = Font(name="宋体", size=10)
        if i < len(rows) and label_col is not None:
            s.ws.cell(r, label_col, rows[i]["label"])
            pre[str(r)] = rows[i]["label"].replace(" ", "")
    if grouped:  # the villages' townships written once, merged down over them
        assert town_col is not None
        body = [first + i for i, row in enumerate(rows) if "total" not in row]
        cut = max(1, len(body) // 2)
        for town, part in zip(rng.sample(TOWNSHIPS, 2), (body[:cut], body[cut:]), strict=True):
            if part:
                s.put(part[0], town_col, town, h=len(part), box=True)
    s.row = first + len(rows) + blank
    s.truth["prelisted"] = pre
    s.row += 0 if plain or rng.random() < 0.5 else 1


# --- cards: label/value pairs, or a 项目 | 单位 | 数量 table ---

def _card_shape(rng: random.Random, plain: bool) -> dict[str, Any]:
    """How a card is drawn, decided before the title so the title spans the card."""
    if plain:
        return {"style": "pairs", "per": 1, "lw": 1, "vw": 1, "gap": 0, "unit_cell": False, "colon": ""}
    return {"style": rng.choice(["pairs", "pairs", "items"]), "per": rng.choice([1, 2, 2, 3]),
            "lw": rng.choice([1, 2]), "vw": rng.choice([1, 2]), "gap": rng.choice([0, 0, 1]),
            "unit_cell": rng.random() < 0.2, "colon": "：" if rng.random() < 0.3 else ""}


def _card_width(shape: dict[str, Any]) -> int:
    if shape["style"] == "items":
        return 6
    per = shape["per"]
    return per * (shape["lw"] + shape["vw"] + shape["unit_cell"]) + (per - 1) * shape["gap"]


def _card(s: Sheet, defn: dict[str, Any], plain: bool, shape: dict[str, Any]) -> None:
    rng = s.rng
    fields = _leaves(defn["columns"])
    style = shape["style"]
    _identity(s, defn, plain)
    leaves: list[dict[str, Any]] = []
    if style == "items":
        hdr = rng.choice([["项目", "单位", "数量"], ["序号", "项目", "计量单位", "数量"], ["指标名称", "单位", "本期数"]])
        vw = rng.choice([1, 2])
        c = s.col0
        cols: dict[str, int] = {}
        for text in hdr:
            w = 3 if text in ("项目", "指标名称") else vw if text in ("数量", "本期数") else 1
            s.put(s.row, c, text, w=w, box=True, bold=True)
            cols[text] = c
            c += w
        s.truth["header_rows"] = [s.row]
        s.row += 1
        item_col = cols.get("项目", cols.get("指标名称"))
        unit_col = cols.get("单位", cols.get("计量单位"))
        value_col = cols.get("数量", cols.get("本期数"))
        assert item_col is not None and unit_col is not None and value_col is not None
        group: str | None = None
        for n, (path, f) in enumerate(fields, 1):
            if len(path) > 1 and path[0] != group:
                group = path[0]
                s.put(s.row, item_col, group, w=3, box=True, align=LEFT)
                s.row += 1
            label = path[-1] if len(path) == 1 else ("  " + path[-1])
            if "序号" in cols:
                s.put(s.row, cols["序号"], n, box=True)
            s.put(s.row, item_col, label, w=3, box=True, align=LEFT)
            s.put(s.row, unit_col, f.get("unit") or "", box=True)
            s.put(s.row, value_col, None, w=vw, box=True)
            leaves.append(_card_leaf(path, f, value_col, s.row))
            s.row += 1
    else:
        per, lw, vw, gap = shape["per"], shape["lw"], shape["vw"], shape["gap"]
        unit_cell, colon = shape["unit_cell"], shape["colon"]
        group: str | None = None
        i = 0
        while i < len(fields):
            path = fields[i][0]
            if len(path) > 1 and path[0] != group:
                group = path[0]
                s.put(s.row, s.col0, group, w=s.width, align=LEFT, bold=True)
                s.row += 1
            c = s.col0
            for _k in range(per):
                if i >= len(fields) or (len(fields[i][0]) > 1 and fields[i][0][0] != group):
                    break
                path, f = fields[i]
                text = path[-1] if unit_cell else _with_unit(path[-1], f.get("unit"), rng, plain)
                text += colon
                s.put(s.row, c, text, w=lw, box=True, align=LEFT)
                s.put(s.row, c + lw, None, w=vw, box=True)
                leaves.append(_card_leaf(path, f, c + lw, s.row))
                c += lw + vw
                if unit_cell:
                    s.put(s.row, c, f.get("unit") or "", box=True)
                    c += 1
                c += gap
                i += 1
            s.row += 1
        s.truth["header_rows"] = []
    s.truth["leaves"] = leaves
    s.truth["label_columns"] = []
    s.truth["index_columns"] = []
    s.truth["card_style"] = style


def _card_leaf(path: list[str], f: dict[str, Any], col: int, row: int) -> dict[str, Any]:
    return {"column": _letter(col), "cell": f"{_letter(col)}{row}", "path": path, "truth": f.get("truth", "unmapped")}


def _identity(s: Sheet, defn: dict[str, Any], plain: bool) -> None:
    """The 名称 / 所属乡镇 line a card names its unit in."""
    rng = s.rng
    level = str(defn.get("level") or "village")
    name = {"village": ["村（社区）名称：", "名称：", "村名："], "township": ["乡镇（街道）名称：", "名称：", "单位名称："]}
    parent = {"village": ["所属乡镇：", "所属乡镇（街道）：", "所属街道："], "township": ["所属县（区）：", "所属区县："]}
    nl = name.get(level, name["village"])[0 if plain else rng.randrange(3)]
    pl = parent.get(level, parent["village"])[0 if plain else rng.randrange(len(parent.get(level, parent["village"])))]
    r, c = s.row, s.col0
    if not plain and nl != "名称：" and rng.random() < 0.3:  # one cell: “村（社区）名称：____  所属乡镇：____”
        s.put(r, c, f"{nl}{'_' * 10}        {pl}{'_' * 8}", w=s.width, align=LEFT)
        s.truth["name_cell"] = s.truth["parent_cell"] = f"{_letter(c)}{r}"
        s.row += 1
    else:
        s.put(r, c, nl, align=LEFT)
        s.put(r, c + 1, None, w=2 if s.width >= 6 else 1)
        s.truth["name_cell"] = f"{_letter(c + 1)}{r}"
        pc = c + (3 if s.width >= 6 else 2)
        s.put(r, pc, pl, align=LEFT)
        s.put(r, pc + 1, None)
        s.truth["parent_cell"] = f"{_letter(pc + 1)}{r}"
        s.row += 1
    if defn.get("reference"):
        s.put(s.row, s.col0, _ref_text(str(defn["reference"]), rng, plain), w=s.width, align=LEFT)
        s.truth["reference_date"] = "{:04d}-{:02d}-{:02d}".format(*REF_DATE)
        s.row += 1


# --- a workbook ---

def render_form(defn: dict[str, Any], variant: int, path: Path, *, seed: int = 0) -> dict[str, Any]:
    """Write one arrangement of `defn` to `path` (.xlsx) and return its truth (see SCHEMA.md)."""
    rng = _rng(str(defn["id"]), variant, seed)
    plain = variant == 0
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    sheet = "Sheet1" if plain else rng.choice(SHEET_NAMES)
    ws.title = sheet
    layout = str(defn["layout"])
    labels = _label_columns(defn, rng, plain)
    if layout == "card":
        shape = _card_shape(rng, plain)
        width = max(6, _card_width(shape))
    else:
        width = len(labels) + sum(_width(c) for c in defn["columns"])
    col0 = 2 if not plain and rng.random() < 0.1 else 1
    s = Sheet(ws, rng, width, col0)
    s.truth.update({"form_id": defn["id"], "variant": variant, "split": defn.get("split"), "sheet": sheet,
                    "layout": layout, "reference_date": None})
    _head_block(s, defn, plain)
    _titles(s, defn, plain)
    if layout == "card":
        _card(s, defn, plain, shape)
    else:
        _meta_line(s, defn, plain)
        _table(s, defn, labels, plain)
    notes = [str(n) for n in defn.get("notes") or []]
    if plain or rng.random() < 0.5:
        _notes(s, notes, plain)
        s.row += 1
        _footer(s, plain)
    else:
        _footer(s, plain)
        _notes(s, notes, plain)
    extra = _extra_sheets(wb, defn, rng, plain)
    s.truth["extra_sheets"] = extra
    s.truth.pop("_block_rows", None)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return s.truth


def _extra_sheets(wb: Workbook, defn: dict[str, Any], rng: random.Random, plain: bool) -> list[dict[str, str]]:
    """Other sheets that are not forms: a 填表说明 sheet, an empty Sheet2, both before or after the form."""
    if plain or rng.random() < 0.6:
        return []
    out: list[dict[str, str]] = []
    if defn.get("notes") and rng.random() < 0.6:
        ws = wb.create_sheet("填表说明", index=rng.choice([0, 1]))
        ws.cell(1, 1, "填表说明")
        for i, n in enumerate(defn["notes"], 2):
            ws.cell(i, 1, f"{i - 1}.{n}")
        out.append({"sheet": "填表说明", "kind": "notes"})
    if rng.random() < 0.5:
        wb.create_sheet("Sheet2")
        out.append({"sheet": "Sheet2", "kind": "blank"})
    if rng.random() < 0.25:  # a code list the clerk looks values up in
        ws = wb.create_sheet(rng.choice(["代码说明", "填报代码", "指标解释"]))
        ws.append(["代码", "名称"])
        for i, name in enumerate(["城市", "农村", "集中供养", "分散供养"], 1):
            ws.append([str(i), name])
        out.append({"sheet": ws.title, "kind": "codes"})
    return out


def load_defs(half: str | None = None, folder: Path = DEFS) -> list[dict[str, Any]]:
    """Every form definition in folder/*.yaml, of one half (tuning | heldback) or all."""
    out: list[dict[str, Any]] = []
    for f in sorted(folder.glob("*.yaml")):
        for d in yaml.safe_load(f.read_text(encoding="utf-8")) or []:
            if half is None or d.get("split") == half:
                out.append(d)
    return out


def corpus(out_dir: Path, half: str, variants: int = 4, seed: int = 0,
           folder: Path = DEFS) -> list[tuple[Path, dict[str, Any]]]:
    """Render `variants` arrangements of every definition of `half` in `folder`; each .xlsx gets its truth .json
    beside."""
    out: list[tuple[Path, dict[str, Any]]] = []
    for defn in load_defs(half, folder):
        for v in range(variants):
            path = Path(out_dir) / f"{defn['id']}-v{v}.xlsx"
            truth = render_form(defn, v, path, seed=seed)
            path.with_suffix(".json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
            out.append((path, truth))
    return out
