"""Finding and opening members' books for gather (the only part of team mode that reads files
other than the master)."""

from __future__ import annotations

import datetime as dt
import glob
import re
import zipfile
from pathlib import Path

from ..changes import Issue
from ..errors import XlToolsError
from . import base as team_base
from .gather import MemberBook

_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>([^<]+)</dcterms:modified>")


def expand(paths: list[str] | tuple[str, ...]) -> list[Path]:
    """Book paths as given, with folders (their *.xlsx) and unexpanded wildcards (a Windows
    shell passes ``DIR\\*.xlsx`` as it is) opened up; lock files (``~$...``) left out."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(p.glob("*.xlsx")) + sorted(p.glob("*.xlsm"))
        elif any(ch in str(raw) for ch in "*?[") and not p.exists():
            found = [Path(x) for x in sorted(glob.glob(str(raw)))]
        else:
            found = [p]
        out += [f for f in found if not f.name.startswith("~$")]
    seen, unique = set(), []
    for f in out:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def saved_time(path: Path) -> dt.datetime:
    """When the member last saved the book: the package's own modified stamp (Excel, WPS,
    LibreOffice and openpyxl write it), else the file's time."""
    try:
        with zipfile.ZipFile(path) as zf:
            m = _MODIFIED.search(zf.read("docProps/core.xml"))
        if m:
            stamp = dt.datetime.fromisoformat(m.group(1).decode().strip())
            return stamp.astimezone().replace(tzinfo=None, microsecond=0)
    except (KeyError, OSError, ValueError, zipfile.BadZipFile):
        pass
    return dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)


def refusal(path: Path, zh: str, en: str) -> Issue:
    return Issue("TeamBase", None, None, str(path), "gather", "error", f"{path}:{zh}", f"{path}: {en}")


def open_books(master, paths: list[Path], schema) -> tuple[list[MemberBook], list[Issue]]:
    """Load every member book; a book that cannot be merged is refused with its reason."""
    from ..backend.file import FileBackend

    known = team_base.known_splits(master)
    master_path = master.path.resolve() if master.path else None
    books: list[MemberBook] = []
    refused: list[Issue] = []
    for path in paths:
        if master_path is not None and path.resolve() == master_path:
            continue  # DIR/*.xlsx may match the master itself
        try:
            db = FileBackend(path, schema=schema).load()
            base = team_base.read_member_base(db, str(path))
        except XlToolsError as err:
            refused.append(refusal(path, err.zh, err.en))
            continue
        if (base.split, base.member) not in known:
            refused.append(refusal(
                path, f"分发批次 {base.split}(成员 {base.member})不是由这个主工作簿分发的,已拒绝合并",
                f"split {base.split} (member {base.member}) was not made from this master; refused"))
            continue
        if any(b.base.member == base.member for b in books):
            refused.append(refusal(
                path, f"成员 {base.member} 的工作簿已给出一份,这一份未合并(请一次只合并每人一份)",
                f"a book of {base.member} was already given; this one is not gathered (one book "
                "per member at a time)"))
            continue
        books.append(MemberBook(db, base, saved_time(path), str(path)))
    return books, refused
