"""Second county (清溪县): configure biaotong from the docs alone, fill eight unseen department forms, and
compare every cell with truth computed independently (bench/worlds/second_county/truth.py).

    python bench/second_county.py [--dir /tmp/qingxi] [--residents 24000] [--json]

Steps, as a new user following README.md and docs/*.md: `init`, a cleared user (docs/users.md), `org import`, `source add` for each of the six
department systems, `source sync --all`, `template import` + `template save` per form accepting the proposals
as they come (`--unmapped skip`), `report generate --format template` for 2025-06, then read each filled
.xlsx back. Prints cells equal / expected per form and in total (goal ≥ 95%), and every stumble with its reason.
Only the `biaotong` command is used; nothing of biaotong is imported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from worlds.second_county import compare, config, generate, selfcheck, truth
from worlds.second_county.forms import FORMS
from worlds.second_county.world import COUNTY, PERIOD

DOCS = Path(__file__).resolve().parents[1] / "docs"
GENERATOR = "qx_data"  # the user who generates the forms (see main)


class Run:
    """Runs biaotong commands in one workspace and keeps the stumbles."""

    def __init__(self, home: Path, log: Path) -> None:
        self.home, self.log = home, log
        self.stumbles: list[dict[str, str]] = []
        self.env = {**os.environ, "BIAOTONG_HOME": str(home)}
        self.env.pop("BIAOTONG_USER", None)

    def __call__(self, step: str, *args: str, stdout: Path | None = None, expect_ok: bool = True,
                 home: bool = True) -> subprocess.CompletedProcess:
        cmd = ["biaotong", *(["--home", str(self.home)] if home else []), *args]
        t0 = time.time()
        out = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=900)
        with self.log.open("a", encoding="utf-8") as f:
            f.write(f"$ {' '.join(cmd)}  # {step}: rc={out.returncode} {time.time() - t0:.1f}s\n"
                    f"{out.stdout[-4000:]}\n{out.stderr[-4000:]}\n")
        if stdout is not None:
            stdout.write_text(out.stdout, encoding="utf-8")
        if out.returncode != 0 and expect_ok:
            words = [w for w in args if not w.startswith("-") and w != GENERATOR]
            self.stumble(step, " ".join(words[:3]), _tail(out.stderr or out.stdout))
        return out

    def stumble(self, step: str, what: str, reason: str) -> None:
        self.stumbles.append({"step": step, "what": what, "reason": reason})


def _tail(text: str, n: int = 400) -> str:
    text = re.sub(r"[╭╮╰╯│─]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[-n:]


def configure_sources(run: Run, world, folder: Path) -> None:
    docs = (DOCS / "sources.md").read_text(encoding="utf-8")
    for spec_path in config.write_sources(world, folder, docs):
        out = run("source add", "source", "add", str(spec_path))
        if out.returncode == 0:
            t = run("source test", "source", "test", spec_path.stem, "--json", expect_ok=False)
            if t.returncode != 0:
                run.stumble("source test", spec_path.stem, _tail(t.stderr or t.stdout))
    run("source sync", "source", "sync", "--all")
    listing = run("source list", "source", "list", "--json")
    try:
        listed = json.loads(listing.stdout or "[]")
    except json.JSONDecodeError:
        listed = []
    for s in listed:
        snap = s.get("snapshot") or {}
        if snap.get("rejects"):
            reasons = "; ".join(f"{r['count']}× {r.get('reason_en') or r['reason']}"
                                for r in (snap.get("reject_summary") or {}).get("top_reasons", [])[:4])
            run.stumble("source sync", s.get("name", "?"), f"{snap['rejects']} rejects, {snap.get('rows')} rows kept: {reasons}")
    names = {s.get("name") for s in listed}
    for spec_path in sorted(folder.glob("*.yaml")):
        if spec_path.stem != "org" and spec_path.stem not in names:
            run.stumble("source sync", spec_path.stem, "not registered, so its data is missing from every report")


def import_forms(run: Run, world, folder: Path) -> dict[str, dict]:
    imports: dict[str, dict] = {}
    for fid, meta in FORMS.items():
        form = world.files[f"form:{fid}"]
        mapping = folder / f"{fid}.mapping.json"
        out = run("template import", "template", "import", str(form), "--json", stdout=mapping)
        if out.returncode != 0:
            continue
        imp = json.loads(mapping.read_text(encoding="utf-8"))
        imports[fid] = imp
        if imp.get("layout") != {"card": "form"}.get(meta.layout, meta.layout):
            run.stumble("template import", fid, f"layout read as {imp.get('layout')!r}, the form is {meta.layout}")
        args = ["template", "save", str(form), "--id", fid, "--department", meta.department, "--mapping",
                str(mapping), "--unmapped", "skip", "--period", "month"]
        if meta.layout != "roster":
            args += ["--level", meta.level]
        run("template save", *args)
    return imports


def generate_forms(run: Run, folder: Path) -> dict[str, Path]:
    filled = {}
    for fid, meta in FORMS.items():
        org = COUNTY[0] if meta.org == "county" else meta.org
        target = folder / f"{fid}.xlsx"
        args = ["--as", GENERATOR, "report", "generate", fid, "--period", PERIOD, "--org", org, "--format", "template", "--out", str(target)]
        out = run("report generate", *args, expect_ok=False)
        if out.returncode != 0 and re.search(r"approv|publish|准入|发布", out.stderr + out.stdout):
            # a user then goes through admission review, as docs/forms.md shows
            run("report approve", "--as", GENERATOR, "report", "approve", fid, "--reason", "第二县测量")
            run("report publish", "--as", GENERATOR, "report", "publish", fid)
            out = run("report generate", *args, expect_ok=False)
        if out.returncode != 0:
            run.stumble("report generate", fid, _tail(out.stderr or out.stdout))
        elif target.exists():
            filled[fid] = target
    return filled


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: a new temp folder)")
    ap.add_argument("--residents", type=int, default=24000)
    ap.add_argument("--seed", type=int, default=20250630)
    ap.add_argument("--json", action="store_true", help="also print the result as JSON")
    ap.add_argument("--compare-only", action="store_true",
                    help="re-read the filled forms already in --dir/out (no biaotong commands run)")
    a = ap.parse_args()
    root = a.dir or Path(tempfile.mkdtemp(prefix="qingxi-"))
    root.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    world = generate(root / "world", seed=a.seed, residents=a.residents)
    expected = truth.compute(world)
    problems = selfcheck.check(world)
    for p in problems:
        print(f"world self-check: {p}", file=sys.stderr)
    t_world = time.time() - t0
    home, work, out_dir = root / "ws", root / "config", root / "out"
    for p in (work, out_dir):
        p.mkdir(exist_ok=True)
    run = Run(home, root / "commands.log")
    if a.compare_only:
        filled = {fid: out_dir / f"{fid}.xlsx" for fid in FORMS if (out_dir / f"{fid}.xlsx").exists()}
        imports = {fid: json.loads(p.read_text(encoding="utf-8")) for fid in FORMS
                   if (p := work / f"{fid}.mapping.json").exists() and p.stat().st_size}
    else:
        if run("init", "init", str(home), "--json", expect_ok=False, home=False).returncode != 0:
            run.stumble("init", "biaotong init", "no `init`: the workspace is created by the first command")
        # docs/users.md: `admin` is `staff` and sees ID numbers masked; the roster needs them, so a cleared
        # data administrator generates the forms
        run("user add", "user", "add", GENERATOR, "--role", "data_admin", "--clearance", "cleared",
            "--name", "县数据局")
        org = config.write_org(world, work)
        run("org import", "org", "import", str(org))
        configure_sources(run, world, work)
        imports = import_forms(run, world, work)
        filled = generate_forms(run, out_dir)
    results = compare.all_forms(expected, filled, world, imports)
    for r in results:
        for s in r["stumbles"]:
            run.stumble("compare", r["form"], s)
    elapsed = time.time() - t0
    equal, total = sum(r["equal"] for r in results), sum(r["expected"] for r in results)
    print(f"清溪县 second county — {a.residents} residents, period {PERIOD}, world {t_world:.0f}s, all {elapsed:.0f}s")
    print(f"{'form':<20} {'layout':<10} {'equal':>6} / {'expected':<8} {'share':>7}  columns all right")
    for r in results:
        print(f"{r['form']:<20} {r['layout']:<10} {r['equal']:>6} / {r['expected']:<8} {r['share']:>6.1%}"
              f"  {r['columns_right']:>3} / {r['columns_total']}")
    share = equal / total if total else 0.0
    cols = sum(r["columns_right"] for r in results), sum(r["columns_total"] for r in results)
    print(f"{'total':<31} {equal:>6} / {total:<8} {share:>6.1%}  {cols[0]:>3} / {cols[1]}"
          f"   goal ≥ 95% of cells: {'met' if share >= .95 else 'NOT met'}")
    print(f"world self-check (the files say what the records say): {problems or 'ok'}")
    print(f"\nstumbles ({len(run.stumbles)}):")
    for s in run.stumbles:
        print(f"- [{s['step']}] {s['what']}: {s['reason']}")
    print(f"\nmachine: {platform.machine()} {os.cpu_count()} CPU, {platform.platform()}, Python {platform.python_version()};"
          f" {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; work folder {root}")
    if a.json:
        print(json.dumps({"equal": equal, "expected": total, "forms": results, "stumbles": run.stumbles},
                         ensure_ascii=False, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
