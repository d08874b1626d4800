"""What routines return: problems found and changes to make.

Routines never touch files. They return a :class:`Result` holding a :class:`Changeset`; a backend
(file or live Excel) applies it and logs each change in the ChangeLog sheet. Tables and columns are
named by their stable English keys; rows by their Excel row numbers, as loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)   # a legacy book has a million of them
class Issue:
    """One problem in one cell (or one row, or the whole table when row/column are None)."""

    table: str
    row: int | None
    column: str | None
    value: Any
    check: str
    severity: Severity
    message_zh: str
    message_en: str

    def to_json(self) -> dict:
        value = self.value
        if value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)
        return {"table": self.table, "row": self.row, "column": self.column, "value": value,
                "check": self.check, "severity": self.severity,
                "message_zh": self.message_zh, "message_en": self.message_en}


@dataclass(frozen=True)
class CellUpdate:
    """Set one cell of a managed table. ``old`` is what the routine saw, for the log."""

    table: str
    row: int
    column: str
    old: Any
    new: Any
    note: str = ""


@dataclass(frozen=True, slots=True)   # an import makes 200,000
class RowAppend:
    """Add a row at the end of a managed table; ``values`` maps column keys to values."""

    table: str
    values: dict[str, Any]
    note: str = ""


@dataclass
class ColumnAppend:
    """Rows added at the end of a managed table, as columns: ``columns`` maps column keys to a
    value per row (None: blank), ``notes`` is each row's note. The same as a RowAppend per row
    (:meth:`rows`), held as a list per column: an import's 200,000 rows as a dict each took
    ~150 MB until the book was written."""

    table: str
    columns: dict[str, list[Any]]
    notes: list[str]

    def __len__(self) -> int:
        return len(self.notes)

    def rows(self) -> Iterator[RowAppend]:
        """A RowAppend per row, made as asked (its non-blank values, in the columns' order).

        >>> block = ColumnAppend("Tags", {"TagID": ["T1", "T2"], "TagName": [None, "重点"]},
        ...                      ["a", "b"])
        >>> [(r.values, r.note) for r in block.rows()], len(block)
        ([({'TagID': 'T1'}, 'a'), ({'TagID': 'T2', 'TagName': '重点'}, 'b')], 2)
        >>> Changeset("tag", column_appends=[block]).data_changes()
        2
        """
        keys = list(self.columns)
        for note, *values in zip(self.notes, *self.columns.values()):
            yield RowAppend(self.table, {k: v for k, v in zip(keys, values) if v is not None},
                            note)


@dataclass(frozen=True)
class RowRemove:
    """Remove a row from a managed table (archiving is a RowAppend elsewhere plus this)."""

    table: str
    row: int
    key: str = ""
    note: str = ""


@dataclass(frozen=True)
class CellMark:
    """Highlight a cell with a fill and a note explaining the problem."""

    table: str
    row: int
    column: str
    message: str
    severity: Severity = "error"


@dataclass
class SheetRebuild:
    """Replace the whole content of a sheet the tool owns (Summary, Query, Review ...).

    ``rows`` is the grid from A1; ``links`` maps (row, col) 1-based to an in-book location such as
    ``'客户基础信息'!B5``; ``bold_rows`` are 1-based row numbers drawn bold; ``charts`` are
    backend-neutral chart specs (see the summary routine); ``dropdowns`` are in-cell lists a person
    picks from, e.g. ``{"ref": "H3:H9", "values": ["approve", "reject"]}`` (values joined must stay
    within Excel's 255 characters) or ``{"ref": "B3", "source": "lst_Staff"}``; ``styles`` maps
    (row, col) to how a cell is drawn (``{"num": "0.0%", "bold": True, "size": 16, "colour":
    "C00000", "fill": "DDEBF7", "align": "center", "wrap": True}``, see
    :meth:`xltools.xlsx.styles.Styles.styled`); ``page`` is the screen and print setup (frozen
    rows, A4 orientation, fit to width, print titles and area, page breaks: :mod:`xltools.xlsx.page`).
    """

    sheet: str
    title_zh: str
    title_en: str
    rows: list[list[Any]]
    widths: dict[int, float] = field(default_factory=dict)
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    bold_rows: set[int] = field(default_factory=set)
    charts: list[dict] = field(default_factory=list)
    dropdowns: list[dict] = field(default_factory=list)
    styles: dict[tuple[int, int], dict] = field(default_factory=dict)
    page: dict = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)     # row -> points


@dataclass
class TableReplace:
    """Replace every data row of a generated table (Issues, ChangeLog is append-only)."""

    table: str
    rows: list[dict[str, Any]]
    links: dict[tuple[int, str], str] = field(default_factory=dict)


@dataclass
class Changeset:
    command: str
    updates: list[CellUpdate] = field(default_factory=list)
    appends: list[RowAppend] = field(default_factory=list)
    removals: list[RowRemove] = field(default_factory=list)
    rebuilds: list[SheetRebuild] = field(default_factory=list)
    replaces: list[TableReplace] = field(default_factory=list)
    # None leaves existing marks alone; a list (even empty) replaces all of this tool's marks.
    marks: list[CellMark] | None = None
    # mask: also mask personal data the tables do not model (sheets the tool rebuilds, cached
    # formula results, orphan strings) and, once saved, delete the backups taken before masking.
    scrub_package: bool = False
    purge_backups: bool = False
    # New dropdown options for the Lists sheet: {list key: values}, e.g. {"Staff": ["张伟"]}.
    list_additions: dict[str, list[str]] = field(default_factory=dict)
    # Rows appended as columns (an import's): after the ``appends``, wherever rows are listed.
    column_appends: list[ColumnAppend] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.updates or self.appends or self.column_appends or self.removals
                    or self.rebuilds or self.replaces or self.marks is not None
                    or self.scrub_package or self.list_additions)

    def data_changes(self) -> int:
        """How many managed-table rows or cells this changes (what the ChangeLog records)."""
        return (len(self.updates) + len(self.appends) + sum(map(len, self.column_appends))
                + len(self.removals))

    def tables(self, *, cells: bool = True) -> set[str]:
        """The managed tables whose rows this adds, removes or replaces, and (``cells``) those
        whose cells it sets.

        >>> step = Changeset("tag", updates=[CellUpdate("Customers", 2, "Level", "B", "A")],
        ...                  removals=[RowRemove("Tags", 7)])
        >>> sorted(step.tables()), step.tables(cells=False)
        (['Customers', 'Tags'], {'Tags'})
        """
        return {c.table for c in (*(self.updates if cells else ()), *self.appends,
                                  *self.column_appends, *self.removals, *self.replaces)}

    def all_appends(self) -> Iterator[RowAppend]:
        """Every row appended, as a RowAppend: the ``appends``, then the ``column_appends``'."""
        yield from self.appends
        for block in self.column_appends:
            yield from block.rows()

    def extend(self, other: "Changeset") -> None:
        self.updates += other.updates
        self.appends += other.appends
        self.column_appends += other.column_appends
        self.removals += other.removals
        self.rebuilds += other.rebuilds
        self.replaces += other.replaces
        if other.marks is not None:
            self.marks = (self.marks or []) + other.marks


@dataclass
class Result:
    """What an operation returns: problems, changes, and a JSON-ready payload."""

    changes: Changeset
    issues: list[Issue] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    summary_zh: str = ""
    summary_en: str = ""

    # None: any issue counts as a problem (exit 1); an operation may decide otherwise.
    problems: bool | None = None

    @property
    def has_problems(self) -> bool:
        return bool(self.issues) if self.problems is None else self.problems
