"""Adjust A1 references the way Excel does when a table's rows are deleted or inserted.

Excel's "Delete Table Rows" and "Insert Table Rows" move only the cells in the table's columns
(a *band*): cells to the left and right stay where they are. Every reference into the band follows
the cells it names, as Excel adjusts it:

- a cell in the band moves with its row; a deleted cell becomes ``#REF!``;
- a range lying inside the band's columns keeps its surviving ends (a deleted first row: the next
  row that survives; all rows deleted: ``#REF!``); an insertion strictly inside it widens it, an
  insertion at or above its first row moves it;
- a range that reaches outside the band's columns, whole columns (``B:B``) and whole rows
  (``3:5``) are left alone; external (``[1]Sheet!A1``) and 3-D (``S1:S3!A1``) references too.

A :class:`RowMove` describes one edit; the functions rewrite a single range, an ``sqref`` list
(validations, conditional formats) and whole formulas (cells, defined names, chart series,
hyperlink locations), using openpyxl's formula tokenizer so that strings, structured references
(``tblCustomers[金额]``) and function names are never mistaken for cells.

>>> gone = RowMove("客户", 1, 20, gone=(5, 6))
>>> shift_formula("SUM(客户!T2:T10)+客户!B5+'客户'!$B$50+Z9", None, gone)
"SUM(客户!T2:T8)+客户!#REF!+'客户'!$B$48+Z9"
>>> shift_formula("SUM(T2:T10)+U9", "客户", RowMove("客户", 1, 20, at=11, count=3))
'SUM(T2:T10)+U9'
>>> shift_formula("SUM(T2:T10)", "客户", RowMove("客户", 1, 20, at=10, count=3))
'SUM(T2:T13)'
>>> shift_sqref("A2:A70 C7 Z9 B5:B6", gone)
'A2:A68 C5 Z9'
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from openpyxl.formula.tokenizer import Tokenizer, TokenizerError

from .refs import col_index, col_letter

_AREA = re.compile(r"^(\$?)([A-Za-z]{1,3})(\$?)(\d+)(?::(\$?)([A-Za-z]{1,3})(\$?)(\d+))?$")


@dataclass(frozen=True)
class RowMove:
    """Cells in columns ``first_col``..``last_col`` of ``sheet`` move: either rows ``gone``
    (sorted) are deleted and the cells below move up, or ``count`` rows are inserted before row
    ``at`` and the cells from ``at`` down move down."""

    sheet: str
    first_col: int
    last_col: int
    gone: tuple[int, ...] = ()
    at: int = 0
    count: int = 0

    @property
    def first_row(self) -> int:
        """The first row whose cells change."""
        return self.gone[0] if self.gone else self.at

    def covers(self, c1: int, c2: int) -> bool:
        """True when columns c1..c2 lie inside the band."""
        return self.first_col <= c1 and c2 <= self.last_col

    def overlaps(self, c1: int, c2: int) -> bool:
        return c1 <= self.last_col and self.first_col <= c2

    def row(self, r: int) -> int | None:
        """Where the cell of row ``r`` (in the band) goes; None when it is deleted."""
        if self.gone:
            i = bisect.bisect_left(self.gone, r)
            if i < len(self.gone) and self.gone[i] == r:
                return None
            return r - i
        return r + self.count if r >= self.at else r

    def span(self, r1: int, r2: int) -> tuple[int, int] | None:
        """Rows r1..r2 of a range inside the band after the move; None when none survives."""
        if self.gone:
            n1 = r1 - bisect.bisect_left(self.gone, r1)
            n2 = r2 - bisect.bisect_right(self.gone, r2)
            return (n1, n2) if n1 <= n2 else None
        return (r1 + self.count if r1 >= self.at else r1,
                r2 + self.count if r2 >= self.at else r2)

    def on(self, sheet: str | None) -> bool:
        return sheet is not None and sheet.casefold() == self.sheet.casefold()


def shift_area(ref: str, move: RowMove) -> str | None:
    """One area (``B5``, ``$A$2:$C$9``) of the moved sheet after ``move``; None when deleted.
    Anything that is not a plain area (names, whole rows or columns) comes back unchanged."""
    m = _AREA.match(ref)
    if m is None:
        return ref
    d1, l1, e1, r1, d2, l2, e2, r2 = m.groups()
    c1 = col_index(l1)
    c2 = col_index(l2) if l2 else c1
    row1, row2 = int(r1), int(r2) if r2 else int(r1)
    lo, hi = min(c1, c2), max(c1, c2)
    if not move.covers(lo, hi) or max(row1, row2) < move.first_row:
        return ref
    top, bottom = min(row1, row2), max(row1, row2)
    new = move.span(top, bottom)
    if new is None:
        return None
    n1, n2 = new if row1 <= row2 else new[::-1]
    first = f"{d1}{l1}{e1}{n1}"
    return first if l2 is None else f"{first}:{d2}{l2}{e2}{n2}"


def shift_sqref(sqref: str, move: RowMove) -> str:
    """A space-separated list of areas on the moved sheet; deleted areas are dropped."""
    kept = (shift_area(a, move) for a in sqref.split())
    return " ".join(a for a in kept if a)


def _split_sheet(operand: str) -> tuple[str, str | None, str]:
    """'客户!A1' -> ('客户!', '客户', 'A1'); "'a b'!A1" -> ("'a b'!", 'a b', 'A1');
    'A1' -> ('', None, 'A1')."""
    if operand.startswith("'"):
        end = operand.rfind("'!")
        if end <= 0:
            return "", None, operand
        return operand[:end + 2], operand[1:end].replace("''", "'"), operand[end + 2:]
    prefix, bang, ref = operand.rpartition("!")
    if not bang:
        return "", None, operand
    return prefix + "!", prefix, ref


def shift_operand(operand: str, host: str | None, move: RowMove) -> str:
    """One range operand of a formula written on sheet ``host`` (None: a defined name, chart
    series or link, where unqualified references name no sheet)."""
    prefix, sheet, ref = _split_sheet(operand)
    if sheet is None:
        sheet = host
    elif sheet.startswith("[") or ":" in sheet:      # external or 3-D: Excel leaves these
        return operand
    if not move.on(sheet):
        return operand
    new = shift_area(ref, move)
    return prefix + ("#REF!" if new is None else new)


def mentions(text: str, host: str | None, move: RowMove) -> bool:
    """A cheap test: can ``text`` name a cell of the moved sheet at all?"""
    if move.on(host):
        return True
    folded = text.casefold()
    name = move.sheet.casefold()
    return name in folded or name.replace("'", "''") in folded


def shift_formula(formula: str, host: str | None, move: RowMove) -> str:
    """A formula (without its leading ``=``) after ``move``; unchanged text when it names none of
    the moved cells."""
    if not formula or not mentions(formula, host, move):
        return formula
    try:
        tokens = Tokenizer("=" + formula).items
    except (TokenizerError, IndexError, ValueError):  # openpyxl cannot read it: leave it be
        return formula
    changed = False
    for token in tokens:
        if token.type == "OPERAND" and token.subtype == "RANGE":
            new = shift_operand(token.value, host, move)
            if new != token.value:
                token.value, changed = new, True
    if not changed:
        return formula
    return "".join(t.value for t in tokens)


def shift_cell(ref: str, move: RowMove) -> str | None:
    """A cell address (``C12``) on the moved sheet after ``move``; None when it is deleted."""
    return shift_area(ref, move)


__all__ = ["RowMove", "col_letter", "mentions", "shift_area", "shift_cell", "shift_formula",
           "shift_operand", "shift_sqref"]
