"""Administrator extensions and the errors of bad catalog files."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from biaotong.catalog import load_catalog
from biaotong.errors import CatalogError


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(dedent(text), encoding="utf-8")
    return root


def element(
    code: str, name: str, alias: str, vt: str = "string", extra: str = "", dept: str = "grassroots"
) -> str:
    """One element entry of an elements file (list item, two-space indented)."""
    lines = [
        f"  - code: {code}",
        f"    name: {name}",
        f"    aliases: [{alias}]",
        f"    value_type: {vt}",
        "    definition: test",
        f"    source_department: {dept}",
    ]
    if extra:
        lines.append(f"    {extra}")
    return "\n".join(lines) + "\n"


def test_extension_adds_and_overrides(tmp_path: Path) -> None:
    ext = write(
        tmp_path / "ext",
        {
            "departments.yaml": """\
            departments:
              - {id: xiangzhen, name: 乡镇政府, aliases: [镇政府]}
              - {id: civil_affairs, name: 民政, aliases: [社会事务办]}
        """,
            "codelists/sex.yaml": """\
            id: sex
            codes:
              - {code: "1", label: 男, aliases: [男士]}
        """,
            "codelists/house_use.yaml": """\
            id: house_use
            name: 房屋用途
            codes:
              - {code: "1", label: 自住}
              - {code: "2", label: 出租}
        """,
            "elements/resident.yaml": """\
            entity: resident
            elements:
              - code: sex
                aliases: [性别男女]
              - code: grid_name
                name: 所属网格
                aliases: [网格, 网格名称]
                value_type: string
                definition: 人员所在网格
                source_department: xiangzhen
                collected: true
        """,
            "elements/household.yaml": """\
            elements:
              - code: house_use
                name: 房屋用途
                aliases: [住房用途]
                value_type: code
                code_list: house_use
                definition: 户的住房用途
                source_department: grassroots
                collected: true
        """,
        },
    )
    cat = load_catalog([ext])
    sex = cat.element("resident", "sex")
    assert "性别男女" in sex.aliases and "性别代码" in sex.aliases  # added to the package's aliases
    assert sex.code_list == "sex" and sex.name == "性别"
    assert cat.code_list("sex").lookup("男士") == "1" and cat.code_list("sex").lookup("男性") == "1"
    assert cat.code_list("sex").label("2") == "女"
    assert cat.element("resident", "grid_name").source_department == "xiangzhen"
    assert cat.find("网格名称")[0].qualified == "resident.grid_name"
    assert cat.code_list("house_use").lookup("出租") == "2"
    assert cat.element("household", "house_use").code_list == "house_use"
    assert cat.department("社会事务办").id == "civil_affairs"
    assert len(cat.elements) == len(load_catalog().elements) + 2
    # the cached package catalog is untouched
    assert not load_catalog().has_element("resident", "grid_name")
    assert load_catalog().code_list("sex").lookup("男士") is None


def test_extension_overrides_a_field(tmp_path: Path) -> None:
    ext = write(
        tmp_path / "ext",
        {
            "elements/resident.yaml": """\
        elements:
          - code: phone
            sensitivity: personal
            source_department: grassroots
            collected: true
    """
        },
    )
    phone = load_catalog([ext]).element("resident", "phone")
    assert (phone.sensitivity, phone.source_department, phone.collected) == ("personal", "grassroots", True)


BAD = [
    pytest.param(
        {"elements/resident.yaml": "elements:\n  - code: x\n   name: [unclosed\n"},
        "elements/resident.yaml",
        None,
        id="malformed-yaml",
    ),
    pytest.param(
        {
            "elements/resident.yaml": "elements:\n"
            + element("x_sex", "性别X", "XX", "code", "code_list: sexx", "public_security")
        },
        "elements/resident.yaml",
        "elements[0].code_list",
        id="unknown-code-list",
    ),
    pytest.param(
        {"elements/resident.yaml": "elements:\n" + element("x_a", "甲", "甲甲", "string", "", "nowhere")},
        "elements/resident.yaml",
        "elements[0].source_department",
        id="unknown-department",
    ),
    pytest.param(
        {
            "elements/resident.yaml": "elements:\n"
            + element("x_a", "甲", "甲甲", "string", "", "grassroots")
            + element("x_a", "乙", "乙乙", "string", "", "grassroots")
        },
        "elements/resident.yaml",
        "elements[1]",
        id="duplicate-element",
    ),
    pytest.param(
        {
            "elements/resident.yaml": "elements:\n  - code: x_b\n    value_type: string\n    definition: d\n"
            "    source_department: grassroots\n    aliases: [b]\n"
        },
        "elements/resident.yaml",
        "elements[0].name",
        id="missing-name",
    ),
    pytest.param(
        {
            "elements/resident.yaml": "elements:\n"
            + element("x_c", "丙", "身份证号", "string", "", "grassroots")
        },
        "elements/resident.yaml",
        "elements[0].aliases",
        id="alias-taken",
    ),
    pytest.param(
        {"elements/resident.yaml": "elements:\n" + element("x_d", "丁", "丁丁", "text", "", "grassroots")},
        "elements/resident.yaml",
        "elements[0].value_type",
        id="bad-value-type",
    ),
    pytest.param(
        {
            "codelists/colour.yaml": "id: colour\nname: 颜色\ncodes:\n  - {code: '1', label: 红}\n"
            "  - {code: '1', label: 绿}\n"
        },
        "codelists/colour.yaml",
        "codes[1].code",
        id="duplicate-code",
    ),
    pytest.param(
        {"codelists/colour.yaml": "id: colour\nname: 颜色\ncodes:\n  - {code: 1, label: 红}\n"},
        "codelists/colour.yaml",
        "codes[0].code",
        id="unquoted-code",
    ),
    pytest.param(
        {
            "codelists/colour.yaml": "id: colour\nname: 颜色\ncodes:\n  - {code: '1', label: 红}\n"
            "  - {code: '2', label: 绿, aliases: [红]}\n"
        },
        "codelists/colour.yaml",
        "codes[1].aliases",
        id="ambiguous-alias",
    ),
    pytest.param(
        {
            "codelists/a.yaml": "id: colour\nname: 颜色\ncodes:\n  - {code: '1', label: 红}\n",
            "codelists/b.yaml": "id: colour\nname: 颜色\ncodes:\n  - {code: '1', label: 红}\n",
        },
        "codelists/b.yaml",
        "id",
        id="duplicate-code-list",
    ),
    pytest.param(
        {"entities.yaml": "entities:\n  - {id: house, name: 房屋, key: house_code}\n"},
        "entities.yaml",
        "entities[0].key",
        id="entity-key-without-element",
    ),
    pytest.param(
        {"elements/house.yaml": "elements:\n" + element("x_e", "戊", "戊戊", "string", "", "grassroots")},
        "elements/house.yaml",
        "entity",
        id="unknown-entity",
    ),
]


@pytest.mark.parametrize(("files", "file", "key"), BAD)
def test_bad_files_name_file_and_key(
    tmp_path: Path, files: dict[str, str], file: str, key: str | None
) -> None:
    ext = write(tmp_path / "ext", files)
    with pytest.raises(CatalogError) as info:
        load_catalog([ext])
    err = info.value
    assert err.where.file == str(ext / file)
    assert err.where.key == key
    assert file in str(err)
    if key:
        assert key in str(err)


def test_malformed_yaml_reports_the_line(tmp_path: Path) -> None:
    ext = write(tmp_path / "ext", {"elements/resident.yaml": "elements:\n  - code: x\n   name: [unclosed\n"})
    with pytest.raises(CatalogError) as info:
        load_catalog([ext])
    assert info.value.where.row is not None


def test_missing_extra_dir(tmp_path: Path) -> None:
    with pytest.raises(CatalogError):
        load_catalog([tmp_path / "nope"])
