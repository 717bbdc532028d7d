"""Checks of 公民身份号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015): scalar ones that explain
what is wrong, vectorised ones (numpy over pyarrow buffers) for millions of rows, and generators of valid
codes for tests and the demo."""

from __future__ import annotations

import unicodedata
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from biaotong.i18n import msg

# ── 公民身份号码 GB 11643-1999 ─────────────────────────────────────────────────────────────────────
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"  # ISO 7064 MOD 11-2: check character for (sum of weighted digits) mod 11
# First two digits: the province-level divisions of GB/T 2260 (71 台湾, 81 香港, 82 澳门 residence permits,
# 83 台湾居民居住证, 91 外国人永久居留身份证 with the 2023 format are not 公民身份号码 but share the layout).
PROVINCES = frozenset(
    {
        11,
        12,
        13,
        14,
        15,
        21,
        22,
        23,
        31,
        32,
        33,
        34,
        35,
        36,
        37,
        41,
        42,
        43,
        44,
        45,
        46,
        50,
        51,
        52,
        53,
        54,
        61,
        62,
        63,
        64,
        65,
        71,
        81,
        82,
        83,
        91,
    }
)
MIN_BIRTH = date(1870, 1, 1)


def normalize_citizen_id(value: str) -> str:
    """Full-width to half-width, no spaces, upper-case X; an old 15-digit number becomes its 18-digit form
    (year 19yy, check digit computed)."""
    s = "".join(unicodedata.normalize("NFKC", str(value)).split()).upper()
    if len(s) == 15 and s.isdigit():
        body = s[:6] + "19" + s[6:]
        s = body + _id_check(body)
    return s


def _id_check(body17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS, strict=True)) % 11]


def _birth(s: str) -> date | None:
    try:
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return None
    return born if MIN_BIRTH <= born <= date.today() else None


def check_citizen_id(value: str | None) -> str | None:
    """None when `value` (normalised) is a valid 18-digit citizen ID, else the reason, in the user's language."""
    if value is None:
        return msg("身份号码为空", "the ID number is empty")
    s = normalize_citizen_id(value)
    if len(s) != 18:
        return msg(f"身份号码应为18位，实际为{len(s)}位", f"an ID number has 18 characters, not {len(s)}")
    if not (s[:17].isascii() and s[:17].isdigit()) or s[17] not in "0123456789X":
        return msg(
            "身份号码前17位应为数字，末位应为数字或X",
            "the first 17 characters must be digits, the last a digit or X",
        )
    if int(s[:2]) not in PROVINCES:
        return msg(
            f"地址码 {s[:6]} 的省级代码 {s[:2]} 无效", f"region code {s[:6]}: {s[:2]} is not a province"
        )
    if _birth(s) is None:
        return msg(f"出生日期 {s[6:14]} 无效", f"birth date {s[6:14]} is not a valid date")
    expected = _id_check(s[:17])
    if s[17] != expected:
        return msg(
            f"校验码错误：应为 {expected}，实际为 {s[17]}",
            f"wrong check digit: expected {expected}, got {s[17]}",
        )
    return None


def citizen_id_birth_date(value: str) -> date | None:
    """The birth date of a valid citizen ID; None if the ID is not valid."""
    return _birth(normalize_citizen_id(value)) if check_citizen_id(value) is None else None


def citizen_id_sex(value: str) -> str | None:
    """GB/T 2261.1 sex code of a valid citizen ID: '1' (odd 17th digit) or '2'; None if not valid."""
    if check_citizen_id(value) is not None:
        return None
    return "1" if int(normalize_citizen_id(value)[16]) % 2 else "2"


def make_citizen_id(region6: str, birth_date: date | str, seq: int | str, sex: str | None = None) -> str:
    """A valid 18-digit ID: region (6 digits), birth date, 3-digit sequence (its last digit is odd for men),
    check digit. With `sex` ('1'/'2' or 男/女) the sequence's last digit is moved to the right parity."""
    if isinstance(birth_date, str):
        birth_date = (
            date.fromisoformat(birth_date.replace("/", "-"))
            if "-" in birth_date or "/" in birth_date
            else date(int(birth_date[:4]), int(birth_date[4:6]), int(birth_date[6:8]))
        )
    n = int(seq) % 1000
    if sex is not None:
        male = str(sex) in ("1", "男", "男性", "M", "m", "male")
        if (n % 2 == 1) != male:
            n = n + 1 if n % 10 != 9 else n - 1
    if not (len(region6) == 6 and region6.isdigit()):
        raise ValueError(f"region6 must be 6 digits, got {region6!r}")
    body = f"{region6}{birth_date:%Y%m%d}{n:03d}"
    return body + _id_check(body)


# ── 统一社会信用代码 GB 32100-2015 ──────────────────────────────────────────────────────────────────
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 组织机构代码 (positions 9–17 of a USCC)


def _uscc_check(body17: str) -> str:
    total = sum(_USCC_VALUE[c] * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(value: str | None) -> str | None:
    """None when `value` is a valid unified social credit code, else the reason."""
    if value is None:
        return msg("统一社会信用代码为空", "the credit code is empty")
    s = "".join(unicodedata.normalize("NFKC", str(value)).split()).upper()
    if len(s) != 18:
        return msg(
            f"统一社会信用代码应为18位，实际为{len(s)}位", f"a credit code has 18 characters, not {len(s)}"
        )
    bad = [c for c in s if c not in _USCC_VALUE]
    if bad:
        return msg(
            f"含有不允许的字符 {bad[0]!r}（不使用 I、O、Z、S、V）",
            f"character {bad[0]!r} is not allowed (I, O, Z, S, V are never used)",
        )
    expected = _uscc_check(s[:17])
    if s[17] != expected:
        return msg(
            f"校验码错误：应为 {expected}，实际为 {s[17]}",
            f"wrong check character: expected {expected}, got {s[17]}",
        )
    return None


def _org_check(body8: str) -> str:
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    r = 11 - total % 11
    return "0" if r == 11 else "X" if r == 10 else str(r)


def make_uscc(region6: str, serial: int, registration: str = "9", kind: str = "1") -> str:
    """A valid credit code: 登记管理部门 (9 市场监管), 机构类别 (1 企业, 2 个体工商户, 3 农民专业合作社),
    region, a 9-character organisation code made from `serial` (with its GB 11714 check), check character."""
    body8 = f"{int(serial) % 10**8:08d}"
    body = f"{registration}{kind}{region6}{body8}{_org_check(body8)}"
    return body + _uscc_check(body)


# ── vectorised ─────────────────────────────────────────────────────────────────────────────────────
_ID_CHECK_BYTES = np.frombuffer(ID_CHECK.encode(), dtype=np.uint8)
_PROVINCE_OK = np.zeros(100, dtype=bool)
_PROVINCE_OK[list(PROVINCES)] = True
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_USCC_LUT = np.full(256, -1, dtype=np.int32)
_USCC_LUT[np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)] = np.arange(31)
_UPPER = np.arange(256, dtype=np.uint8)
_UPPER[ord("a") : ord("z") + 1] -= 32


def _as_strings(values: object) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    arr = (
        values
        if isinstance(values, pa.Array)
        else pa.array(np.asarray(values, dtype=object), type=pa.string())
    )
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    return pc.utf8_trim_whitespace(arr)


def _lengths(arr: pa.Array) -> np.ndarray:
    return pc.fill_null(pc.binary_length(arr), 0).to_numpy(zero_copy_only=False)


def _matrix(arr: pa.Array, width: int, lengths: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rows of exactly `width` bytes as an (n, width) uint8 matrix, and the boolean mask of those rows."""
    mask = (_lengths(arr) if lengths is None else lengths) == width
    if not mask.any():
        return np.zeros((0, width), dtype=np.uint8), mask
    picked = (
        pc.filter(arr, pa.array(mask)).cast(pa.large_binary()) if len(arr) else arr.cast(pa.large_binary())
    )
    n = len(picked)
    if n == 0:
        return np.zeros((0, width), dtype=np.uint8), mask
    offsets = np.frombuffer(picked.buffers()[1], dtype=np.int64)[picked.offset : picked.offset + n + 1]
    data = np.frombuffer(picked.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.reshape(n, width), mask


def _columns(mat: np.ndarray) -> np.ndarray:
    """(width, n) uint8 matrix of byte values minus '0' (digits are 0–9, everything else > 9 by wrap-around),
    one contiguous row per character position."""
    if not len(mat):
        return np.zeros((mat.shape[1], 0), dtype=np.uint8)
    return np.stack([mat[:, i] for i in range(mat.shape[1])]) - np.uint8(48)


def _id_parts(values: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(valid mask over all rows, (18, m) digit rows of the 18- and 15-character values (the latter in their
    18-digit form), the positions of those m rows in the input)."""
    arr = _as_strings(values)
    lengths = _lengths(arr)
    m18, mask18 = _matrix(arr, 18, lengths)
    m15, mask15 = _matrix(arr, 15, lengths)
    k = len(m15)
    if k:  # old 15-digit numbers: insert the century 19; the check digit is filled in below
        m15 = np.concatenate(
            [
                m15[:, :6],
                np.tile(np.frombuffer(b"19", np.uint8), (k, 1)),
                m15[:, 6:],
                np.full((k, 1), ord("0"), np.uint8),
            ],
            axis=1,
        )
    d = _columns(np.concatenate([m18, m15]) if k else m18)
    rows = np.concatenate([np.flatnonzero(mask18), np.flatnonzero(mask15)])
    ok = (d[:17] <= 9).all(axis=0)
    d[17][d[17] == ord("x") - 48] = ord("X") - 48  # lower-case x
    ok &= (d[17] <= 9) | (d[17] == ord("X") - 48)
    n = [d[i].astype(np.int16) for i in range(17)]
    ok &= _PROVINCE_OK[np.minimum(n[0] * 10 + n[1], 99)]
    year = n[6] * 1000 + n[7] * 100 + n[8] * 10 + n[9]
    month = n[10] * 10 + n[11]
    day = n[12] * 10 + n[13]
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    mdays = _DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= mdays)
    ymd = year.astype(np.int32) * 10000 + month * 100 + day
    today = date.today()
    ok &= ymd >= MIN_BIRTH.year * 10000 + MIN_BIRTH.month * 100 + MIN_BIRTH.day
    ok &= ymd <= today.year * 10000 + today.month * 100 + today.day
    total = sum(w * n[i] for i, w in enumerate(ID_WEIGHTS))
    expected = _ID_CHECK_BYTES[total % 11] - np.uint8(48)
    d[17, len(m18) :] = expected[len(m18) :]
    ok &= expected == d[17]
    valid = np.zeros(len(arr), dtype=bool)
    valid[rows] = ok
    return valid, d, rows


def citizen_id_valid(values: object) -> np.ndarray:
    """Boolean array: which values are valid citizen IDs (the rule of check_citizen_id, old 15-digit numbers
    included; nulls are False). Values are trimmed and upper-cased, not NFKC-normalised."""
    return _id_parts(values)[0]


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm), vectorised."""
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * np.where(m > 2, m - 3, m + 9) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def citizen_id_birth_dates(values: object) -> pa.Array:
    """date32 array of the birth dates of valid IDs, null elsewhere."""
    valid, d, rows = _id_parts(values)
    days = np.zeros(len(valid), dtype=np.int64)
    n = [d[i].astype(np.int64) for i in range(14)]
    days[rows] = _days_from_civil(
        n[6] * 1000 + n[7] * 100 + n[8] * 10 + n[9], n[10] * 10 + n[11], n[12] * 10 + n[13]
    )
    days[~valid] = 0
    return pa.array(days.astype(np.int32), type=pa.date32(), mask=~valid)


def citizen_id_sexes(values: object) -> pa.Array:
    """String array of GB/T 2261.1 codes ('1' male, '2' female) of valid IDs, null elsewhere."""
    valid, d, rows = _id_parts(values)
    odd = np.zeros(len(valid), dtype=bool)
    odd[rows] = d[16] % 2 == 1
    sexes = pc.if_else(pa.array(odd), pa.scalar("1"), pa.scalar("2"))
    return pc.if_else(pa.array(valid), sexes, pa.scalar(None, pa.string()))


def uscc_valid(values: object) -> np.ndarray:
    """Boolean array: which values are valid unified social credit codes."""
    arr = _as_strings(values)
    mat, mask18 = _matrix(arr, 18)
    v = _USCC_LUT[_UPPER[_columns(mat) + np.uint8(48)]]
    ok = (v >= 0).all(axis=0)
    total = sum(w * np.maximum(v[i], 0) for i, w in enumerate(USCC_WEIGHTS))
    ok &= (31 - total % 31) % 31 == v[17]
    valid = np.zeros(len(mask18), dtype=bool)
    valid[mask18] = ok
    return valid


__all__ = [
    "ID_CHECK",
    "USCC_ALPHABET",
    "check_citizen_id",
    "check_uscc",
    "citizen_id_birth_date",
    "citizen_id_birth_dates",
    "citizen_id_sex",
    "citizen_id_sexes",
    "citizen_id_valid",
    "make_citizen_id",
    "make_uscc",
    "normalize_citizen_id",
    "uscc_valid",
]
