"""Excel data validation for one schema column: the dropdown or range check, the input message
that shows the column's help when a cell is selected, and an error alert in the book's language.

Excel's own limits, which LibreOffice forgives but Excel answers with a repair prompt: an input
title of at most 32 characters and messages of at most 255.

>>> from xltools.schema import load_schema
>>> v = column_validation(load_schema().table("Customers").column("Region"), "zh", "字典")
>>> v["validate"], v["source"], v["input_title"]
('list', '=lst_Region', '所属区域')
"""

from __future__ import annotations

import datetime as dt

from ..layout import list_name
from ..schema import Column

MAX_TITLE = 32
MAX_MESSAGE = 255
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)
INT_RANGE = (-2_147_483_647, 2_147_483_647)

_ERRORS = {
    "list": ("无效选项",
             "“{label}”请从下拉列表中选择。需要新选项时,先在“{lists}”表的对应列下方添加。",
             "Not in the list", "Pick {label} from the dropdown. To add an option, type it under "
             "its column on the {lists} sheet first."),
    "date": ("日期无效", "“{label}”请填写 1900-01-01 至 2100-12-31 之间的日期,如 2024-03-15。",
             "Not a date",
             "{label}: enter a date between 1900-01-01 and 2100-12-31, e.g. 2024-03-15."),
    "decimal": ("数值无效", "“{label}”请填写不小于 {min} 的数字。",
                "Not a valid number", "{label}: enter a number of at least {min}."),
    "integer": ("请填写整数", "“{label}”请填写整数。",
                "Whole number needed", "{label}: enter a whole number."),
}


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rule(col: Column) -> dict | None:
    if col.type == "list" and col.list:
        return {"validate": "list", "source": "=" + list_name(col.list)}
    if col.is_date:
        return {"validate": "date", "criteria": "between",
                "minimum": FIRST_DATE, "maximum": LAST_DATE}
    if col.type == "number" and col.min is not None:
        return {"validate": "decimal", "criteria": ">=", "value": col.min}
    if col.type == "integer":
        low = INT_RANGE[0] if col.min is None else int(col.min)
        return {"validate": "integer", "criteria": "between", "minimum": low,
                "maximum": INT_RANGE[1]}
    return None


def _number_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def column_validation(col: Column, lang: str, lists_sheet: str,
                      checks: bool = True) -> dict | None:
    """XlsxWriter ``data_validation`` options for ``col``, or None when it needs none
    (no check and no help text to show). ``checks=False`` keeps dropdowns and help only."""
    rule = _rule(col)
    if rule is not None and not checks and rule["validate"] != "list":
        rule = None
    help_text = col.help(lang)
    if rule is None and not help_text:
        return None
    label = col.label(lang)
    options = rule or {"validate": "any"}
    if help_text:
        options["input_title"] = clip(label, MAX_TITLE)
        options["input_message"] = clip(help_text, MAX_MESSAGE)
    if rule is not None:
        title_zh, msg_zh, title_en, msg_en = _ERRORS[rule["validate"]]
        title, msg = (title_zh, msg_zh) if lang == "zh" else (title_en, msg_en)
        min_text = _number_text(col.min) if col.min is not None else ""
        options["error_title"] = clip(title, MAX_TITLE)
        options["error_message"] = clip(msg.format(label=label, lists=lists_sheet, min=min_text),
                                        MAX_MESSAGE)
        options["error_type"] = "stop"
    return options
