"""The fictional county's org tree: 云岭省 › 彩云市 › 青山县 › 13 townships › ~150 villages and communities.

Codes follow the statistical division code convention (GB/T 10114 practice): 2 province, 2 city,
2 county, 3 township (街道 001–099, 镇 100–199, 乡 200–399), 3 village (社区 001–199, 村 200–399).
History: on 2024-01-01 two villages of 杨柳镇 were merged into a new one, and 大坪乡 became 大坪镇.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from biaotong.demo.names import COMMUNITY_ROOTS, TOWNSHIPS, VILLAGE_ROOTS

PROVINCE = ("530000000000", "云岭省")
CITY = ("530900000000", "彩云市")
COUNTY = ("530927000000", "青山县")
REGION6 = "530927"
MERGE_DATE = date(2024, 1, 1)
RENAME_DATE = date(2024, 1, 1)
# The merge: these two roots in 杨柳镇 become MERGED_ROOT.
MERGED_FROM = ("大营", "小营")
MERGED_ROOT = "双营"
RENAMED = ("大坪乡", "大坪镇")
# Two village names that exist in two townships, as real counties have: resolve with the parent.
DUPLICATE_ROOT = "中心"


@dataclass
class Village:
    code: str
    name: str
    root: str
    township: int  # index into County.townships
    community: bool  # 社区 (urban) or 村 (rural)
    groups: int  # 村民小组 / 居民小组
    aliases: list[str]
    valid_to: date | None = None  # set for units merged away
    valid_from: date | None = None  # set for units created by a merge


@dataclass
class Township:
    code: str
    name: str
    root: str
    kind: str  # 街道 / 镇 / 乡 / 彝族乡 …
    minority: str
    aliases: list[str]
    old_name: str | None = None  # before a rename


@dataclass
class OrgTree:
    townships: list[Township]
    villages: list[Village]  # all units ever, including merged-away ones
    events: list[dict[str, Any]] = field(default_factory=list)

    def current_villages(self) -> list[int]:
        """Indices of villages alive on the demo's reference date."""
        return [i for i, v in enumerate(self.villages) if v.valid_to is None]


def _village_aliases(root: str, community: bool) -> list[str]:
    if community:
        return [f"{root}社区居委会", f"{root}社区居民委员会", f"{root}居委会"]
    return [f"{root}村委会", f"{root}村民委员会", f"{root}村委"]


def _township_aliases(root: str, kind: str) -> list[str]:
    if kind == "街道":
        return [f"{root}街道办事处", f"{root}街道办"]
    full = f"{root}{kind}"
    aliases = [f"{full}人民政府", root]
    if kind.endswith("族乡"):
        aliases.insert(0, f"{root}乡")
    return aliases


def build_org_tree(seed: int) -> OrgTree:
    rng = np.random.default_rng([seed, 1])
    roots = [r for r in VILLAGE_ROOTS if r not in (*MERGED_FROM, MERGED_ROOT, DUPLICATE_ROOT, *COMMUNITY_ROOTS)]
    order = rng.permutation(len(roots))
    pool = [roots[i] for i in order]
    comm_pool = list(COMMUNITY_ROOTS)
    townships: list[Township] = []
    villages: list[Village] = []
    n_jd = n_zhen = n_xiang = 0
    for t_index, (root, kind, minority) in enumerate(TOWNSHIPS):
        if kind == "街道":
            n_jd += 1
            tcode = f"{REGION6}{n_jd:03d}"
            n_comm, n_vil = 6 + int(rng.integers(0, 3)), int(rng.integers(1, 3))
        elif kind == "镇":
            n_zhen += 1
            tcode = f"{REGION6}{100 + n_zhen:03d}"
            n_comm, n_vil = int(rng.integers(1, 3)), 10 + int(rng.integers(0, 4))
        else:
            n_xiang += 1
            tcode = f"{REGION6}{200 + n_xiang:03d}"
            n_comm, n_vil = 0, 9 + int(rng.integers(0, 3))
        name = f"{root}{kind}"
        t = Township(tcode, name, root, kind, minority, _township_aliases(root, kind))
        if name == RENAMED[0]:
            t.name, t.old_name, t.kind = RENAMED[1], RENAMED[0], "镇"
            t.aliases = [*_township_aliases(root, "镇"), RENAMED[0], f"{RENAMED[0]}人民政府"]
        townships.append(t)
        for c in range(n_comm):
            # the seat of a 镇 has one community named after the township
            croot = comm_pool.pop(0) if kind == "街道" or c else root
            villages.append(
                Village(f"{tcode}{c + 1:03d}", f"{croot}社区", croot, t_index, True,
                        int(rng.integers(4, 12)), _village_aliases(croot, True))
            )
        for v in range(n_vil):
            vroot = pool.pop(0)
            villages.append(
                Village(f"{tcode}{201 + v:03d}", f"{vroot}村", vroot, t_index, False,
                        int(rng.integers(5, 18)), _village_aliases(vroot, False))
            )
    # One village name used in two townships, as real counties have: resolve it with the parent.
    rural = [i for i, v in enumerate(villages) if not v.community and townships[v.township].kind == "镇"]
    for i in (rural[4], rural[-5]):
        villages[i].root, villages[i].name = DUPLICATE_ROOT, f"{DUPLICATE_ROOT}村"
        villages[i].aliases = _village_aliases(DUPLICATE_ROOT, False)

    # The merge in 杨柳镇: two old villages (ended 2023-12-31) and the new one.
    t_index = next(i for i, t in enumerate(townships) if t.root == "杨柳")
    tcode = townships[t_index].code
    last = max(int(v.code[9:]) for v in villages if v.township == t_index)
    a = Village(f"{tcode}{last + 1:03d}", f"{MERGED_FROM[0]}村", MERGED_FROM[0], t_index, False, 9,
                _village_aliases(MERGED_FROM[0], False), valid_to=MERGE_DATE)
    b = Village(f"{tcode}{last + 2:03d}", f"{MERGED_FROM[1]}村", MERGED_FROM[1], t_index, False, 6,
                _village_aliases(MERGED_FROM[1], False), valid_to=MERGE_DATE)
    c = Village(f"{tcode}{last + 3:03d}", f"{MERGED_ROOT}村", MERGED_ROOT, t_index, False, 15,
                _village_aliases(MERGED_ROOT, False), valid_from=MERGE_DATE)
    villages += [a, b, c]
    renamed = next(t for t in townships if t.old_name)
    events: list[dict[str, Any]] = [
        {"kind": "merge", "date": MERGE_DATE, "from": [a.code, b.code], "into": c.code},
        {"kind": "rename", "date": RENAME_DATE, "code": renamed.code, "old_name": renamed.old_name,
         "new_name": renamed.name},
    ]
    return OrgTree(townships, villages, events)


def org_tree_document(tree: OrgTree) -> dict[str, Any]:
    """The org tree in the YAML shape `biaotong.catalog.orgimport` reads: units as they were first, then the
    events (the merged village is created by its merge event; the renamed township is listed by its old name)."""
    units: list[dict[str, Any]] = [
        {"code": PROVINCE[0], "name": PROVINCE[1], "level": "province", "aliases": ["云岭"]},
        {"code": CITY[0], "name": CITY[1], "level": "city", "parent": PROVINCE[0], "aliases": ["彩云"]},
        {"code": COUNTY[0], "name": COUNTY[1], "level": "county", "parent": CITY[0], "aliases": ["青山"]},
    ]
    for t in tree.townships:
        name = t.old_name or t.name
        aliases = [a for a in t.aliases if a != name] if t.old_name is None else _township_aliases(t.root, "乡")
        units.append({"code": f"{t.code}000", "name": name, "level": "township", "parent": COUNTY[0],
                      "aliases": aliases})
    for v in tree.villages:
        if v.valid_from is None:
            units.append({"code": v.code, "name": v.name, "level": "village",
                          "parent": f"{tree.townships[v.township].code}000", "aliases": list(v.aliases)})
    events: list[dict[str, Any]] = []
    for e in tree.events:
        if e["kind"] == "merge":
            new = next(v for v in tree.villages if v.code == e["into"])
            events.append({"kind": "merge", "date": e["date"], "units": list(e["from"]), "into": e["into"],
                           "name": new.name, "aliases": list(new.aliases)})
        else:
            t = next(t for t in tree.townships if t.code == e["code"])
            events.append({"kind": "rename", "date": e["date"], "code": f"{t.code}000", "name": t.name,
                           "aliases": _township_aliases(t.root, "镇")[:1]})
    return {"units": units, "events": events}


def write_org_tree(tree: OrgTree, path: Path) -> None:
    text = yaml.safe_dump(org_tree_document(tree), allow_unicode=True, sort_keys=False, width=120)
    head = ("# 青山县演示行政区划（虚构）：云岭省 › 彩云市 › 青山县 › 乡镇（街道） › 村（社区），12 位统计用区划代码。\n"
            "# 2024-01-01：杨柳镇大营村、小营村合并设立双营村；撤销大坪乡，设立大坪镇（代码不变）。\n")
    path.write_text(head + text,
                    encoding="utf-8")
