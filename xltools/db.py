"""The in-memory picture of one workbook: every managed table as a DataFrame, plus the book's own
Lists, Rules and Settings (which win over ``schemas/`` at run time).

Backends build a :class:`CustomerDB`; routines read it and never write it back themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from .changes import Issue
from .schema import Schema


@dataclass
class TableFrame:
    """One Excel table (ListObject) as loaded.

    ``df`` has one column per schema key found in the header (plus any extra columns the team
    added, under their header text); its index is the Excel row number of each record, so every
    message can point at a cell. ``headers`` maps column key -> the header text in this book;
    ``letters`` maps column key -> the sheet column letter.
    """

    key: str
    table_name: str
    sheet: str
    ref: str
    df: pd.DataFrame
    headers: dict[str, str] = field(default_factory=dict)
    letters: dict[str, str] = field(default_factory=dict)
    extra_columns: list[str] = field(default_factory=list)

    @property
    def header_row(self) -> int:
        from .xlsx.refs import split_ref
        return split_ref(self.ref)[0][1]


class LazyTables(MutableMapping):
    """A book's tables by key, some of them read only when first asked for.

    A backend that was told which tables an operation reads (an import reads the customers, not
    500,000 follow-ups) leaves the others *pending*: ``read(keys)`` reads them, from the same book,
    the first time anything looks at one. ``in``, iteration, ``len`` and every lookup see all the
    tables of the book, as if all had been read at once, so a table an operation did not name is
    never missing or empty, only read later.

    Pending tables named in ``together`` (those a write changed: the steps after it look at most
    of them) are read all at once, the first time any of them is looked at: one opening of the
    book, whose shared strings alone take 0.5 s to read in a big one, instead of one each.
    """

    def __init__(self, loaded: dict[str, TableFrame], pending: Iterable[str],
                 read: Callable[[set[str]], dict[str, TableFrame]], order: Iterable[str] = (),
                 together: Iterable[str] = ()):
        """``order``: the keys in the order iteration gives them (a book's schema order); keys
        missing from it come after."""
        self._loaded = dict(loaded)
        self._pending = set(pending) - set(self._loaded)
        self._together = set(together) & self._pending
        self._read = read
        order = list(order)
        self._order = [k for k in order if k in self] + \
            [k for k in (*self._loaded, *sorted(self._pending)) if k not in order]

    @property
    def loaded(self) -> dict[str, TableFrame]:
        """The tables read so far (a copy of the mapping)."""
        return dict(self._loaded)

    @property
    def pending(self) -> frozenset[str]:
        """The tables not read yet."""
        return frozenset(self._pending)

    @property
    def together(self) -> frozenset[str]:
        """The pending tables read all at once when one of them is first looked at."""
        return frozenset(self._together)

    def __getitem__(self, key: str) -> TableFrame:
        if key in self._pending:
            keys = {key, *self._together} if key in self._together else {key}
            self._loaded.update(self._read(keys))
            self._pending -= keys
            self._together -= keys
        return self._loaded[key]

    def __setitem__(self, key: str, value: TableFrame) -> None:
        if key not in self._loaded and key not in self._pending:
            self._order.append(key)
        self._pending.discard(key)
        self._together.discard(key)
        self._loaded[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self._loaded and key not in self._pending:
            raise KeyError(key)
        self._pending.discard(key)
        self._together.discard(key)
        self._loaded.pop(key, None)
        self._order.remove(key)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, key: object) -> bool:
        return key in self._loaded or key in self._pending

    def with_loaded(self, loaded: dict[str, TableFrame]) -> "LazyTables":
        """The same book with ``loaded`` in place of the tables read so far."""
        return LazyTables(loaded, self._pending, self._read, self._order, self._together)

    def copy(self) -> "LazyTables":
        """A new mapping of the same tables (those pending stay pending: read into each)."""
        return LazyTables(self._loaded, self._pending, self._read, self._order, self._together)

    def __repr__(self) -> str:
        return (f"LazyTables(loaded={list(self._loaded)}, pending={sorted(self._pending)}, "
                f"together={sorted(self._together)})")


@dataclass
class CustomerDB:
    path: Path | None
    schema: Schema
    lang: str
    tables: dict[str, TableFrame] | LazyTables
    lists: dict[str, list[str]]
    settings: dict[str, str]
    load_issues: list[Issue] = field(default_factory=list)

    def df(self, key: str) -> pd.DataFrame:
        return self.tables[key].df

    @property
    def customers(self) -> pd.DataFrame:
        return self.df("Customers")

    @property
    def rules(self) -> pd.DataFrame:
        return self.df("Rules")

    def setting(self, name: str, cast=int):
        """A Settings value, falling back to the schema default when blank or unreadable."""
        defaults = self.schema.setting_defaults()
        raw = self.settings.get(name) or defaults.get(name)
        try:
            return cast(raw)
        except (TypeError, ValueError):
            return cast(defaults[name])

    def sheet_of(self, table_key: str) -> str:
        return self.tables[table_key].sheet

    def cell_ref(self, table_key: str, row: int, column: str) -> str:
        """``'客户基础信息'!F12`` for a hyperlink or a message."""
        t = self.tables[table_key]
        letter = t.letters.get(column, "A")
        sheet = t.sheet.replace("'", "''")
        return f"'{sheet}'!{letter}{row}"

    def without_rows(self) -> "CustomerDB":
        """The book as loaded, each table with its columns, place and headers but no rows: what
        a write of changes that touch no record needs (marks, a rebuilt report sheet), once the
        rows were read, without keeping a big book's rows alive through it. A book whose tables
        are read lazily keeps those not read yet pending (looking at them would read them)."""
        lazy = isinstance(self.tables, LazyTables)
        loaded = self.tables.loaded if lazy else self.tables
        tables = {k: replace(t, df=t.df.iloc[:0].copy()) for k, t in loaded.items()}
        if lazy:
            tables = self.tables.with_loaded(tables)
        return replace(self, tables=tables, load_issues=[])


class Handover:
    """A loaded book passed on to one consumer that keeps it no longer than it needs it: a batch
    whose steps re-read the tables they write (holding the first load as well would keep a
    second copy of a big book's customers through the whole run). ``lang`` can be read before;
    :meth:`take` hands the book over, once."""

    def __init__(self, db: CustomerDB):
        self._db: CustomerDB | None = db

    @property
    def lang(self) -> str:
        return self._db.lang if self._db is not None else "zh"

    def take(self) -> CustomerDB | None:
        db, self._db = self._db, None
        return db
