"""Each department's records about the people of 清溪县, in plain columns (systems.py gives them their layouts).

Mess, on purpose: a few spoiled ID check digits, repeated rows, people only in a programme roster.
Places are named the way each department writes them (short names, old names, 村委会 / 居委会 suffixes).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .idcard import make_id, spoil
from .world import TODAY, _date, age_at

DIS_CATEGORY = [("视力残疾", 1, .10), ("听力残疾", 2, .12), ("言语残疾", 3, .02), ("肢体残疾", 4, .45),
                ("智力残疾", 5, .10), ("精神残疾", 6, .13), ("多重残疾", 7, .08)]
DIS_GRADE = [("一级", 1, .10), ("二级", 2, .25), ("三级", 3, .30), ("四级", 4, .35)]
VETERAN_TYPES = ["退役士兵", "伤残军人", "烈士遗属", "现役军人家属"]


def _pick(rng: np.random.Generator, table: list[tuple]) -> tuple:
    return table[int(rng.choice(len(table), p=[t[-1] for t in table]))]


def township_as_written(rng: np.random.Generator, name: str, old: str | None, short_share: float) -> str:
    """坝固镇 / 坝固 / 平寨乡 (before the 2024 rename) / 塘坝乡 / 龙泉街道办事处 ..."""
    r = rng.random()
    if isinstance(old, str) and r < 0.4:
        return old
    if r < short_share:
        for suffix in ("水族乡", "街道", "镇", "乡"):
            if name.endswith(suffix):
                return name[: -len(suffix)] if suffix != "水族乡" else name[: -len(suffix)] + "乡"
    if name.endswith("街道") and r > 0.85:
        return name + "办事处"
    return name


def village_as_written(rng: np.random.Generator, name: str, style: str) -> str:
    base = name[:-2] if name.endswith("社区") else name[:-1]
    if style == "short":
        return base
    if style == "committee":
        return base + ("社区居委会" if name.endswith("社区") else "村委会")
    if style == "mixed":
        return [name, base + ("居委会" if name.endswith("社区") else "村委会"), name + "民委员会"
                if name.endswith("村") else name, base][int(rng.integers(4))]
    return name


def _places(rng, df: pd.DataFrame, villages: pd.DataFrame, short_share: float, style: str) -> pd.DataFrame:
    v = villages.set_index("village")
    df = df.copy()
    df["township_text"] = [township_as_written(rng, v.at[c, "township_name"], v.at[c, "township_old"], short_share)
                           for c in df.village]
    df["village_text"] = [village_as_written(rng, v.at[c, "village_name"], style) for c in df.village]
    return df


def _spoil_some(rng, df: pd.DataFrame, n: int) -> pd.DataFrame:
    df = df.copy()
    idx = rng.choice(len(df), size=min(n, len(df)), replace=False)
    df.loc[df.index[idx], "id"] = [spoil(x) for x in df.iloc[idx]["id"]]
    return df


def _repeat_some(rng, df: pd.DataFrame, n: int) -> pd.DataFrame:
    idx = rng.choice(len(df), size=min(n, len(df)), replace=False)
    return pd.concat([df, df.iloc[idx]], ignore_index=True)


def _register(rng, people: pd.DataFrame) -> pd.DataFrame:
    reg = people[people.in_register].copy()
    reg = _spoil_some(rng, reg, 3)
    return _repeat_some(rng, reg, 4)


def _assistance(rng, people: pd.DataFrame, villages: pd.DataFrame) -> pd.DataFrame:
    community = dict(zip(villages.village, villages.community, strict=True))
    rows = []
    households = people.household.unique()
    dibao_hh = set(rng.choice(households, size=int(len(households) * 0.05), replace=False))
    edge_hh = set(rng.choice(sorted(set(households) - dibao_hh), size=int(len(households) * 0.012), replace=False))
    ages = age_at(people.born, TODAY)
    for (_, p), age in zip(people.iterrows(), ages, strict=True):
        kind = None
        if p.household in dibao_hh:
            kind = "城市低保" if community[p.village] else "农村低保"
        elif p.household in edge_hh:
            kind = "低保边缘"
        elif age >= 55 and rng.random() < 0.03:
            kind = "特困供养"
        if kind is None:
            continue
        start = _date(rng, dt.date(2018, 1, 1), dt.date(2026, 10, 31))
        stop = _date(rng, start, TODAY) if rng.random() < 0.2 else None
        mode = ("集中供养" if rng.random() < 0.3 else "分散供养") if kind == "特困供养" else ""
        base = {"城市低保": 680, "农村低保": 520, "特困供养": 1050 if mode == "集中供养" else 880, "低保边缘": 0}[kind]
        amount = max(0, base - 10 * int(rng.integers(0, 15))) if base else 0
        rows.append({"id": p.id, "name": p["name"], "male": p.male, "born": p.born, "village": p.village,
                     "kind": kind, "mode": mode, "amount": amount, "start": start, "stop": stop})
    df = _places(rng, pd.DataFrame(rows), villages, short_share=0.3, style="mixed")
    df = _spoil_some(rng, df, 3)
    return _repeat_some(rng, df, 5)


def _disability(rng, people: pd.DataFrame, villages: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for _, p in people.sample(frac=0.055, random_state=int(rng.integers(1 << 30))).iterrows():
        cat, grade = _pick(rng, DIS_CATEGORY), _pick(rng, DIS_GRADE)
        rows.append({"id": p.id, "name": p["name"], "male": p.male, "village": p.village,
                     "category": cat[0], "category_no": cat[1], "grade": grade[0], "grade_no": grade[1],
                     "issued": _date(rng, max(p.born, dt.date(2008, 1, 1)), TODAY),
                     "group": int(rng.integers(1, 9))})
    df = _places(rng, pd.DataFrame(rows), villages, short_share=0.2, style="plain")
    df = _spoil_some(rng, df, 2)
    return _repeat_some(rng, df, 2)


def _pension(rng, people: pd.DataFrame, villages: pd.DataFrame) -> pd.DataFrame:
    rows = []
    ages = age_at(people.born, TODAY)
    for (_, p), age in zip(people.iterrows(), ages, strict=True):
        if age < 16 or rng.random() > 0.7:
            continue
        sixteen = dt.date(p.born.year + 16, 1, 1)
        insured = _date(rng, max(dt.date(2011, 1, 1), sixteen), TODAY) if sixteen < TODAY else TODAY
        if p.died is not None:
            status = "终止"
        elif age >= 60:
            status = "正常领取" if rng.random() < 0.9 else "暂停"
        else:
            status = ["正常缴费", "暂停", "终止"][int(rng.choice(3, p=[.85, .1, .05]))]
        rows.append({"id": p.id, "name": p["name"], "male": p.male, "village": p.village, "status": status,
                     "insured": insured, "grade": int(rng.choice([100, 200, 300, 500])) if age < 60 else None,
                     "benefit": float(10 * int(rng.integers(12, 38))) if status == "正常领取" else None})
    df = _places(rng, pd.DataFrame(rows), villages, short_share=0.0, style="short")
    return _spoil_some(rng, df, 3)


def _health(rng, people: pd.DataFrame, villages: pd.DataFrame) -> pd.DataFrame:
    rows = []
    ages = age_at(people.born, TODAY)
    for (_, p), age in zip(people.iterrows(), ages, strict=True):
        if rng.random() > 0.95:
            continue
        signed = rng.random() < 0.5
        rows.append({"id": p.id, "name": p["name"], "village": p.village,
                     "record_no": f"52279{int(rng.integers(10**9, 10**10))}",
                     "signed": "已签约" if signed else "未签约",
                     "signed_on": _date(rng, dt.date(2020, 1, 1), TODAY) if signed else None,
                     "hypertension": "是" if age >= 35 and rng.random() < 0.15 else "否",
                     "diabetes": "是" if age >= 35 and rng.random() < 0.06 else "否"})
    df = _places(rng, pd.DataFrame(rows), villages, short_share=0.8, style="committee")
    df = _spoil_some(rng, df, 5)
    return _repeat_some(rng, df, 4)


def _veterans(rng, people: pd.DataFrame, villages: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    ages = age_at(people.born, TODAY)
    rows = []
    for (_, p), age in zip(people.iterrows(), ages, strict=True):
        r = rng.random()
        if p.male and age >= 22 and r < 0.025:
            kind = "退役士兵" if rng.random() < 0.93 else "伤残军人"
        elif age >= 40 and r > 0.9985:
            kind = "烈士遗属"
        elif age >= 18 and 0.9945 < r <= 0.9985:
            kind = "现役军人家属"
        else:
            continue
        rows.append((p, kind))
    # people only in the veterans' roster: their 户籍 is elsewhere, they live here
    extra = []
    vcodes = villages.village.tolist()
    for i in range(30):
        born = _date(rng, dt.date(1950, 1, 1), dt.date(1995, 12, 31))
        v = vcodes[int(rng.integers(len(vcodes)))]
        extra.append({"id": make_id("522701", born, 480 + i, True), "name": "罗" + "军" * (1 + i % 2) + str(i)[-1:],
                      "male": True, "born": born, "ethnicity": "汉族", "village": v,
                      "township": v[:9] + "000", "household": f"X{i:04d}", "relation": "户主",
                      "registered": None, "died": None, "dereg": None, "in_register": False})
    extra_df = pd.DataFrame(extra)
    for _, p in extra_df.iterrows():
        rows.append((p, "退役士兵"))
    out = []
    for p, kind in rows:
        enlist = _date(rng, dt.date(max(p.born.year + 18, 1970), 1, 1), dt.date(max(p.born.year + 19, 2024), 12, 31)) \
            if kind in ("退役士兵", "伤残军人") else None
        if enlist and enlist > TODAY:
            enlist = TODAY - dt.timedelta(days=900)
        discharge = (enlist + dt.timedelta(days=int(rng.integers(700, 5000)))) if enlist else None
        if discharge and discharge > TODAY:
            discharge = TODAY - dt.timedelta(days=10)
        out.append({"id": p.id, "name": p["name"], "male": p.male, "village": p.village, "kind": kind,
                    "enlist": enlist, "discharge": discharge})
    df = _places(rng, pd.DataFrame(out), villages, short_share=0.5, style="mixed")
    return df, extra_df


def derive(rng: np.random.Generator, people: pd.DataFrame, villages: pd.DataFrame) -> dict[str, pd.DataFrame]:
    # ID numbers must be unique in the real world: re-issue the (rare) collisions of the generator
    seen: set[str] = set()
    for i, pid in people.id.items():
        k = 0
        while pid in seen:
            k += 1
            pid = make_id(pid[:6], people.at[i, "born"], 300 + k, bool(people.at[i, "male"]))
        seen.add(pid)
        people.at[i, "id"] = pid
    living = people
    veterans, extra = _veterans(rng, living, villages)
    people_all = pd.concat([people, extra], ignore_index=True)
    return {"people": people_all, "register": _register(rng, people_all), "assistance": _assistance(rng, people_all[people_all.in_register], villages),
            "disability": _disability(rng, people_all[people_all.in_register], villages),
            "pension": _pension(rng, people_all[people_all.in_register], villages),
            "health": _health(rng, people_all[people_all.in_register], villages), "veterans": veterans}
