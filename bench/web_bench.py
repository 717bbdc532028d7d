"""Web app latency under concurrent users: p50/p99 of pages and API calls on a running `biaotong serve`.

    biaotong --home demo-county serve --port 8765 &
    python bench/web_bench.py --url http://127.0.0.1:8765 --user grassroots --password PW --users 50 200

Each virtual user logs in once (its own session), then requests the paths in turn; latencies are per request.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import time

import httpx

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def _session(url: str, user: str, password: str) -> httpx.AsyncClient:
    c = httpx.AsyncClient(base_url=url, timeout=120)
    form = await c.get("/login")
    token = CSRF.search(form.text)
    assert token, "no login form"
    r = await c.post("/login", data={"username": user, "password": password, "csrf": token.group(1)})
    assert r.status_code == 303, r.text
    return c


async def run(url: str, user: str, password: str, users: int, rounds: int, paths: list[str]) -> dict[str, list[float]]:
    # Logins are argon2-hashed on purpose (slow): done one at a time before the clock starts.
    clients = [await _session(url, user, password) for _ in range(min(users, 20))]
    times: dict[str, list[float]] = {p: [] for p in paths}

    async def one(i: int) -> None:
        c = clients[i % len(clients)]
        for _ in range(rounds):
            for p in paths:
                t = time.perf_counter()
                r = await c.get(p)
                times[p].append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, (p, r.status_code)

    await asyncio.gather(*(one(i) for i in range(users)))
    for c in clients:
        await c.aclose()
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:8765")
    ap.add_argument("--user", default="grassroots")
    ap.add_argument("--password", required=True)
    ap.add_argument("--users", type=int, nargs="+", default=[50, 200])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--path", action="append", dest="paths")
    a = ap.parse_args()
    paths = a.paths or ["/", "/reports", "/api/me"]
    for n in a.users:
        times = asyncio.run(run(a.url, a.user, a.password, n, a.rounds, paths))
        for p, ts in times.items():
            q = statistics.quantiles(ts, n=100)
            print(f"users={n:4d} {p:60s} n={len(ts):5d} p50={q[49]:8.1f} ms p99={q[98]:8.1f} ms")


if __name__ == "__main__":
    main()
