"""Conditional formats of the Customers sheet: dormant customers in grey, overdue follow-ups red.

Both compare with TODAY() inside Excel, so the colours stay current without running a command;
the dormant threshold is the Settings value named ``set_DormantDays``.
"""

from __future__ import annotations

from .. import layout
from ..schema import Table
from ..xlsx.refs import col_letter, make_ref


def _argb_to_rgb(argb: str) -> str:
    return "#" + argb[-6:]


def customer_highlights(ws, table: Table, last_row: int, formats) -> None:
    """Add the two rules to the data rows 2..``last_row + 1``; a rule whose columns the table
    lacks is left out."""
    keys = table.keys
    rows = make_ref(1, 2, len(keys), last_row + 1)

    def col(key: str) -> str:
        return f"${col_letter(keys.index(key) + 1)}2"

    threshold = f"TODAY()-{layout.setting_name('DormantDays')}"
    if "LastFollowUpTime" in keys and "CreateTime" in keys:
        last, created = col("LastFollowUpTime"), col("CreateTime")
        formula = (f'=OR(AND(ISNUMBER({last}),{last}<{threshold}),'
                   f'AND({last}="",ISNUMBER({created}),{created}<{threshold}))')
        ws.conditional_format(rows, {
            "type": "formula", "criteria": formula,
            "format": formats.workbook.add_format(
                {"font_color": _argb_to_rgb(layout.DORMANT_FONT)})})
    if "NextFollowUpTime" in keys:
        c = keys.index("NextFollowUpTime") + 1
        nxt = col("NextFollowUpTime")
        ws.conditional_format(make_ref(c, 2, c, last_row + 1), {
            "type": "formula", "criteria": f"=AND(ISNUMBER({nxt}),{nxt}<TODAY())",
            "format": formats.workbook.add_format({"bg_color": _argb_to_rgb(layout.OVERDUE_FILL)})})
