"""Conventions the template writes and the backends rely on. Change them here only.

* Every managed table is an Excel table (ListObject) named as in ``schemas/tables.yaml``
  (``tblCustomers`` ...). The template puts each at A1 of its own sheet, but loaders must read the
  table's ``ref`` and never assume a position: people insert rows above and rename sheets.
* The Lists sheet holds table ``tblLists``: one column per dropdown list, header = the list's label
  in the book's language. Each list has a workbook-level defined name ``lst_<key>`` with a dynamic
  range (OFFSET/COUNTA), which the dropdowns use, so new options appear without regenerating.
* Sheets without a table (Summary, ReadMe, the Lists sheet itself) have a defined name
  ``xlt_<key>`` pointing at their A1, so they are found after a rename.
* ``xlt_Lang`` is a defined name holding the book's language, ``"zh"`` or ``"en"``.
* Validation marks are a cell fill with one of the MARK_FILLS colours plus a note; a cell whose
  fill is one of these colours is ours to clear. Users' own fills use other colours.
"""

from __future__ import annotations

LANG_NAME = "xlt_Lang"
LISTS_TABLE = "tblLists"

# Fill colours (ARGB) of our validation marks: error, warning.
MARK_FILLS = {"error": "FFFFC7CE", "warning": "FFFFEB9C"}

# Colours used by the template's conditional formats.
DORMANT_FONT = "FF9C9C9C"
OVERDUE_FILL = "FFFFC7CE"


def list_name(list_key: str) -> str:
    """Defined name feeding one dropdown list: ``lst_Region``."""
    return f"lst_{list_key}"


def sheet_name(sheet_key: str) -> str:
    """Defined name that marks a tool-owned sheet: ``xlt_Summary``."""
    return f"xlt_{sheet_key}"


def setting_name(setting: str) -> str:
    """Defined name of one Settings value, usable in formulas: ``set_DormantDays``."""
    return f"set_{setting}"


def detect_lang(headers: list[str], table) -> str:
    """'zh' when the table's header uses the Chinese labels more than the English ones."""
    zh = sum(h in {c.zh for c in table.columns} for h in headers)
    en = sum(h in {c.en for c in table.columns} | {c.key for c in table.columns} for h in headers)
    return "zh" if zh >= en else "en"
