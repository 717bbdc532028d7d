"""Citizen ID numbers (GB 11643) and unified social credit codes (GB 32100), generated and checked in bulk."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from biaotong.demo.arrays import ascii_matrix_to_arrow, digits

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
USCC_ALPHABET = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRTUWXY", dtype=np.uint8)
USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)


def citizen_ids(region6: np.ndarray, birth_ymd: np.ndarray, seq3: np.ndarray) -> pa.StringArray:
    """18-character IDs from (n,) region codes, yyyymmdd ints and 3-digit sequence numbers
    (odd = male, even = female, per GB 11643)."""
    body = np.concatenate([digits(region6, 6), digits(birth_ymd, 8), digits(seq3, 3)], axis=1)
    check = ID_CHECK[((body - 48).astype(np.int64) @ ID_WEIGHTS) % 11]
    return ascii_matrix_to_arrow(np.concatenate([body, check[:, None]], axis=1))


def fixed_width_matrix(arr: pa.Array, width: int) -> np.ndarray | None:
    """The (n, width) bytes of a string array whose values all have `width` bytes (no nulls), else None."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    if arr.null_count or not pa.types.is_string(arr.type):
        return None
    offsets = np.frombuffer(arr.buffers()[1], np.int32)[arr.offset: arr.offset + n + 1]
    if n and not (np.diff(offsets) == width).all():
        return None
    data = np.frombuffer(arr.buffers()[2], np.uint8) if n else np.zeros(0, np.uint8)
    return data[offsets[0]: offsets[0] + n * width].reshape(n, width).copy()


def _valid_matrix(mat: np.ndarray) -> np.ndarray:
    body = mat[:, :17].astype(np.int64) - 48
    good_body = ((body >= 0) & (body <= 9)).all(axis=1)
    check = ID_CHECK[(np.clip(body, 0, 9) @ ID_WEIGHTS) % 11]
    last = np.where(mat[:, 17] == ord("x"), ord("X"), mat[:, 17])
    return good_body & (check == last)


def citizen_id_valid(ids: pa.Array) -> np.ndarray:
    """Bool per value: 18 characters, digits, valid check character (x accepted as X)."""
    mat = fixed_width_matrix(ids, 18)
    if mat is not None:
        return _valid_matrix(mat)
    values = ids.to_numpy(zero_copy_only=False)
    out = np.zeros(len(values), dtype=bool)
    lengths = np.fromiter((len(v) if isinstance(v, str) else -1 for v in values), np.int64, len(values))
    ok = np.flatnonzero(lengths == 18)
    if not len(ok):
        return out
    mat = np.frombuffer("".join(values[ok]).upper().encode("ascii", "replace"), np.uint8).reshape(-1, 18)
    out[ok] = _valid_matrix(mat)
    return out


def corrupt_check_digit(ids: pa.Array, rows: np.ndarray) -> pa.Array:
    """Make the check character of the given rows wrong (a typo in the last digit)."""
    mat = fixed_width_matrix(ids, 18)
    if mat is None:
        raise ValueError("expected 18-character IDs without nulls")
    last = mat[rows, 17]
    mat[rows, 17] = np.where(last == ord("0"), ord("1"), np.where(last == ord("X"), ord("3"), ord("0")))
    return ascii_matrix_to_arrow(mat)


def _org_code_checks(body8: np.ndarray) -> np.ndarray:
    """GB 11714 check character for (n, 8) ASCII bodies drawn from the USCC alphabet."""
    vals = np.where(body8 >= 65, body8.astype(np.int64) - 55, body8.astype(np.int64) - 48)
    c = 11 - (vals @ ORG_WEIGHTS) % 11
    return np.where(c == 11, ord("0"), np.where(c == 10, ord("X"), c + 48)).astype(np.uint8)


def usccs(rng: np.random.Generator, kind_digits: np.ndarray, region6: str) -> pa.StringArray:
    """Valid 18-character codes: '9' (市场监管) + kind digit (1 企业, 2 个体, 3 合作社) + region + MA… body."""
    n = len(kind_digits)
    head = np.empty((n, 8), np.uint8)
    head[:, 0] = ord("9")
    head[:, 1] = np.asarray(kind_digits, np.uint8) + 48
    head[:, 2:8] = np.frombuffer(region6.encode(), np.uint8)
    body = np.empty((n, 8), np.uint8)
    body[:, 0], body[:, 1] = ord("M"), ord("A")
    body[:, 2:8] = USCC_ALPHABET[rng.integers(0, 31, size=(n, 6))]
    org9 = np.concatenate([body, _org_code_checks(body)[:, None]], axis=1)
    mat = np.concatenate([head, org9], axis=1)
    idx = np.searchsorted(USCC_ALPHABET, mat)  # the alphabet is sorted ASCII
    check = (31 - (idx.astype(np.int64) @ USCC_WEIGHTS) % 31) % 31
    return ascii_matrix_to_arrow(np.concatenate([mat, USCC_ALPHABET[check][:, None]], axis=1))


def uscc_valid(codes: pa.Array) -> np.ndarray:
    values = codes.to_numpy(zero_copy_only=False)
    out = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values):  # only used on the small enterprise register and in tests
        if not isinstance(v, str) or len(v) != 18:
            continue
        raw = np.frombuffer(v.encode("ascii", "replace"), np.uint8)
        pos = np.searchsorted(USCC_ALPHABET, raw)
        if (pos >= 31).any() or (USCC_ALPHABET[np.minimum(pos, 30)] != raw).any():
            continue
        out[i] = (31 - int(pos[:17] @ USCC_WEIGHTS) % 31) % 31 == pos[17]
    return out


def corrupt_uscc(codes: pa.Array, rows: np.ndarray) -> pa.Array:
    mat = fixed_width_matrix(codes, 18)
    if mat is None:
        raise ValueError("expected 18-character codes without nulls")
    pos = np.searchsorted(USCC_ALPHABET, mat[rows, 17])
    mat[rows, 17] = USCC_ALPHABET[(pos + 1) % 31]
    return ascii_matrix_to_arrow(mat)
