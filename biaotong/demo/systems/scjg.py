"""市场监管 市场主体登记: a UTF-8 CSV with unified social credit codes (a few with a wrong check
character), types, industries and statuses in words, registered capital in 万元."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from biaotong.demo import names
from biaotong.demo.arrays import concat, format_dates, take_str
from biaotong.demo.ids import corrupt_uscc, uscc_valid, usccs
from biaotong.demo.orgs import REGION6
from biaotong.demo.people import REF_DATE, rank_within
from biaotong.demo.systems.base import Context, SystemResult, null_where, pick_rows, write_source
from biaotong.demo.writers import write_csv

FILE = "systems/scjg_qy.csv"
TYPES = ["个体工商户", "有限责任公司", "农民专业合作社", "个人独资企业", "合伙企业", "股份有限公司"]
TYPE_W = [0.52, 0.30, 0.09, 0.05, 0.03, 0.01]
KIND_DIGIT = [2, 1, 3, 1, 1, 1]
INDUSTRY = {"A": "农、林、牧、渔业", "B": "采矿业", "C": "制造业", "D": "电力、热力、燃气及水生产和供应业", "E": "建筑业",
            "F": "批发和零售业", "G": "交通运输、仓储和邮政业", "H": "住宿和餐饮业", "I": "信息传输、软件和信息技术服务业",
            "K": "房地产业", "L": "租赁和商务服务业", "M": "科学研究和技术服务业", "O": "居民服务、修理和其他服务业",
            "R": "文化、体育和娱乐业"}
STATUS = ["存续", "在业", "吊销", "注销", "迁出"]
STATUS_W = [0.74, 0.11, 0.05, 0.09, 0.01]


def build(ctx: Context) -> SystemResult:
    pop, tree = ctx.pop, ctx.tree
    rng = ctx.rng(8)
    k = max(10, round(pop.n / 30))
    kind = rng.choice(len(TYPES), size=k, p=np.array(TYPE_W) / sum(TYPE_W))
    codes = usccs(rng, np.array(KIND_DIGIT)[kind], REGION6)
    bad = pick_rows(rng, k, 0.005)
    codes = corrupt_uscc(codes, bad)
    adults = np.flatnonzero(pop.active & (pop.age >= 20) & (pop.age <= 70))
    rep = adults[rng.integers(0, len(adults), k)]
    village = pop.village[rep]
    t_root = np.array([tree.townships[v.township].name for v in tree.villages])[village]
    v_root = np.array([v.root for v in tree.villages])[village]
    shop = rng.integers(0, len(names.SHOP_WORDS), k)
    comp = rng.integers(0, len(names.COMPANY_WORDS), k)
    pre = rng.integers(0, len(names.CO_PREFIXES), k)
    shop_word = take_str([w for w, _ in names.SHOP_WORDS], shop)
    comp_word = take_str([w for w, _ in names.COMPANY_WORDS], comp)
    prefix = take_str(names.CO_PREFIXES, pre)
    rep_name = pop.name.take(pa.array(rep))
    suffix = take_str(["", "有限公司", "专业合作社", "经营部", "中心", "股份有限公司"], kind)
    crop = take_str(["茶叶", "核桃", "生猪", "肉牛", "蔬菜", "中药材", "咖啡", "烤烟"], rng.integers(0, 8, k))
    name = pc.if_else(
        pa.array(kind == 0), concat("青山县", pa.array(t_root), rep_name, shop_word),
        pc.if_else(pa.array(kind == 2), concat("青山县", pa.array(v_root), crop, "种植", suffix),
                   concat("青山县", prefix, comp_word, suffix)))
    again = rank_within(np.unique(name.to_numpy(zero_copy_only=False), return_inverse=True)[1]) > 0
    name = pc.if_else(pa.array(again & (kind != 0)), concat("青山县", pa.array(v_root), prefix, comp_word, suffix), name)
    ind_letter = np.where(kind == 0, np.array([i for _, i in names.SHOP_WORDS])[shop],
                          np.where(kind == 2, "A", np.array([i for _, i in names.COMPANY_WORDS])[comp]))
    est = REF_DATE - (rng.beta(1.2, 3.0, k) * 30 * 365).astype(np.int64)
    status = rng.choice(len(STATUS), size=k, p=np.array(STATUS_W) / sum(STATUS_W))
    dereg = np.minimum(est + rng.integers(200, 4000, k), REF_DATE - 1)
    capital = np.round(np.where(kind == 0, rng.integers(1, 30, k), rng.lognormal(np.log(100), 1.2, k)), 2)
    employees = np.where(kind == 0, rng.integers(1, 6, k), np.minimum(rng.geometric(0.06, k) + 2, 800))
    above = (kind != 0) & (employees >= 60) & (rng.random(k) < 0.5)
    hh_addr = pop.hh_address.take(pa.array(pop.hh[rep]))
    table = pa.table({
        "统一社会信用代码": codes, "企业名称": name, "市场主体类型": take_str(TYPES, kind),
        "法定代表人": rep_name, "法定代表人证件号码": pop.id_number.take(pa.array(rep)),
        "注册资本（万元）": pa.array(capital), "成立日期": format_dates(est, "iso"),
        "登记状态": take_str(STATUS, status), "注销日期": format_dates(dereg, "iso", valid=status == 3),
        "行业门类": pa.array([INDUSTRY[x] for x in ind_letter.tolist()], pa.string()),
        "住所": hh_addr, "所属行政区划代码": pa.array(ctx.village_codes()[village], pa.string()),
        "从业人数": pa.array(employees.astype(np.int64)),
        "是否规上": null_where(pa.array(np.where(above, "是", "否"), pa.string()), kind == 0),
    })
    write_csv(ctx.out_dir / FILE, table)
    src = write_source(ctx, {
        "name": "scjg_enterprises", "title": "市场主体登记信息", "department": "market_regulation",
        "entity": "enterprise", "connection": {"kind": "csv", "path": f"../{FILE}"}, "key": "uscc",
        "columns": {"统一社会信用代码": "uscc", "企业名称": "enterprise_name", "市场主体类型": "enterprise_type",
                    "法定代表人": "legal_rep_name", "法定代表人证件号码": "legal_rep_id_number",
                    "注册资本（万元）": "registered_capital",
                    "成立日期": {"element": "established_date", "date_format": "%Y-%m-%d"},
                    "登记状态": "business_status",
                    "注销日期": {"element": "deregistered_date", "date_format": "%Y-%m-%d"},
                    "行业门类": "industry_category", "住所": "address", "所属行政区划代码": "org_code",
                    "从业人数": "employees", "是否规上": "above_scale"},
        "sync": {"mode": "full"},
    }, "市场监管市场主体登记信息（UTF-8 CSV）。少数统一社会信用代码校验位错误；个体工商户无“是否规上”。")
    return SystemResult(
        id="scjg", title="市场主体登记管理系统", department="market_regulation", kind="csv", files=[FILE],
        tables={"scjg_qy.csv": k}, sources=[src],
        mess={"invalid_uscc": int((~uscc_valid(codes)).sum()), "individual_businesses": int((kind == 0).sum())},
    )
