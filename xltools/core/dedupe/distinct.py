"""Work done once per distinct value of a column, not once per cell.

A column of 100,000 cells holds far fewer distinct phones, codes or names, and reading them is the
cost. pandas' hash table (``pd.factorize``) tells the values apart fastest, but takes all text
holding a lone surrogate (half an emoji, which a live Excel cell may hold) for one value: such
text is told apart by Python's own hashing instead.

>>> codes, uniques = distinct_codes(np.array(["a", "b", "a", "x\\ud800", "y\\ud800"], dtype=object))
>>> codes.tolist(), len(uniques)
([0, 1, 0, 2, 3], 4)
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd


def each_distinct(values, func) -> list:
    """``func`` of each value, called once per distinct value: a column of 100,000 cells holds far
    fewer distinct phones, codes or names, and parsing them is the cost. Values are told apart by
    type too (``1`` and ``1.0`` are not one cell)."""
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1:  # a column of tuples or lists
        arr = pd.Series(list(values), dtype=object).to_numpy()
    try:
        codes, uniques = pd.factorize(arr)
    except TypeError:  # unhashable cells
        return [func(v) for v in arr]
    if all(type(u) is str for u in uniques) and not _has_surrogate(uniques):
        # text only: hashing cannot mix types up
        results = [func(u) for u in uniques]
        return [results[c] if c >= 0 else func(v) for c, v in zip(codes.tolist(), arr)]
    seen: dict = {}
    out = []
    for v in arr:
        key = (v.__class__, v)
        try:
            out.append(seen[key])
        except KeyError:
            out.append(seen.setdefault(key, func(v)))
        except TypeError:  # unhashable
            out.append(func(v))
    return out


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogate(uniques) -> bool:
    """Whether text among ``pd.factorize``'s uniques holds a lone surrogate (a live Excel cell
    may): pandas' hash table takes all such text for one value, so its codes cannot be used."""
    texts = uniques.tolist()
    try:
        joined = "".join(texts)
    except TypeError:  # not text only
        joined = "".join(u for u in texts if type(u) is str)
    return not joined.isascii() and bool(_SURROGATE.search(joined))


def distinct_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of an object array of text: an integer code per value (equal text, equal
    code) and the distinct values; right for text with a lone surrogate too."""
    codes, uniques = pd.factorize(values)
    if not _has_surrogate(uniques):
        return codes, uniques
    seen: dict = {}
    codes = np.array([seen.setdefault(v, len(seen)) for v in values.tolist()], dtype=np.intp)
    uniques = np.empty(len(seen), dtype=object)
    uniques[:] = list(seen)
    return codes, uniques
