"""Safety around every save: lock checks, an inter-process lock, rotating backups, atomic replace.

The order a writer follows::

    check_not_locked(book)            # Excel/WPS/LibreOffice has it open -> refuse
    with book_lock(book):             # another xltools command has it -> wait a little, then refuse
        make_backup(book, keep=5)     # .xltools-backups/<name>/<timestamp><suffix>
        atomic_write(book, write_fn)  # temp file in the same folder, fsync, os.replace

A crash at any point leaves either the old or the new complete file, because the only step that
changes the book's name is ``os.replace``, which is atomic on one file system.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

from ..errors import BookLockedError, XlToolsError

BACKUP_DIR = ".xltools-backups"
DEFAULT_KEEP = 5
LOCK_WAIT_SECONDS = 10.0


def office_lock_files(path: Path) -> list[Path]:
    """Lock files an office program leaves beside an open book: Excel and WPS write
    ``~$name.xlsx``; LibreOffice writes ``.~lock.name.xlsx#``."""
    path = Path(path)
    return [path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#")]


def check_not_locked(path: Path) -> None:
    """Raise :class:`BookLockedError` when a spreadsheet program holds ``path``."""
    for lock in office_lock_files(Path(path)):
        if lock.exists():
            raise BookLockedError(
                f"工作簿正在被 Excel/WPS 打开({lock.name}),请先关闭后再运行",
                f"the workbook is open in Excel/WPS ({lock.name}); close it and run again",
                path=str(path))


def _lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.xltools.lock")


@contextlib.contextmanager
def book_lock(path: Path, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold an exclusive inter-process lock on ``path`` for the duration of a write.

    A second xltools command on the same book waits up to ``wait`` seconds, then refuses. The lock is
    an OS file lock (released by the OS if the holder is killed) on a small sidecar file, created
    0600 and removed again when the lock is released, so no empty file stays beside the book.
    """
    path = Path(path)
    lock = _lock_path(path)
    fh = _acquire(lock, time.monotonic() + wait, path)
    try:
        _remove_stale_copies(path)
        yield
    finally:
        # Unlink while still holding the lock: whoever waits on this inode sees it gone and
        # opens a fresh one (see _acquire), so two holders can never lock two different files.
        with contextlib.suppress(OSError):
            os.unlink(lock)
        _unlock(fh)
        fh.close()


def _acquire(lock: Path, deadline: float, book: Path):
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
        fh = os.fdopen(fd, "r+b")
        while not _try_lock(fh):
            if time.monotonic() >= deadline:
                fh.close()
                raise BookLockedError(
                    "另一个 xltools 命令正在修改此工作簿,请稍后再试",
                    "another xltools command is writing this workbook; try again later",
                    path=str(book))
            time.sleep(0.1)
        try:  # still the file at that name? (the last holder removes it on release)
            if os.name == "nt" or os.path.samestat(os.fstat(fd), os.stat(lock)):
                return fh
        except FileNotFoundError:
            pass
        _unlock(fh)
        fh.close()


def _remove_stale_copies(path: Path) -> None:
    """Temp files and working copies a killed xltools run left beside the book: whoever holds the
    lock is the only writer, so any that exist are stale (and may hold the book's data)."""
    for pattern in (f".{path.name}.xltools-tmp-*", f".{path.stem}.xltools-work-*{path.suffix}"):
        for stale in path.parent.glob(pattern):
            with contextlib.suppress(OSError):
                stale.unlink()


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fh) -> bool:
        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fh) -> None:
        with contextlib.suppress(OSError):
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fh) -> bool:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(fh) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _fsync_dir(directory: Path) -> None:
    if os.name == "nt":  # directories cannot be opened for fsync on Windows
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, write_fn: Callable[[Path], None]) -> None:
    """Call ``write_fn(tmp)`` to write the new version beside ``path``, then swap it in atomically."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.xltools-tmp-{os.getpid()}")
    try:
        write_fn(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def backup_folder(path: Path) -> Path:
    path = Path(path)
    return path.parent / BACKUP_DIR / path.name


def backups(path: Path) -> list[Path]:
    """The backups of ``path``, oldest first."""
    folder = backup_folder(path)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def make_backup(path: Path, keep: int = DEFAULT_KEEP) -> Path:
    """Copy ``path`` into its backup folder (atomically) and keep only the newest ``keep`` copies."""
    path = Path(path)
    folder = backup_folder(path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{stamp}{path.suffix}"
    atomic_write(target, lambda tmp: shutil.copyfile(path, tmp))
    for old in backups(path)[:-max(1, keep)]:
        with contextlib.suppress(OSError):
            old.unlink()
    return target


def undo(path: Path) -> Path:
    """Put back the newest backup of ``path`` (the book before the last change) and drop that backup,
    so running undo again steps one change further back. Returns the backup used."""
    path = Path(path)
    available = backups(path)
    if not available:
        raise XlToolsError(f"没有可恢复的备份:{path.name}", f"no backup to restore for {path.name}",
                           path=str(path))
    check_not_locked(path)
    newest = available[-1]
    with book_lock(path):
        atomic_write(path, lambda tmp: shutil.copyfile(newest, tmp))
        newest.unlink()
    return newest
