"""Time and peak memory of the demo county generator.

    python bench/demo_bench.py            # 150k and 1M residents
    python bench/demo_bench.py 300000     # chosen sizes

Each size runs in a fresh subprocess so that peak RSS (ru_maxrss) belongs to that size alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

CHILD = """
import json, resource, sys, time
from pathlib import Path
from biaotong.demo import generate_county
n, out = int(sys.argv[1]), Path(sys.argv[2])
t0 = time.perf_counter()
m = generate_county(out, residents=n)
secs = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
size = sum(f.stat().st_size for f in out.rglob('*') if f.is_file()) / 2**20
print(json.dumps({"residents": n, "households": m.households, "seconds": round(secs, 1),
                  "peak_rss_mib": round(peak), "output_mib": round(size)}))
"""


def main(sizes: list[int]) -> None:
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run([sys.executable, "-c", CHILD, str(n), tmp], check=True, capture_output=True, text=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{r['residents']:>9,} residents  {r['households']:>8,} households  {r['seconds']:6.1f} s  "
                  f"peak RSS {r['peak_rss_mib']:>6,} MiB  output {r['output_mib']:>5,} MiB")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [150_000, 1_000_000])
