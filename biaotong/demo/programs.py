"""Who is in which programme (the truth behind the department systems): disability, social assistance
(低保 / 特困 / 低保边缘) and poverty monitoring (脱贫户 / 监测户). Computed once, so the systems agree
with each other the way real ones do — 低保 families are often 脱贫户 and have a disabled member."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from biaotong.demo.people import HEAD, REF_DATE, Population

DIBAO, TEKUN, DIBIAN = 1, 2, 3  # assistance_category codes


@dataclass
class Programs:
    disabled: np.ndarray  # per person
    dis_category: np.ndarray  # 1..7
    dis_grade: np.ndarray  # 1..4
    assistance: np.ndarray  # per person: 0, DIBAO, TEKUN, DIBIAN
    assist_start: np.ndarray
    tuopin_hh: np.ndarray  # per household: 脱贫户
    monitor_hh: np.ndarray  # per household: 0 or monitoring category 1..3
    rural: np.ndarray  # per person

    def tuopin(self, pop: Population) -> np.ndarray:
        return self.tuopin_hh[pop.hh]


def _calibrated(rng: np.random.Generator, weight: np.ndarray, size: np.ndarray, target_people: float) -> np.ndarray:
    """Pick households with probability ∝ weight so that the expected number of people is the target."""
    c = target_people / max(float((weight * size).sum()), 1e-9)
    return rng.random(len(weight)) < np.minimum(1.0, c * weight)


def assign_programs(rng: np.random.Generator, pop: Population) -> Programs:
    n, h = pop.n, pop.n_households
    rural = pop.hh_rural[pop.hh]
    age = pop.age
    # ---- disability: ~4.5% of the population, rising steeply with age
    p_dis = np.select([age < 18, age < 45, age < 60, age < 75], [0.012, 0.025, 0.05, 0.085], 0.14)
    disabled = rng.random(n) < p_dis * 1.02
    cat = 1 + np.searchsorted(np.cumsum([0.10, 0.14, 0.015, 0.50, 0.07, 0.09, 0.085]), rng.random(n) * 0.999)
    grade = 1 + np.searchsorted(np.cumsum([0.10, 0.20, 0.30, 0.40]), rng.random(n) * 0.999)
    # ---- household features
    size = np.bincount(pop.hh, minlength=h)
    dis_hh = np.bincount(pop.hh, weights=disabled, minlength=h) > 0
    head_age = age[pop.hh_head]
    alive_hh = np.bincount(pop.hh, weights=pop.alive, minlength=h) > 0
    r_hh = pop.hh_rural
    w = (1 + 3 * dis_hh + 1.5 * (head_age >= 65) + (size == 1)) * alive_hh
    rural_people, urban_people = float(rural.sum()), float((~rural).sum())
    dibao_hh = np.where(r_hh, _calibrated(rng, w * r_hh, size, 0.04 * rural_people),
                        _calibrated(rng, w * ~r_hh, size, 0.015 * urban_people))
    dibian_hh = ~dibao_hh & _calibrated(rng, w * alive_hh, size, 0.012 * n)
    # 特困: elderly or severely disabled people living alone, without 低保
    cand = (size[pop.hh] == 1) & ((age >= 60) | (disabled & (grade <= 2))) & ~dibao_hh[pop.hh]
    p_tk = np.where(rural, 0.0055, 0.002) * n / max(int(cand.sum()), 1) * (1 + 2 * disabled) / 1.4
    tekun = cand & (rng.random(n) < p_tk)
    assistance = np.select([tekun, dibao_hh[pop.hh], dibian_hh[pop.hh]], [TEKUN, DIBAO, DIBIAN], 0)
    # not everybody of the family is covered (保障人数 < 家庭人数 for some)
    assistance = np.where((assistance == DIBAO) & (pop.role != HEAD) & (rng.random(n) < 0.08), 0, assistance)
    start = np.maximum(REF_DATE - rng.integers(30, 3650, h)[pop.hh], pop.birth + 30)  # per family
    # ---- poverty: 脱贫户 ~10% of rural residents, 监测户 ~1%
    w_tp = (1 + 5 * dibao_hh + 1.5 * dis_hh) * r_hh * alive_hh
    tuopin_hh = _calibrated(rng, w_tp, size, 0.10 * rural_people)
    w_mon = (1 + 3 * dis_hh + 2 * dibao_hh) * r_hh * alive_hh
    monitor = _calibrated(rng, w_mon, size, 0.011 * rural_people)
    monitor_cat = np.where(monitor, np.where(tuopin_hh, 1, np.where(rng.random(h) < 0.8, 2, 3)), 0)
    return Programs(disabled=disabled, dis_category=cat, dis_grade=grade, assistance=assistance,
                    assist_start=start.astype("datetime64[D]"), tuopin_hh=tuopin_hh, monitor_hh=monitor_cat,
                    rural=rural)
