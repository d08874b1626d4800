"""What an operation knows about the run besides the book's data: :class:`RunContext`.

Every operation receives one, explicitly, as its second argument::

    @operation("sync", ...)
    def sync(db, ctx: RunContext) -> Result:
        return run_sync(db, today=ctx.today)

so no runner has to guess from a function's signature whether to pass ``today`` or ``dry_run``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BadInputError


@dataclass(frozen=True)
class RunContext:
    """The run an operation is part of.

    ``today``: the date the run counts days from (``--today`` / ``Book.run(today=...)``; default
    the real today). ``dry_run``: nothing may be written, side files (the vault, reports)
    included. ``lang``: the language asked for (None: the book's own). ``backend``: the store
    the book lives in (a pipeline runs its steps through it). ``book``: the book's file, where side
    files belong (None for an unsaved live workbook or a database). ``command``: the operation id.
    """

    today: dt.date = field(default_factory=dt.date.today)
    dry_run: bool = False
    lang: str | None = None
    backend: Any = None
    book: Path | None = None
    command: str = ""


def parse_today(text: str | dt.date | None) -> dt.date | None:
    """``--today 2024-06-01`` for reproducible runs (the monthly batch passes a date); None means
    the real today."""
    if not text:
        return None
    if isinstance(text, dt.date):
        return text.date() if isinstance(text, dt.datetime) else text
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise BadInputError(f"日期格式应为 YYYY-MM-DD:{text}", f"date must be YYYY-MM-DD: {text}") from None
