"""Several writes to one book as one change: work on a copy, swap it in at the end.

The monthly batch applies eight operations one after another. Doing that on the book itself would
leave a half-run batch on disk if the machine died in between; instead the steps run on a hidden
copy beside the book, and only a complete run replaces the book (one backup, one atomic rename).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Iterator

from . import history
from .safety import (
    DEFAULT_KEEP,
    _lock_path,
    _target,
    book_lock,
    check_not_locked,
    check_writable,
)


@contextlib.contextmanager
def working_copy(book: Path, *, keep: int = DEFAULT_KEEP, commit: bool = True,
                 command: str = "monthly") -> Iterator[Path]:
    """Yield the path of a private copy of ``book``; on a clean exit (and ``commit``), replace the
    book with the copy in one step, kept in the book's history as ``command`` (undo reverts the
    whole batch). On an exception the book is left untouched."""
    book = Path(book)
    check_not_locked(book)
    if commit:
        check_writable(book)  # before the batch runs, not after
    with book_lock(book):
        real = _target(book)  # beside the real file: the swap is a rename on one file system
        copy = real.with_name(f".{real.stem}.xltools-work-{os.getpid()}{real.suffix}")
        try:
            os.close(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
            shutil.copyfile(book, copy)
            yield copy
            if commit:
                check_not_locked(book)  # Excel may have opened it while we worked
                history.commit(book, command, lambda tmp: os.replace(copy, tmp), keep=keep)
        finally:
            # the copy, and the lock sidecar its own writes left (a new name every run)
            for leftover in (copy, _lock_path(copy)):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
