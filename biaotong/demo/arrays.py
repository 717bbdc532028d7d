"""Vectorised helpers: fixed-width ASCII matrices to Arrow strings, date formatting, weighted picks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EPOCH = np.datetime64("1970-01-01", "D")


def ascii_matrix_to_arrow(mat: np.ndarray) -> pa.StringArray:
    """(n, w) uint8 ASCII codes → Arrow strings of width w, without a Python loop."""
    n, w = mat.shape
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32) if n else np.zeros(1, dtype=np.int32)
    data = np.ascontiguousarray(mat, dtype=np.uint8)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data.tobytes()))


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n,) non-negative ints → (n, width) ASCII digit codes, zero padded."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((np.asarray(values, dtype=np.int64)[:, None] // powers) % 10 + 48).astype(np.uint8)


def zfill(values: np.ndarray, width: int) -> pa.StringArray:
    return ascii_matrix_to_arrow(digits(values, width))


def ymd(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.asarray(dates, dtype="datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return y, m, day


def date_array(dates: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """numpy datetime64[D] → Arrow date32 (NULL where not valid)."""
    days = (np.asarray(dates, dtype="datetime64[D]") - EPOCH).astype(np.int32)
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    return pa.array(days, type=pa.int32(), mask=mask).cast(pa.date32())


def format_dates(dates: np.ndarray, style: str, valid: np.ndarray | None = None) -> pa.Array:
    """Format dates the way a department's system does.

    styles: 'compact' 20250131, 'iso' 2025-01-31, 'slash' 2025/1/31, 'cn' 2025年1月31日, 'ym' 2025-01.
    """
    y, m, d = ymd(dates)
    if style == "compact":
        out: pa.Array = zfill(y * 10000 + m * 100 + d, 8)
    elif style == "iso":
        mat = np.concatenate([digits(y, 4), np.full((len(y), 1), 45, np.uint8), digits(m, 2),
                              np.full((len(y), 1), 45, np.uint8), digits(d, 2)], axis=1)
        out = ascii_matrix_to_arrow(mat)
    elif style == "ym":
        mat = np.concatenate([digits(y, 4), np.full((len(y), 1), 45, np.uint8), digits(m, 2)], axis=1)
        out = ascii_matrix_to_arrow(mat)
    elif style in ("slash", "cn"):
        ys, ms, ds = (pc.cast(pa.array(x), pa.string()) for x in (y, m, d))
        if style == "slash":
            out = pc.binary_join_element_wise(ys, ms, ds, "/")
        else:
            out = pc.binary_join_element_wise(ys, "年", ms, "月", ds, "日", "")
    else:
        raise ValueError(style)
    if valid is not None:
        out = pc.if_else(pa.array(np.asarray(valid, dtype=bool)), out, pa.scalar(None, pa.string()))
    return out


def take_str(pool: Sequence[str], idx: np.ndarray) -> pa.Array:
    return pa.array(list(pool), pa.string()).take(pa.array(np.asarray(idx, dtype=np.int64)))


def concat(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def pick(rng: np.random.Generator, weights: Sequence[float], size: int) -> np.ndarray:
    """Indices drawn with the given (unnormalised) weights."""
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=size, p=p / p.sum())


def label_array(labels: Sequence[str | None], idx: np.ndarray) -> pa.Array:
    return pa.array(list(labels), pa.string()).take(pa.array(np.asarray(idx, dtype=np.int64)))
