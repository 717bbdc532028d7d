"""Form reading bench: does biaotong read an unseen form's layout and label columns right?

Renders the corpus (tests/forms/corpus: definitions × arrangements), reads every workbook with
`biaotong.forms.read_forms`, and compares with the rendered truth, per half (tuning / heldback):

  sheets       exactly the form's sheet is read as a form (填表说明 and empty sheets are not)
  layout       aggregate / roster / card (biaotong calls a card "form")
  labels       tables: the label and 序号 columns are exactly the truth's, and no data column is one;
               cards: the value cells found are exactly the truth's fields
  header       tables: header rows and first data row; cards: the value cells (same as labels)
  reference    the 统计时点 / 截至 date offered, where the form carries one

    python bench/forms_layout_bench.py                 # 6 arrangements per form, both halves
    python bench/forms_layout_bench.py --variants 12 --show 5 --half tuning
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from biaotong.errors import BiaotongError
from biaotong.forms.layout import read_forms
from biaotong.forms.model import FormLayout
from tests.forms.corpus.render import corpus

CHECKS = ("sheets", "layout", "labels", "header", "reference")
KIND = {"form": "card"}


def judge(path: Path, truth: dict[str, Any]) -> tuple[dict[str, bool | None], str]:
    """Each check's outcome (None: not applicable) and a line saying what went wrong."""
    try:
        forms = read_forms(path)
    except BiaotongError as exc:
        return {c: False for c in CHECKS}, f"error: {exc.en}"
    found = {f.sheet: f for f in forms}
    layout = found.get(truth["sheet"])
    out: dict[str, bool | None] = {"sheets": set(found) == {truth["sheet"]}}
    if layout is None:
        return {**out, **{c: False for c in CHECKS[1:]}}, f"sheet {truth['sheet']} not read; read {list(found)}"
    kind = KIND.get(layout.kind, layout.kind)
    out["layout"] = kind == truth["layout"]
    why: list[str] = [] if out["sheets"] else [f"sheets {list(found)}"]
    if not out["layout"]:
        why.append(f"layout {kind} != {truth['layout']}")
    if truth["layout"] == "card":
        cells = {leaf.cell for leaf in layout.leaves if leaf.role == "data"}
        want = {leaf["cell"] for leaf in truth["leaves"]}
        out["labels"] = out["header"] = cells == want
        if cells != want:
            why.append(f"cells missing {sorted(want - cells)} extra {sorted(cells - want)}")
    else:
        out["labels"] = _labels_right(layout, truth, why)
        out["header"] = layout.header_rows == truth["header_rows"] and layout.first_data_row == truth["data_start_row"]
        if not out["header"]:
            why.append(f"header {layout.header_rows}/{layout.first_data_row} != "
                       f"{truth['header_rows']}/{truth['data_start_row']}")
    want_ref = truth.get("reference_date")
    out["reference"] = None if not want_ref else layout.reference_date == want_ref
    if want_ref and not out["reference"]:
        why.append(f"reference {layout.reference_date} != {want_ref}")
    return out, "; ".join(why)


def _labels_right(layout: FormLayout, truth: dict[str, Any], why: list[str]) -> bool:
    roles = {leaf.column: leaf.role for leaf in layout.leaves}
    labels = {c for c, r in roles.items() if r == "label"}
    index = {c for c, r in roles.items() if r == "index"}
    data = {c for c, r in roles.items() if r == "data"}
    want_labels, want_index = set(truth["label_columns"]), set(truth["index_columns"])
    want_data = {leaf["column"] for leaf in truth["leaves"]}
    ok = labels | index == want_labels | want_index and data == want_data
    if not ok:
        why.append(f"labels {sorted(labels)}+{sorted(index)} != {sorted(want_labels)}+{sorted(want_index)}; "
                   f"data missing {sorted(want_data - data)} extra {sorted(data - want_data)}")
    return ok


def run(half: str, variants: int, seed: int, show: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        rendered = corpus(Path(tmp), half, variants=variants, seed=seed)
        per_form: dict[str, dict[str, bool]] = defaultdict(lambda: dict.fromkeys(CHECKS, True))
        counts = {c: [0, 0] for c in CHECKS}
        misses: list[str] = []
        t0 = time.perf_counter()
        for path, truth in rendered:
            result, why = judge(path, truth)
            for c, ok in result.items():
                if ok is None:
                    continue
                counts[c][0] += bool(ok)
                counts[c][1] += 1
                per_form[truth["form_id"]][c] &= bool(ok)
            if why:
                misses.append(f"{path.name}: {why}")
        elapsed = time.perf_counter() - t0
    forms = len(per_form)
    return {
        "half": half, "forms": forms, "workbooks": len(rendered), "seconds": round(elapsed, 2),
        "per_workbook": {c: f"{a}/{n}" for c, (a, n) in counts.items()},
        "per_form_all_variants": {c: f"{sum(f[c] for f in per_form.values())}/{forms}" for c in CHECKS},
        "misses": misses[:show], "missed": len(misses),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--half", choices=["tuning", "heldback", "both"], default="both")
    ap.add_argument("--show", type=int, default=10, help="print this many misses per half")
    args = ap.parse_args()
    halves = ["tuning", "heldback"] if args.half == "both" else [args.half]
    results = [run(h, args.variants, args.seed, args.show) for h in halves]
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    for r in results:
        print(f"\n{r['half']}: {r['forms']} forms × {args.variants} arrangements = {r['workbooks']} workbooks, "
              f"read in {r['seconds']} s")
        for c in CHECKS:
            print(f"  {c:<10} workbooks {r['per_workbook'][c]:>9}   forms (every arrangement) "
                  f"{r['per_form_all_variants'][c]:>7}")
        for m in r["misses"]:
            print("   miss:", m)
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
