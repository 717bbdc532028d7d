"""The effective-dated org tree on real SQLite and PostgreSQL: import, as_of, rename, merge, split, rollup,
name resolution, and all-or-nothing errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from textwrap import dedent

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from biaotong.catalog import OrgTree, import_org_tree, level_of_code
from biaotong.errors import BiaotongError, CatalogError, ConfigError
from biaotong.store.schema import org_events, org_units

TREE = """\
units:
  - {code: "530000000000", name: 云南省}
  - {code: "530100000000", name: 昆明市}
  - {code: "530102000000", name: 五华区, parent: "530100000000"}
  - {code: "530102001000", name: 华山街道, aliases: [华山]}
  - {code: "530102002000", name: 护国街道}
  - {code: "530102100000", name: 沙朗乡}
  - {code: "530102001001", name: 红旗社区, parent: "530102001000"}
  - {code: "530102001002", name: 东风社区}
  - {code: "530102002001", name: 护国社区}
  - {code: 530102100001, name: 桃园村}
  - {code: "530102100002", name: 沙朗村}
  - {code: "530102100003", name: 东村村}
  - {code: "530102100005", name: 红旗村, level: village}
events:
  - {kind: merge, date: 2022-01-01, units: ["530102100002", "530102100003"], into: "530102100004", name: 沙朗东村}
  - {kind: rename, date: 2021-06-01, code: "530102001002", name: 东风路社区}
  - kind: split
    date: 2023-01-01
    unit: "530102001001"
    into: [{code: "530102001005", name: 红旗东社区}, {code: "530102001006", name: 红旗西社区}]
  - {kind: merge, date: 2024-01-01, units: ["530102002000"], into: "530102001000"}
"""
TODAY = date(2025, 6, 30)
ORIGINAL_VILLAGES = {
    "530102001001",
    "530102001002",
    "530102002001",
    "530102100001",
    "530102100002",
    "530102100003",
    "530102100005",
}


def _write(tmp_path: Path, text: str, name: str = "org.yaml") -> Path:
    path = tmp_path / name
    path.write_text(dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def tree(store_engine: Engine, tmp_path: Path) -> OrgTree:
    with store_engine.begin() as conn:
        result = import_org_tree(conn, _write(tmp_path, TREE))
    assert result.events_applied == 4 and result.units_added > 13
    return OrgTree.load(store_engine, on=TODAY)


def codes(units: list) -> set[str]:
    return {u.code for u in units}


def test_level_of_code() -> None:
    assert level_of_code("530000000000") == "province"
    assert level_of_code("530100000000") == "city"
    assert level_of_code("530102000000") == "county"
    assert level_of_code("530102001000") == "township"
    assert level_of_code("530102001001") == "village"
    for bad in (
        "53010200100",
        "5301020010011",
        "53010200100a",
        "000000000000",
        "530002000000",
        "530102000001",
    ):
        assert level_of_code(bad) is None, bad


def test_as_of_before_and_after_events(tree: OrgTree) -> None:
    assert codes(tree.as_of(date(2020, 1, 1), "village")) == ORIGINAL_VILLAGES
    assert codes(tree.as_of(level="village")) == {
        "530102001002",
        "530102002001",
        "530102100001",
        "530102100004",
        "530102100005",
        "530102001005",
        "530102001006",
    }
    assert codes(tree.as_of(TODAY, "township")) == {"530102001000", "530102100000"}
    assert tree.get("530102000000").parent == "530100000000"
    assert tree.get("530102100001").parent == "530102100000"  # implied by the code prefix
    assert tree.get("530102100005").level == "village"
    with pytest.raises(CatalogError):
        tree.get("530102100002")  # merged away
    with pytest.raises(CatalogError):
        tree.get("530102999999")


def test_rename_keeps_code_and_old_name_as_alias(tree: OrgTree) -> None:
    assert tree.get("530102001002", date(2021, 5, 31)).name == "东风社区"
    renamed = tree.get("530102001002")
    assert renamed.name == "东风路社区" and "东风社区" in renamed.aliases
    assert renamed.valid_from == date(2021, 6, 1)
    assert [v.name for v in tree.versions("530102001002")] == ["东风社区", "东风路社区"]
    assert tree.name_of("530102100002") == "沙朗村"  # the last name of a dissolved unit


def test_merge_sets_successor_and_rollup(tree: OrgTree) -> None:
    old = tree.versions("530102100002")[-1]
    assert old.valid_to == date(2022, 1, 1) and old.successor == "530102100004"
    assert tree.get("530102100004").name == "沙朗东村"
    assert tree.get("530102100004").parent == "530102100000"
    assert tree.rollup("530102100002") == "530102100004"  # a report for today
    assert tree.rollup("530102100003", date(2021, 12, 31)) == "530102100003"  # a report for the past
    assert tree.rollup("530102100004", date(2021, 12, 31)) is None  # did not exist yet
    assert tree.rollup("530102100001") == "530102100001"
    assert tree.rollup("999999999999") is None
    assert tree.rollup_map(["530102100002", "530102100003", "530102100001"]) == {
        "530102100002": "530102100004",
        "530102100003": "530102100004",
        "530102100001": "530102100001",
    }


def test_split_and_chained_rollup(tree: OrgTree) -> None:
    gone = tree.versions("530102001001")[-1]
    assert gone.valid_to == date(2023, 1, 1) and gone.successor == "530102001005"  # the first new unit
    assert tree.get("530102001006").parent == "530102001000"
    assert tree.rollup("530102001001") == "530102001005"
    assert tree.rollup("530102001001", date(2022, 12, 31)) == "530102001001"


def test_township_merge_moves_villages(tree: OrgTree) -> None:
    huashan = "530102001000"
    assert "530102002001" not in codes(tree.descendants(huashan, "village", date(2023, 6, 1)))
    assert codes(tree.descendants(huashan, "village")) == {
        "530102001002",
        "530102001005",
        "530102001006",
        "530102002001",
    }
    assert tree.get("530102002001").parent == huashan
    assert tree.get("530102002001", date(2023, 6, 1)).parent == "530102002000"
    assert tree.rollup("530102002000") == huashan
    county = codes(tree.descendants("530102000000", "village"))
    assert len(county) == 7
    assert codes(tree.descendants("530102001005", "village", include_self=True)) == {"530102001005"}
    assert [u.code for u in tree.ancestors("530102002001")] == [
        huashan,
        "530102000000",
        "530100000000",
        "530000000000",
    ]
    assert [u.code for u in tree.roots()] == ["530000000000"]


def test_resolve_name(tree: OrgTree) -> None:
    assert tree.resolve_name("红旗东社区") == ("530102001005", 100.0)
    assert tree.resolve_name("红旗东社区居委会") == ("530102001005", 92.0)  # without the suffixes
    assert tree.resolve_name(" 桃园村民委员会 ") == ("530102100001", 92.0)
    assert tree.resolve_name("东风社区") == ("530102001002", 97.0)  # the old name is an alias
    assert tree.resolve_name("华山", level="township") == ("530102001000", 97.0)
    code, score = tree.resolve_name("红旗东区") or ("", 0.0)  # fuzzy
    assert code == "530102001005" and 85 <= score < 92
    assert tree.resolve_name("完全不存在的村") is None
    # the same base name in two townships: ambiguous without a parent, resolved with one
    assert tree.resolve_name("红旗", on=date(2020, 1, 1)) is None
    assert tree.resolve_name("红旗", "沙朗乡", on=date(2020, 1, 1)) == ("530102100005", 92.0)
    assert tree.resolve_name("红旗", "530102001000", on=date(2020, 1, 1)) == ("530102001001", 92.0)
    assert tree.resolve_name("红旗村", "沙朗乡") == ("530102100005", 100.0)
    # a village merged away resolves (with a lower score) to its old code; rollup finds its successor
    code, score = tree.resolve_name("沙朗村", "沙朗乡") or ("", 0.0)
    assert code == "530102100002" and score == 95.0 and tree.rollup(code) == "530102100004"
    assert tree.resolve_name("护国社区", "不存在的镇") is None


def test_resolve_names_distinct_pairs(tree: OrgTree) -> None:
    pairs = [
        ("沙朗乡", "桃园村"),
        ("沙朗乡", "桃园村"),
        ("华山街道", "东风路社区"),
        (None, "红旗西"),
        ("沙朗乡", "火星村"),
    ]
    got = tree.resolve_names(pairs)
    assert got == {
        ("沙朗乡", "桃园村"): ("530102100001", 100.0),
        ("华山街道", "东风路社区"): ("530102001002", 100.0),
        (None, "红旗西"): ("530102001006", 92.0),
        ("沙朗乡", "火星村"): None,
    }


def test_reimport_is_idempotent_and_events_are_recorded(
    store_engine: Engine, tree: OrgTree, tmp_path: Path
) -> None:
    with store_engine.connect() as conn:
        rows = conn.execute(sa.select(sa.func.count()).select_from(org_units)).scalar_one()
        events = (
            conn.execute(sa.select(org_events.c.kind).order_by(org_events.c.effective_date)).scalars().all()
        )
    assert events == ["rename", "merge", "split", "merge"]
    with store_engine.begin() as conn:
        again = import_org_tree(conn, _write(tmp_path, TREE, "again.yaml"))
    assert (again.units_added, again.events_applied, again.events_skipped) == (0, 0, 4)
    with store_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(org_units)).scalar_one() == rows
    # a later file with only an event, applied on top of the stored tree
    later = _write(
        tmp_path,
        """\
        events:
          - {kind: rename, date: 2025-01-01, code: "530102100001", name: 桃源村}
    """,
        "later.yaml",
    )
    with store_engine.begin() as conn:
        assert import_org_tree(conn, later).events_applied == 1
    t = OrgTree.load(store_engine, on=TODAY)
    assert t.get("530102100001").name == "桃源村" and t.resolve_name("桃园村") == ("530102100001", 97.0)


BAD = [
    pytest.param("units:\n  - {code: '5301', name: 甲\n", None, ConfigError, id="malformed"),
    pytest.param(
        "units:\n  - {code: '53010200100', name: 甲}\n", "units[0].code", ConfigError, id="short-code"
    ),
    pytest.param("units:\n  - {code: '530102001001'}\n", "units[0].name", ConfigError, id="missing-name"),
    pytest.param(
        "units:\n  - {code: '530102001001', name: 甲, level: township}\n",
        "units[0].level",
        CatalogError,
        id="level-mismatch",
    ),
    pytest.param(
        "units:\n  - {code: '530000000000', name: 云南省}\n  - {code: '520102001001', name: 甲, parent: '530000000000'}\n",
        "units[1].parent",
        CatalogError,
        id="parent-prefix",
    ),
    pytest.param(
        "units:\n  - {code: '530102001001', name: 甲, parent: '530102001000'}\n",
        "units[0].parent",
        CatalogError,
        id="unknown-parent",
    ),
    pytest.param(
        "units:\n  - {code: '530000000000', name: 云南省}\nevents:\n  - {kind: rename, date: 2021-01-01, code: '530100000000', name: 乙}\n",
        "events[0].code",
        CatalogError,
        id="event-unknown-unit",
    ),
    pytest.param(
        "units:\n  - {code: '530000000000', name: 云南省}\nevents:\n  - {kind: annex, date: 2021-01-01}\n",
        "events[0]",
        ConfigError,
        id="unknown-event-kind",
    ),
    pytest.param(
        "units:\n  - {code: '530100000000', name: 昆明市}\nevents:\n"
        "  - {kind: merge, date: 2021-01-01, units: ['530100000000'], into: '530200000000'}\n",
        "events[0].name",
        CatalogError,
        id="merge-new-unit-needs-name",
    ),
]


@pytest.mark.parametrize(("text", "key", "kind"), BAD)
def test_bad_files_write_nothing(
    store_engine: Engine, tmp_path: Path, text: str, key: str | None, kind: type[BiaotongError]
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(kind) as info, store_engine.begin() as conn:
        import_org_tree(conn, path)
    assert info.value.where.file == str(path)
    if key is not None:
        assert info.value.where.key is not None and info.value.where.key.startswith(key)
    with store_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(org_units)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(org_events)).scalar_one() == 0
