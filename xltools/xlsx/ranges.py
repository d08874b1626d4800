"""Growing cell ranges when rows are added below a table (moves of rows, Excel's Delete/Insert
Table Rows, are :mod:`xltools.xlsx.refshift`'s).

``sqref`` is the space-separated list of ranges that data validations, conditional formats and
selections use.

>>> grow_sqref("A2:A70 C2:C5000 D70", 70, 72)
'A2:A72 C2:C5000 D70:D72'
"""

from __future__ import annotations

from .refs import col_letter, split_ref


def _fmt(c1: int, r1: int, c2: int, r2: int) -> str:
    a = f"{col_letter(c1)}{r1}"
    return a if (c1, r1) == (c2, r2) else f"{a}:{col_letter(c2)}{r2}"


def grow_range(ref: str, last_row: int, new_last_row: int) -> str:
    """A range whose last row is ``last_row`` (the table's last data row) now ends at
    ``new_last_row``; other ranges are unchanged."""
    try:
        (c1, r1), (c2, r2) = split_ref(ref.replace("$", ""))
    except ValueError:
        return ref
    if r2 != last_row or r1 > last_row:
        return ref
    return _fmt(c1, r1, c2, new_last_row)


def grow_sqref(sqref: str, last_row: int, new_last_row: int) -> str:
    return " ".join(grow_range(r, last_row, new_last_row) for r in sqref.split())
