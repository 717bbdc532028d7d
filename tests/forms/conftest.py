from __future__ import annotations

import pytest

from biaotong.forms.match import Matcher
from biaotong.forms.sketch import sketch_form
from biaotong.forms.vocab import load_vocabulary
from tests.forms.catalog_forms import FormCase


@pytest.fixture(scope="session")
def matcher() -> Matcher:
    return Matcher(load_vocabulary())


def draw(case: FormCase) -> bytes:
    return sketch_form(case.title, case.header, rows=case.rows, options=case.options)
