"""Citizen ID numbers (GB 11643) written and checked here, independently of biaotong's validator."""

from __future__ import annotations

import datetime as dt

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def make_id(region: str, born: dt.date, seq: int, male: bool) -> str:
    """seq: 0..499; the 17th digit is odd for men."""
    order = f"{seq % 500 * 2 + (1 if male else 0):03d}"
    body = f"{region}{born:%Y%m%d}{order}"
    return body + check_digit(body)


def is_valid(value: str) -> bool:
    s = str(value).strip().upper()
    if len(s) != 18 or not s[:17].isdigit():
        return False
    try:
        dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    return check_digit(s[:17]) == s[17]


def spoil(value: str) -> str:
    """A clerk's typo: the check digit no longer fits."""
    good = value[17]
    bad = "0" if good != "0" else "1"
    return value[:17] + bad
