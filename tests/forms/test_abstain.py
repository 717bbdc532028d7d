"""Abstaining (biaotong.forms.abstain): no number is written into a column unless the evidence is strong;
a note / signature / contact / free-text header never takes one; an abstention says why and keeps what it
would have written as its first runner-up. Real .xlsx files written and read back through the importer;
calibration checked on the TUNING half of the unseen-form corpus only."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from biaotong.forms import read_form
from biaotong.forms.abstain import EVIDENCE, review
from biaotong.forms.match import Matcher, Proposal
from biaotong.forms.sketch import sketch_form
from tests.forms.corpus.judge import WRITES, Judge
from tests.forms.corpus.render import corpus


def _dibao_form(path: Path) -> Path:
    """A 统计报表 as a township draws it: 表号 block, title, split 填报单位 line, two header rows, notes, footer."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["H1"] = "表    号：民统3表\n制定机关：县民政局"
    ws.merge_cells("H1:J1")
    ws["A2"] = "城乡最低生活保障对象统计表"
    ws.merge_cells("A2:J2")
    ws["A3"] = "填报单位（盖章）："
    ws.merge_cells("A3:C3")
    ws["D3"] = "统计时点：2025年6月30日"
    ws.merge_cells("D3:G3")
    ws["H3"] = "单位：户、人"
    ws.merge_cells("H3:J3")
    heads = ["村（社区）", "低保户数", "低保人数", "低保人数说明", "低保金发放情况", "联系人", "联系电话",
             "是否低保户", "填表人签字", "备注"]
    for col, text in enumerate(heads, start=1):
        ws.cell(4, col, text)
        ws.merge_cells(start_row=4, start_column=col, end_row=5, end_column=col)
    for r, name in enumerate(["合计", "石门社区", "新庄村"], start=6):
        ws.cell(r, 1, name)
    ws["A10"] = "填表说明：本表统计截至报告期末在保的低保对象。"
    ws.merge_cells("A10:J10")
    ws["A11"] = "单位负责人：        统计负责人：        填表人：        报出日期："
    ws.merge_cells("A11:J11")
    out = path / "低保对象统计表.xlsx"
    wb.save(out)
    return out


@pytest.fixture(scope="module")
def dibao(matcher: Matcher, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Proposal]:
    layout = read_form(_dibao_form(tmp_path_factory.mktemp("abstain")))
    assert layout.kind == "aggregate"
    return {p.name: p for p in matcher.match(layout)}


def test_counts_are_still_proposed(dibao: dict[str, Proposal]) -> None:
    assert (dibao["低保户数"].kind, dibao["低保户数"].target) == ("indicator", "dibao_households")
    assert (dibao["低保人数"].kind, dibao["低保人数"].target) == ("indicator", "dibao_persons")
    assert dibao["低保户数"].confidence >= EVIDENCE


@pytest.mark.parametrize("name", ["低保人数说明", "低保金发放情况", "联系人", "联系电话", "是否低保户", "填表人签字",
                                  "备注"])
def test_note_signature_contact_and_free_text_headers_take_no_number(dibao: dict[str, Proposal], name: str) -> None:
    p = dibao[name]
    assert p.kind == "unmapped" and p.target is None and p.expression is None
    assert p.reason.startswith("证据不足："), p.reason
    assert p.candidates, "the best candidate stays listed so a designer can pick it in one step"


def test_an_abstention_keeps_what_it_would_have_written_as_runner_up(dibao: dict[str, Proposal]) -> None:
    # 低保人数说明 names 低保人数 closely enough to be matched; the header word 说明 says it is a remark
    p = dibao["低保人数说明"]
    assert p.candidates[0].id == "dibao_persons" and p.candidates[0].score >= EVIDENCE
    assert "备注/说明" in p.reason and "低保人数" in p.reason
    assert p.candidates[0].reason  # the reason it had is kept with the candidate
    data = p.to_json()
    assert data["kind"] == "unmapped" and data["candidates"][0]["id"] == "dibao_persons"


def test_weak_evidence_abstains_and_strong_evidence_is_kept(matcher: Matcher, tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    path.write_bytes(sketch_form("低保对象统计表", ["村（社区）", "低保户数", "低保人数"]))
    layout = read_form(path)
    leaf = next(leaf for leaf in layout.leaves if leaf.name == "低保户数")
    strong = next(p for p in matcher.match(layout) if p.key == leaf.key)
    assert strong.kind in WRITES and strong.confidence >= EVIDENCE
    assert review(strong, leaf, layout.kind, matcher.vocab).kind in WRITES
    weak = Proposal(leaf.key, leaf.column, leaf.title, leaf.name, None, "indicator", target="dibao_households",
                    confidence=EVIDENCE - 0.01, reason="与指标「低保户数」相符")
    review(weak, leaf, layout.kind, matcher.vocab)
    assert weak.kind == "unmapped" and weak.reason.startswith("证据不足：最接近的「低保户数」相似度")
    assert (weak.candidates[0].kind, weak.candidates[0].id) == ("indicator", "dibao_households")


def test_a_rate_of_an_abstained_column_abstains(matcher: Matcher, tmp_path: Path) -> None:
    path = tmp_path / "rate.xlsx"
    path.write_bytes(sketch_form("家庭医生签约服务情况表", ["村（社区）", "户籍人口数", "签约情况说明", "签约率(%)"]))
    props = {p.name: p for p in matcher.match(read_form(path))}
    assert props["签约情况说明"].kind == "unmapped"
    rate = props["签约率"]
    refs = (rate.expression or {}).get("ratio", [])
    assert not any(isinstance(r, str) and r == f"@{props['签约情况说明'].column}" for r in refs)


def test_a_roster_keeps_its_names_and_phones_but_not_its_notes(matcher: Matcher, tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(sketch_form("低保对象花名册", ["序号", "姓名", "身份证号", "联系电话", "备注"]))
    layout = read_form(path)
    assert layout.kind == "roster"
    props = {p.name: p for p in matcher.match(layout)}
    assert (props["姓名"].kind, props["姓名"].target) == ("element", "resident.name")
    assert (props["联系电话"].kind, props["联系电话"].target) == ("element", "resident.phone")
    assert props["备注"].kind == "unmapped" and props["备注"].reason.startswith("证据不足：")


def test_calibration_on_the_tuning_half(matcher: Matcher, tmp_path: Path) -> None:
    """The threshold's margins, on the tuning half only: every right written proposal is above it, every
    column whose truth is unmapped is written by none and its best candidate is well below it."""
    judge = Judge(matcher)
    right_writes: list[float] = []
    unmapped_best: list[float] = []
    forms = 0
    for path, truth in corpus(tmp_path, "tuning", variants=1):
        assert truth["split"] == "tuning"
        forms += 1
        verdict = judge.judge_file(path, truth)
        assert verdict.wrongly_filled == 0, (truth["form_id"], [v.column for v in verdict.leaves if v.wrongly_filled])
        props = {(p.cell or p.column): p for p in matcher.match(read_form(path))}
        for t, v in zip(truth["leaves"], verdict.leaves, strict=True):
            p = props.get(t.get("cell") or t["column"])
            if p is None:
                continue
            if p.kind in WRITES and v.right:
                right_writes.append(p.confidence)
            if t["truth"] == "unmapped" and p.candidates:
                unmapped_best.append(p.candidates[0].score)
                assert p.reason.startswith("证据不足："), (truth["form_id"], t["path"], p.reason)
    assert forms >= 35 and right_writes and unmapped_best
    assert min(right_writes) >= EVIDENCE + 0.01
    assert max(unmapped_best) <= EVIDENCE - 0.05
