"""Cell XML for values the tools write: strings as data, numbers as numbers, dates as serials.

Strings are written as inline strings (``t="inlineStr"``, UTF-8, ``xml:space="preserve"``), never
as formulas: ``=HYPERLINK("http://x","y")``, ``+86 138...`` and ``@SUM(1)`` stay the text they
are. Characters XML 1.0 cannot hold (control characters) use OOXML's ``_xHHHH_`` escape, and a
literal ``_xHHHH_`` in the text is itself escaped, so Excel reads back exactly what was written.

>>> cell_xml("B5", "=1+1", 3)
'<c r="B5" s="3" t="inlineStr"><is><t xml:space="preserve">=1+1</t></is></c>'
>>> cell_xml("C2", 12.5), cell_xml("C3", True), cell_xml("C4", None, 2)
('<c r="C2"><v>12.5</v></c>', '<c r="C3" t="b"><v>1</v></c>', '<c r="C4" s="2"/>')
>>> escape_text("a\\x01b_x0041_"), escape_text("\\ud800")
('a_x0001_b_x005F_x0041_', '_xD800_')
>>> to_serial(datetime.datetime(2024, 3, 15, 12))
45366.5
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Iterable
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
# What XML 1.0 cannot hold: control characters, U+FFFE/FFFF, and lone surrogates (a str can carry
# them, e.g. from a live Excel cell; UTF-8 cannot encode them at all).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def escape_text(text: str) -> str:
    """Text safe inside <t>: OOXML escapes for what XML 1.0 cannot hold (XML escaping is separate)."""
    text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
    return _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def to_serial(value: datetime.date | datetime.datetime) -> float:
    """A date or datetime as an Excel serial (1900 date system)."""
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    delta = value - EXCEL_EPOCH
    serial = delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
    return round(serial, 10) if not float(serial).is_integer() else float(delta.days)


def plain(value: Any) -> Any:
    """numpy/pandas scalars as plain Python; NaN/NaT/None as None; Timestamps as datetimes."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def kind_of(value: Any) -> str:
    """'blank', 'text', 'number', 'bool', 'date' or 'datetime' for a plain value."""
    if value is None or (isinstance(value, str) and value == ""):
        return "blank"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, datetime.datetime):
        return "datetime" if (value.hour, value.minute, value.second) != (0, 0, 0) else "date"
    if isinstance(value, datetime.date):
        return "date"
    if isinstance(value, (int, float)):
        return "number" if math.isfinite(value) else "text"
    return "text"


def _number(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def cell_xml(ref: str, value: Any, style: int | None = None) -> str:
    """The ``<c>`` element for one plain value (dates must be given as serials already or are
    converted here; the caller picks a date style)."""
    s = f' s="{style}"' if style else ""
    kind = kind_of(value)
    if kind == "blank":
        return f'<c r="{ref}"{s}/>'
    if kind == "bool":
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if kind in ("date", "datetime"):
        return f'<c r="{ref}"{s}><v>{_number(to_serial(value))}</v></c>'
    if kind == "number":
        return f'<c r="{ref}"{s}><v>{_number(value)}</v></c>'
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text_xml(str(value))}</t></is></c>'


def column_cells(letter: str, rows: Iterable[int], values: Iterable[Any], style: int,
                 other: Callable[[str, int, Any, int], str], *, longest: int,
                 date_style: Callable[[int, bool], int] | None = None) -> list[str]:
    """The ``<c>`` of one column in each of ``rows``: blanks, numbers and text up to ``longest``
    characters (most cells of rows being appended) made here in one pass, as
    :func:`cell_xml` makes them; with ``date_style`` (the style of a date, with or without its
    time, in ``style``'s look) dates and datetimes too; any other value by
    ``other(letter, row, value, style)``.

    >>> column_cells("B", [7, 8, 9, 10], ["华腾", None, 5, True], 3,
    ...              lambda l, r, v, s: f"<{l}{r}:{v}>", longest=100)
    ['<c r="B7" s="3" t="inlineStr"><is><t xml:space="preserve">华腾</t></is></c>', '<c r="B8" s="3"/>', '<c r="B9" s="3"><v>5</v></c>', '<B10:True>']
    >>> column_cells("C", [2, 3], [datetime.date(2024, 3, 15), datetime.datetime(2024, 3, 15, 12)],
    ...              0, None, longest=100, date_style=lambda s, with_time: 7 + with_time)
    ['<c r="C2" s="7"><v>45366</v></c>', '<c r="C3" s="8"><v>45366.5</v></c>']
    """
    s_attr = f' s="{style}"' if style else ""
    blank = f'"{s_attr}/>'
    text = f'"{s_attr} t="inlineStr"><is><t xml:space="preserve">'
    out: list[str] = []
    for row, value in zip(rows, values):
        if value is None:
            out.append(f'<c r="{letter}{row}{blank}')
        elif type(value) is str and len(value) <= longest:
            out.append(f'<c r="{letter}{row}{text}{text_xml(value)}</t></is></c>' if value
                       else f'<c r="{letter}{row}{blank}')
        elif type(value) is int or (type(value) is float and math.isfinite(value)):
            out.append(f'<c r="{letter}{row}"{s_attr}><v>{_number(value)}</v></c>')
        elif date_style is not None and (type(value) is datetime.date
                                         or type(value) is datetime.datetime):
            # (as cell_xml, in the style kind_of's date or datetime asks for)
            with_time = type(value) is datetime.datetime and (
                value.hour, value.minute, value.second) != (0, 0, 0)
            date_s = date_style(style, with_time)
            date_attr = f' s="{date_s}"' if date_s else ""
            out.append(f'<c r="{letter}{row}"{date_attr}><v>{_number(to_serial(value))}</v></c>')
        else:
            out.append(other(letter, row, value, style))
    return out


_NEEDS_ESCAPE = re.compile(r"[&<>_\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def text_xml(text: str) -> str:
    """``text`` as the content of a <t> element (OOXML and XML escapes); most text needs none,
    which one search finds out.

    >>> text_xml("a<b & _x0041_"), text_xml("华腾")
    ('a&lt;b &amp; _x005F_x0041_', '华腾')
    """
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    return escape(escape_text(text))
