"""The part of :class:`~xltools.backend.writer.BookWriter` that appends rows to a table: where
they go (after the last row holding a value; the table grows into empty cells below it, or rows
are inserted), their cells made column by column a chunk at a time, and, for many new rows, made
only as the sheet is written (:meth:`~xltools.xlsx.sheetxml.SheetXml.put_rows_later`); a team's
own columns new to the table are added at its right edge."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..xlsx import longtext
from ..xlsx.bandmove import UnsafeTableEdit
from ..xlsx.cells import cell_xml, column_cells, kind_of
from ..xlsx.refs import col_letter, make_cell
from ..xlsx.sheetxml import SheetXml
from ..xlsx.tablepart import add_table_column
from . import frames
from .located import Located

NEVER_CUT = longtext.EXCEL_MAX // 2       # a text this long is never cut, however it counts
APPEND_CHUNK = 5_000                      # rows appended are made this many at a time
LATER_FROM = 20_000                       # appending this many rows, they are made as written
_MADE_LATER = {type(None), str, int, float, bool, dt.date, dt.datetime}   # (see _made_later)


class AppendWriter:
    """Methods of BookWriter (see there for the state they share)."""

    def first_free_row(self, loc: Located) -> int:
        """The row after the table's last row that holds a value (trailing blank rows are
        filled first: a new table has one)."""
        sheet = self.sheet(loc.sheet_part)
        row = loc.last_row
        while row > loc.header_row:
            xml = sheet.row_xml(row)
            if xml is not None and sheet.row_values_present(row, loc.columns):
                break
            row -= 1
        return row + 1

    def append_rows(self, key: str, rows: list[dict[str, Any]] | dict[str, list]) -> None:
        """Add ``rows`` after the table's last: a dict per row, or columns (column key -> a
        value per row, every list as long)."""
        rows = _Rows(rows)
        if not len(rows):
            return
        loc = self.locate(key, create=True)
        sheet = self.sheet(loc.sheet_part)
        keys = set(self.schema.table(key).keys)
        extra = [k for k in rows.given(besides=keys) if k not in loc.positions]
        if extra:
            self.add_columns(loc, extra)
        start = self.first_free_row(loc)
        beyond = start + len(rows) - 1 - loc.last_row      # rows the table must grow by
        if beyond > 0 and not self._free_below(loc, beyond):
            self.insert_rows(loc, beyond)
        where = None if key == "ChangeLog" else loc.sheet_name   # the log's copies are cut only
        above = start - 1 if start - 1 > loc.header_row else 0
        styles = self._base_styles(sheet, above, loc.columns)
        by_col = {c: k for k, c in loc.positions.items()}
        columns = [(c, by_col.get(c), col_letter(c), styles[c]) for c in loc.columns]
        last_present = sheet.last_row()         # rows below it are new: nothing to merge into

        def other(letter: str, row: int, value: Any, style: int) -> str:
            return self._other_xml(letter, row, value, style, where)

        def chunks():
            """Column by column, a chunk of rows at a time (200,000 imported rows are not held
            as cells at once): one pass per column instead of a call per cell."""
            for first in range(0, len(rows), APPEND_CHUNK):
                numbers = range(start + first, min(start + first + APPEND_CHUNK,
                                                   start + len(rows)))
                cells = [column_cells(letter, numbers, rows.column(k, first, first + len(numbers)),
                                      style, other, longest=NEVER_CUT,
                                      date_style=self.date_style)
                         for _, k, letter, style in columns]
                yield numbers, zip(*cells)

        if start > last_present and self._made_later(rows, columns, where is None, sheet):
            sheet.put_rows_later(start, len(rows), lambda: (
                [f'<row r="{row}">{"".join(xmls)}</row>'.encode() for row, xmls in zip(*chunk)]
                for chunk in chunks()))
        else:
            for numbers, row_cells in chunks():
                for row, xmls in zip(numbers, row_cells):
                    if row > last_present or sheet.row_xml(row) is None:
                        sheet.put_row(row, "".join(xmls))     # in loc.columns' order
                    else:
                        sheet.set_cells(row, {c: x for (c, *_), x in zip(columns, xmls)})
        self.resize(loc, max(loc.last_row, start + len(rows) - 1))

    def _made_later(self, rows: _Rows, columns: list, cut_only: bool, sheet: SheetXml) -> bool:
        """Whether appended rows can be made as the sheet is written (their XML, 1.5 KB a row
        of an import, never held at once) rather than now: many rows, and making them later
        changes nothing else. Their cells may then only be values whose XML needs no state of
        this writer: blanks, text, numbers, booleans and dates; a text that may be cut is kept
        on the long-text sheet (unless ``cut_only``: the ChangeLog's copies), so its rows are made
        now. The date formats the cells need are added to the styles now, in the order making
        them now would add them (the styles part is written before the sheets)."""
        if len(rows) < LATER_FROM or sheet.prefix:
            return False
        firsts = []      # (row, column position, style, with time): the first date of each kind
        for pos, (_, k, _, style) in enumerate(columns):
            if k is None:
                continue
            values = rows.column(k, 0, len(rows))
            types = set(map(type, values))
            if not types <= _MADE_LATER:
                return False
            if str in types and not cut_only and max(
                    (len(v) for v in values if type(v) is str), default=0) > NEVER_CUT:
                return False
            if dt.date in types or dt.datetime in types:
                seen: dict[bool, int] = {}
                for i, v in enumerate(values):
                    if type(v) is dt.date or type(v) is dt.datetime:
                        seen.setdefault(kind_of(v) == "datetime", i)
                        if len(seen) == 2:
                            break
                firsts += [(i, pos, style, with_time) for with_time, i in seen.items()]
        for i, pos, style, with_time in sorted(firsts, key=lambda f: (
                f[0] // APPEND_CHUNK, f[1], f[0])):
            self.styles.with_date_format(style, with_time=with_time)
        return True

    def add_columns(self, loc: Located, names: list[str]) -> None:
        """A team's own columns, new to this table (a 微信号 column of Customers reaching
        Archive): added at the table's right edge, into empty cells only."""
        sheet = self.sheet(loc.sheet_part)
        root = self.parts.xml(loc.table_part)
        bottom = loc.last_row + self._totals(loc.table_part)
        for name in names:
            col = loc.last_col + 1
            for row in range(loc.header_row, bottom + 1):
                if sheet.row_xml(row) is not None and sheet.row_values_present(row, [col]):
                    raise UnsafeTableEdit(
                        f"表格 {loc.name} 右侧的 {make_cell(col, row)} 有内容,无法为“{name}”列加列;"
                        "未写入任何内容", f"cell {make_cell(col, row)} right of table {loc.name} "
                        f"is not empty, so column '{name}' cannot be added; nothing was written")
            header = sheet.cells(loc.header_row).get(loc.last_col)
            style = int(header.get("s", "0")) if header is not None else 0
            sheet.set_cells(loc.header_row, {col: cell_xml(make_cell(col, loc.header_row),
                                                           str(name), style)})
            add_table_column(root, str(name))
            loc.last_col = col
            loc.positions[name] = col
        self.parts.put_xml(loc.table_part, root)
        sheet.widen_dimension(loc.last_col)
        loc.dirty = True

    def _free_below(self, loc: Located, count: int) -> bool:
        """True when the table can grow ``count`` rows into empty cells (no Total Row, nothing
        in its columns below), as Excel's table auto-expansion does."""
        if self._totals(loc.table_part):
            return False
        sheet = self.sheet(loc.sheet_part)
        rows = range(loc.last_row + 1, min(loc.last_row + count, sheet.last_row()) + 1)
        return not any(sheet.row_xml(r) is not None and sheet.row_values_present(r, loc.columns)
                       for r in rows)


class _Rows:
    """Rows to append, given as a dict each or as columns: a column's values for some rows."""

    def __init__(self, rows: list[dict[str, Any]] | dict[str, list]):
        self.by_row = rows if isinstance(rows, list) else None
        self.by_column = rows if isinstance(rows, dict) else None
        self.count = len(rows) if self.by_row is not None else \
            len(next(iter(rows.values()), ()))

    def __len__(self) -> int:
        return self.count

    def column(self, key: str | None, first: int, last: int) -> list:
        """The values of column ``key`` (None: a column the rows do not give) in rows
        ``first`` to ``last`` (excluded)."""
        if key is None:
            return [None] * (last - first)
        if self.by_row is not None:
            return [r.get(key) for r in self.by_row[first:last]]
        values = self.by_column.get(key)
        return [None] * (last - first) if values is None else values[first:last]

    def given(self, besides: set[str]) -> list[str]:
        """The columns not in ``besides`` holding a value in some row, in order of appearance."""
        if self.by_row is not None:
            return list(dict.fromkeys(k for r in self.by_row for k, v in r.items()
                                      if k not in besides and not frames.is_blank(v)))
        return [k for k, values in self.by_column.items() if k not in besides
                and any(not frames.is_blank(v) for v in values)]
