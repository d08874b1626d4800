"""Moving cell ranges when rows are added below a table or removed from it.

``sqref`` is the space-separated list of ranges that data validations, conditional formats and
selections use.

>>> grow_sqref("A2:A70 C2:C5000 D70", 70, 72)
'A2:A72 C2:C5000 D70:D72'
>>> shift_sqref("A2:A70 B5 C9:C9", [5, 9])
'A2:A68'
>>> shift_range("A2:A4", [2, 3, 4]) is None
True
"""

from __future__ import annotations

import bisect

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


def _new_row(r: int, gone: list[int], inclusive: bool) -> int:
    return r - (bisect.bisect_right(gone, r) if inclusive else bisect.bisect_left(gone, r))


def shift_range(ref: str, gone: list[int]) -> str | None:
    """``ref`` after the (sorted) rows ``gone`` were deleted; None when nothing of it is left."""
    try:
        (c1, r1), (c2, r2) = split_ref(ref.replace("$", ""))
    except ValueError:
        return ref
    n1, n2 = _new_row(r1, gone, False), _new_row(r2, gone, True)
    if n2 < n1:
        return None
    return _fmt(c1, n1, c2, n2)


def shift_sqref(sqref: str, gone: list[int]) -> str:
    """Every range of ``sqref`` shifted; empty string when none is left."""
    kept = (shift_range(r, gone) for r in sqref.split())
    return " ".join(r for r in kept if r)
