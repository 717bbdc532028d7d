"""A note that defines the parent measure itself (参保人数指……仍未终止参保关系的人员) under a 合计 column: the
library's measure of that name, its own status condition replaced by the note's, its period dates kept —
never another population that merely contains the words (应参保人数). Real .xlsx written and read back."""

from __future__ import annotations

import pytest

from biaotong.forms import read_form_bytes
from biaotong.forms.compose import conjuncts
from biaotong.forms.match import Matcher, Proposal
from biaotong.forms.sketch import SketchOptions, sketch_form
from biaotong.forms.vocab import load_vocabulary


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_vocabulary())


def _props(matcher: Matcher, notes: str) -> dict[str, Proposal]:
    form = sketch_form("2025年3月居民养老保险参保统计表", ["乡镇", ("参保人数(人)", ["合计", "缴费人数"])],
                       rows=["合计", "东坡镇"], options=SketchOptions(footer=notes))
    return {p.column: p for p in matcher.match(read_form_bytes(form, file="参保.xlsx"))}


def test_the_notes_definition_replaces_the_measures_own_status_condition(matcher: Matcher) -> None:
    got = _props(matcher, "说明：参保人数指截至期末仍未终止参保关系的人员，含暂停缴费人员。")
    b = got["B"]
    assert b.target == "pension_insured"  # not pension_eligible (应参保人数)
    terms = conjuncts(str((b.expression or {}).get("filter")))
    assert "(pension_insured_date is null or before_period_end(pension_insured_date))" in terms
    assert "pension_status <> '终止'" in terms
    assert not any("in ('参保缴费'" in t for t in terms)  # the library's own status list is gone
    assert got["C"].target == "pension_paying"


def test_conjuncts_keep_parentheses_and_quoted_words_whole() -> None:
    assert conjuncts("a = 'x and y' AND (b or c and d) and e is null") == ["a = 'x and y'", "(b or c and d)",
                                                                            "e is null"]
