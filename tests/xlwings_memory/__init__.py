"""A stand-in for Excel: an xlwings engine that keeps a workbook's cells in memory.

It is NOT Excel. It implements the parts of xlwings' engine interface (``xlwings.base_classes``)
that ``xltools.backend.excel`` uses, behind the real ``xlwings.Book`` / ``Sheet`` / ``Range``
classes, so the backend runs exactly the xlwings calls it makes against Excel. What only real
Excel can confirm is tested in ``tests/excel`` (``pytest -m excel tests/excel``).

Where it matters, it behaves like Excel's ``Range.Value``: a string that starts with ``=`` becomes
a formula, digit strings become numbers and date-like strings dates in a General cell, a leading
apostrophe keeps the rest as text, and ``"@"`` (Text) cells keep strings as typed. It counts
every value write (``app.stats``) so tests can prove the backend writes in blocks.

>>> book = open_book("tests/../workbook_template.xlsx")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import xlwings as xw
from xlwings import base_classes
from xlwings.main import Engine as _Engine

from xltools.xlsx.refs import col_index, col_letter, split_ref

ENGINE_NAME = "memory"
_pids = itertools.count(90000)


# ---------------------------------------------------------------- what a cell becomes


def _num(text: str):
    t = text.strip().replace(",", "")
    pct = t.endswith("%")
    try:
        v = float(t.rstrip("%"))
    except ValueError:
        return None
    return v / 100 if pct else v


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S",
                 "%Y.%m.%d", "%Y年%m月%d日", "%m/%d/%Y")
_PARTIAL_DATE = re.compile(r"^\s*(\d{1,4})\s*[-/月]\s*(\d{1,2})\s*日?\s*$")


def _date(text: str):
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            pass
    m = _PARTIAL_DATE.match(text)
    if m:  # "3/4", "0755-8888"-like: Excel makes a date of this year (or an error-free guess)
        a, b = int(m.group(1)), int(m.group(2))
        try:
            return dt.datetime(dt.date.today().year, a, b) if a <= 12 else dt.datetime(a, b, 1)
        except ValueError:
            return None
    return None


def typed(value: Any, number_format: str | None) -> tuple[Any, str | None]:
    """(stored value, formula) for one value written through ``Range.Value``, as Excel does it."""
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        return value, None
    if isinstance(value, (int, float)):
        return float(value), None
    if isinstance(value, dt.datetime):
        return value, None
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day), None
    text = str(value)
    if text.startswith("'"):
        return text[1:], None
    if number_format == "@":
        return text, None
    if text.startswith("="):
        return _formula_value(text), text
    if text[0] in "+-@" and _num(text) is None:
        return "#NAME?", "=" + text.lstrip("+-@")       # Excel tries a formula
    if text.strip().upper() in ("TRUE", "FALSE"):
        return text.strip().upper() == "TRUE", None
    number = _num(text)
    if number is not None:
        return number, None
    date = _date(text)
    if date is not None:
        return date, None
    return text, None


_HYPERLINK = re.compile(r'^=HYPERLINK\("((?:[^"]|"")*)"\s*,\s*"((?:[^"]|"")*)"\)$', re.IGNORECASE)


def _formula_value(formula: str):
    m = _HYPERLINK.match(formula)
    if m:
        return m.group(2).replace('""', '"')
    return None   # the stand-in does not calculate


# ---------------------------------------------------------------- the workbook's state


class SheetData:
    def __init__(self, name: str):
        self.name = name
        self.values: dict[tuple[int, int], Any] = {}
        self.formulas: dict[tuple[int, int], str] = {}
        self.formats: dict[tuple[int, int], str] = {}
        self.column_formats: dict[int, str] = {}
        self.colors: dict[tuple[int, int], tuple[int, int, int]] = {}
        self.notes: dict[tuple[int, int], list[str]] = {}     # cell -> [text, author]
        self.bold: set[tuple[int, int]] = set()
        self.widths: dict[int, float] = {}
        self.validations: list[tuple[str, Any]] = []
        self.tables: list[TableData] = []
        self.charts: list[dict] = []

    def number_format(self, cell) -> str | None:
        return self.formats.get(cell) or self.column_formats.get(cell[1])

    def max_cell(self) -> tuple[int, int]:
        cells = list(self.values) + list(self.formulas)
        for t in self.tables:
            cells.append((t.r2, t.c2))
        if not cells:
            return 1, 1
        return max(r for r, _ in cells), max(c for _, c in cells)


class TableData:
    def __init__(self, name: str, ref: str, sheet: SheetData):
        (self.c1, self.r1), (self.c2, self.r2) = split_ref(ref)
        self.name, self.sheet = name, sheet


class Stats(Counter):
    """How many calls of each kind the backend made (``writes`` = value writes)."""


# ---------------------------------------------------------------- engine


class MemoryEngine:
    name = ENGINE_NAME
    type = "desktop"

    def __init__(self):
        self._apps: list[App] = []

    @property
    def apps(self):
        return Apps(self)

    @staticmethod
    def prepare_xl_data_element(x, options=None):
        if isinstance(x, float) and math.isnan(x):
            return None
        if hasattr(x, "item") and not isinstance(x, (str, bytes)):
            try:
                return x.item()
            except (AttributeError, ValueError, TypeError):
                return x
        return x

    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        def clean(v):
            if v is None:
                return empty_as
            if isinstance(v, dt.datetime) and datetime_builder not in (None, dt.datetime):
                return datetime_builder(v.year, v.month, v.day, v.hour, v.minute, v.second)
            if isinstance(v, float) and number_builder is not None:
                return number_builder(v)
            return v
        return [[clean(v) for v in row] for row in data]


_ENGINE = MemoryEngine()


def engine() -> MemoryEngine:
    """The memory engine, registered with ``xw.engines`` on first use (never made active)."""
    if ENGINE_NAME not in xw.engines.engines_by_name:
        xw.engines.add(_Engine(impl=_ENGINE))
    return _ENGINE


class Apps(base_classes.Apps):
    def __init__(self, eng):
        self.eng = eng

    def keys(self):
        return [a.pid for a in self.eng._apps]

    def add(self, spec=None, add_book=None, xl=None, visible=None):
        app = App(self.eng)
        self.eng._apps.append(app)
        return app

    def __iter__(self):
        return iter(self.eng._apps)

    def __len__(self):
        return len(self.eng._apps)

    def __getitem__(self, pid):
        return next(a for a in self.eng._apps if a.pid == pid)


def _stored(attr: str):
    """A plain read/write property (the base class declares these without setters)."""
    return property(lambda self: self.state[attr],
                    lambda self, value: self.state.__setitem__(attr, value))


class App(base_classes.App):
    def __init__(self, eng):
        self.engine = eng
        self._pid = next(_pids)
        self._books: list[Book] = []
        self.state = {"screen_updating": True, "calculation": "automatic", "display_alerts": True,
                      "enable_events": True, "visible": False, "interactive": True}
        self._status_bar = False
        self.status_history: list[Any] = []
        self.alerts: list[dict] = []
        self.stats = Stats()

    screen_updating = _stored("screen_updating")
    calculation = _stored("calculation")
    display_alerts = _stored("display_alerts")
    enable_events = _stored("enable_events")
    visible = _stored("visible")
    interactive = _stored("interactive")
    pid = property(lambda self: self._pid)
    api = property(lambda self: self)
    version = property(lambda self: "16.0 (memory stand-in)")
    books = property(lambda self: Books(self))

    @property
    def status_bar(self):
        return self._status_bar

    @status_bar.setter
    def status_bar(self, value):
        self._status_bar = value
        self.status_history.append(value)

    def alert(self, prompt, title, buttons, mode, callback):
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
        return "ok"

    def calculate(self):
        pass


class Books(base_classes.Books):
    def __init__(self, app):
        self.app = app

    api = property(lambda self: self)

    @property
    def active(self):
        return self.app._books[-1] if self.app._books else None

    def __call__(self, name_or_index):
        if isinstance(name_or_index, int):
            return self.app._books[name_or_index - 1]
        return next(b for b in self.app._books if b.name == name_or_index)

    def __len__(self):
        return len(self.app._books)

    def __iter__(self):
        return iter(self.app._books)

    def add(self):
        book = Book(self.app, "Book1", "")
        book.data.append(SheetData("Sheet1"))
        self.app._books.append(book)
        return book

    def open(self, fullname, **kwargs):
        book = load_xlsx(self.app, fullname)
        self.app._books.append(book)
        return book


class Book(base_classes.Book):
    def __init__(self, app, name, fullname):
        self._app, self._name, self._fullname = app, name, fullname
        self.data: list[SheetData] = []
        self.defined: dict[str, str] = {}

    api = property(lambda self: self)
    name = property(lambda self: self._name)
    fullname = property(lambda self: self._fullname)
    app = property(lambda self: self._app)
    sheets = property(lambda self: Sheets(self))
    names = property(lambda self: Names(self))

    def save(self, path=None, password=None):
        raise AssertionError("the live backend must never save the book")

    def close(self):
        self._app._books.remove(self)

    def activate(self):
        pass


class Sheets(base_classes.Sheets):
    def __init__(self, book):
        self.book = book

    api = property(lambda self: self)

    @property
    def active(self):
        return Sheet(self.book, self.book.data[0])

    def __call__(self, name_or_index):
        if isinstance(name_or_index, int):
            return Sheet(self.book, self.book.data[name_or_index - 1])
        for d in self.book.data:
            if d.name.lower() == str(name_or_index).lower():
                return Sheet(self.book, d)
        raise KeyError(name_or_index)

    def __len__(self):
        return len(self.book.data)

    def __iter__(self):
        return (Sheet(self.book, d) for d in self.book.data)

    def add(self, before=None, after=None, name=None):
        names = {d.name.lower() for d in self.book.data}
        if name is None:
            name = next(f"Sheet{i}" for i in itertools.count(1) if f"sheet{i}" not in names)
        if name.lower() in names:
            raise ValueError(f"a sheet named {name!r} exists")
        d = SheetData(name)
        if after is not None:
            self.book.data.insert(self.book.data.index(after.d) + 1, d)
        elif before is not None:
            self.book.data.insert(self.book.data.index(before.d), d)
        else:
            self.book.data.insert(0, d)
        return Sheet(self.book, d)


class Sheet(base_classes.Sheet):
    def __init__(self, book, d: SheetData):
        self._book, self.d = book, d

    api = property(lambda self: self)
    book = property(lambda self: self._book)
    index = property(lambda self: self._book.data.index(self.d) + 1)

    @property
    def name(self):
        return self.d.name

    @name.setter
    def name(self, value):
        self.d.name = value

    @property
    def names(self):
        return Names(self._book, scope=self)

    def range(self, arg1, arg2=None):
        if isinstance(arg1, Range):
            arg1 = (arg1.r1, arg1.c1)
        if isinstance(arg2, Range):
            arg2 = (arg2.r1 + arg2.nrows - 1, arg2.c1 + arg2.ncols - 1)
        if isinstance(arg1, str):
            if arg2 is not None:
                raise NotImplementedError
            return self._address(arg1)
        if len(arg1) == 4:
            return Range(self, *arg1)
        r1, c1 = arg1
        r2, c2 = arg2 if arg2 is not None else arg1
        return Range(self, min(r1, r2), min(c1, c2), abs(r2 - r1) + 1, abs(c2 - c1) + 1)

    def _address(self, text: str):
        if "," in text:
            areas = [self._address(a) for a in text.split(",")]
            rng = areas[0]
            rng.areas = areas
            return rng
        if Names(self._book).contains(text):
            return Names(self._book)(text).refers_to_range
        (c1, r1), (c2, r2) = split_ref(text.replace("$", ""))
        return Range(self, r1, c1, r2 - r1 + 1, c2 - c1 + 1)

    @property
    def cells(self):
        return Range(self, 1, 1, 1048576, 16384)

    @property
    def used_range(self):
        r, c = self.d.max_cell()
        return Range(self, 1, 1, r, c)

    @property
    def tables(self):
        return Tables(self)

    @property
    def notes(self):
        return [Note(self, cell) for cell in sorted(self.d.notes)]

    @property
    def charts(self):
        return Charts(self)

    def clear(self):
        self.book.app.stats["sheet_clear"] += 1
        for attr in ("values", "formulas", "formats", "colors", "notes"):
            getattr(self.d, attr).clear()
        self.d.bold.clear()

    def clear_contents(self):
        self.d.values.clear()
        self.d.formulas.clear()

    def activate(self):
        pass

    def delete(self):
        self._book.data.remove(self.d)


class Range(base_classes.Range):
    def __init__(self, sheet: Sheet, r1: int, c1: int, nrows: int, ncols: int):
        self._sheet, self.r1, self.c1, self.nrows, self.ncols = sheet, r1, c1, nrows, ncols
        self.areas = [self]
        self.options = {}

    @property
    def d(self) -> SheetData:
        return self._sheet.d

    @property
    def stats(self) -> Stats:
        return self._sheet.book.app.stats

    api = property(lambda self: self)
    sheet = property(lambda self: self._sheet)
    row = property(lambda self: self.r1)
    column = property(lambda self: self.c1)
    shape = property(lambda self: (self.nrows, self.ncols))
    coords = property(lambda self: (self._sheet, self.r1, self.c1, self.nrows, self.ncols))
    max_cells_per_write = property(lambda self: None)
    max_cells_per_read = property(lambda self: None)

    def __len__(self):
        return self.nrows * self.ncols

    def cells(self):
        return [(r, c) for r in range(self.r1, self.r1 + self.nrows)
                for c in range(self.c1, self.c1 + self.ncols)]

    def __call__(self, arg1, arg2=None):
        if arg2 is None:
            arg1 -= 1
            return Range(self._sheet, self.r1 + arg1 // self.ncols, self.c1 + arg1 % self.ncols, 1, 1)
        return Range(self._sheet, self.r1 + arg1 - 1, self.c1 + arg2 - 1, 1, 1)

    # values
    @property
    def raw_value(self):
        self.stats["reads"] += 1
        grid = [[self.d.values.get((r, c)) for c in range(self.c1, self.c1 + self.ncols)]
                for r in range(self.r1, self.r1 + self.nrows)]
        return grid[0][0] if self.nrows == self.ncols == 1 else grid

    @raw_value.setter
    def raw_value(self, data):
        self.stats["writes"] += 1
        self.stats["cells_written"] += self.nrows * self.ncols
        if not isinstance(data, (list, tuple)):
            data = [[data] * self.ncols for _ in range(self.nrows)]
        elif data and not isinstance(data[0], (list, tuple)):
            data = [list(data)]
        for i, row in enumerate(data):
            for j, value in enumerate(row):
                cell = (self.r1 + i, self.c1 + j)
                stored, formula = typed(value, self.d.number_format(cell))
                self.d.formulas.pop(cell, None)
                if formula:
                    self.d.formulas[cell] = formula
                if stored is None:
                    self.d.values.pop(cell, None)
                else:
                    self.d.values[cell] = stored

    @property
    def formula(self):
        return [[self.d.formulas.get((r, c), "") for c in range(self.c1, self.c1 + self.ncols)]
                for r in range(self.r1, self.r1 + self.nrows)]

    def clear_contents(self):
        self.stats["clear_contents"] += 1
        for cell in self.cells():
            self.d.values.pop(cell, None)
            self.d.formulas.pop(cell, None)

    def clear(self):
        self.clear_contents()
        for cell in self.cells():
            for attr in ("formats", "colors", "notes"):
                getattr(self.d, attr).pop(cell, None)

    # formats
    @property
    def number_format(self):
        formats = {self.d.number_format(c) or "General" for c in self.cells()}
        return formats.pop() if len(formats) == 1 else None

    @number_format.setter
    def number_format(self, value):
        for cell in self.cells():
            self.d.formats[cell] = value

    @property
    def color(self):
        colors = {self.d.colors.get(c) for c in self.cells()}
        return colors.pop() if len(colors) == 1 else None

    @color.setter
    def color(self, value):
        self.stats["color_sets"] += 1
        if isinstance(value, str):
            value = tuple(int(value.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
        for cell in self.cells():
            if value is None:
                self.d.colors.pop(cell, None)
            else:
                self.d.colors[cell] = tuple(value)

    @property
    def font(self):
        return Font(self)

    @property
    def column_width(self):
        return self.d.widths.get(self.c1, 8.43)

    @column_width.setter
    def column_width(self, value):
        for c in range(self.c1, self.c1 + self.ncols):
            self.d.widths[c] = value

    @property
    def data_validation(self):
        return DataValidation(self)

    left = property(lambda self: (self.c1 - 1) * 48.0)
    top = property(lambda self: (self.r1 - 1) * 15.0)
    table = property(lambda self: None)

    # notes
    @property
    def note(self):
        return Note(self._sheet, (self.r1, self.c1)) if (self.r1, self.c1) in self.d.notes else None

    def add_note(self, text):
        self.stats["notes_added"] += 1
        cell = (self.r1, self.c1)
        if cell in self.d.notes:
            raise ValueError("cell has a note")   # Excel's AddComment fails the same way
        self.d.notes[cell] = [text, "Memory User"]
        return Note(self._sheet, cell)

    # addresses
    def get_address(self, row_absolute=True, col_absolute=True, external=False):
        def one(r, c):
            return f"{'$' if col_absolute else ''}{col_letter(c)}{'$' if row_absolute else ''}{r}"
        text = one(self.r1, self.c1)
        if self.nrows * self.ncols > 1:
            text += ":" + one(self.r1 + self.nrows - 1, self.c1 + self.ncols - 1)
        return f"[{self._sheet.book.name}]{self._sheet.name}!{text}" if external else text

    @property
    def address(self):
        return self.get_address()

    # structure
    def delete(self, shift=None):
        """Delete the cells and shift the ones below up (``shift='up'``), as Excel does; a
        table whose rows these were shrinks."""
        if shift not in ("up", None):
            raise NotImplementedError(shift)
        self.stats["deletes"] += 1
        r2, c2 = self.r1 + self.nrows - 1, self.c1 + self.ncols - 1
        for t in self.d.tables:
            overlaps_cols = not (c2 < t.c1 or self.c1 > t.c2)
            if overlaps_cols and not (self.c1 <= t.c1 and c2 >= t.c2) and \
                    not (r2 < t.r1 or self.r1 > t.r2):
                raise ValueError("Excel refuses to delete part of a table row")  # as Excel does
            if overlaps_cols and t.r1 < self.r1 <= t.r2:
                t.r2 -= min(r2, t.r2) - self.r1 + 1
            elif overlaps_cols and t.r1 > r2:
                t.r1 -= self.nrows
                t.r2 -= self.nrows
        for attr in ("values", "formulas", "formats", "colors", "notes"):
            store = getattr(self.d, attr)
            moved = {}
            for (r, c), v in store.items():
                if self.c1 <= c <= c2 and r >= self.r1:
                    if r <= r2:
                        continue
                    moved[(r - self.nrows, c)] = v
                else:
                    moved[(r, c)] = v
            store.clear()
            store.update(moved)


class Font:
    def __init__(self, rng):
        self.rng = rng

    @property
    def bold(self):
        return all(c in self.rng.d.bold for c in self.rng.cells())

    @bold.setter
    def bold(self, value):
        for cell in self.rng.cells():
            (self.rng.d.bold.add if value else self.rng.d.bold.discard)(cell)


class DataValidation:
    def __init__(self, rng):
        self.rng = rng

    def set_list(self, source, in_cell_dropdown=True):
        self.rng.d.validations.append((self.rng.address, source))


class Note(base_classes.Note):
    def __init__(self, sheet, cell):
        self.sheet, self.cell = sheet, cell

    api = property(lambda self: self)

    @property
    def text(self):
        return self.sheet.d.notes[self.cell][0]

    @text.setter
    def text(self, value):
        self.sheet.d.notes[self.cell][0] = value

    @property
    def author(self):
        return self.sheet.d.notes[self.cell][1]

    @property
    def location(self):
        return Range(self.sheet, *self.cell, 1, 1)

    def delete(self):
        self.sheet.book.app.stats["notes_deleted"] += 1
        del self.sheet.d.notes[self.cell]


class Tables(base_classes.Tables):
    def __init__(self, sheet):
        self.sheet = sheet

    api = property(lambda self: self)

    def __call__(self, key):
        if isinstance(key, int):
            return Table(self.sheet, self.sheet.d.tables[key - 1])
        for t in self._all():
            if t.name.lower() == key.lower() and t.sheet is self.sheet.d:
                return Table(self.sheet, t)
        raise KeyError(key)

    def _all(self):
        return [t for d in self.sheet.book.data for t in d.tables]

    def __len__(self):
        return len(self.sheet.d.tables)

    def __iter__(self):
        return (Table(self.sheet, t) for t in self.sheet.d.tables)

    def __contains__(self, key):
        return any(t.name.lower() == key.lower() for t in self.sheet.d.tables)

    def add(self, source_type=None, source=None, link_source=None, has_headers=None,
            destination=None, table_style_name=None, name=None):
        rng = source.impl
        if any(t.name.lower() == (name or "").lower() for t in self._all()):
            raise ValueError(f"a table named {name!r} exists")
        name = name or f"Table{len(self._all()) + 1}"
        t = TableData(name, f"{col_letter(rng.c1)}{rng.r1}:"
                            f"{col_letter(rng.c1 + rng.ncols - 1)}{rng.r1 + rng.nrows - 1}",
                      self.sheet.d)
        self.sheet.d.tables.append(t)
        return Table(self.sheet, t)


class Table(base_classes.Table):
    def __init__(self, sheet, t: TableData):
        self.sheet, self.t = sheet, t

    api = property(lambda self: self)
    parent = property(lambda self: self.sheet)

    @property
    def name(self):
        return self.t.name

    @property
    def range(self):
        t = self.t
        return Range(self.sheet, t.r1, t.c1, t.r2 - t.r1 + 1, t.c2 - t.c1 + 1)

    @property
    def header_row_range(self):
        t = self.t
        return Range(self.sheet, t.r1, t.c1, 1, t.c2 - t.c1 + 1)

    @property
    def data_body_range(self):
        t = self.t
        if t.r2 <= t.r1:
            return None
        return Range(self.sheet, t.r1 + 1, t.c1, t.r2 - t.r1, t.c2 - t.c1 + 1)

    def resize(self, range):
        """As ListObject.Resize: the header must stay where it is."""
        rng = range.impl
        if (rng.r1, rng.c1) != (self.t.r1, self.t.c1):
            raise ValueError("the table's header must stay in the same row and column")
        self.sheet.book.app.stats["table_resizes"] += 1
        self.t.r2 = rng.r1 + rng.nrows - 1
        self.t.c2 = rng.c1 + rng.ncols - 1


class Charts:
    def __init__(self, sheet):
        self.sheet = sheet

    def __iter__(self):
        return (Chart(self.sheet, c) for c in list(self.sheet.d.charts))

    def __len__(self):
        return len(self.sheet.d.charts)

    def __call__(self, key):
        return Chart(self.sheet, self.sheet.d.charts[key - 1])

    def add(self, left, top, width, height, **kwargs):
        spec = {"left": left, "top": top, "width": width, "height": height,
                **{k: v for k, v in kwargs.items() if v is not None}}
        self.sheet.d.charts.append(spec)
        return Chart(self.sheet, spec)


class Chart:
    def __init__(self, sheet, spec):
        self.sheet, self.spec = sheet, spec

    api = property(lambda self: self)
    name = property(lambda self: f"Chart {self.sheet.d.charts.index(self.spec) + 1}")

    @property
    def chart_type(self):
        return self.spec.get("type")

    @chart_type.setter
    def chart_type(self, value):
        self.spec["type"] = value

    @property
    def title(self):
        return self.spec.get("title")

    @title.setter
    def title(self, value):
        self.spec["title"] = value

    def set_source_data(self, source, plot_by=None):
        self.spec["source"] = [a.address for a in source.areas]

    def delete(self):
        self.sheet.d.charts.remove(self.spec)


class Names(base_classes.Names):
    def __init__(self, book, scope=None):
        self.book, self.scope = book, scope

    api = property(lambda self: self)

    def __call__(self, name_or_index):
        if isinstance(name_or_index, int):
            name_or_index = list(self.book.defined)[name_or_index - 1]
        for key in self.book.defined:
            if key.lower() == name_or_index.lower():
                return Name(self.book, key)
        raise KeyError(name_or_index)

    def snapshot(self):
        return [(k, Name(self.book, k)) for k in self.book.defined]

    def contains(self, name_or_index):
        return any(k.lower() == str(name_or_index).lower() for k in self.book.defined)

    def __len__(self):
        return len(self.book.defined)

    def add(self, name, refers_to):
        self.book.defined[name] = refers_to
        return Name(self.book, name)


class Name(base_classes.Name):
    def __init__(self, book, key):
        self.book, self.key = book, key

    api = property(lambda self: self)
    name = property(lambda self: self.key)

    @property
    def refers_to(self):
        return self.book.defined[self.key]

    @refers_to.setter
    def refers_to(self, value):
        self.book.defined[self.key] = value

    @property
    def refers_to_range(self):
        text = self.refers_to.lstrip("=")
        sheet_part, _, ref = text.rpartition("!")
        sheet_name = sheet_part.strip("'").replace("''", "'")
        return Sheets(self.book)(sheet_name)._address(ref)

    def delete(self):
        del self.book.defined[self.key]


# ---------------------------------------------------------------- loading a real .xlsx


def _rgb(color) -> tuple[int, int, int] | None:
    rgb = getattr(color, "rgb", None)
    if isinstance(rgb, str) and len(rgb) >= 6:
        return tuple(int(rgb[-6:][i:i + 2], 16) for i in (0, 2, 4))
    return None


def load_xlsx(app: App, path: str | Path) -> Book:
    """A Book holding what openpyxl reads from ``path``: values (formulas as formulas), number
    formats, solid fills, notes, tables and defined names."""
    path = Path(path)
    wb = openpyxl.load_workbook(path)
    book = Book(app, path.name, str(path.resolve()))
    for ws in wb.worksheets:
        d = SheetData(ws.title)
        for key, dim in ws.column_dimensions.items():  # new rows take the column's format
            fmt = getattr(dim, "number_format", None)
            if fmt and fmt != "General":
                for c in range(dim.min or col_index(key), (dim.max or col_index(key)) + 1):
                    d.column_formats[c] = fmt
        for row in ws.iter_rows():
            for cell in row:
                rc = (cell.row, cell.column)
                if cell.number_format and cell.number_format != "General":
                    d.formats[rc] = cell.number_format
                if cell.fill is not None and cell.fill.fill_type == "solid":
                    rgb = _rgb(cell.fill.fgColor)
                    if rgb:
                        d.colors[rc] = rgb
                if cell.comment is not None:
                    d.notes[rc] = [cell.comment.text, cell.comment.author or ""]
                v = cell.value
                if v is None:
                    continue
                if isinstance(v, str) and v.startswith("=") and cell.data_type == "f":
                    d.formulas[rc] = v
                    d.values[rc] = _formula_value(v)
                elif isinstance(v, (int, float)) and not isinstance(v, bool):
                    d.values[rc] = float(v)
                elif isinstance(v, dt.date) and not isinstance(v, dt.datetime):
                    d.values[rc] = dt.datetime(v.year, v.month, v.day)
                else:
                    d.values[rc] = v
        for name, ref in ws.tables.items():
            d.tables.append(TableData(name, ref, d))
        book.data.append(d)
    for name, defn in wb.defined_names.items():
        book.defined[name] = "=" + defn.attr_text
    return book


def open_book(path: str | Path) -> xw.Book:
    """An ``xlwings.Book`` over the memory engine, loaded from a real .xlsx."""
    eng = engine()
    app = Apps(eng).add()
    return xw.Book(impl=Books(app).open(str(path)))


def stats(book: xw.Book) -> Stats:
    return book.app.impl.stats
