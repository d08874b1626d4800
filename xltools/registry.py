"""The operations registry: one entry per thing a person can do to a book.

The CLI (``xltools <id> BOOK``) and the Excel ribbon (one button per entry) are both generated from
here, so adding an operation adds a command and a button and nothing else needs editing.

An operation is a function ``func(db: CustomerDB, ctx: RunContext, **params) -> Result``: it reads
DataFrames and returns changes; it never opens files or talks to Excel. ``ctx``
(:class:`xltools.context.RunContext`) carries today, dry_run, the language asked for, the backend
and the book's path. A *pipeline* operation (``monthly``) receives the backend instead of a
CustomerDB, ``func(backend, ctx, db=None, **params)``, and runs other operations through it.

A new operation is one module in ``xltools/operations/`` (imported automatically); its icon is a
Microsoft control id listed in ``xltools/addin/imagemso.txt``::

    @operation("remind", label_zh="跟进提醒", label_en="Reminders", help_zh="...", help_en="...",
               example="xltools remind team.xlsx --days 7", group="reports", icon="CalendarInsert",
               writes=False, params=(Param("days", ("--days",), type=int, default=7,
                                           help_zh="未来几天", help_en="Days ahead"),))
    def remind(db, ctx, days: int = 7) -> Result:
        ...

It then is ``xltools remind``, a ribbon button, ``Book.remind(days=7)`` and ``Book.run("remind")``.
This module only holds the table; :mod:`xltools.catalog` loads the built-in operations into it
(``catalog.operations()``, ``catalog.get(id)``), so the operations can import this module without
a cycle.
A parameter named ``today`` is the run's date: the runner moves it into ``ctx.today``.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from .changes import Result


@dataclass(frozen=True)
class Param:
    """An extra option of an operation (besides BOOK, --json, --lang, --dry-run)."""

    name: str                      # python keyword the function receives
    flags: tuple[str, ...] = ()    # e.g. ("--days",); empty for a positional argument
    type: Any = str
    default: Any = None
    help_zh: str = ""
    help_en: str = ""
    is_flag: bool = False
    multiple: bool = False         # positional: nargs=-1; option: may repeat
    required: bool = False
    # How a ribbon button asks for it when required: "text" (an input box), "files" (Excel's
    # file picker, several files) or "save" (Excel's save-as dialog).
    ask: str = "text"

    @property
    def positional(self) -> bool:
        return not self.flags


@dataclass(frozen=True)
class Operation:
    id: str
    label_zh: str
    label_en: str
    help_zh: str
    help_en: str
    example: str
    func: Callable[..., Result]
    group: str = "quality"         # ribbon group key, see GROUPS
    icon: str = "FileSave"         # imageMso name for the ribbon button
    writes: bool = True            # changes the book (gets --dry-run, backup, ChangeLog)
    params: tuple[Param, ...] = field(default=())
    many_books: bool = False       # accepts several BOOK paths (monthly)
    ribbon: bool = True            # has a ribbon button
    # A pipeline runs other operations: func(backend, **params) loads and applies through the
    # backend itself, step by step, instead of receiving one CustomerDB; its Result.data["lang"]
    # says the book's language.
    pipeline: bool = False
    # More --help text after the example (kept as typed: tables, references), both languages.
    help_more: str = ""
    # The tables func reads (schema keys), when not all: the runner asks the backend for these
    # and the others are read only if something looks at them (an import never reads the
    # follow-ups). None: every table, read at once.
    tables: tuple[str, ...] | None = None

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


# Ribbon groups, in the order they appear on the 客户管理 tab.
GROUPS: dict[str, tuple[str, str]] = {
    "quality": ("数据质量", "Data quality"),
    "customers": ("客户维护", "Customers"),
    "reports": ("报表查询", "Reports"),
    "batch": ("批处理", "Batch"),
}

REGISTRY: dict[str, Operation] = {}


def register(op: Operation) -> Operation:
    if op.id in REGISTRY:
        raise ValueError(f"operation {op.id!r} registered twice")
    if op.group not in GROUPS:
        raise ValueError(f"operation {op.id!r}: unknown group {op.group!r}")
    op = replace(op, func=_with_context(op.func, op.pipeline))
    REGISTRY[op.id] = op
    return op


def operation(id: str, **kwargs) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """Decorator form of :func:`register`: ``@operation("validate", label_zh=..., ...)``."""

    def wrap(func: Callable[..., Result]) -> Callable[..., Result]:
        register(Operation(id=id, func=func, **kwargs))
        return func

    return wrap


def _with_context(func: Callable[..., Result], pipeline: bool) -> Callable[..., Result]:
    """``func`` itself when it takes ``ctx``; otherwise (an operation written before RunContext,
    e.g. on a branch that has not caught up) an adapter that hands it the ``today`` / ``dry_run``
    / ``book`` keywords it declares. Decided once, at registration: runners never probe."""
    accepted = inspect.signature(func).parameters
    if "ctx" in accepted:
        return func

    @functools.wraps(func)
    def adapter(target, ctx, **params):
        extra = {"today": ctx.today, "dry_run": ctx.dry_run}
        if pipeline:
            extra["book"] = ctx.book
        params.update({k: v for k, v in extra.items() if k in accepted and k not in params})
        return func(target, **params)

    return adapter
