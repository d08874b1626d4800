"""``xltools.Book``: the team's database from Python, the one runner every caller goes through.

The CLI, the Excel ribbon, the monthly batch and the demo run operations through :meth:`Book.run`;
a notebook or a script does the same::

    from xltools import Book
    book = Book.open("team.xlsx")
    result = book.validate(today="2024-06-01", check={"unmasked": "off"})
    print(result.summary_en, [issue.to_json() for issue in result.issues][:3])
    book.tag(levels=True, dry_run=True)           # what would change; nothing is written

Every registered operation is a method (``book.fill_region()`` for ``fill-region``,
``book.import_(...)`` for ``import``) with the options of its command, plus ``dry_run``, ``today``
and ``lang``; each returns the :class:`~xltools.changes.Result` the CLI prints. Failures raise
:class:`~xltools.errors.XlToolsError` subclasses (``BadInputError`` is a ``ValueError``,
``BookLockedError`` an ``OSError`` ...).
"""

from __future__ import annotations

import datetime as dt
import inspect
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from .changes import Result
from .xlsx import longtext
from .context import RunContext, parse_today
from .db import CustomerDB, Handover
from .errors import UnknownOperationError
from .heap import settled
from .catalog import get, operations
from .registry import Operation


class Book:
    """A team's customer database behind one backend (a workbook file, a workbook open in
    Excel ...). Make one with :meth:`open` or :meth:`live`."""

    def __init__(self, backend: Any, *, path: str | os.PathLike | None = None):
        self.backend = backend
        self.path = Path(path) if path is not None else None
        #: The book's own language ("zh" or "en"), known once it has been loaded.
        self.lang: str | None = None

    @classmethod
    def open(cls, target: str | os.PathLike) -> "Book":
        """The book at ``target``: a workbook path, or a database URL (``sqlite:///team.db``,
        ``postgresql://user@host/db``), through :func:`xltools.targets.open_backend`."""
        from .targets import is_database_url, open_backend
        if is_database_url(target):
            from .backend.database.url import side_path
            return cls(open_backend(target), path=side_path(str(target)))
        return cls(open_backend(target), path=target)

    @classmethod
    def live(cls, xw_book: Any = None) -> "Book":
        """A workbook open in Excel (an ``xlwings.Book``; default: the one whose button called)."""
        from .backend.excel import ExcelBackend
        if xw_book is None:
            import xlwings as xw
            xw_book = xw.Book.caller()
        return cls(ExcelBackend(xw_book))

    def __repr__(self) -> str:
        return f"Book({getattr(self.backend, 'name', self.backend)!r})"

    def load(self, only: tuple[str, ...] | None = None) -> CustomerDB:
        """Every table of the book as DataFrames (``db.df("Customers")``), read now; with
        ``only``, those tables now and the others when first looked at (if the backend can)."""
        db = self.backend.load() if only is None else self.backend.load(only=only)
        self.lang = db.lang
        return db

    def run(self, op_id: str, *, dry_run: bool = False, today: str | dt.date | None = None,
            lang: str | None = None, **params: Any) -> Result:
        """Run operation ``op_id`` (``"validate"``, ``"fill-region"`` ...) with its options and
        apply its changes, unless ``dry_run``. Options left out take their command-line default."""
        op = operation_named(op_id)
        params = {**defaults(op), **params}
        if "today" in params:               # --today of a command is the run's date
            today = params.pop("today") or today
        ctx = RunContext(today=parse_today(today) or dt.date.today(), dry_run=dry_run, lang=lang,
                         backend=self.backend, book=self.path, command=op.id)
        self.backend.command = op.id        # the book's history names what wrote it
        if op.pipeline:
            # A bad book fails here, before any working copy or transaction exists; the copy is
            # identical, so this load also serves as the first step's.
            first = Handover(self.load())       # (the batch lets it go after its first step)
            with self.backend.batch(commit=not dry_run) as unit, settled():
                return op.func(unit, replace(ctx, backend=unit), db=first, **params)
        db = self.load(op.tables)
        with settled():
            return self._run_loaded(op, db, ctx, dry_run, params)

    def _run_loaded(self, op: Operation, db: CustomerDB, ctx: RunContext, dry_run: bool,
                    params: dict) -> Result:
        result = op.func(db, ctx, **params)
        if op.writes and not dry_run and not result.changes.is_empty():
            report = self.backend.apply(result.changes, db) or {}
            if report.get("truncated"):     # text over Excel's cell limit, kept in full aside
                result.issues = [*result.issues, *longtext.issues(report["truncated"])]
                result.data = {**result.data, "truncated": report["truncated"]}
            if report.get("conflicts"):     # rows someone else changed meanwhile (a database)
                from .backend.database.conflicts import as_issues
                result.issues = [*result.issues, *as_issues(report["conflicts"])]
                result.problems = True
                result.data = {**result.data, "conflicts": report["conflicts"]}
        return result

    def __getattr__(self, name: str):
        """``book.fill_region(...)`` is ``book.run("fill-region", ...)``, for every operation."""
        if name.startswith("_"):
            raise AttributeError(name)
        op = _by_method_name().get(name)
        if op is None:
            raise AttributeError(f"{type(self).__name__!s} has no attribute or operation {name!r}")
        return _bound(self, op)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(_by_method_name()))


def method_name(op: Operation) -> str:
    """``fill-region`` -> ``fill_region``; a Python keyword gets a trailing underscore."""
    import keyword
    name = op.id.replace("-", "_")
    return name + "_" if keyword.iskeyword(name) else name


def defaults(op: Operation) -> dict:
    """The options a command has when none is given on the command line."""
    return {p.name: (() if p.multiple and p.default is None else p.default) for p in op.params}


def operation_named(op_id: str) -> Operation:
    try:
        return get(op_id)
    except KeyError:
        raise UnknownOperationError(
            f"未知的操作:{op_id}(可用:{', '.join(o.id for o in operations())})",
            f"unknown operation: {op_id} (known: {', '.join(o.id for o in operations())})") from None


def _by_method_name() -> dict[str, Operation]:
    return {method_name(op): op for op in operations()}


def _bound(book: Book, op: Operation):
    def method(*args, **kwargs):
        names = [p.name for p in op.params if p.required]
        kwargs.update(zip(names, args))          # required options may be given by position
        return book.run(op.id, **kwargs)

    keyword = inspect.Parameter.KEYWORD_ONLY
    given = [inspect.Parameter(p.name, keyword, default=defaults(op)[p.name]) for p in op.params
             if p.name != "today"]
    common = [inspect.Parameter("dry_run", keyword, default=False),
              inspect.Parameter("today", keyword, default=None),
              inspect.Parameter("lang", keyword, default=None)]
    method.__signature__ = inspect.Signature(given + common, return_annotation=Result)
    method.__name__ = method_name(op)
    method.__doc__ = f"{op.label_en} / {op.label_zh}: {op.help_en}\n\nCLI: {op.example}"
    return method
