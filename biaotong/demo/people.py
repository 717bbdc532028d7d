"""The county's people and households, generated in bulk (numpy; no Python loop per person).

Households are built from role templates (householder, spouse, parents, children, grandchildren) so
that ages, sexes, surnames and relationships agree within a household; the head's age distribution is
tuned so that the county's age pyramid has the shape of the 2020 census for rural south-west China
(few young adults at home, many people over 60).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from biaotong.demo import names
from biaotong.demo.arrays import concat, label_array, pick, take_str, ymd, zfill
from biaotong.demo.ids import citizen_ids
from biaotong.demo.orgs import REGION6, OrgTree

REF_DATE = np.datetime64("2025-06-30", "D")
WINDOW_START = np.datetime64("2023-01-01", "D")  # deaths and removals happen in the last 2.5 years

# Roles in the household (the relationship codes of GB/T 4761 are applied by the systems).
HEAD, SPOUSE, PARENT, CHILD, GRANDCHILD = 0, 1, 2, 3, 4
# Status in the population register.
ACTIVE, DECEASED, MOVED_OUT = 0, 1, 2

# Ethnicity (GB/T 3304 codes) of Yunnan's larger minorities, with their share among minority people.
MINORITIES: dict[str, float] = {"07": 0.30, "16": 0.10, "14": 0.09, "18": 0.08, "08": 0.07, "06": 0.07,
                                "03": 0.05, "20": 0.05, "24": 0.05, "21": 0.04, "09": 0.02, "13": 0.03,
                                "04": 0.02, "15": 0.01, "11": 0.02}
ETHNIC_NAME_TO_CODE = {"彝族": "07", "傣族": "18", "白族": "14", "拉祜族": "24", "苗族": "06"}
# Region codes of IDs issued elsewhere (neighbouring counties, other provinces) for people who moved in.
OTHER_REGIONS = np.array([530902, 530921, 530922, 530923, 530924, 530925, 530926, 532301, 532502,
                          530102, 510122, 522401, 450102, 532923])


@dataclass
class Population:
    """Column arrays of the true county population (before any system's view or mess)."""

    # persons
    hh: np.ndarray  # household index
    role: np.ndarray  # HEAD … GRANDCHILD
    sex: np.ndarray  # 1 male, 2 female (GB/T 2261.1)
    birth: np.ndarray  # datetime64[D]
    age: np.ndarray  # full years on REF_DATE
    ethnicity: pa.Array  # GB/T 3304 two-digit codes
    village: np.ndarray  # index into OrgTree.villages (current unit)
    id_number: pa.Array
    name: pa.Array
    status: np.ndarray  # ACTIVE / DECEASED / MOVED_OUT
    death_date: np.ndarray
    dereg_date: np.ndarray
    registered_date: np.ndarray
    marital: pa.Array  # GB/T 2261.2
    education: pa.Array  # GB/T 4658
    party: pa.Array  # GB/T 4762 political status
    phone: pa.Array
    agricultural: np.ndarray  # 农业户口
    away: np.ndarray  # working away from home (外出)
    # households
    hh_village: np.ndarray
    hh_head: np.ndarray  # person index of the householder
    hh_id: pa.Array  # 户号
    hh_address: pa.Array
    hh_rural: np.ndarray

    @property
    def n(self) -> int:
        return len(self.hh)

    @property
    def n_households(self) -> int:
        return len(self.hh_village)

    @property
    def alive(self) -> np.ndarray:
        return self.status != DECEASED

    @property
    def active(self) -> np.ndarray:
        return self.status == ACTIVE


def _household_sizes(rng: np.random.Generator, n: int) -> np.ndarray:
    probs = [0.24, 0.30, 0.19, 0.14, 0.08, 0.04, 0.01]
    sizes = pick(rng, probs, int(n / 2.6) + 50) + 1
    total = np.cumsum(sizes)
    k = int(np.searchsorted(total, n)) + 1
    sizes = sizes[:k].copy()
    sizes[-1] -= int(total[k - 1] - n)
    return sizes[sizes > 0]


def generate_population(rng: np.random.Generator, tree: OrgTree, n: int) -> Population:
    sizes = _household_sizes(rng, n)
    h = len(sizes)
    # ---- households: village, type, head age
    current = np.array(tree.current_villages())
    v_comm = np.array([tree.villages[i].community for i in current])
    v_weight = np.where(v_comm, 2.2, 1.0) * rng.lognormal(0, 0.35, len(current))
    hh_village = current[pick(rng, v_weight, h)]
    rural = ~np.array([v.community for v in tree.villages])[hh_village]
    rng.random(h)
    head_age = np.empty(h, np.int64)
    has_sp = np.zeros(h, bool)
    n_par = np.zeros(h, np.int64)
    n_grand = np.zeros(h, np.int64)
    one, two, big = sizes == 1, sizes == 2, sizes >= 3
    # one person: mostly the elderly left at home
    old1 = rng.random(h) < np.where(rural, 0.55, 0.40)
    head_age[one] = np.where(old1, rng.integers(60, 96, h), rng.integers(20, 60, h))[one]
    # two persons: empty-nest couples, young couples, a parent with a child, a head with a parent
    t2 = pick(rng, [0.50, 0.26, 0.16, 0.08], h)
    a2 = np.select([t2 == 0, t2 == 1, t2 == 2], [rng.integers(50, 90, h), rng.integers(22, 36, h),
                                                  rng.integers(30, 70, h)], rng.integers(25, 50, h))
    head_age[two] = a2[two]
    has_sp[two] = (t2 <= 1)[two]
    n_par[two] = (t2 == 3)[two]
    # three or more: nuclear, three generations with grandchildren, three generations with parents
    t3 = pick(rng, [0.47, 0.38, 0.15], h)
    a3 = np.select([t3 == 0, t3 == 1], [rng.integers(27, 58, h), rng.integers(48, 78, h)],
                   rng.integers(28, 52, h))
    head_age[big] = a3[big]
    has_sp[big] = (rng.random(h) < 0.92)[big]
    n_par[big & (t3 == 2)] = np.minimum(1 + (rng.random(h) < 0.5), sizes - 1 - has_sp)[big & (t3 == 2)]
    rest = sizes - 1 - has_sp - n_par
    n_child_b = np.minimum(rest, 1 + (rng.random(h) < 0.35))
    n_grand[big & (t3 == 1)] = (rest - n_child_b)[big & (t3 == 1)]
    # ---- persons
    hh = np.repeat(np.arange(h), sizes)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    j = np.arange(n) - first[hh]
    b1 = 1 + has_sp[hh]
    b2 = b1 + n_par[hh]
    b3 = sizes[hh] - n_grand[hh]
    role = np.select([j == 0, j < b1, j < b2, j < b3], [HEAD, SPOUSE, PARENT, CHILD], GRANDCHILD)
    ha = head_age[hh]
    age = np.select(
        [role == HEAD, role == SPOUSE, role == PARENT],
        [ha, np.maximum(18, ha + np.rint(rng.normal(-2, 3, n)).astype(np.int64)),
         np.minimum(101, ha + rng.integers(22, 35, n))],
        np.maximum(0, ha - np.where(role == CHILD, rng.integers(22, 36, n), rng.integers(46, 62, n))
                   - 2 * (j - np.where(role == CHILD, b2, b3))),
    )
    kid = (role >= CHILD) & (age == 0)  # a clamped age: spread over the first years
    age[kid] = rng.integers(1, 15, int(kid.sum()))
    head_male = rng.random(h) < np.where(has_sp, 0.86, 0.55)
    male = np.select(
        [role == HEAD, role == SPOUSE, role == PARENT],
        [head_male[hh], ~head_male[hh], (j - b1) % 2 == (rng.random(h) < 0.5)[hh]],
        rng.random(n) < 0.53,
    )
    sex = np.where(male, 1, 2).astype(np.int8)
    birth = REF_DATE - (age * 365.2425).astype(np.int64) - rng.integers(1, 365, n)
    age = _age_on(birth, REF_DATE)
    # ---- ethnicity: villages of minority townships are mostly of that minority
    n_v = len(tree.villages)
    minority_codes = list(MINORITIES)
    v_min = np.array(minority_codes)[pick(rng, list(MINORITIES.values()), n_v)]
    v_share = rng.uniform(0.02, 0.22, n_v)
    for i, v in enumerate(tree.villages):
        dominant = tree.townships[v.township].minority
        if dominant:
            v_min[i] = ETHNIC_NAME_TO_CODE[dominant]
            v_share[i] = rng.uniform(0.35, 0.9)
    hh_min = rng.random(h) < v_share[hh_village]
    p_min = np.where(role == SPOUSE, rng.random(n) < v_share[hh_village[hh]], hh_min[hh])
    eth = np.where(p_min, v_min[hh_village[hh]], "01")
    # ---- status: deaths (Gompertz mortality over the 2.5-year window) and removals
    q = np.minimum(0.6, 2.5 * 0.00035 * np.exp(0.088 * (np.maximum(age, 20) - 30)))
    dead = rng.random(n) < q
    moved = ~dead & (rng.random(n) < np.where((age >= 18) & (age <= 35) & (role >= CHILD), 0.035, 0.002))
    status = np.select([dead, moved], [DECEASED, MOVED_OUT], ACTIVE).astype(np.int8)
    span = int((REF_DATE - WINDOW_START).astype(np.int64))
    death_date = WINDOW_START + rng.integers(0, span, n)
    dereg_date = np.where(dead, death_date + rng.integers(3, 60, n), WINDOW_START + rng.integers(0, span, n))
    dereg_date = np.minimum(dereg_date, REF_DATE).astype("datetime64[D]")
    # ---- IDs: region of issue, birth date, sequence (odd for men), check digit
    region = np.where(((role == SPOUSE) & (rng.random(n) < 0.35)) | (rng.random(n) < 0.04),
                      OTHER_REGIONS[rng.integers(0, len(OTHER_REGIONS), n)], int(REGION6))
    y, m, d = ymd(birth)
    ymd_int = y * 10000 + m * 100 + d
    ids = citizen_ids(region, ymd_int, _sequence_numbers(region, ymd_int, male))
    registered = np.where(
        region != int(REGION6), birth + rng.integers(20 * 365, 30 * 365, n),
        np.where(y < 1988, np.datetime64("1988-07-01") + rng.integers(0, 1500, n), birth + rng.integers(5, 90, n)),
    ).astype("datetime64[D]")
    registered = np.minimum(registered, REF_DATE - 1)
    # ---- names: household surname for the head's line, own surname for spouses and mothers
    sur_pool = [s for s, _ in names.SURNAMES]
    sur_w = [w for _, w in names.SURNAMES]
    hh_sur = pick(rng, sur_w, h)
    own_sur = pick(rng, sur_w, n)
    line = (role == HEAD) | (role >= CHILD) | ((role == PARENT) & male)
    surname = take_str(sur_pool, np.where(line, hh_sur[hh], own_sur))
    given = _given_names(rng, sex, y)
    name = concat(surname, given)
    # ---- social attributes
    agricultural = np.where(rural[hh], rng.random(n) < 0.93, rng.random(n) < 0.30)
    away = (age >= 18) & (age <= 55) & (role != PARENT) & rural[hh] & (rng.random(n) < 0.32)
    marital = _marital(rng, role, age, has_sp[hh], n_par[hh])
    education = _education(rng, age, rural[hh])
    party = label_array(["01", "03", "13"],
                        np.select([(age >= 22) & (rng.random(n) < np.where(age > 45, 0.09, 0.05)),
                                   (age >= 14) & (age <= 28) & (rng.random(n) < 0.3)], [0, 1], 2))
    phone = _phones(rng, age)
    hh_head = first
    hh_seq = rank_within(hh_village)
    v_codes = np.array([int(v.code) for v in tree.villages], dtype=np.int64)
    hh_id = zfill(v_codes[hh_village] * 10000 + hh_seq + 1, 16)
    hh_address = _addresses(rng, tree, hh_village)
    return Population(
        hh=hh, role=role, sex=sex, birth=birth, age=age, ethnicity=pa.array(eth, pa.string()),
        village=hh_village[hh], id_number=ids, name=name, status=status, death_date=death_date,
        dereg_date=dereg_date, registered_date=registered, marital=marital, education=education,
        party=party, phone=phone, agricultural=agricultural, away=away, hh_village=hh_village,
        hh_head=hh_head, hh_id=hh_id, hh_address=hh_address, hh_rural=rural,
    )


def _age_on(birth: np.ndarray, on: np.datetime64) -> np.ndarray:
    by, bm, bd = ymd(birth)
    oy, om, od = ymd(np.array([on]))
    return (oy[0] - by - ((bm * 100 + bd) > (om[0] * 100 + od[0]))).astype(np.int64)


def rank_within(groups: np.ndarray) -> np.ndarray:
    """0-based rank of each element within its group, in original order."""
    order = np.argsort(groups, kind="stable")
    g = groups[order]
    starts = np.r_[True, g[1:] != g[:-1]]
    pos = np.arange(len(g))
    rank_sorted = pos - np.maximum.accumulate(np.where(starts, pos, 0))
    rank = np.empty_like(rank_sorted)
    rank[order] = rank_sorted
    return rank


def _sequence_numbers(region: np.ndarray, ymd_int: np.ndarray, male: np.ndarray) -> np.ndarray:
    key = (region.astype(np.int64) * 100_000_000 + ymd_int) * 2 + male
    rank = rank_within(key)
    offset = (key * 2654435761 % 97).astype(np.int64)  # a per-group start, like a police station's range
    seq = 2 * (offset + rank) + male
    if seq.max(initial=0) > 999:
        raise ValueError("too many people born on one day for 3-digit sequence numbers")
    return seq


def _given_names(rng: np.random.Generator, sex: np.ndarray, birth_year: np.ndarray) -> pa.Array:
    n = len(sex)
    era = np.select([birth_year < 1968, birth_year < 1995], [0, 1], 2)
    pools = [names.MALE_OLD, names.MALE_MID, names.MALE_YOUNG, names.FEMALE_OLD, names.FEMALE_MID,
             names.FEMALE_YOUNG]
    flat = [c for p in pools for c in p]
    starts = np.cumsum([0] + [len(p) for p in pools])
    group = era + 3 * (sex == 2)
    lens = np.diff(starts)[group]
    c1 = starts[group] + (rng.random(n) * lens).astype(np.int64)
    c2 = starts[group] + (rng.random(n) * lens).astype(np.int64)
    two = rng.random(n) < np.select([era == 0, era == 1], [0.7, 0.55], 0.85)
    second = pa.array([*flat, ""], pa.string()).take(pa.array(np.where(two, c2, len(flat))))
    return concat(take_str(flat, c1), second)


def _marital(rng: np.random.Generator, role: np.ndarray, age: np.ndarray, spouse_present: np.ndarray,
             parents: np.ndarray) -> pa.Array:
    n = len(role)
    r = rng.random(n)
    married_elsewhere = np.where(age >= 30, r < 0.82, np.where(age >= 22, r < 0.42, False))
    code = np.select(
        [age < 18, (role <= SPOUSE) & spouse_present, (role == PARENT) & (parents == 2),
         (age >= 65) & (r < 0.7), married_elsewhere, (age >= 35) & (r < 0.9)],
        [0, 1, 1, 2, 1, 3], 0,
    )
    return label_array(["10", "20", "30", "40"], code)


def _education(rng: np.random.Generator, age: np.ndarray, rural: np.ndarray) -> pa.Array:
    # GB/T 4658: 10 研究生 20 大学本科 30 大学专科 40 中专 60 高中 70 初中 80 小学 90 其他(未上学)
    labels = ["10", "20", "30", "40", "60", "70", "80", "90"]
    n = len(age)
    young = (age >= 22) & (age < 45)
    mid = (age >= 45) & (age < 65)
    weights_young = np.array([0.01, 0.10, 0.14, 0.08, 0.15, 0.42, 0.09, 0.01])
    weights_mid = np.array([0.002, 0.03, 0.05, 0.05, 0.12, 0.38, 0.33, 0.038])
    weights_old = np.array([0.0, 0.01, 0.01, 0.02, 0.05, 0.15, 0.46, 0.30])
    u = rng.random(n) * 0.999999
    out = np.full(n, 7)
    for mask, w in ((young, weights_young), (mid, weights_mid), (age >= 65, weights_old)):
        out = np.where(mask, np.searchsorted(np.cumsum(w / w.sum()), u), out)
    # towns: better schooled
    out = np.where(~rural & (age >= 22) & (age < 65) & (rng.random(n) < 0.2), 1 + (rng.random(n) < 0.5), out)
    out = np.where(age < 22, np.select([age < 13, age < 16, age < 19], [6, 5, 4], 2), out)
    return pa.array(np.array(labels)[out], pa.string(), mask=age < 6)


def _phones(rng: np.random.Generator, age: np.ndarray) -> pa.Array:
    n = len(age)
    prefixes = np.array([130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 157, 158, 159, 177,
                         180, 181, 182, 183, 187, 188, 189, 191, 198, 199])
    num = prefixes[rng.integers(0, len(prefixes), n)] * 100_000_000 + rng.integers(0, 100_000_000, n)
    has = np.where(age < 14, False, np.where(age > 75, rng.random(n) < 0.45, rng.random(n) < 0.93))
    mask = ~has
    out = zfill(num, 11)
    return pa.array(out.to_numpy(zero_copy_only=False), pa.string(), mask=mask)


def _addresses(rng: np.random.Generator, tree: OrgTree, hh_village: np.ndarray) -> pa.Array:
    h = len(hh_village)
    full_names = [f"云岭省彩云市青山县{tree.townships[v.township].name}{v.name}" for v in tree.villages]
    groups = np.array([v.groups for v in tree.villages])
    community = np.array([v.community for v in tree.villages])[hh_village]
    prefix = take_str(full_names, hh_village)
    group_no = pa.array((rng.random(h) * groups[hh_village]).astype(np.int64) + 1).cast(pa.string())
    house_no = pa.array(rng.integers(1, 120, h)).cast(pa.string())
    rural_addr = concat(prefix, group_no, "组", house_no, "号")
    road = take_str(names.ROAD_NAMES, rng.integers(0, len(names.ROAD_NAMES), h))
    bldg = pa.array(rng.integers(1, 30, h)).cast(pa.string())
    room = pa.array(rng.integers(1, 7, h) * 100 + rng.integers(1, 5, h)).cast(pa.string())
    town_addr = concat(prefix, road, house_no, "号", bldg, "栋", room, "室")
    return pc.if_else(pa.array(community), town_addr, rural_addr)
