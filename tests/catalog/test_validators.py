"""公民身份号码 and 统一社会信用代码: scalar checks, generators, and the vectorised versions."""

from __future__ import annotations

import time
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pytest

from biaotong.catalog import (
    check_citizen_id,
    check_uscc,
    citizen_id_birth_date,
    citizen_id_birth_dates,
    citizen_id_sex,
    citizen_id_sexes,
    citizen_id_valid,
    make_citizen_id,
    make_uscc,
    normalize_citizen_id,
    uscc_valid,
)
from biaotong.catalog.validators import USCC_ALPHABET, USCC_WEIGHTS, _org_check


def test_known_good_citizen_ids() -> None:
    # Hand computation for 11010519491231002X: sum(digit * weight) over the first 17 digits
    digits = [1, 1, 0, 1, 0, 5, 1, 9, 4, 9, 1, 2, 3, 1, 0, 0, 2]
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(d * w for d, w in zip(digits, weights, strict=True))
    assert total == 167 and total % 11 == 2 and "10X98765432"[2] == "X"
    assert check_citizen_id("11010519491231002X") is None
    assert check_citizen_id("11010519491231002x") is None  # lower-case x is normalised
    assert check_citizen_id("１１０１０５１９４９１２３１００２Ｘ") is None  # full-width digits
    assert make_citizen_id("110105", date(1949, 12, 31), 2) == "11010519491231002X"
    assert citizen_id_birth_date("11010519491231002X") == date(1949, 12, 31)
    assert citizen_id_sex("11010519491231002X") == "2"  # 17th digit 2 is even: female


def test_generator_makes_valid_ids_with_the_asked_sex() -> None:
    for seq in range(0, 1000, 37):
        for sex in ("1", "2"):
            cid = make_citizen_id("530102", date(1987, 2, 28), seq, sex=sex)
            assert check_citizen_id(cid) is None, cid
            assert citizen_id_sex(cid) == sex
    assert make_citizen_id("530102", "1987-02-28", 11) == make_citizen_id("530102", "19870228", 11)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("110105194912310021", "校验码"),  # wrong check digit (X expected)
        ("110105199902300021", "19990230"),  # 30 February
        ("11010519491231002", "18"),  # 17 characters
        ("1101051949123100211", "18"),  # 19 characters
        ("11010519491231A02X", "数字"),  # a letter in the body
        ("00010519491231002X", "省级"),  # no province 00
        ("110105219912310020", "出生日期"),  # born in 2199
        (None, "空"),
    ],
)
def test_bad_citizen_ids(value: str | None, fragment: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIAOTONG_LANG", "zh")
    reason = check_citizen_id(value)
    assert reason is not None and fragment in reason
    assert citizen_id_birth_date(value or "") is None and citizen_id_sex(value or "") is None


def test_reason_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIAOTONG_LANG", "en")
    assert "check digit" in (check_citizen_id("110105194912310021") or "")


def test_fifteen_digit_ids_are_upgraded() -> None:
    assert normalize_citizen_id("110105491231002") == "11010519491231002X"
    assert check_citizen_id("110105491231002") is None


def test_uscc_known_valid_and_hand_computed() -> None:
    code = "91350100M000100Y43"
    values = [USCC_ALPHABET.index(c) for c in code[:17]]
    total = sum(v * w for v, w in zip(values, USCC_WEIGHTS, strict=True))
    assert total == 1640 and 31 - total % 31 == 3  # → check character '3'
    assert check_uscc(code) is None
    assert check_uscc(code.lower()) is None
    assert _org_check("M000100Y") == "4"  # its organisation code M000100Y-4 is valid too (GB 11714)
    assert "校验码" in (check_uscc("91350100M000100Y44") or "") or "check" in (
        check_uscc("91350100M000100Y44") or ""
    )
    assert check_uscc("91350100M000100YI3") is not None  # I is not in the alphabet
    assert check_uscc("91350100M000100Y4") is not None


def test_make_uscc() -> None:
    for serial in (0, 1, 42, 99_999_999, 123_456_789):
        code = make_uscc("530102", serial)
        assert len(code) == 18 and check_uscc(code) is None
        assert _org_check(code[8:16]) == code[16]


def _random_ids(n: int, seed: int = 7) -> list[str | None]:
    """Valid IDs, IDs with one digit changed, impossible dates, wrong lengths, letters, nulls."""
    rng = np.random.default_rng(seed)
    start = date(1900, 1, 1).toordinal()
    out: list[str | None] = []
    regions = ["110105", "530102", "440305", "650102", "000000", "990101", "820000"]
    for i in range(n):
        born = date.fromordinal(start + int(rng.integers(0, 45_000)))
        cid = make_citizen_id(regions[int(rng.integers(0, len(regions)))], born, int(rng.integers(0, 1000)))
        kind = i % 10
        if kind == 1:
            pos = int(rng.integers(0, 18))
            cid = cid[:pos] + str(int(rng.integers(0, 10))) + cid[pos + 1 :]
        elif kind == 2:
            cid = cid[:10] + f"{int(rng.integers(0, 15)):02d}{int(rng.integers(0, 33)):02d}" + cid[14:]
        elif kind == 3:
            cid = cid[: int(rng.integers(0, 20))] + ("1" if rng.random() < 0.3 else "")
        elif kind == 4:
            cid = cid.lower() if rng.random() < 0.5 else cid[:5] + "A" + cid[6:]
        elif kind == 5 and rng.random() < 0.3:
            cid = None  # type: ignore[assignment]
        elif kind == 6:
            cid = f" {cid} "
        elif kind == 7:
            cid = cid[:17] + "X"
        out.append(cid)
    return out


def test_vectorised_equals_scalar_on_100k_ids() -> None:
    ids = _random_ids(100_000)
    arr = pa.array(ids, type=pa.string())
    valid = citizen_id_valid(arr)
    expected = np.array([x is not None and check_citizen_id(x) is None for x in ids])
    assert 0 < expected.sum() < len(ids)
    assert np.array_equal(valid, expected)
    births = citizen_id_birth_dates(arr).to_pylist()
    sexes = citizen_id_sexes(arr).to_pylist()
    for i in range(0, len(ids), 97):
        x = ids[i]
        assert births[i] == (citizen_id_birth_date(x) if x is not None else None)
        assert sexes[i] == (citizen_id_sex(x) if x is not None else None)
    assert np.array_equal(citizen_id_valid(pa.chunked_array([arr[:500], arr[500:1000]])), expected[:1000])
    assert np.array_equal(citizen_id_valid(ids[:1000]), expected[:1000])
    assert np.array_equal(citizen_id_valid(arr.slice(7, 300)), expected[7:307])


def test_vectorised_uscc_equals_scalar() -> None:
    rng = np.random.default_rng(3)
    codes: list[str | None] = []
    for i in range(20_000):
        c = make_uscc("530102", int(rng.integers(0, 10**8)), kind=str(int(rng.integers(1, 4))))
        if i % 3 == 1:
            pos = int(rng.integers(0, 18))
            c = c[:pos] + USCC_ALPHABET[int(rng.integers(0, 31))] + c[pos + 1 :]
        elif i % 7 == 2:
            c = c[:-1] + "I"
        elif i % 11 == 3:
            c = None
        codes.append(c)
    expected = np.array([c is not None and check_uscc(c) is None for c in codes])
    assert 0 < expected.sum() < len(codes)
    assert np.array_equal(uscc_valid(pa.array(codes, type=pa.string())), expected)


def test_a_million_ids_in_well_under_a_second_or_two() -> None:
    base = [
        make_citizen_id("530102", date(1950, 1, 1) + timedelta(days=i * 13), i % 1000) for i in range(1000)
    ]
    arr = pa.array(base * 1000)
    citizen_id_valid(arr[:1000])
    started = time.perf_counter()
    valid = citizen_id_valid(arr)
    elapsed = time.perf_counter() - started
    assert valid.all()
    assert elapsed < 2.0, f"{elapsed:.2f}s for 1M IDs"
