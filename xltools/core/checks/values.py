"""Reading cells the way people fill them: blanks, dates and numbers, over whole columns.

>>> s = pd.Series([None, "  ", "x", float("nan")])
>>> list(blank(s))
[True, True, False, True]

Dates and numbers are read by :mod:`xltools.core.values`, the reader every part of xltools shares.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..values import arrow_mask, arrow_text


def blank(s: pd.Series) -> pd.Series:
    """True for None, NaN/NaT and strings of only spaces."""
    if s.dtype.kind in "biufcmM" or not holds_text(s):
        return s.isna()
    out = s.isna().to_numpy()
    values = s.to_numpy(dtype=object)
    text = np.fromiter((type(v) is str for v in values), dtype=bool, count=len(values))
    if text.any():       # the text cells' blanks in Arrow's kernels (str.strip's whitespace)
        try:
            trimmed = pc.utf8_trim_whitespace(pa.array(values[text], pa.string()))
            out[text] = pc.equal(trimmed, "").to_numpy(zero_copy_only=False)
        except UnicodeEncodeError:      # a lone surrogate (a live Excel cell): not UTF-8
            out[text] = [not v.strip() for v in values[text]]
    return pd.Series(out, index=s.index, dtype=bool)


def trimmed_text(s: pd.Series, arr=None, trimmed=None) -> pd.Series:
    """Each cell as text without surrounding spaces (``str(v).strip()``); blank cells read ''.
    A column of text and blanks is trimmed in Arrow's kernels (which strip exactly what
    ``str.strip`` strips), any other column in pandas. ``arr``: the column as
    :func:`~xltools.core.values.arrow_text` gives it, and ``trimmed``: that trimmed, when the
    caller has them already.

    >>> list(trimmed_text(pd.Series([" a\u3000", None, 5.0])))
    ['a', '', '5.0']
    """
    if arr is None and s.dtype == object:
        arr = arrow_text(s)
    if arr is not None:             # (numbers, dates among the text: the general path)
        out = pc.utf8_trim_whitespace(arr) if trimmed is None else trimmed
        if pc.all(pc.equal(out, arr)).as_py() is not False:
            return s.where(s.notna(), "")      # nothing to trim: the cells' own strings
        out = out.fill_null("")
        return pd.Series(out.to_numpy(zero_copy_only=False), index=s.index, dtype=object)
    return s.astype(str).str.strip().where(s.notna(), "")


def matches(text: pd.Series, pattern: str, arr=None) -> pd.Series:
    r"""``text.str.match(pattern)`` for a column of text (as :func:`trimmed_text` gives it):
    in Arrow's RE2 when the pattern reads the same there (``\d`` as Unicode digits, no
    look-around or back-reference), else in Python, once per distinct text. ``arr``: ``text``
    as Arrow text, when the caller has it.

    >>> matches(pd.Series(["C20240315001", "C2024", "", "C２０２４０３１５００１"]), r"^C\d{11,}$").tolist()
    [True, False, False, True]
    >>> matches(pd.Series(["a b", "ab", "a b", ""]), r"a\sb").tolist()
    [True, False, True, False]
    """
    if _NOT_FOR_RE2.search(pattern):
        arr = None
    elif arr is None:
        arr = arrow_text(text)
    if arr is not None:
        re2 = "^(?:" + pattern.replace("\\d", "\\p{Nd}") + ")"
        try:
            return arrow_mask(pc.match_substring_regex(arr, re2), text.index)
        except pa.ArrowInvalid:        # RE2 cannot read the pattern (a{1001})
            pass
    if text.isna().any():               # (None and NaN read differently: matched as they are)
        return text.str.match(pattern).astype(bool)
    return per_distinct(text, lambda distinct: distinct.str.match(pattern).astype(bool))


# What RE2 lacks or reads otherwise: look-around, back-references, possessive/atomic groups,
# \s, \w and \b (Unicode in Python, ASCII in RE2), an escaped backslash before a d.
_NOT_FOR_RE2 = re.compile(r"\(\?[=!<>]|\\[1-9sSwWbBAZ]|[*+?}]\+|\\\\")


def per_distinct(s: pd.Series, answer, blank: bool = False) -> pd.Series:
    """``answer`` (a column -> a column of booleans) asked of each distinct value of ``s`` once,
    each cell then taking its value's answer; empty cells (None, NaN) take ``blank``.

    >>> per_distinct(pd.Series(["a", None, "b", "a"]), lambda d: d == "a").tolist()
    [True, False, False, True]
    """
    codes, distinct = pd.factorize(s)                 # (empty cells: -1, the last below)
    found = answer(pd.Series(distinct, dtype=object)).to_numpy(dtype=bool)
    return pd.Series(np.append(found, blank)[codes], index=s.index, dtype=bool)


def repeats(s: pd.Series, sample: int = 1000) -> bool:
    """Whether a long column repeats its values (fewer than half of its first ``sample`` cells
    differ): then worth reading once per distinct value."""
    return len(s) > sample and s.iloc[:sample].nunique() < sample // 2


def holds_text(s: pd.Series) -> bool:
    """Whether any filled cell is a string (one C-level pass; dates and numbers are not)."""
    return pd.api.types.infer_dtype(s, skipna=True) not in (
        "empty", "datetime64", "datetime", "date", "integer", "floating", "mixed-integer-float",
        "decimal", "boolean", "timedelta")


def masked(s: pd.Series, arr=None) -> pd.Series:
    """True where a cell carries a mask (three or more ``*`` in a row), as ``privacy.is_masked``.
    ``arr``: the column as :func:`~xltools.core.values.arrow_text` gives it, when the caller has
    it."""
    if s.dtype.kind in "biufcmM":
        return pd.Series(False, index=s.index)
    arr = arrow_text(s) if arr is None else arr
    if arr is None:                 # numbers or dates among the text
        return s.astype(str).str.contains(r"\*{3,}", regex=True).astype(bool)
    return arrow_mask(pc.match_substring(arr, "***"), s.index)
