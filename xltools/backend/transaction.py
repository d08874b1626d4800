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
from typing import Callable, Iterator

from ..errors import BookLockedError
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
                 command: str = "monthly", loaded: tuple[int, int] | None = None,
                 finish: Callable[[Path, Path], None] | None = None) -> Iterator[Path]:
    """Yield the path of a private copy of ``book``; on a clean exit (and ``commit``), replace the
    book with the copy in one step, kept in the book's history as ``command`` (undo reverts the
    whole batch). On an exception the book is left untouched. ``finish(copy, new)``, when
    given, writes the new book from the copy (else the copy itself is renamed into place).

    Excel does not honour our lock: a colleague may save the book while the batch runs. Before the
    swap the book must still be the bytes that were copied (and, with ``loaded``, the (mtime_ns,
    size) the caller read), else nothing is swapped in and :class:`BookLockedError` says why."""
    book = Path(book)
    check_not_locked(book)
    if commit:
        check_writable(book)  # before the batch runs, not after
    with book_lock(book):
        real = _target(book)  # beside the real file: the swap is a rename on one file system
        copy = real.with_name(f".{real.stem}.xltools-work-{os.getpid()}{real.suffix}")
        try:
            os.close(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
            if loaded is not None and _stat(book) != loaded:
                raise _changed(book)
            shutil.copyfile(book, copy)
            copied = history.sha256(copy)
            yield copy
            if commit:
                check_not_locked(book)  # Excel may have opened it while we worked
                if history.sha256(book) != copied:
                    raise _changed(book)
                history.commit(book, command, lambda tmp: (finish or os.replace)(copy, tmp),
                               keep=keep)
        finally:
            # the copy, and the lock sidecar its own writes left (a new name every run)
            for leftover in (copy, _lock_path(copy)):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()


def _stat(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size


def _changed(book: Path) -> BookLockedError:
    return BookLockedError(
        "工作簿在本次处理期间被其他程序保存过;为不覆盖他人的修改,处理结果未写入,原文件未改动。请重新运行",
        "the workbook was saved by another program while this run worked on it; to keep their "
        "changes nothing was written and the book is untouched. Run the command again",
        path=str(book))
