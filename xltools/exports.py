"""Customers rows written to a file someone opens elsewhere: CSV (UTF-8 with BOM, for Excel) or a
plain workbook. The edge where query and export results leave the book; the rows themselves come
from :func:`xltools.core.query.query`.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd

from .core.query import QUERY_SHEET, cell_value, headers, records

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """Text starting with = + - @ (or a tab / CR) gets a leading ' so spreadsheets show it as text.

    >>> escape_formula("=HYPERLINK(1)"), escape_formula("-5"), escape_formula(-5)
    ("'=HYPERLINK(1)", "'-5", -5)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(db, rows: pd.DataFrame, path: Path) -> None:
    """UTF-8 with BOM (Excel opens it right), book-language headers, formulas defused."""
    keys = list(rows.columns)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([escape_formula(h) for h in headers(db, keys)])
        for rec in records(rows):
            out.writerow(["" if rec[k] is None else escape_formula(rec[k]) for k in keys])


def column_widths(db, rows: pd.DataFrame) -> list[float]:
    """The schema's width for our columns; for others, the longest of the first 200 values (a
    Chinese character counts two), between 8 and 50."""
    table = db.schema.table("Customers")
    out = []
    for key in rows.columns:
        if key in table.keys:
            out.append(float(table.column(key).width))
            continue
        sample = [str(key)] + [str(v) for v in rows[key].head(200) if cell_value(v) is not None]
        longest = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) for text in sample)
        out.append(float(min(max(longest + 2, 8), 50)))
    return out


def write_xlsx(db, rows: pd.DataFrame, path: Path) -> None:
    """A plain workbook with the rows; every text stays text (no formula is ever created)."""
    import xlsxwriter

    keys = list(rows.columns)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    try:
        sheet = book.add_worksheet(QUERY_SHEET[1] if db.lang == "zh" else QUERY_SHEET[2])
        bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1,
                                "text_wrap": True, "valign": "top"})
        date = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, headers(db, keys), bold)
        for c, width in enumerate(column_widths(db, rows)):
            sheet.set_column(c, c, width)
        for r, row in enumerate(rows.itertuples(index=False), start=1):
            for c, value in enumerate(row):
                value = cell_value(value)
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
                elif isinstance(value, str):
                    sheet.write_string(r, c, value)
                else:
                    sheet.write(r, c, value)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(rows), 1), max(len(keys) - 1, 0))
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)
    finally:
        book.close()
