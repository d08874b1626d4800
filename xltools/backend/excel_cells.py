"""Pure helpers of the live-Excel backend: Python values as Excel must receive them, and cells
grouped into rectangular blocks so a changeset is written in a few range writes.

Excel reads a string written through ``Range.Value`` the way it reads typing: ``=1+1`` becomes a
formula, ``+86 138...`` and ``-5`` numbers or formulas, ``2024-3-5`` or ``3/4`` a date,
``00123`` the number 123. A leading apostrophe is Excel's own "this is text" mark: it keeps the
text exactly and is not part of the value. We add it only to strings Excel would reinterpret.

>>> excel_value("=HYPERLINK(1)"), excel_value("13812345678"), excel_value("深圳华腾")
("'=HYPERLINK(1)", "'13812345678", '深圳华腾')
>>> [(r, c, len(g), len(g[0])) for r, c, g in blocks({(5, 2): 1, (6, 2): 2, (7, 2): 3, (9, 2): 4})]
[(5, 2, 3, 1), (9, 2, 1, 1)]
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import numpy as np
import pandas as pd

from .frames import is_blank

_NUMBERISH = re.compile(r"^[\s(]*[-+]?[¥$€£]?\s*[\d.,]+\s*%?\)?\s*$|^\s*[-+]?\d*\.?\d+[eE][-+]?\d+\s*$")
_DATEISH = re.compile(r"^\s*\d{1,4}\s*[-/.年月]\s*\d{1,2}\s*([-/.月日]\s*(\d{1,4}\s*日?)?)?"
                      r"(\s+\d{1,2}:\d{2}(:\d{2})?\s*([AaPp][Mm])?)?\s*$|^\s*\d{1,2}:\d{2}")
_BOOLEANS = {"true", "false"}


def needs_text_mark(text: str) -> bool:
    """True when Excel would not keep ``text`` as the same text if it were typed in."""
    if not text:
        return False
    return (text[0] in "=+-@'" or text.strip().casefold() in _BOOLEANS
            or bool(_NUMBERISH.match(text)) or bool(_DATEISH.match(text)))


def excel_value(value: Any) -> Any:
    """A value ready for ``Range.value``: blanks -> None, Timestamps -> datetime, numpy scalars ->
    Python, text Excel would reinterpret -> apostrophe + text."""
    if is_blank(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return "'" + value if needs_text_mark(value) else value
    return value


def hyperlink_formula(location: str, text: str) -> str:
    """An in-book link as a formula: one block write sets hundreds of them, where
    ``Hyperlinks.Add`` costs a round trip each. ``location`` is ``'Sheet'!B5``."""
    loc = location.replace('"', '""')
    label = str(text).replace('"', '""')
    return f'=HYPERLINK("#{loc}","{label}")'


def _runs(sorted_ints: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for n in sorted_ints:
        if out and n == out[-1][-1] + 1:
            out[-1].append(n)
        else:
            out.append([n])
    return out


def blocks(cells: dict[tuple[int, int], Any]) -> list[tuple[int, int, list[list[Any]]]]:
    """Group ``{(row, col): value}`` into ``(row, col, grid)`` blocks of adjacent cells.

    Cells are cut into runs down each column and, separately, into runs along each row; the
    cutting that gives fewer blocks wins (a column of 500 updates is one block; one record's
    20 fields are one block).
    """
    by_col: dict[int, list[int]] = {}
    by_row: dict[int, list[int]] = {}
    for r, c in cells:
        by_col.setdefault(c, []).append(r)
        by_row.setdefault(r, []).append(c)
    down = [(run[0], c, [[cells[(r, c)]] for r in run])
            for c in sorted(by_col) for run in _runs(sorted(by_col[c]))]
    across = [(r, run[0], [[cells[(r, c)] for c in run]])
              for r in sorted(by_row) for run in _runs(sorted(by_row[r]))]
    return down if len(down) <= len(across) else across


def row_runs(rows: list[int]) -> list[tuple[int, int]]:
    """(first, last) of each run of consecutive row numbers, bottom run first (for deleting)."""
    return [(run[0], run[-1]) for run in reversed(_runs(sorted(set(rows))))]


def column_spans(cols: list[int]) -> list[tuple[int, int]]:
    """(first, last) of each run of adjacent column numbers, left to right."""
    return [(run[0], run[-1]) for run in _runs(sorted(set(cols)))]


def hex_colour(argb: str) -> str:
    """'FFFFC7CE' -> '#FFC7CE' (xlwings takes #RRGGBB)."""
    return "#" + argb[-6:].upper()
