"""Shared checks of the abstention tests: a refused column says why and keeps what it would have written."""

from __future__ import annotations

from biaotong.forms.match import Proposal
from biaotong.forms.sketch import SketchOptions

PLAIN = SketchOptions(meta_line="填表单位：                    填表日期：    年  月  日")


def refused(p: Proposal, word: str, runner_up: str) -> None:
    assert p.kind == "unmapped" and p.target is None and p.expression is None, (p.title, p.kind, p.target)
    assert p.reason.startswith("证据不足：") and f"「{word}」" in p.reason, p.reason
    assert p.candidates[0].id == runner_up, p.candidates  # what it would have written: one step to take it
