"""A small synthetic county written straight into a workspace (org tree, sources, Parquet snapshots), with the
edge cases the report tests need. The raw rows are kept as Python dicts, for the independent oracle."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
import yaml

from biaotong.catalog import import_org_tree, load_catalog, make_citizen_id, make_uscc
from biaotong.lake.types import ARROW_TYPES
from biaotong.ledger.events import Event
from biaotong.ledger.log import record
from biaotong.store.schema import snapshots, sources
from biaotong.workspace import Workspace

COUNTY = "530102000000"
T1, T2, T3 = "530102001000", "530102002000", "530102003000"  # T3 has no data at all
V11, V12, V21, V22, V31 = "530102001001", "530102001002", "530102002001", "530102002002", "530102003001"
MERGED = "530102002003"  # merged into V21 on 2025-03-01
MERGE_DATE = date(2025, 3, 1)
DATA_VILLAGES = [V11, V12, V21, V22, MERGED]

ORG_YAML = {
    "units": [
        {"code": "530000000000", "name": "云南省", "level": "province"},
        {"code": "530100000000", "name": "昆明市", "level": "city", "parent": "530000000000"},
        {"code": COUNTY, "name": "示范县", "level": "county", "parent": "530100000000"},
        {"code": T1, "name": "东风镇", "level": "township", "parent": COUNTY},
        {"code": T2, "name": "西山乡", "level": "township", "parent": COUNTY},
        {"code": T3, "name": "南湖街道", "level": "township", "parent": COUNTY},
        {"code": V11, "name": "东风村", "level": "village", "parent": T1},
        {"code": V12, "name": "红旗社区", "level": "village", "parent": T1},
        {"code": V21, "name": "西山村", "level": "village", "parent": T2},
        {"code": V22, "name": "龙潭村", "level": "village", "parent": T2},
        {"code": MERGED, "name": "小河村", "level": "village", "parent": T2},
        {"code": V31, "name": "南湖社区", "level": "village", "parent": T3},
    ],
    "events": [{"kind": "merge", "date": MERGE_DATE.isoformat(), "units": [MERGED], "into": V21}],
}

SURNAMES = "张王李赵刘陈杨黄周吴"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟"]


def _codes(catalog: Any, code_list: str) -> list[str]:
    return [c.code for c in catalog.code_list(code_list).codes]


@dataclass
class County:
    residents: list[dict[str, Any]] = field(default_factory=list)
    households: list[dict[str, Any]] = field(default_factory=list)
    enterprises: list[dict[str, Any]] = field(default_factory=list)
    villages: list[dict[str, Any]] = field(default_factory=list)
    taken_at: datetime = datetime(2025, 1, 2, tzinfo=UTC)


def make_county(n_households: int = 120, seed: int = 7) -> County:
    rng = random.Random(seed)
    cat = load_catalog()
    c = County()
    seq = 0
    end = date(2025, 6, 30)

    def maybe(p: float, value: Any) -> Any:
        return value if rng.random() < p else None

    def person(hh: str, org: str, rel: str, birth: date, sex: str) -> dict[str, Any]:
        nonlocal seq
        seq += 1
        ident = make_citizen_id("530102", birth, seq % 1000, sex)
        age = (end.year - birth.year) - ((end.month, end.day) < (birth.month, birth.day))
        assist = rng.choices([None, "1", "2", "3", "4"], [80, 10, 4, 3, 3])[0]
        r: dict[str, Any] = {
            "id_number": ident, "name": rng.choice(SURNAMES) + rng.choice(GIVEN), "sex": sex, "birth_date": birth,
            "ethnicity": rng.choice(["01", "01", "03", "08"]), "org_code": org, "household_id": hh,
            "relationship": rel, "hukou_type": rng.choice(["1", "1", "2", "3"]),
            "marital_status": rng.choice(_codes(cat, "marital_status")),
            "education": rng.choice(["21", "61", "71", "81"]), "political_status": rng.choice(["01", "13", "13"]),
            "phone": f"13{rng.randrange(10**8, 10**9)}", "address": f"示范县某路{rng.randrange(1, 300)}号",
            "residence_status": rng.choices(["1", "2", "3"], [70, 20, 10])[0],
            "registered_date": maybe(0.3, date(2025, rng.randrange(1, 12), 15)),
            "death_date": None, "deregistered_date": None, "deregister_reason": None,
            "residence_reason": rng.choice(_codes(cat, "residence_reason")),
            "arrival_date": date(rng.randrange(2015, 2025), rng.randrange(1, 13), 1),
            "assistance_category": assist,
            "assistance_start_date": date(rng.randrange(2020, 2026), rng.randrange(1, 13), 1) if assist else None,
            "assistance_end_date": maybe(0.15, date(2025, rng.randrange(1, 13), 1)) if assist else None,
            "assistance_amount": float(rng.randrange(300, 900)) if assist in ("1", "2") else None,
            "support_mode": rng.choice(["1", "2"]) if assist == "2" else None,
            "self_care_ability": rng.choice(["1", "2", "3"]) if assist == "2" else None,
            "old_age_allowance": 100.0 if age >= 80 and rng.random() < 0.8 else None,
            "child_protection_type": rng.choice(["1", "2", "3"]) if age < 18 and rng.random() < 0.1 else None,
            "left_behind_child": age < 16 and rng.random() < 0.2,
            "living_alone_elderly": age >= 60 and rng.random() < 0.2,
            "recent_situation": None,
            "disability_cert_no": None, "disability_category": None, "disability_grade": None,
            "disability_cert_issue_date": None,
            "disability_living_subsidy": False, "severe_disability_care_subsidy": False,
            "pension_status": rng.choice(["1", "2", "9"]) if age >= 16 else None,
            "pension_insured_date": date(rng.randrange(2012, 2026), rng.randrange(1, 13), 1) if age >= 16 else None,
            "pension_contribution_grade": float(rng.choice([200, 300, 500, 1000])) if age >= 16 else None,
            "pension_monthly_benefit": float(rng.randrange(150, 400)) if age >= 60 else None,
            "employment_status": rng.choice(_codes(cat, "employment_status")) if 16 <= age < 60 else None,
            "migrant_worker": 16 <= age < 60 and rng.random() < 0.3,
            "migrant_work_months": rng.randrange(1, 12) if 16 <= age < 60 else None,
            "labor_skill": rng.choice(_codes(cat, "labor_skill")) if age >= 16 else None,
            "medical_insurance_type": rng.choice(["1", "1", "1", "2", "9", None]),
            "medical_insured_year": 2025,
            "health_record_no": maybe(0.8, f"H{seq:08d}"),
            "family_doctor_signed": rng.random() < 0.5,
            "family_doctor_sign_date": date(2025, rng.randrange(1, 13), 10),
            "hypertension": age >= 40 and rng.random() < 0.2, "diabetes": age >= 40 and rng.random() < 0.1,
            "severe_mental_disorder": rng.random() < 0.02, "tuberculosis": rng.random() < 0.01,
            "elderly_health_check_date": maybe(0.7, date(rng.choice([2024, 2025]), rng.randrange(1, 13), 5)),
            "self_care_score": rng.randrange(0, 25) if age >= 65 else None,
            "self_care_level": rng.choice(["1", "2", "3", "4"]) if age >= 65 else None,
            "pregnant": sex == "2" and 20 <= age < 40 and rng.random() < 0.1,
            "health_status": rng.choice(_codes(cat, "health_status")),
            "veteran_type": rng.choice(_codes(cat, "veteran_type")) if rng.random() < 0.05 else None,
            "enlist_date": None, "discharge_date": None, "service_branch": None,
            "poverty_alleviated": rng.random() < 0.15,
            "monitoring_category": rng.choice(["1", "2", "3"]) if rng.random() < 0.06 else None,
            "monitoring_identified_date": date(rng.randrange(2022, 2026), rng.randrange(1, 13), 1),
            "risk_eliminated": rng.random() < 0.4, "risk_eliminated_date": date(2025, rng.randrange(1, 13), 1),
            "risk_type": rng.choice(_codes(cat, "risk_type")),
            "student_status": ("2" if age < 12 else "3" if age < 15 else "4") if 6 <= age < 18 else ("9" if age >= 18 else None),
            "school_dropout": 6 <= age < 16 and rng.random() < 0.03,
        }
        if rng.random() < 0.08:
            r["disability_cert_no"] = ident + "4" + str(rng.randrange(1, 5))
            r["disability_category"] = rng.choice(_codes(cat, "disability_category"))
            r["disability_grade"] = rng.choice(["1", "2", "3", "4"])
            # from the ID's sequence digits, not the rng (the other columns stay as they were): 2020–2026,
            # so some certificates are issued after a 2025 period
            r["disability_cert_issue_date"] = date(2020 + int(ident[16]) % 7, 1 + int(ident[15]) % 12, 1)
            r["disability_living_subsidy"] = rng.random() < 0.5
            r["severe_disability_care_subsidy"] = r["disability_grade"] in ("1", "2") and rng.random() < 0.7
        if sex == "1" and 22 <= age < 70 and rng.random() < 0.08:
            r["enlist_date"] = date(birth.year + 18, 9, 1)
            r["discharge_date"] = date(min(birth.year + 20, 2026), 12, 1) if rng.random() < 0.9 else date(2025, 3, 1)
            r["service_branch"] = rng.choice(_codes(cat, "service_branch"))
        return r

    for h in range(n_households):
        org = rng.choice(DATA_VILLAGES)
        hh = f"HH{h:05d}"
        c.households.append({
            "household_id": hh, "org_code": org, "householder_id_number": None, "householder_name": None,
            "household_type": "1", "address": f"示范县某村{h}号", "phone": f"139{rng.randrange(10**7, 10**8)}",
            "poverty_household_type": None, "arable_land_area": round(rng.uniform(0, 12), 1),
            "forest_land_area": maybe(0.5, round(rng.uniform(0, 30), 1)),
            "house_safety_level": rng.choice(["A", "A", "B", "C", "D"]),
            "per_capita_net_income": float(rng.randrange(4000, 30000)), "total_income": float(rng.randrange(10000, 90000)),
            "drinking_water_safe": rng.random() < 0.9, "cooperative_member": rng.random() < 0.3, "rental_housing": None,
        })
        size = rng.choice([1, 2, 3, 3, 4, 5])
        for k in range(size):
            by = rng.randrange(1925, 2025)
            birth = date(by, rng.randrange(1, 13), rng.randrange(1, 29))
            sex = rng.choice(["1", "2"])
            member_org = org
            if k == size - 1 and rng.random() < 0.1:  # a member registered in another village
                member_org = rng.choice([v for v in DATA_VILLAGES if v != org])
            r = person(hh, member_org, "02" if k == 0 else rng.choice(["10", "20", "30", "50"]), birth, sex)
            c.residents.append(r)
            if k == 0:
                c.households[-1]["householder_id_number"] = r["id_number"]
                c.households[-1]["householder_name"] = r["name"]
    _edge_cases(c, person)
    for i in range(40):
        kind = rng.choice(["1", "3", "5", "5", "5", "6"])
        est = date(rng.randrange(2010, 2026), rng.randrange(1, 13), rng.randrange(1, 28))
        dereg = maybe(0.15, date(2025, rng.randrange(1, 13), 1))
        c.enterprises.append({
            "uscc": make_uscc("530102", i), "enterprise_name": f"示范{i}号商行",
            "org_code": rng.choice(DATA_VILLAGES), "enterprise_type": kind, "legal_rep_name": rng.choice(SURNAMES) + "某",
            "legal_rep_id_number": None, "registered_capital": float(rng.randrange(1, 500)), "established_date": est,
            "industry_category": None, "business_scope": None, "business_status": "4" if dereg else "1",
            "deregistered_date": dereg, "employees": rng.randrange(1, 50), "annual_revenue": float(rng.randrange(10, 900)),
            "address": None, "above_scale": rng.random() < 0.1, "fire_safety_checked": None,
        })
    for v in [V11, V12, V21, V22, MERGED]:
        c.villages.append({
            "org_code": v, "village_name": None, "village_area": round(rng.uniform(3, 20), 2),
            "total_arable_land": float(rng.randrange(500, 5000)), "village_collective_income": None,
            "natural_villages": None, "primary_schools": rng.randrange(0, 3), "middle_schools": rng.randrange(0, 2),
            "clinics": 1, "cadres": None, "party_members": rng.randrange(20, 90), "grid_count": None,
            "elderly_care_facilities": rng.randrange(0, 3), "geohazard_points": rng.randrange(0, 4),
            "paved_road": rng.random() < 0.8, "agricultural_output": None,
            "per_capita_income": float(rng.randrange(9000, 20000)),
        })
    return c


def _edge_cases(c: County, person: Any) -> None:
    """Hand-made people at the boundaries of the period 2025-06 (end 2025-06-30)."""
    hh = "HHEDGE1"
    c.households.append({**c.households[0], "household_id": hh, "org_code": V12, "address": "边界户"})
    edges = [
        ("exactly_60", date(1965, 6, 30), {}),  # 60 on the period end: counted as 60+
        ("turns_60_next_day", date(1965, 7, 1), {}),  # still 59
        ("leap_birthday_65", date(1960, 2, 29), {}),
        ("dead_before_end", date(1940, 1, 1), {"death_date": date(2025, 6, 15), "deregistered_date": date(2025, 6, 20), "deregister_reason": "1"}),
        ("dead_after_end", date(1940, 1, 2), {"death_date": date(2025, 7, 15)}),
        ("registered_after_end", date(1990, 5, 5), {"registered_date": date(2025, 8, 1)}),
        ("moved_out_in_may", date(1980, 3, 3), {"deregistered_date": date(2025, 5, 10), "deregister_reason": "2"}),
        ("birth_from_id_only", date(1955, 1, 1), {"birth_date": None}),
    ]
    for tag, birth, over in edges:
        r = person(hh, V12, "10", birth, "2")
        r.update(over)
        r["address"] = tag
        c.residents.append(r)


def _table(rows: list[dict[str, Any]], entity: str, only: list[str] | None = None) -> pa.Table:
    cat = load_catalog()
    els = [e for e in cat.elements_of(entity) if only is None or e.code in only]
    return pa.table({e.code: pa.array([r.get(e.code) for r in rows], ARROW_TYPES[e.value_type]) for e in els})


def install(ws: Workspace, county: County, *, taken_at: datetime | None = None, tag: str = "a") -> None:
    """The org tree, four sources and one snapshot each, as a sync would leave them."""
    org_file = ws.home / "orgs.yaml"
    org_file.write_text(yaml.safe_dump(ORG_YAML, allow_unicode=True), encoding="utf-8")
    with ws.engine.begin() as conn:
        if not conn.execute(sa.text("select count(*) from org_units")).scalar():
            import_org_tree(conn, org_file)
    when = taken_at or county.taken_at
    plan = [
        ("gaj_rk", "public_security", "resident", county.residents),
        ("mz_hh", "civil_affairs", "household", county.households),
        ("scjg_qy", "market_regulation", "enterprise", county.enterprises),
        ("tj_cq", "statistics", "village", county.villages),
    ]
    for name, dept, entity, rows in plan:
        add_snapshot(ws, name, dept, entity, rows, when=when, tag=tag)


def add_snapshot(
    ws: Workspace, name: str, dept: str, entity: str, rows: list[dict[str, Any]], *, when: datetime, tag: str,
    only: list[str] | None = None,
) -> str:
    """One snapshot of source `name` (registered if new), as a sync leaves it: Parquet, index row, ledger
    entry; `only` these element columns (a real sync writes the mapped ones). Returns its id."""
    table = _table(rows, entity, only)
    rel = f"{name}/{when:%Y%m%dT%H%M%S}-{tag}"
    folder = ws.lake_dir / rel
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / "data.parquet")
    sha = hashlib.sha256((folder / "data.parquet").read_bytes()).hexdigest()
    snap_id = f"{name}@{tag}"
    with ws.engine.begin() as conn:
        if not conn.execute(sa.select(sources.c.name).where(sources.c.name == name)).first():
            conn.execute(sa.insert(sources).values(
                name=name, title=name, department=dept, entity=entity, spec={}, spec_sha256="0" * 64,
                created_at=when, updated_at=when,
            ))
        conn.execute(sa.insert(snapshots).values(
            id=snap_id, source=name, taken_at=when, mode="full", row_count=table.num_rows,
            reject_count=0, sha256=sha, columns=[{"name": f.name, "type": str(f.type)} for f in table.schema],
            path=rel, watermark=None, reject_summary={},
        ))
        # As a sync records it: reads check each snapshot against its ledger entry.
        record(conn, Event(action="source.sync", actor="test", object=f"source:{name}",
                           hashes={"snapshot_sha256": sha}, detail={"snapshot": snap_id, "rows": table.num_rows}))
    return snap_id


def write_raw(county: County, folder: Path) -> dict[str, Path]:
    """The raw rows as Parquet, for oracles that read them with plain DuckDB."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for entity, rows in (("resident", county.residents), ("household", county.households),
                         ("enterprise", county.enterprises), ("village", county.villages)):
        out[entity] = folder / f"{entity}.parquet"
        pq.write_table(_table(rows, entity), out[entity])
    return out

