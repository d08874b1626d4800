"""The template workbook, built with XlsxWriter from ``schemas/`` (``xltools.schema``) alone.

Every table of the schema becomes an Excel table (ListObject) at A1 of its own sheet, with
header labels in the book's language, column widths and number formats, dropdowns fed from the
Lists sheet through dynamic ``lst_<list>`` names, range checks and input messages that show each
column's help. ``xltools template`` writes the committed ``workbook_template.xlsx``;
``xltools new --demo`` passes demo data to fill the tables.

>>> import tempfile, os, openpyxl
>>> path = os.path.join(tempfile.mkdtemp(), "book.xlsx")
>>> build_template(path, lang="en")
>>> openpyxl.load_workbook(path).sheetnames[:4]
['Customers', 'FollowUps', 'Tags', 'Opportunities']
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import xlsxwriter

from .. import layout
from ..keys import salt_append
from ..schema import Schema, Table, load_schema
from ..xlsx.refs import make_ref
from .cells import TEXT_FORMAT_TYPES, Formats, write_frame
from .highlights import customer_highlights
from .lists import write_lists
from .readme import readme_rows
from .validation import column_validation
from .names import absolute_cell

# Sheet order of a new book, by table or sheet key. Keys the schema adds later go at the end.
SHEET_ORDER = ("Customers", "FollowUps", "Tags", "Opportunities", "Summary", "Todo", "Issues", "Rules",
               "Settings", "Team", "Lists", "ChangeLog", "ReadMe")
# Fixed document properties, so two builds of the same schema give equal files.
PROPERTIES = {"title": "xltools customer database", "author": "xltools", "company": "",
              "created": dt.datetime(2024, 1, 1)}
TABLE_STYLE = "Table Style Medium 2"
TOOL_TAB_COLOR = "#A6A6A6"   # tab colour of the sheets the tools own


def build_template(path: str | os.PathLike, lang: str = "zh", data=None,
                   schema: Schema | None = None, salt: str | None = None) -> None:
    """Write a new workbook to ``path``.

    ``data``, when given, fills it: ``data.frames`` maps table key -> DataFrame (columns = column
    keys) and ``data.lists`` maps list key -> options that replace the schema's (e.g. the team's
    staff names). Without data every table has one empty row. ``salt`` (or ``data.salt``): the
    book's fingerprint salt, a Settings row (the shared template has none: each book its own).
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    schema = schema or load_schema()
    frames = default_frames(schema, lang, salt=salt or getattr(data, "salt", None))
    frames.update(getattr(data, "frames", None) or {})
    lists = {lst.key: list(lst.values) for lst in schema.lists}
    lists.update(getattr(data, "lists", None) or {})

    # Write beside the target and move into place, so a failure never leaves half a book
    # where a good one (``new --force``) used to be.
    path = Path(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        wb = xlsxwriter.Workbook(os.fspath(partial))
        wb.set_properties(PROPERTIES)
        _Builder(wb, schema, lang, frames, lists).build()
        wb.close()
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def default_frames(schema: Schema, lang: str, salt: str | None = None) -> dict[str, pd.DataFrame]:
    """The Rules and Settings rows a new book starts with (the team edits them in Excel)."""
    frames = {}
    if any(t.key == "Rules" for t in schema.tables):
        frames["Rules"] = pd.DataFrame(list(schema.rules))
    if any(t.key == "Settings" for t in schema.tables):
        frames["Settings"] = pd.DataFrame([
            {"Setting": s["Setting"], "Value": _number_or_text(s["Value"]),
             "Description": s.get(lang) or s.get("zh") or s.get("en") or ""}
            for s in schema.settings] + ([salt_append(salt, lang).values] if salt else []))
    return frames


def _number_or_text(value):
    """'180' -> 180, '0.5' -> 0.5, '公海' -> '公海': settings used in formulas must be numbers."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return value


def sheet_order(schema: Schema) -> list[str]:
    """Table and sheet keys in book order: SHEET_ORDER, with keys it does not know (tables the
    schema gained later) just before the ReadMe, which stays last."""
    keys = [t.key for t in schema.tables] + [s.key for s in schema.sheets]
    known = [k for k in SHEET_ORDER if k in keys and k != "ReadMe"]
    tail = ["ReadMe"] if "ReadMe" in keys else []
    return known + [k for k in keys if k not in SHEET_ORDER] + tail


class _Builder:
    def __init__(self, wb, schema: Schema, lang: str, frames: dict, lists: dict):
        self.wb, self.schema, self.lang = wb, schema, lang
        self.frames, self.lists = frames, lists
        self.formats = Formats(wb)
        self.tables = {t.key: t for t in schema.tables}
        self.sheets = {s.key: s for s in schema.sheets}
        self.lists_title = self._title("Lists")

    def _title(self, key: str) -> str:
        item = self.tables.get(key) or self.sheets.get(key)
        return item.title(self.lang) if item else key

    def build(self) -> None:
        order = sheet_order(self.schema)
        for key in order:
            ws = self.wb.add_worksheet(self._title(key))
            if key in self.tables:
                self.table_sheet(ws, self.tables[key])
            elif key == "Lists":
                write_lists(ws, self.wb, self.schema, self.lang, self.lists, self.formats)
            elif key in ("Summary", "Todo"):
                self.summary_sheet(ws, key)
            elif key == "ReadMe":
                self.readme_sheet(ws, [(k, self._title(k)) for k in order])
            if key in self.sheets and self.sheets[key].name:
                self.wb.define_name(self.sheets[key].name, "=" + absolute_cell(ws.name, 0, 1))
            if key not in self.schema_data_keys:
                ws.set_tab_color(TOOL_TAB_COLOR)
            if key in self.tables and self.tables[key].hidden:
                ws.very_hidden()  # the tools' own records (TeamBase): not a sheet to edit
        self.wb.define_name(layout.LANG_NAME, f'="{self.lang}"')
        self.wb.worksheets()[0].activate()

    @property
    def schema_data_keys(self) -> set[str]:
        return {t.key for t in self.schema.data_tables}

    # ------------------------------------------------------------------ table sheets

    def table_sheet(self, ws, table: Table) -> None:
        df = self.frames.get(table.key)
        n_rows = max(1, 0 if df is None else len(df))
        last_row = n_rows  # 0-based: header on row 0, data on rows 1..n_rows
        last_col = len(table.columns) - 1
        numeric_in_text = write_frame(ws, table, df, self.formats)

        columns = []
        for c, col in enumerate(table.columns):
            fmt = None if col.key in numeric_in_text else self.formats.for_column(col)
            # bold headers also where table styles are not drawn (LibreOffice, WPS)
            columns.append({"header": col.label(self.lang), "format": fmt,
                            "header_format": self.formats.get(bold=True)})
            ws.set_column(c, c, col.width, fmt, {"hidden": bool(col.hidden)})
            # Tables the tools rebuild get dropdowns and help (a reviewer picks 是/批准 there)
            # but no range checks: the tools write their dates and numbers.
            options = column_validation(col, self.lang, self.lists_title,
                                        checks=not table.generated)
            if options:
                ws.data_validation(1, c, last_row, c, options)
        ws.add_table(0, 0, last_row, last_col, {"name": table.table_name, "style": TABLE_STYLE,
                                                "columns": columns})
        ws.freeze_panes(1, 0)
        ws.set_landscape()
        ws.set_paper(9)                  # A4
        ws.fit_to_pages(1, 0)            # one page wide, as many tall as it takes
        # (Conflicts too: a sheet to decide on, each row whole on one page)
        ws.repeat_rows(0)  # the header on every printed page
        text_cols = [c for c, col in enumerate(table.columns)
                     if col.type in TEXT_FORMAT_TYPES and col.key not in numeric_in_text]
        if text_cols:  # long digit strings kept as text are meant: no green triangles
            ws.ignore_errors({"number_stored_as_text": " ".join(
                make_ref(c + 1, 2, c + 1, last_row + 1) for c in text_cols)})
        if table.key == "Customers":
            customer_highlights(ws, table, last_row, self.formats)
        if table.key == "Settings":
            self._setting_names(ws, table, df)

    def _setting_names(self, ws, table: Table, df) -> None:
        """``set_<Setting>`` -> that setting's Value cell, for formulas such as the dormant
        highlight."""
        if df is None or "Setting" not in df.columns or "Value" not in table.keys:
            return
        value_col = table.keys.index("Value")
        for r, name in enumerate(df["Setting"].tolist(), start=2):
            if isinstance(name, str) and name:
                self.wb.define_name(layout.setting_name(name),
                                    "=" + absolute_cell(ws.name, value_col, r))

    # ------------------------------------------------------------------ text sheets

    def summary_sheet(self, ws, key: str = "Summary") -> None:
        """The placeholder of a sheet a command rebuilds (Summary, To-do)."""
        zh = self.lang == "zh"
        command, title_zh, title_en, button = {
            "Summary": ("summary", "客户数据汇总", "Customer summary", "汇总"),
            "Todo": ("remind", "待办", "To-do", "跟进提醒")}[key]
        ws.set_column(0, 0, 90)
        ws.write_string(0, 0, title_zh if zh else title_en,
                        self.formats.get(bold=True, font_size=14))
        ws.write_string(1, 0, (
            f"本表由 xltools {command} 工作簿.xlsx 或功能区“客户管理”选项卡上的{button}按钮生成,"
            "每次整体重建,请勿在此手工编辑。") if zh else (
            f"Filled by `xltools {command} book.xlsx` or the {button} button on the 客户管理 "
            "ribbon tab; rebuilt as a whole each time, so do not edit it by hand."),
            self.formats.get(font_color="#595959", text_wrap=True))

    def readme_sheet(self, ws, sheet_titles) -> None:
        from ..catalog import operations
        from ..registry import GROUPS

        styles = {
            "title": self.formats.get(bold=True, font_size=16),
            "heading": self.formats.get(bold=True, font_size=12, bottom=1),
            "subheading": self.formats.get(bold=True, italic=True),
            "text": self.formats.get(text_wrap=True, valign="top"),
            "item": self.formats.get(bold=True, valign="top", text_wrap=True),
        }
        ws.set_column(0, 0, 26)
        ws.set_column(1, 1, 90, styles["text"])
        ws.hide_gridlines(2)
        ws.fit_to_pages(1, 0)  # prints one page wide
        rows = readme_rows(self.schema, self.lang, sheet_titles, operations(), GROUPS)
        for r, (style, first, second) in enumerate(rows):
            if style == "gap":
                continue
            if style == "text":  # a paragraph spans both columns
                ws.merge_range(r, 0, r, 1, "", styles["text"])
                ws.write_string(r, 0, first, styles["text"])
                ws.set_row(r, _height(first, 110))
                continue
            ws.write_string(r, 0, first, styles[style])
            if second:
                ws.write_string(r, 1, second, styles["text"])
                ws.set_row(r, _height(second, 86))


def _height(text: str, width: float) -> float:
    """Row height (points) that shows ``text`` wrapped in a cell ``width`` characters wide; CJK
    characters take two."""
    lines = 0
    for line in text.split("\n"):
        units = sum(2.2 if ord(ch) >= 0x2E80 else 1.1 for ch in line)
        lines += max(1, -(-int(units) // int(width)))
    return 15.0 * lines
