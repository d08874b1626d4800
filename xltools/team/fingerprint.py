"""Fingerprints of records, cell by cell: what a three-way merge needs of the base, and no more.

A member's book does not carry the values its records had when it was split, only a short hash of
each cell (:data:`CELL_BYTES` bytes). Comparing hashes tells, per cell, whether the member changed
it (member hash != base hash) and whether the master did (master hash != base hash); that is all a
three-way merge asks of the base, and it keeps the hidden part small.

A cell's hash is taken over its *canonical text*, so the same value read back from a book that
Excel, WPS, LibreOffice or openpyxl saved hashes the same: blanks are ``""``, whole numbers lose
their ``.0``, dates at midnight are ``yyyy-mm-dd``, text is stripped.

>>> import pandas as pd
>>> canonical(pd.Series([None, " 华腾 ", 100000.0, 0.5, pd.Timestamp("2024-03-15"), float("nan")]))
['', '华腾', '100000', '0.5', '2024-03-15', '']
>>> df = pd.DataFrame({"a": ["x", "y"], "b": [1.0, None]})
>>> fp = fingerprints(df, ["a", "b"])
>>> bool((decode(fp, 2) == cell_hashes(df, ["a", "b"])).all())
True
"""

from __future__ import annotations

import base64
import datetime as dt
import math

import numpy as np
import pandas as pd

from ..core.normalize import is_blank

CELL_BYTES = 5      # 40 bits a cell: a changed cell goes unnoticed once in a trillion
_MASK = np.uint64((1 << (8 * CELL_BYTES)) - 1)


def canon(value) -> str:
    """One value's canonical text."""
    kind = type(value)
    if kind is str:
        return value.strip()
    if value is None:
        return ""
    if kind is bool or isinstance(value, np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if float(value).is_integer() else f"{float(value):.15g}"
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        if pd.isna(value):
            return ""
        ts = pd.Timestamp(value).round("s")
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if is_blank(value) else str(value).strip()


def canonical(values: pd.Series) -> list[str]:
    """Each value's canonical text (see the module docstring). Values repeat a lot in a column
    (owners, dates, industries), so each distinct value is rendered once."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    texts = np.empty(len(uniques) + 1, dtype=object)
    texts[-1] = ""                                            # code -1: a blank cell
    stamps = np.fromiter((isinstance(v, dt.datetime) for v in uniques), bool, len(uniques))
    if stamps.any():  # dates and times in bulk: a follow-up time is nearly always unique
        idx = pd.DatetimeIndex(list(uniques[stamps])).round("s")
        texts[:-1][stamps] = np.where(idx == idx.normalize(), idx.strftime("%Y-%m-%d"),
                                      idx.strftime("%Y-%m-%d %H:%M:%S"))
    rest = np.flatnonzero(~stamps)
    texts[rest] = [canon(v) for v in uniques[rest]]
    return texts[codes].tolist()


def cell_hashes(df: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """An (rows, columns) uint64 array: each cell's hash, cut to :data:`CELL_BYTES` bytes.
    A column the frame lacks hashes as blank."""
    out = np.empty((len(df), len(columns)), dtype=np.uint64)
    blank = pd.util.hash_array(np.array([""], dtype=object))[0] & _MASK
    for j, col in enumerate(columns):
        if col not in df.columns:
            out[:, j] = blank
            continue
        text = np.array(canonical(df[col]), dtype=object)
        out[:, j] = pd.util.hash_array(text, categorize=True) & _MASK if len(text) else 0
    return out


def encode(hashes: np.ndarray) -> list[str]:
    """One text per row: the row's cell hashes, packed and base64-encoded."""
    if not len(hashes):
        return []
    raw = hashes.astype("<u8").view(np.uint8).reshape(len(hashes), hashes.shape[1], 8)
    packed = np.ascontiguousarray(raw[:, :, :CELL_BYTES]).reshape(len(hashes), -1)
    return [base64.b64encode(row.tobytes()).decode("ascii") for row in packed]


def decode(texts: list[str] | pd.Series, n_columns: int) -> np.ndarray:
    """The inverse of :func:`encode`; a text that is not a fingerprint of ``n_columns`` cells
    decodes as all zeros (every cell then looks changed, so nothing is applied silently)."""
    texts = list(texts)
    width = n_columns * CELL_BYTES
    buf = np.zeros((len(texts), width), dtype=np.uint8)
    for i, text in enumerate(texts):
        try:
            raw = base64.b64decode(str(text or ""), validate=True)
        except ValueError:
            continue
        if len(raw) == width:
            buf[i] = np.frombuffer(raw, dtype=np.uint8)
    full = np.zeros((len(texts), n_columns, 8), dtype=np.uint8)
    full[:, :, :CELL_BYTES] = buf.reshape(len(texts), n_columns, CELL_BYTES)
    return full.reshape(len(texts), n_columns * 8).view("<u8").reshape(len(texts), n_columns) \
        .astype(np.uint64)


def fingerprints(df: pd.DataFrame, columns: list[str]) -> list[str]:
    """One fingerprint text per row of ``df`` over ``columns``."""
    return encode(cell_hashes(df, columns))
