"""What a new user writes, from docs/catalog.md and docs/sources.md alone, to configure 清溪县.

The org tree is the county's own division code list in the documented YAML (with the 2024 rename of 平寨乡);
each department system gets the source YAML the docs describe. Where the docs offer a feature the system
needs (a `select:` to cut the ID out of a certificate number), the spec uses it only if the docs say so.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .world import CITY, COUNTY, PROVINCE, TOWNSHIPS


def write_org(world, folder: Path) -> Path:
    units = [{"code": PROVINCE[0], "name": PROVINCE[1], "level": "province"},
             {"code": CITY[0], "name": CITY[1], "level": "city", "parent": PROVINCE[0]},
             {"code": COUNTY[0], "name": COUNTY[1], "level": "county", "parent": CITY[0]}]
    events = []
    for tcode, tname, old, villages in TOWNSHIPS:
        units.append({"code": tcode, "name": old or tname, "level": "township", "parent": COUNTY[0]})
        if old:
            events.append({"kind": "rename", "date": "2024-01-01", "code": tcode, "name": tname})
        for vcode, vname in villages:
            units.append({"code": vcode, "name": vname, "level": "village", "parent": tcode})
    path = folder / "org.yaml"
    path.write_text(yaml.safe_dump({"units": units, "events": events}, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


def _date(col: str, element: str) -> tuple[str, dict]:
    return col, {"element": element, "date_format": "auto"}


def _specs(files: dict[str, Path], docs: str) -> list[dict]:
    has_select = "select:" in docs
    one_to_many = "column: 救助类型" in docs  # docs/sources.md's way to keep 城市/农村 of 城市低保 / 农村低保
    auto_header = "header spanning" in docs  # docs/sources.md: a two-row merged header is found by itself
    cert_date = "disability_cert_issue_date" in docs  # docs/sources.md, docs/catalog.md: the 发证日期 element
    gaj = {"name": "gaj_hjrk", "title": "公安户籍人口信息系统", "department": "公安局", "entity": "resident",
           "connection": {"kind": "sqlite", "url": f"sqlite:///{files['gaj']}"}, "table": "T_HJRK",
           "columns": dict([("GMSFZH", "id_number"), ("XM", "name"), ("XB", "sex"), ("MZ", "ethnicity"),
                            _date("CSRQ", "birth_date"), ("XZQH", "org_code"), ("HH", "household_id"),
                            ("YHZGX", "relationship"), _date("HJDJRQ", "registered_date"),
                            _date("SWRQ", "death_date"), _date("ZXRQ", "deregistered_date")]),
           "sync": {"mode": "incremental", "updated_at": "GXSJ"}}
    mz = {"name": "mz_shjz", "title": "社会救助信息系统", "department": "民政局", "entity": "resident",
          "connection": {"kind": "json", "path": str(files["mz"]), "records": "data.list"},
          "columns": dict([("sfzh", "id_number"), ("xm", "name"), ("xb", "sex"), ("jzlx", "assistance_category"),
                           *([("城乡", {"element": "hukou_type", "column": "jzlx",
                                        "codes": {"城市低保": "2", "农村低保": "1"}})] if one_to_many else []),
                           ("gyfs", "support_mode"), ("yzbje", "assistance_amount"),
                           _date("nbsj", "assistance_start_date"), _date("tbsj", "assistance_end_date"),
                           ("cjmc", {"element": "org_code", "org_by_name": True, "parent_column": "xzjd"})]),
          "sync": {"mode": "full"}}
    cl_columns = {"姓名": "name", "性别": "sex", "残疾人证号": "disability_cert_no", "残疾类别": "disability_category",
                  "残疾等级": "disability_grade",
                  **dict([_date("发证日期", "disability_cert_issue_date")] if cert_date else [])}
    cl = {"name": "cl_cjr", "title": "残疾人证管理系统", "department": "残联", "entity": "resident",
          "connection": {"kind": "csv", "path": str(files["cl"]), "encoding": "gbk"},
          "columns": {**cl_columns, "户籍地址": "address"}, "sync": {"mode": "full"}}
    if has_select:  # docs/sources.md: derived columns, and places read from address text
        cl["select"] = {"身份证号": "substr(残疾人证号, 1, 18)"}
        cl["columns"] = {"身份证号": "id_number", **cl_columns,
                         "户籍地址": {"element": "org_code", "org_by_name": True, "address": True}}
    rs = {"name": "rs_cxjmyl", "title": "城乡居民养老保险系统", "department": "人社局", "entity": "resident",
          "connection": {"kind": "xlsx", "path": str(files["rs"]), "sheet": "参保人员",
                         **({} if auto_header else {"header_row": 3})},
          "columns": dict([("身份证号码", "id_number"), ("姓名", "name"), ("性别", "sex"),
                           ("参保状态", "pension_status"), _date("参保时间", "pension_insured_date"),
                           ("缴费档次（元）", "pension_contribution_grade"),
                           ("月养老金（元）", "pension_monthly_benefit")]),
          "sync": {"mode": "full"}}
    wj = {"name": "wj_jtys", "title": "家庭医生签约服务系统", "department": "卫健委", "entity": "resident",
          "connection": {"kind": "sqlite", "url": f"sqlite:///{files['wj']}"}, "table": "JTYS_QYXX",
          "columns": dict([("ZJHM", "id_number"), ("XM", "name"), ("JKDAH", "health_record_no"),
                           ("QYZT", "family_doctor_signed"), _date("QYRQ", "family_doctor_sign_date"),
                           ("GXYBZ", "hypertension"), ("TNBBZ", "diabetes"),
                           ("SSCWH", {"element": "org_code", "org_by_name": True, "parent_column": "SSXZ"})]),
          "sync": {"mode": "full"}}
    ty = {"name": "ty_yfdx", "title": "退役军人信息采集", "department": "退役军人事务局", "entity": "resident",
          "connection": {"kind": "csv", "path": str(files["ty"]), "encoding": "utf-8"},
          "columns": dict([("公民身份号码", "id_number"), ("姓名", "name"), ("性别", "sex"),
                           ("优抚对象类别", "veteran_type"), _date("入伍年月", "enlist_date"),
                           _date("退伍年月", "discharge_date"),
                           ("村（社区）", {"element": "org_code", "org_by_name": True,
                                         "parent_column": "乡镇（街道）"})]),
          "sync": {"mode": "full"}}
    return [gaj, mz, cl, rs, wj, ty]


def write_sources(world, folder: Path, docs: str) -> list[Path]:
    paths = []
    for spec in _specs(world.files, docs):
        path = folder / f"{spec['name']}.yaml"
        path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths
