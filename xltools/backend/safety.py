"""Safety around every save: lock checks, an inter-process lock, rotating backups, atomic replace.

The order a writer follows::

    check_not_locked(book)                   # Excel/WPS/LibreOffice has it open -> refuse
    with book_lock(book):                    # another xltools command has it -> wait, then refuse
        history.commit(book, cmd, write_fn)  # keep the state found and the new one (undo), and
                                             # atomic_write: temp file beside it, fsync, os.replace

A crash at any point leaves either the old or the new complete file, because the only step that
changes the book's name is ``os.replace``, which is atomic on one file system.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time
from pathlib import Path
from typing import Callable, Iterator

from ..errors import BookLockedError, Terminated, XlToolsError

BACKUP_DIR = ".xltools-backups"
DEFAULT_KEEP = 5
LOCK_WAIT_SECONDS = 10.0


def office_lock_files(path: Path) -> list[Path]:
    """Lock files an office program leaves beside an open book: Excel and WPS write
    ``~$name.xlsx``; LibreOffice writes ``.~lock.name.xlsx#``."""
    names = {Path(path), _target(Path(path))}  # a symlinked book: beside the link and the target
    return [lock for p in names
            for lock in (p.with_name("~$" + p.name), p.with_name(f".~lock.{p.name}#"))]


def check_not_locked(path: Path) -> None:
    """Raise :class:`BookLockedError` when a spreadsheet program holds ``path``."""
    for lock in office_lock_files(Path(path)):
        if lock.exists():
            raise BookLockedError(
                f"工作簿正在被 Excel/WPS 打开({lock.name}),请先关闭后再运行",
                f"the workbook is open in Excel/WPS ({lock.name}); close it and run again",
                path=str(path))


def _lock_path(path: Path) -> Path:
    path = _target(Path(path))  # one lock for the book under any name
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
        _remove_stale_copies(_target(path))
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


def _target(path: Path) -> Path:
    """Where the bytes of ``path`` live: a symlinked book is written through to its target, so the
    link stays a link and the real file gets the new version."""
    return Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)


def check_writable(path: Path) -> None:
    """Refuse a book its owner made read-only (no write bit at all, even for root) or that this
    user may not write: replacing it would quietly defeat the protection."""
    target = _target(Path(path))
    try:
        st = target.stat()
    except FileNotFoundError:
        return
    if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise BookLockedError(
            f"工作簿是只读的:{path};如需修改,请先取消只读属性",
            f"the workbook is read-only: {path}; make it writable first if it should change",
            path=str(path))


def atomic_write(path: Path, write_fn: Callable[[Path], None], *, mode: int | None = None,
                 on_replaced: Callable[[], None] | None = None) -> None:
    """Call ``write_fn(tmp)`` to write the new version beside ``path``, then swap it in atomically.

    The temp file is created 0600 (it may hold the book's data). An existing file keeps its
    identity: mode, owner and group (where the system permits), and a symlink stays a symlink
    (its target is replaced). A new file gets ``mode`` (default: 0666 less the umask). Disk full
    and similar failures become one clear message, with the temp file removed.
    ``on_replaced()`` runs right after the swap, with a termination signal held back until both
    are done (the history then always knows the book it left)."""
    path = _target(Path(path))
    tmp = path.with_name(f".{path.name}.xltools-tmp-{os.getpid()}")
    try:
        old = path.stat()
    except FileNotFoundError:
        old = None
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        write_fn(tmp)
        _give_identity(tmp, old, mode)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        with critical():
            os.replace(tmp, path)
            if on_replaced is not None:
                on_replaced()
        _fsync_dir(path.parent)
    except OSError as err:
        raise _explained(err, path) from err
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _give_identity(tmp: Path, old: os.stat_result | None, mode: int | None) -> None:
    if old is None:
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        return
    os.chmod(tmp, stat.S_IMODE(old.st_mode))
    if hasattr(os, "chown"):
        with contextlib.suppress(OSError):  # only root may give a file away; keep what we can
            os.chown(tmp, old.st_uid, old.st_gid)


NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}


def _explained(err: OSError, path: Path) -> Exception:
    """Disk full (or over quota / file size limit) as a message; other errors pass unchanged."""
    if err.errno in NO_SPACE:
        return XlToolsError(
            f"磁盘空间不足,无法写入 {path.name};工作簿未改动,临时文件已删除",
            f"not enough disk space to write {path.name}; the workbook is unchanged and the "
            "temporary file was removed", path=str(path))
    return err


_critical = 0
_pending: int | None = None


def on_signal(signum, frame) -> None:
    """Signal handler the CLI installs for SIGTERM/SIGINT."""
    global _pending
    if _critical:
        _pending = signum  # raised when the swap and its bookkeeping are done
        return
    raise _terminated(signum)


def unraisable(hook):
    """A ``sys.unraisablehook`` that stops the run after all when the signal's exception came in
    a finalizer (a ``__del__``, a weakref callback: a zip file or a registry the collector
    cleans up). Python only prints such an exception ("Exception ignored ... Traceback") and goes
    on; here the signal is raised again a moment later, outside it. Anything else goes to
    ``hook``."""
    def handle(info) -> None:
        if isinstance(info.exc_value, Terminated) and getattr(info.exc_value, "signum", None):
            import signal
            import threading
            # (signal.raise_signal, not os.kill: on Windows that ends the process at once)
            threading.Timer(0.05, signal.raise_signal, (info.exc_value.signum,)).start()
            return
        hook(info)
    return handle


def _terminated(signum: int) -> Terminated:
    import signal
    name = signal.Signals(signum).name
    err = Terminated(f"收到 {name},已停止;工作簿保持为运行前或完整写入后的状态,没有留下临时文件",
                     f"stopped by {name}; the workbook is as it was before, or completely "
                     "written, and no temporary file was left")
    err.signum = signum             # (for unraisable: to raise it again)
    return err


@contextlib.contextmanager
def critical() -> Iterator[None]:
    """Hold back SIGTERM/SIGINT (when :func:`on_signal` handles them) until the block ends."""
    global _critical, _pending
    _critical += 1
    try:
        yield
    finally:
        _critical -= 1
        if not _critical and _pending is not None:
            signum, _pending = _pending, None
            raise _terminated(signum)
