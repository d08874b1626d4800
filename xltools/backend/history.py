"""The book's history: every state xltools saw on disk, kept so that undo never loses one.

Each write through :func:`commit` keeps a snapshot of the book as the write left it, labelled with
the command and the time, and the book's SHA-256. Before writing, the book on disk is compared
with the snapshot xltools last left: if someone edited it outside xltools (Excel, WPS, a script),
that state is kept first as its own snapshot. A write that changes no byte keeps nothing (a
``validate`` that finds what it found last time takes no slot).

:func:`undo` steps back from the current snapshot to the one it was made from and names the command
it reverts. It refuses when the book changed since xltools last wrote it, unless ``force``; and
then it first keeps the current book as a snapshot, so the undo itself can be undone
(``undo --to N``). Nothing is deleted by undo; only rotation (Settings ``BackupCount``) drops the
oldest snapshots, never the current one.

Layout: ``.xltools-backups/<book name>/`` beside the (real, symlinks followed) book holds
``<n>-<timestamp><suffix>`` snapshots and ``.history.json``; the folder is 0700, files are 0600
and belong to the book's owner where the system permits.

For other modules (privacy: purging raw data from old snapshots) the API is
:func:`list_backups`, :func:`remove_backup` and :func:`replace_backup`; hold
:func:`~xltools.backend.safety.book_lock` around them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from ..errors import BookLockedError, XlToolsError
from . import safety

JOURNAL = ".history.json"
DEFAULT_KEEP = safety.DEFAULT_KEEP

# how a snapshot came to be
WRITE, ORIGINAL, OUTSIDE = "write", "original", "outside"


@dataclass
class Snapshot:
    n: int                   # shown by `undo --list`, taken by `undo --to N`
    file: str
    sha256: str
    kind: str                # WRITE (made by ``command``), ORIGINAL, OUTSIDE
    command: str
    time: str                # ISO time it was taken
    parent: int | None       # the snapshot it was made from (what undo goes back to)
    path: Path | None = None

    @property
    def id(self) -> int:
        return self.n

    def label(self, lang: str = "en") -> str:
        if self.kind == WRITE:
            return self.command
        if self.kind == OUTSIDE:
            return "在 xltools 之外修改" if lang == "zh" else "changed outside xltools"
        return "首次修改前的原样" if lang == "zh" else "as first found"


@dataclass
class History:
    folder: Path
    snapshots: list[Snapshot]
    current: int | None      # the snapshot the book was in when xltools last touched it
    next_n: int = 1

    def get(self, n: int | None) -> Snapshot | None:
        return next((s for s in self.snapshots if s.n == n), None)

    def matching(self, sha: str) -> Snapshot | None:
        """The snapshot with these bytes: the current one if it matches, else the newest."""
        cur = self.get(self.current)
        if cur is not None and cur.sha256 == sha:
            return cur
        return next((s for s in reversed(self.snapshots) if s.sha256 == sha), None)


def folder_of(book: Path) -> Path:
    real = Path(os.path.realpath(book))
    return real.parent / safety.BACKUP_DIR / real.name


def sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def load(book: Path) -> History:
    """The history of ``book``; snapshots whose files someone deleted are left out."""
    folder = folder_of(book)
    try:
        doc = json.loads((folder / JOURNAL).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = {}
    snaps = []
    for raw in doc.get("snapshots", []):
        try:
            snap = Snapshot(**{k: raw[k] for k in Snapshot.__dataclass_fields__ if k != "path"})
        except (KeyError, TypeError):
            continue
        snap.path = folder / snap.file
        if snap.path.is_file():
            snaps.append(snap)
    hist = History(folder, snaps, doc.get("current"), int(doc.get("next_n", 1)))
    if hist.get(hist.current) is None:
        hist.current = None
    hist.next_n = max([hist.next_n, *(s.n + 1 for s in snaps)])
    return hist


def save(hist: History, book: Path) -> None:
    doc = {"format": "xltools-history", "version": 1, "current": hist.current,
           "next_n": hist.next_n,
           "snapshots": [{k: v for k, v in asdict(s).items() if k != "path"}
                         for s in hist.snapshots]}
    text = json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
    safety.atomic_write(hist.folder / JOURNAL, lambda tmp: tmp.write_bytes(text), mode=0o600)
    _own_like(hist.folder / JOURNAL, book)


def _own_like(path: Path, book: Path) -> None:
    """Give ``path`` the book's owner (backups hold the book's data: its owner may read them)."""
    with contextlib.suppress(OSError, AttributeError):
        st = os.stat(book)
        os.chown(path, st.st_uid, st.st_gid)


def _folder(book: Path) -> Path:
    folder = folder_of(book)
    folder.mkdir(parents=True, exist_ok=True)
    for made in (folder.parent, folder):  # the parent may hold other books' backups too
        with contextlib.suppress(OSError):
            os.chmod(made, 0o700)
        _own_like(made, book)
    return folder


def _keep(hist: History, book: Path, source: Path, sha: str, kind: str, command: str,
          parent: int | None) -> Snapshot:
    """Copy ``source`` (the book, or the new version about to replace it) into the history."""
    n = hist.next_n
    hist.next_n += 1
    now = datetime.now()
    suffix = Path(os.path.realpath(book)).suffix
    snap = Snapshot(n, f"{n:04d}-{now:%Y%m%d-%H%M%S}{suffix}", sha, kind, command,
                    now.isoformat(timespec="seconds"), parent)
    snap.path = hist.folder / snap.file
    safety.atomic_write(snap.path, lambda tmp: shutil.copyfile(source, tmp), mode=0o600)
    _own_like(snap.path, book)
    hist.snapshots.append(snap)
    return snap


def _base(hist: History, book: Path, command: str) -> tuple[Snapshot, str]:
    """The snapshot holding the book as it is now, kept first if xltools has not seen it."""
    sha = sha256(book)
    found = hist.matching(sha)
    if found is None:
        kind = OUTSIDE if hist.current is not None else ORIGINAL
        found = _keep(hist, book, book, sha, kind, "", hist.current)
    return found, sha


def commit(book: Path, command: str, write_fn: Callable[[Path], None], *,
           keep: int = DEFAULT_KEEP) -> Snapshot | None:
    """Write a new version of ``book`` (``write_fn(tmp)``) and keep it in the history.

    The caller holds :func:`~xltools.backend.safety.book_lock`. Returns the snapshot of the book
    as it was before (what undo goes back to), or None when the write changed no byte (nothing
    replaced, nothing kept)."""
    book = Path(book)
    safety.check_writable(book)
    _folder(book)
    hist = load(book)
    _drop_orphans(hist)
    known = len(hist.snapshots)
    base, before = _base(hist, book, command)
    if hist.current != base.n or len(hist.snapshots) != known:
        hist.current = base.n
        save(hist, book)                  # the state before is on record before anything is written
    outcome: dict = {}

    def write(tmp: Path) -> None:
        write_fn(tmp)
        after = sha256(tmp)
        if after == before:
            raise _Unchanged
        outcome["snap"] = _keep(hist, book, tmp, after, WRITE, command, base.n)

    def replaced() -> None:
        hist.current = outcome["snap"].n
        _rotate(hist, keep)
        save(hist, book)

    try:
        safety.atomic_write(book, write, on_replaced=replaced)
    except _Unchanged:
        return None
    return base


class _Unchanged(Exception):
    """The new version is byte for byte the old one: nothing to replace or keep."""


def _drop_orphans(hist: History) -> None:
    """Snapshot files no journal entry names: a killed run copied them and never recorded them
    (the state they hold is the book itself, which is kept as found by the next write)."""
    named = {s.file for s in hist.snapshots} | {JOURNAL}
    for path in hist.folder.iterdir():
        if path.is_file() and path.name not in named and not path.name.startswith("."):
            with contextlib.suppress(OSError):
                path.unlink()


def _rotate(hist: History, keep: int) -> None:
    """Keep the newest ``keep`` snapshots besides the current one."""
    keep = max(1, int(keep or DEFAULT_KEEP))
    others = [s for s in hist.snapshots if s.n != hist.current]
    for old in others[:max(0, len(others) - keep)]:
        _remove(hist, old)


def _remove(hist: History, snap: Snapshot) -> None:
    with contextlib.suppress(OSError):
        snap.path.unlink()
    hist.snapshots.remove(snap)


# ---------------------------------------------------------------- undo


@dataclass
class UndoResult:
    restored: Snapshot           # the state the book is in now
    reverted: Snapshot | None    # the state it left (the change that was undone), if known
    saved: Snapshot | None       # the outside edits kept before undoing (with force)


def undo(book: Path, *, force: bool = False, to: int | None = None) -> UndoResult:
    """Put the book back to the state before the current one (or to snapshot ``to``)."""
    book = Path(book)
    if not book.exists():
        raise XlToolsError(f"找不到工作簿:{book}", f"workbook not found: {book}", path=str(book))
    safety.check_not_locked(book)
    safety.check_writable(book)
    with safety.book_lock(book):
        hist = load(book)
        if not hist.snapshots:
            raise XlToolsError(f"没有可恢复的备份:{book.name}", f"no backup to restore for {book.name}",
                               path=str(book))
        sha = sha256(book)
        now = hist.matching(sha)
        last = hist.get(hist.current) or hist.snapshots[-1]
        if now is None and not force:
            raise BookLockedError(
                f"工作簿在 xltools 上次写入({last.label('zh')},{last.time})之后被修改过,撤销会丢掉"
                "这些修改,已拒绝;确认要撤销请加 --force(当前工作簿会先存入备份,可再恢复)",
                f"the workbook changed after xltools last wrote it ({last.label()}, {last.time}); "
                "undoing would lose those edits, so nothing was done. Add --force to undo anyway "
                "(the current book is kept as a backup first, so it can be restored)",
                path=str(book))
        saved = None
        if now is None:
            saved = _keep(hist, book, book, sha, OUTSIDE, "", last.n)
            now = last          # undo what the user asked about: xltools' last change
        target = hist.get(to) if to is not None else hist.get(now.parent)
        if target is None:
            if to is not None:
                raise XlToolsError(f"没有编号为 {to} 的备份(见 xltools undo --list)",
                                   f"no backup numbered {to} (see xltools undo --list)")
            raise XlToolsError(
                f"没有更早的备份可恢复:{now.label('zh')} 之前的状态没有保留",
                f"nothing earlier to restore: the state before {now.label()} was not kept",
                path=str(book))
        if saved is not None:
            save(hist, book)

        def replaced() -> None:
            hist.current = target.n
            save(hist, book)

        safety.atomic_write(book, lambda tmp: shutil.copyfile(target.path, tmp),
                            on_replaced=replaced)
    return UndoResult(target, None if to is not None else now, saved)


# ---------------------------------------------------------------- for other modules


def list_backups(book: Path) -> list[Snapshot]:
    """Every kept state of ``book``, oldest first."""
    return load(Path(book)).snapshots


def current(book: Path) -> int | None:
    """The number of the snapshot the book is in (None: changed outside xltools, or no history)."""
    hist = load(Path(book))
    found = hist.matching(sha256(book)) if hist.snapshots and Path(book).exists() else None
    return found.n if found else None


def remove_backup(book: Path, snapshot_id: int) -> None:
    """Delete one snapshot (e.g. one that holds raw personal data)."""
    hist = load(Path(book))
    snap = hist.get(snapshot_id)
    if snap is not None:
        _remove(hist, snap)
        if hist.current == snapshot_id:
            hist.current = None
        save(hist, Path(book))


def replace_backup(book: Path, snapshot_id: int, write_fn: Callable[[Path], None]) -> None:
    """Rewrite one snapshot's content (``write_fn(tmp)``, e.g. a masked copy); its hash follows."""
    hist = load(Path(book))
    snap = hist.get(snapshot_id)
    if snap is None:
        raise KeyError(snapshot_id)
    safety.atomic_write(snap.path, write_fn, mode=0o600)
    _own_like(snap.path, Path(book))
    snap.sha256 = sha256(snap.path)
    save(hist, Path(book))


def backups(path: Path) -> list[Path]:
    """The kept states of ``path``, oldest first."""
    return [snap.path for snap in list_backups(path)]
