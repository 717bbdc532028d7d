"""Reading unseen forms: every arrangement the corpus renderer draws (tuning half only) is read right —
sheet, layout, label columns, header rows, reference date. The held-back half is measured by
bench/forms_layout_bench.py and never tested or tuned on here."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.forms_layout_bench import judge
from tests.forms.corpus.render import corpus, load_defs, render_form


@pytest.fixture(scope="module")
def tuning(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, dict]]:
    return corpus(tmp_path_factory.mktemp("corpus"), "tuning", variants=3, seed=11)


def test_every_tuning_arrangement_is_read_right(tuning: list[tuple[Path, dict]]) -> None:
    misses = []
    for path, truth in tuning:
        result, why = judge(path, truth)
        if not all(ok in (True, None) for ok in result.values()):
            misses.append(f"{path.name}: {why}")
    assert len(tuning) >= 9
    assert misses == []


def test_renderer_is_deterministic_and_varies(tmp_path: Path) -> None:
    defn = next(d for d in load_defs("tuning") if d["id"] == "ex-dibao-village")
    a = render_form(defn, 3, tmp_path / "a.xlsx")
    b = render_form(defn, 3, tmp_path / "b.xlsx")
    assert a == b
    shapes = {(render_form(defn, v, tmp_path / f"v{v}.xlsx")["data_start_row"],
               tuple(render_form(defn, v, tmp_path / f"v{v}.xlsx")["label_columns"])) for v in range(8)}
    assert len(shapes) >= 3  # header position and label columns really vary
    assert a["leaves"][0]["truth"] == {"indicator": "dibao_households"}


def test_every_definition_names_a_known_layout() -> None:
    defs = load_defs()
    assert {d["layout"] for d in defs} <= {"aggregate", "roster", "card"}
    assert len({d["id"] for d in defs}) == len(defs)
