"""清溪县 (贵州省黔南州, code 522799): its places, its people and what each department holds about them.

The generator first draws the real world (people with their true attributes), then derives each
department's own records from it, with the mess departments really have: typos in ID numbers, repeated
rows, people only in one department's roster, names of places written each department's way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .idcard import make_id

PERIOD = "2025-06"
PERIOD_START = dt.date(2025, 6, 1)
PERIOD_END = dt.date(2025, 6, 30)
TODAY = dt.date(2026, 11, 30)  # when the departments exported their data

PROVINCE = ("520000000000", "贵州省")
CITY = ("522700000000", "黔南布依族苗族自治州")
COUNTY = ("522799000000", "清溪县")

# (code, current name, old name before 2024-01-01 or None, [(code, name)])
TOWNSHIPS: list[tuple[str, str, str | None, list[tuple[str, str]]]] = [
    ("522799001000", "城关街道", None, [
        ("522799001001", "城东社区"), ("522799001002", "城西社区"), ("522799001003", "河滨社区"),
        ("522799001004", "文峰社区")]),
    ("522799002000", "龙泉街道", None, [
        ("522799002001", "龙泉社区"), ("522799002002", "桂花社区"), ("522799002201", "石板村")]),
    ("522799101000", "坝固镇", None, [
        ("522799101201", "坝固村"), ("522799101202", "新寨村"), ("522799101203", "高寨村"),
        ("522799101204", "摆榜村"), ("522799101205", "鸡贾村")]),
    ("522799102000", "平寨镇", "平寨乡", [
        ("522799102201", "平寨村"), ("522799102202", "拉揽村"), ("522799102203", "尧棒村"),
        ("522799102204", "新寨村")]),
    ("522799103000", "三合镇", None, [
        ("522799103001", "三合社区"), ("522799103201", "和平村"), ("522799103202", "姑挂村")]),
    ("522799201000", "塘坝水族乡", None, [
        ("522799201201", "塘坝村"), ("522799201202", "水尾村"), ("522799201203", "拉旦村")]),
    ("522799202000", "周覃乡", None, [
        ("522799202201", "周覃村"), ("522799202202", "板龙村"), ("522799202203", "新阳村"),
        ("522799202204", "和平村")]),
]

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林韦蒙莫潘石龙吴杨欧陆")
GIVEN = list("明华建国丽英芳军平秀兰海燕勇强伟静敏红霞志刚春梅文斌玉凤德福贵成忠")
ETHNICITIES = [("汉族", 0.38), ("布依族", 0.30), ("水族", 0.20), ("苗族", 0.10), ("侗族", 0.02)]


@dataclass
class World:
    out: Path
    people: pd.DataFrame          # the real world, one row per person (including people outside the register)
    villages: pd.DataFrame        # code, name, township code, township name, is_community
    register: pd.DataFrame        # 公安 population register rows as exported (with mess)
    assistance: pd.DataFrame      # 民政 social assistance records
    disability: pd.DataFrame      # 残联 certificate holders
    pension: pd.DataFrame         # 人社 urban-rural residents' pension
    health: pd.DataFrame          # 卫健 family doctor contracts and chronic disease
    veterans: pd.DataFrame        # 退役军人 roster
    files: dict[str, Path] = field(default_factory=dict)


def _villages() -> pd.DataFrame:
    rows = []
    for tcode, tname, old, vills in TOWNSHIPS:
        for vcode, vname in vills:
            rows.append({"village": vcode, "village_name": vname, "township": tcode, "township_name": tname,
                         "township_old": old, "community": vname.endswith("社区")})
    return pd.DataFrame(rows)


def _date(rng: np.random.Generator, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=int(rng.integers(0, (end - start).days + 1)))


def _people(rng: np.random.Generator, villages: pd.DataFrame, residents: int) -> pd.DataFrame:
    weights = rng.uniform(0.5, 1.5, len(villages))
    per_village = np.maximum(200, (weights / weights.sum() * residents).astype(int))
    rows: list[dict] = []
    seq = 0
    for (_, v), n in zip(villages.iterrows(), per_village, strict=True):
        made, hh_no = 0, 0
        while made < n:
            hh_no += 1
            hh = f"{v.village[6:]}{hh_no:04d}"
            size = int(rng.choice([1, 2, 3, 4, 5, 6], p=[.12, .22, .25, .22, .12, .07]))
            head_age = int(rng.integers(22, 90))
            surname = SURNAMES[int(rng.integers(len(SURNAMES)))]
            for k in range(size):
                if k == 0:
                    age, rel = head_age, "户主"
                elif k == 1:
                    age, rel = max(18, head_age + int(rng.integers(-6, 6))), "配偶"
                else:
                    age, rel = max(0, head_age - int(rng.integers(20, 35))), "子女"
                male = bool(rng.random() < 0.51) if k != 1 else not rows[-1]["male"]
                born = _date(rng, dt.date(2025 - age, 1, 1), dt.date(2025 - age, 12, 31))
                if born > TODAY:
                    born = TODAY - dt.timedelta(days=30)
                seq += 1
                region = "522799" if rng.random() < 0.7 else "522732"
                pid = make_id(region, born, seq, male)
                eth = ETHNICITIES[int(rng.choice(len(ETHNICITIES), p=[p for _, p in ETHNICITIES]))][0]
                name = surname + GIVEN[int(rng.integers(len(GIVEN)))] + (GIVEN[int(rng.integers(len(GIVEN)))]
                                                                            if rng.random() < 0.7 else "")
                registered = born if rng.random() < 0.8 else max(born, _date(rng, dt.date(1995, 1, 1), TODAY))
                died = _date(rng, dt.date(2022, 1, 1), TODAY) if rng.random() < (0.012 + age / 3000) else None
                dereg = _date(rng, dt.date(2022, 1, 1), TODAY) if rng.random() < 0.02 else None
                if died and dereg:
                    dereg = None
                if died and died < registered:
                    died = None
                rows.append({"id": pid, "name": name, "male": male, "born": born, "ethnicity": eth,
                             "village": v.village, "township": v.township, "household": hh, "relation": rel,
                             "registered": registered, "died": died, "dereg": dereg, "in_register": True})
                made += 1
    people = pd.DataFrame(rows)
    # births in the period month, so the month's births are not empty
    births = people.sample(40, random_state=int(rng.integers(1 << 30))).index
    for i in births:
        d = _date(rng, PERIOD_START, PERIOD_END)
        people.at[i, "born"] = d
        people.at[i, "registered"] = d + dt.timedelta(days=int(rng.integers(0, 20)))
        people.at[i, "relation"] = "子女"
        people.at[i, "id"] = make_id("522799", d, 400 + i % 99, bool(people.at[i, "male"]))
        people.at[i, "died"] = None
        people.at[i, "dereg"] = None
    deaths = people[people.died.isna()].sample(35, random_state=int(rng.integers(1 << 30))).index
    for i in deaths:
        people.at[i, "died"] = _date(rng, PERIOD_START, PERIOD_END)
    return people


def age_at(born: pd.Series, day: dt.date) -> pd.Series:
    return born.map(lambda b: day.year - b.year - ((day.month, day.day) < (b.month, b.day)))


def generate(out: Path, seed: int = 20250630, residents: int = 24000) -> World:
    """Draw the world and write its systems and forms into `out`."""
    from . import forms, records, systems

    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    villages = _villages()
    people = _people(rng, villages, residents)
    recs = records.derive(rng, people, villages)
    world = World(out=out, villages=villages, **recs)
    world.files.update(systems.write(world))
    world.files.update(forms.write(world))
    return world
