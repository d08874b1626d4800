"""A1 references: column letters, cell refs and ranges.

>>> col_letter(1), col_letter(28), col_index("AB")
('A', 'AB', 28)
>>> split_cell("$C$12")
(3, 12)
>>> split_ref("A1:Z301")
((1, 1), (26, 301))
>>> make_ref(1, 1, 26, 302)
'A1:Z302'
"""

from __future__ import annotations

import re

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def col_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    if index < 1:
        raise ValueError(index)
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    """A -> 1, AA -> 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def split_cell(ref: str) -> tuple[int, int]:
    """'B7' -> (column 2, row 7)."""
    m = _CELL.match(ref.strip())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return col_index(m.group(1)), int(m.group(2))


def split_ref(ref: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """'A1:C9' -> ((1, 1), (3, 9)); a single cell gives the same corner twice."""
    first, _, last = ref.partition(":")
    a = split_cell(first)
    return a, split_cell(last) if last else a


def make_cell(col: int, row: int) -> str:
    return f"{col_letter(col)}{row}"


def make_ref(col1: int, row1: int, col2: int, row2: int) -> str:
    return f"{make_cell(col1, row1)}:{make_cell(col2, row2)}"
