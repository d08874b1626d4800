"""Read the files teams export: workbooks through calamine, CSV in UTF-8 or GBK.

Each source becomes one or more :class:`SourceSheet` grids (a list of rows of cell values, row 0 =
the file's row 1), with merged cells filled from their top-left cell so a merged header or a
merged "华南" down a block of rows reads like every cell holds it. Nothing here interprets
headers or values; that is :mod:`.headers` and :mod:`.values`.

Whatever is wrong with a file (unknown encoding, not a workbook, encrypted, unreadable) becomes one
:class:`~xltools.errors.BadInputError` naming it, never a traceback.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadInputError

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
DELIMITERS = ",\t;|"


@dataclass
class SourceSheet:
    """One grid of cells read from a source file (a CSV, or one sheet of a workbook)."""

    path: Path
    sheet: str | None
    grid: list[list]

    @property
    def label(self) -> str:
        """How reports name it: ``客户.xlsx[Sheet1]`` or ``export.csv``."""
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name


def read_source(path: str | Path, sheets: list[str] | tuple[str, ...] = ()) -> list[SourceSheet]:
    """Every grid in ``path``: the named ``sheets`` of a workbook (default: its visible worksheets)
    or the one table of a CSV/TSV file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise BadInputError(f"无法读取文件:{path}", f"cannot read the file: {path}",
                            path=str(path)) from err
    if data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC) \
            or path.suffix.lower() in WORKBOOK_SUFFIXES:
        return _read_workbook(path, data, sheets)
    return [SourceSheet(path, None, parse_csv(decode_text(data, path), path))]


# ---------------------------------------------------------------- text files


def decode_text(data: bytes, path: str | Path) -> str:
    """Decode an exported text file: UTF-8 (with or without BOM), UTF-16 with a BOM, else GB18030.

    GB18030 is a superset of GBK and GB2312, which is what Chinese Excel saves "CSV" as. A file that
    is none of these is refused, not guessed at.
    """
    name = Path(path).name
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8-sig", "gb18030")
    for encoding in candidates:
        try:
            text = data.decode(encoding, errors="strict")
        except UnicodeDecodeError:
            continue
        if "\x00" in text:  # binary data that happens to decode
            break
        return text
    raise BadInputError(
        f"无法识别文件编码:{name}(支持 UTF-8、GBK/GB18030;请在 Excel 中另存为“CSV UTF-8”)",
        f"cannot decode {name}: not UTF-8 or GBK/GB18030 text (save it as 'CSV UTF-8' in Excel)",
        path=str(path))


def parse_csv(text: str, path: str | Path) -> list[list]:
    """Rows of strings; the delimiter (comma, tab, semicolon, bar) is sniffed from the first lines."""
    sample = text[:65536]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
        delimiter = dialect.delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        delimiter = max(DELIMITERS, key=first.count) if first else ","
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as err:
        name = Path(path).name
        raise BadInputError(f"CSV 文件格式错误:{name}({err})", f"malformed CSV file {name}: {err}",
                            path=str(path)) from err


# ---------------------------------------------------------------- workbooks


def _guard(data: bytes, name: str) -> None:
    """The package guard every book goes through (:mod:`xltools.xlsx.guard`): encrypted files,
    zip bombs and XML parts with a DTD are refused before calamine inflates or parses anything.
    Legacy .xls files are fine here: calamine reads them."""
    import zipfile

    from ..xlsx import guard
    from ..xlsx.extent import check_source_extent

    if data.startswith(guard.OLE_MAGIC) and "EncryptedPackage".encode("utf-16-le") in data:
        guard.check_magic(data, name, BadInputError)
    if data.startswith(ZIP_MAGIC):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            return  # calamine's own error below names the file
        except (OSError, EOFError, ValueError, NotImplementedError) as err:
            # (a damaged directory entry can name a zip version zipfile does not implement:
            # refused, not left to a reader that might skip the guard's checks)
            raise BadInputError(f"无法读取 {name}:文件已损坏({err})",
                                f"cannot read {name}: the file is damaged ({err})") from None
        with archive:
            guard.check_archive(archive, name, BadInputError)
            check_source_extent(archive, name, BadInputError)


def _read_workbook(path: Path, data: bytes, wanted) -> list[SourceSheet]:
    import python_calamine as pc

    name = path.name
    _guard(data, name)
    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        metas = {m.name: m for m in book.sheets_metadata}
        if wanted:
            missing = [s for s in wanted if s not in metas]
            if missing:
                raise BadInputError(
                    f"{name} 中没有工作表:{'、'.join(missing)}(现有:{'、'.join(metas)})",
                    f"{name} has no sheet {', '.join(missing)} (it has: {', '.join(metas)})",
                    path=str(path))
            names = list(wanted)
        else:
            names = [n for n, m in metas.items()
                     if m.typ == pc.SheetTypeEnum.WorkSheet and m.visible == pc.SheetVisibleEnum.Visible]
        out = []
        for sheet_name in names:
            sheet = book.get_sheet_by_name(sheet_name)
            grid = [list(r) for r in sheet.to_python(skip_empty_area=False)]
            _fill_merged(grid, sheet.merged_cell_ranges or ())
            out.append(SourceSheet(path, sheet_name, grid))
        return out
    except BadInputError:
        raise
    except pc.PasswordError as err:
        raise BadInputError(f"工作簿已加密,请先取消密码:{name}",
                            f"the workbook is password-protected; remove the password first: {name}",
                            path=str(path)) from err
    except BaseException as err:  # calamine raises its own errors and Rust panics (BaseException)
        if isinstance(err, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        raise BadInputError(f"无法读取工作簿(文件损坏或格式不支持):{name}",
                            f"cannot read the workbook (damaged or unsupported format): {name}",
                            path=str(path)) from err


def _fill_merged(grid: list[list], ranges) -> None:
    """Copy each merged range's top-left value into every cell of the range."""
    for (r0, c0), (r1, c1) in ranges:
        if r0 >= len(grid) or c0 >= len(grid[r0]):
            continue
        value = grid[r0][c0]
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            row = grid[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if r != r0 or c != c0:
                    row[c] = value
