"""Check a blind batch's definitions without running the matcher: every id hashes to the tuning half, and every
truth compiles and counts something on the judge's test county.

Usage: python -m tests.forms.corpus.check_truths tests/forms/corpus/next/fresh_r9a.yaml
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import yaml

from biaotong.forms.match import Matcher
from biaotong.forms.vocab import load_vocabulary
from tests.forms.corpus.judge import Judge


def leaves(cols: list[dict[str, Any]], path: tuple[str, ...] = ()) -> list[tuple[list[str], Any]]:
    out: list[tuple[list[str], Any]] = []
    for c in cols:
        p = (*path, str(c["header"]))
        if c.get("children"):
            out += leaves(c["children"], p)
        else:
            out.append((list(p), c.get("truth", "unmapped")))
    return out


def check(file: Path) -> int:
    defs = yaml.safe_load(file.read_text(encoding="utf-8"))
    judge = Judge(Matcher(load_vocabulary()))
    bad = 0
    for d in defs:
        want = "tuning" if hashlib.sha256(d["id"].encode()).digest()[0] % 2 == 0 else "heldback"
        if want != "tuning" or d.get("split") != "tuning":
            print("ID DOES NOT HASH TO TUNING (pick another id):", d["id"])
            bad += 1
        found = leaves(d["columns"])
        others = [{"path": p, "truth": t} for p, t in found]
        for path, truth in found:
            if not (isinstance(truth, dict) and ("indicator" in truth or "expr" in truth or "ratio" in truth)):
                continue
            try:
                values, _ = judge.truth_values({"path": path, "truth": truth}, others)
            except Exception as exc:  # report every broken truth, not only the first
                print("ERROR:", d["id"], path, type(exc).__name__, exc)
                bad += 1
                continue
            if not values:
                print("EMPTY:", d["id"], path)
                bad += 1
    print(f"{len(defs)} forms, {sum(len(leaves(d['columns'])) for d in defs)} leaves, {bad} problems")
    return bad


if __name__ == "__main__":
    sys.exit(1 if check(Path(sys.argv[1])) else 0)
