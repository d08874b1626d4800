"""Workbook-level defined names the template writes (see ``xltools.layout``).

>>> quote_sheet("字典")
"'字典'"
>>> quote_sheet("Bob's list")
"'Bob''s list'"
>>> list_range_formula("字典", 1)
"=OFFSET('字典'!$B$2,0,0,MAX(1,COUNTA('字典'!$B$2:$B$5000)),1)"
"""

from __future__ import annotations

from ..xlsx.refs import col_letter

# How far down a Lists column the dynamic range looks for options the team types in.
LIST_MAX_ROWS = 5000
# Excel refuses a data-validation list formula longer than this.
MAX_FORMULA = 255


def quote_sheet(sheet: str) -> str:
    """A sheet name as it must appear in a formula: always quoted, inner quotes doubled."""
    return "'" + sheet.replace("'", "''") + "'"


def absolute_cell(sheet: str, col: int, row: int) -> str:
    """``'设置'!$B$2`` for 0-based ``col`` and 1-based ``row``."""
    return f"{quote_sheet(sheet)}!${col_letter(col + 1)}${row}"


def list_range_formula(sheet: str, col: int, first_row: int = 2) -> str:
    """A range that starts under the header of Lists column ``col`` (0-based) and is as tall as
    the options in it, so an option typed under the column joins the dropdown at once.

    COUNTA stops short if the team leaves a gap in a column; MAX(1, ...) keeps an empty list a
    valid one-cell range instead of an error that would break every dropdown using it.
    """
    letter = col_letter(col + 1)
    q = quote_sheet(sheet)
    last_row = first_row + LIST_MAX_ROWS - 2
    formula = (f"=OFFSET({q}!${letter}${first_row},0,0,"
               f"MAX(1,COUNTA({q}!${letter}${first_row}:${letter}${last_row})),1)")
    if len(formula) > MAX_FORMULA:
        raise ValueError(f"list range formula longer than {MAX_FORMULA} characters: {formula}")
    return formula
