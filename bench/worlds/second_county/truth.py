"""The expected value of every cell of every 清溪县 form for the period, in plain pandas from the raw records.

The 口径 is each form's own (its 填表说明): people count while in the population register at the period end
(registered, not dead, not deregistered); a department's records count for the people of the register, at
their register village; rows with an invalid ID number cannot be linked and are left out; a repeated row
counts once. Nothing here imports biaotong.
"""

from __future__ import annotations

import pandas as pd

from .forms import FORMS
from .idcard import is_valid
from .world import PERIOD_END, PERIOD_START, age_at

END = PERIOD_END


def _linked(df: pd.DataFrame) -> pd.DataFrame:
    df = df[df.id.map(is_valid)]
    return df.drop_duplicates("id", keep="last")


def _before(s: pd.Series, day) -> pd.Series:
    return s.map(lambda d: d is not None and not pd.isna(d) and d <= day)


def _after_or_none(s: pd.Series, day) -> pd.Series:
    return s.map(lambda d: d is None or pd.isna(d) or d > day)


def present(world) -> pd.DataFrame:
    reg = _linked(world.register)
    keep = _before(reg.registered, END) & _after_or_none(reg.died, END) & _after_or_none(reg.dereg, END)
    reg = reg[keep].copy()
    reg["age"] = age_at(reg.born, END)
    return reg.set_index("id")


def _by_village(df: pd.DataFrame, mask=None, value: str | None = None, distinct: str | None = None) -> pd.Series:
    d = df if mask is None else df[mask]
    g = d.groupby("village")
    if distinct:
        return g[distinct].nunique()
    if value:
        return g[value].sum()
    return g.size()


def _join(world_df: pd.DataFrame, pop: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Department records of register people, placed at their register village."""
    d = _linked(world_df)
    d = d[d.id.isin(pop.index)].drop(columns=[c for c in cols if c in d.columns])
    return d.join(pop[cols], on="id")


def village_metrics(world) -> pd.DataFrame:
    pop = present(world)
    base = ["village", "age", "male", "household", "ethnicity"]
    m: dict[str, pd.Series] = {
        "pop": _by_village(pop), "male": _by_village(pop, pop.male), "female": _by_village(pop, ~pop.male),
        "households": _by_village(pop, distinct="household"),
        "minority": _by_village(pop, pop.ethnicity != "汉族"),
        "age0_17": _by_village(pop, pop.age < 18), "age18_59": _by_village(pop, (pop.age >= 18) & (pop.age < 60)),
        "age60p": _by_village(pop, pop.age >= 60)}
    reg = _linked(world.register)
    born = reg.born.map(lambda d: PERIOD_START <= d <= END)
    m["births_month"] = _by_village(reg, born & _before(reg.registered, END))
    m["deaths_month"] = _by_village(reg, reg.died.map(lambda d: d is not None and not pd.isna(d)
                                                      and PERIOD_START <= d <= END) & _before(reg.registered, END))

    dis = _join(world.disability, pop, base)
    dis = dis[_before(dis.issued, END)]
    disabled_ids = set(dis.id)
    m["dis_total"] = _by_village(dis)
    m["dis_female"] = _by_village(dis, ~dis.male)
    for i in range(1, 8):
        m[f"dis_cat_{i}"] = _by_village(dis, dis.category_no == i)
    for i in range(1, 5):
        m[f"dis_grade_{i}"] = _by_village(dis, dis.grade_no == i)

    a = _join(world.assistance, pop, base)
    a = a[_before(a.start, END) & _after_or_none(a.stop, END)]
    dibao = a[a.kind.isin(["城市低保", "农村低保"])]
    city = dibao.kind == "城市低保"
    m["dibao_hh"] = _by_village(dibao, distinct="household")
    m["dibao_hh_city"] = _by_village(dibao, city, distinct="household")
    m["dibao_hh_rural"] = _by_village(dibao, ~city, distinct="household")
    m["dibao_p"] = _by_village(dibao)
    m["dibao_p_city"] = _by_village(dibao, city)
    m["dibao_p_rural"] = _by_village(dibao, ~city)
    m["dibao_elderly"] = _by_village(dibao, dibao.age >= 60)
    m["dibao_minor"] = _by_village(dibao, dibao.age < 18)
    m["dibao_disabled"] = _by_village(dibao, dibao.id.isin(disabled_ids))
    m["dibao_amount"] = _by_village(dibao, value="amount")
    tekun = a[a.kind == "特困供养"]
    m["tekun"] = _by_village(tekun)

    h = _join(world.health, pop, base)
    signed = (h.signed == "已签约") & _before(h.signed_on, END)
    m["fd_signed"] = _by_village(h, signed)
    m["fd_signed_65p"] = _by_village(h, signed & (h.age >= 65))
    m["fd_hyp_signed"] = _by_village(h, signed & (h.hypertension == "是"))
    m["fd_diab_signed"] = _by_village(h, signed & (h.diabetes == "是"))

    p = _join(world.pension, pop, base)
    p = p[_before(p.insured, END)]
    insured = p.status != "终止"
    m["pen_total"] = _by_village(p, insured)
    m["pen_paying"] = _by_village(p, p.status == "正常缴费")
    m["pen_receiving"] = _by_village(p, p.status == "正常领取")
    m["pen_60p"] = _by_village(p, insured & (p.age >= 60))
    m["pen_benefit"] = _by_village(p[p.status == "正常领取"].fillna({"benefit": 0}), value="benefit")

    v = _join(world.veterans, pop, base)
    served = _before(v.discharge, END)
    m["vet_soldier"] = _by_village(v, (v.kind == "退役士兵") & served)
    m["vet_disabled"] = _by_village(v, (v.kind == "伤残军人") & served)
    m["vet_martyr"] = _by_village(v, v.kind == "烈士遗属")
    m["vet_family"] = _by_village(v, v.kind == "现役军人家属")
    out = pd.DataFrame(m).reindex(world.villages.village).fillna(0)
    out["vet_total"] = out[["vet_soldier", "vet_disabled", "vet_martyr", "vet_family"]].sum(axis=1)
    out["vet_retired"] = out.vet_soldier + out.vet_disabled  # 退役军人: every discharged soldier, disabled or not
    return out


def _derive(row: pd.Series) -> dict[str, float]:
    d = {k: float(v) for k, v in row.items()}
    d["fd_rate"] = round(d["fd_signed"] / d["pop"] * 100, 2) if d["pop"] else 0.0
    d["pen_benefit_wan"] = round(d["pen_benefit"] / 10000, 2)
    return d


def _rows(world, metrics: pd.DataFrame, level: str) -> dict[str, dict[str, float]]:
    rows = {"total": _derive(metrics.sum())}
    if level == "township":
        tmap = dict(zip(world.villages.village, world.villages.township, strict=True))
        for t, g in metrics.groupby(metrics.index.map(tmap)):
            rows[t] = _derive(g.sum())
    else:
        for vcode, r in metrics.iterrows():
            rows[vcode] = _derive(r)
    return rows


def _roster(world) -> dict[str, dict[str, object]]:
    pop = present(world)
    a = _join(world.assistance, pop, ["village", "born", "male"])
    a = a[_before(a.start, END) & _after_or_none(a.stop, END) & (a.kind == "特困供养")]
    names = world.villages.set_index("village")
    out = {}
    for _, r in a.iterrows():
        out[r.id] = {"township_name": names.at[r.village, "township_name"],
                     "village_name": names.at[r.village, "village_name"], "name": r["name"],
                     "sex": "男" if r.male else "女", "id": r.id, "born": r.born.isoformat(), "mode": r["mode"],
                     "amount": float(r.amount)}
    return out


def compute(world) -> dict[str, dict]:
    """form id -> {row key -> {column -> expected}}; row keys: 'total', a township or village code, an ID."""
    metrics = village_metrics(world)
    truth: dict[str, dict] = {}
    names = world.villages.set_index("village")
    for fid, meta in FORMS.items():
        if meta.layout == "aggregate":
            rows = _rows(world, metrics, meta.level)
            truth[fid] = {k: {col: r[key] for col, key in meta.columns.items()} for k, r in rows.items()}
        elif meta.layout == "card":
            r = _derive(metrics.loc[meta.org])
            r["card_name"] = names.at[meta.org, "village_name"]
            r["card_township"] = names.at[meta.org, "township_name"]
            truth[fid] = {"card": {cell: r[key] for cell, key in meta.columns.items()}}
        else:
            truth[fid] = {pid: {col: r[key] for col, key in meta.columns.items()} for pid, r in _roster(world).items()}
    return truth
