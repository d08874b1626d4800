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

from .safety import (
    DEFAULT_KEEP,
    _lock_path,
    atomic_write,
    book_lock,
    check_not_locked,
    make_backup,
)


@contextlib.contextmanager
def working_copy(book: Path, *, keep: int = DEFAULT_KEEP, commit: bool = True) -> Iterator[Path]:
    """Yield the path of a private copy of ``book``; on a clean exit (and ``commit``), back the book
    up and atomically replace it with the copy. On an exception the book is left untouched."""
    book = Path(book)
    check_not_locked(book)
    with book_lock(book):
        copy = book.with_name(f".{book.stem}.xltools-work-{os.getpid()}{book.suffix}")
        shutil.copyfile(book, copy)
        try:
            yield copy
            if commit:
                check_not_locked(book)  # Excel may have opened it while we worked
                make_backup(book, keep)
                atomic_write(book, lambda tmp: os.replace(copy, tmp))
        finally:
            # the copy, and the lock sidecar its own writes left (a new name every run)
            for leftover in (copy, _lock_path(copy)):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
