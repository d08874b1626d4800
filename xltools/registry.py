"""The operations registry: one entry per thing a person can do to a book.

The CLI (``xltools <id> BOOK``) and the Excel ribbon (one button per entry) are both generated from
here, so adding an operation adds a command and a button and nothing else needs editing.

An operation is a function ``func(db: CustomerDB, **params) -> Result``: it reads DataFrames and
returns changes; it never opens files or talks to Excel. A *pipeline* operation (``monthly``)
receives the backend instead and runs other operations through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    REGISTRY[op.id] = op
    return op


def operation(id: str, **kwargs) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """Decorator form of :func:`register`: ``@operation("validate", label_zh=..., ...)``."""

    def wrap(func: Callable[..., Result]) -> Callable[..., Result]:
        register(Operation(id=id, func=func, **kwargs))
        return func

    return wrap


def operations() -> list[Operation]:
    """Every registered operation, in registration order (imports the operation modules first)."""
    from . import operations as _load  # noqa: F401  (registers every built-in operation)

    return list(REGISTRY.values())


def get(op_id: str) -> Operation:
    operations()
    return REGISTRY[op_id]
