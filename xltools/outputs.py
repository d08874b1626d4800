"""One guard for every file xltools writes besides the book itself (exports, query results,
reports, templates, new books).

A typo in an output path must never cost the team its database, so :func:`check_output` refuses:

* the book the command reads (or any other input), under any name: the same path, a symlink to
  it, a hard link to it;
* any file that is an xltools database (a workbook with the customer table) or a vault of raw
  values, or anything inside a backup folder -- even with ``--force``: delete or rename it first
  if you really mean it;
* without ``--force``, any other file that exists, unless ``replaceable(path)`` says it is a
  file xltools itself made for this purpose (last month's report, regenerated).

Every refusal is a :class:`~xltools.errors.BadInputError` (exit 2) in Chinese and English.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Callable, Iterable

from .errors import BadInputError
from .registry import Param

# The --force option of every operation that writes an output file.
FORCE_PARAM = Param("force", ("--force",), is_flag=True, default=False,
                    help_zh="输出文件已存在时覆盖(工作簿与数据库永远不会被覆盖)",
                    help_en="Overwrite an existing output file (never a workbook database)")

_CUSTOMER_TABLE = b'"tblCustomers"'
_VAULT_MARK = b'"format": "xltools-vault"'


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def is_database(path: Path) -> bool:
    """A workbook holding an xltools customer table, an xltools vault (raw personal data) or an
    SQLite database file."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
        if head.startswith(b"{") and _VAULT_MARK in head:
            return True
        if head.startswith(b"SQLite format 3\x00"):  # sqlite:///team.db (the database backend)
            return True
        if not head.startswith(b"PK"):
            return False
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                name = info.filename.lower()
                if name.startswith("xl/tables/") and name.endswith(".xml") \
                        and info.file_size < 1 << 20:
                    if _CUSTOMER_TABLE in zf.read(info)[:2048]:
                        return True
    except (OSError, zipfile.BadZipFile, ValueError, EOFError):
        return False
    return False


def check_output(path: str | os.PathLike, *, inputs: Iterable[str | os.PathLike | None] = (),
                 force: bool = False,
                 replaceable: Callable[[Path], bool] | None = None) -> Path:
    """Refuse ``path`` as an output when writing it could destroy something (see the module
    docstring); return it as a :class:`~pathlib.Path` otherwise."""
    path = Path(path)
    for source in inputs:
        if source is not None and _same_file(path, Path(source)):
            raise BadInputError(
                f"输出文件 {path} 就是输入的工作簿 {source}:已拒绝,以免覆盖数据库;请换一个输出文件名",
                f"the output {path} is the input workbook {source}: refused so the database is "
                "not overwritten; choose another output name")
    if any(part == ".xltools-backups" for part in path.resolve().parts):
        raise BadInputError(f"输出文件 {path} 在备份文件夹中:已拒绝,请换一个位置",
                            f"the output {path} is inside a backup folder: refused; write it "
                            "somewhere else")
    if path.is_dir():
        raise BadInputError(f"输出路径 {path} 是一个文件夹,请给出文件名",
                            f"the output {path} is a folder; give a file name")
    if not path.exists():
        return path
    if is_database(path):
        raise BadInputError(
            f"{path} 是 xltools 的数据库(客户工作簿或保险库):即使使用 --force 也不会覆盖;"
            "如确需替换,请先自行删除或改名",
            f"{path} is an xltools database (a customer workbook or a vault): it is not "
            "overwritten even with --force; delete or rename it yourself first if you mean it")
    if not force and not (replaceable and replaceable(path)):
        raise BadInputError(f"文件已存在:{path}(确认要覆盖请加 --force)",
                            f"file exists: {path} (add --force to overwrite it)")
    return path
