"""Keep a reader from allocating a whole 1,048,576 x 16,384 sheet for one stray cell.

python-calamine turns a sheet into a dense grid from its first to its last cell: one value typed
into row 1,048,576 below a 100-row table makes a 1,048,576 x 28 grid (about 900 MB) before Python
sees a single value, and one at XFD1048576 asks for 512 GB and aborts the process. A sheet's
``<dimension>`` cannot be trusted (other programs leave it out of date), so the cells themselves
are scanned first, streaming, for any reference past what the reader needs
(:func:`far_cells`: Arrow's RE2 screens each chunk, and one regular expression that matches
only such references reads the few chunks it flags). When there are
any, the reader gets a copy of the package in which that sheet stops after the last row the
tables use and keeps no cell right of their last column (plus some slack). An import source has
no tables: :func:`check_source_extent` refuses a sheet whose cells span more than
:data:`SOURCE_MAX_CELLS`, naming the farthest cell.

>>> xml = (b'<worksheet><dimension ref="A1:C1048576"/><sheetData><row r="1"><c r="A1"/></row>'
...        b'<row r="1048576"><c r="C1048576"/></row></sheetData><mergeCells/></worksheet>')
>>> dimension_last_row(xml)
1048576
>>> cut_rows(xml, 10)
b'<worksheet><dimension ref="A1:C10"/><sheetData><row r="1"><c r="A1"/></row></sheetData></worksheet>'
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
import zlib

from typing import Iterable, Iterator

from .guard import damaged
from .re2 import matcher
from .refs import col_index, col_letter
from .zipcopy import write_package

SLACK_ROWS = 10_000      # cells this far below the tables are read as usual
SLACK_COLS = 16          # ... and this far right of them
PROLOG_BYTES = 16_384
SOURCE_MAX_CELLS = 50_000_000   # an import sheet spanning more (first to last cell) is refused
MAX_COL, MAX_ROW = 16_384, 1_048_576

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"')
_ROW = re.compile(rb'<(\w+:)?row\b[^>]*?\sr="(\d+)"')
_WHOLE_ROW = re.compile(rb'<(\w+:)?row\b[^>]*?\sr="(\d+)"[^>]*?(?:/>|>.*?</(?:\w+:)?row>)', re.DOTALL)
_SHEET_DATA_END = re.compile(rb"</(\w+:)?sheetData>")


def dimension_last_row(head: bytes) -> int | None:
    """The last row of a sheet's ``<dimension ref>``, from the first bytes of its XML."""
    m = _DIMENSION.search(head[:PROLOG_BYTES])
    return int(m.group(1)) if m else None


def cut_rows(xml: bytes, last_row: int) -> bytes:
    """The sheet XML without the rows after ``last_row`` (and without what follows sheetData:
    merges, validations ... which a value reader does not need)."""
    first = _ROW.search(xml)
    prefix = first.group(1).decode() if first and first.group(1) else ""
    end = _SHEET_DATA_END.search(xml)
    stop = end.start() if end else len(xml)
    rest = b""
    for row in _ROW.finditer(xml, 0, stop):
        if int(row.group(2)) > last_row:
            # rows are sorted in what Excel writes: all from here on go; a file that is not
            # sorted keeps the nearer rows that follow
            rest = _WHOLE_ROW.sub(lambda m: b"" if int(m.group(2)) > last_row else m.group(0),
                                  xml[row.start():stop])
            stop = row.start()
            break

    def shrink(d: re.Match) -> bytes:
        return d.group(0)[: d.start(1) - d.start(0)] + str(last_row).encode() + b'"'

    head = _DIMENSION.sub(shrink, xml[:stop], count=1)
    return head + rest + f"</{prefix}sheetData></{prefix}worksheet>".encode()


def far_part(pkg, part: str, extent: tuple[int, int]) -> tuple[int, int] | None:
    """The farthest (row, column) of ``part`` more than :data:`SLACK_ROWS` below or
    :data:`SLACK_COLS` right of ``extent`` (the last row and column its tables use), or None.
    The same pass notes whether the sheet holds a formula cell (:func:`formula_free`)."""
    if part not in pkg:
        return None
    last_row, last_col = extent
    seen = {"formula": False, "end": (b"", b"")}

    def watched():
        tail = b""
        for chunk in pkg.chunks(part):
            seen["end"] = (seen["end"][1], chunk)        # the last two chunks
            if not seen["formula"]:             # (also a tag cut between two chunks)
                seen["formula"] = _has_formula(chunk) or \
                    _FORMULA.search(tail + chunk[:64]) is not None
                tail = chunk[-64:]
            yield chunk
    far = far_cells(watched(), last_row + SLACK_ROWS, min(MAX_COL, last_col + SLACK_COLS))
    if not seen["formula"]:
        _FORMULA_FREE.add(_fingerprint(pkg, part))
        last = b"".join(seen["end"])
        end = _SHEET_DATA_END.search(last)
        if end is not None and not _MAY_NAME_SHEET.search(last, end.end()):
            _NAMES_NO_SHEET.add(_fingerprint(pkg, part))
    return far


# Sheets scanned whole and found to hold no formula cell, by (name, CRC-32, sizes) of their zip
# member: the privacy pass need not read such a sheet again for cached formula results.
_FORMULA_FREE: set[tuple] = set()
_FORMULA = re.compile(rb"<(?:[\w.-]+:)?f[\s/>]")
# ... and of those, the ones with nothing after their cells (validations, conditional formats,
# hyperlinks) that may name another sheet: that takes a "!" (Sheet!A1), or a character reference
_NAMES_NO_SHEET: set[tuple] = set()
_MAY_NAME_SHEET = re.compile(rb"!|&#")


def _has_formula(piece: bytes) -> bool:
    """A formula cell's <f> in ``piece`` (RE2 passes over almost every chunk of a sheet)."""
    return _formula_screen()(piece) and _FORMULA.search(piece) is not None


@functools.lru_cache(maxsize=1)
def _formula_screen():
    return _screen(rb"<(?:[\w.-]+:)?f[\s\v/>]")      # (\v: re's \s has it, RE2's not)


def _fingerprint(pkg, part: str) -> tuple:
    return _member_key(pkg.zip.getinfo(part))


def _member_key(info: zipfile.ZipInfo) -> tuple:
    """A member, byte for byte: its name, CRC-32 and sizes."""
    return (info.filename, info.CRC, info.file_size, info.compress_size)


def formula_free(pkg, part: str) -> bool:
    """Whether ``part`` of ``pkg`` is, byte for byte, a sheet :func:`far_part` read whole in this
    process and found without formula cells."""
    try:
        return _fingerprint(pkg, part) in _FORMULA_FREE
    except KeyError:
        return False


def carry_over(pkg, written: str, changed: dict) -> None:
    """What :func:`far_part` found of a sheet of ``pkg`` (no formula cell; nothing after its
    cells that may name another sheet) holds for the sheet as this process rewrote it into the
    package at ``written``, when its new rows hold no formula either and its new tail names no
    sheet (the writer puts values in cells, never a formula). The next step of a batch then
    does not read the rewritten 100,000-row customer sheet again to find no cached formula
    result (validate's privacy scan) or no reference to a moved row (tag's removals).
    ``changed``: part -> its new bytes, or pieces whose views are of the part's old bytes."""
    todo = {p: d for p, d in changed.items() if d is not None and formula_free(pkg, p)}
    if not todo:
        return
    with zipfile.ZipFile(written) as z:
        for part, data in todo.items():
            pieces = data if isinstance(data, list) else [data]
            # (a view is of the old, formula-free bytes: only the new rows are searched; rows
            # made as they are written are values the writer made, never a formula)
            if any(isinstance(p, (bytes, bytearray)) and _has_formula(p) for p in pieces):
                continue
            try:
                info = z.getinfo(part)
            except KeyError:
                continue
            key = _member_key(info)
            _FORMULA_FREE.add(key)
            last = b"".join(bytes(p) for p in pieces[-2:]) if len(pieces) > 1 else pieces[0]
            close = last.rfind(b"sheetData>")     # (the tail is small; the rows may not be)
            end = _SHEET_DATA_END.search(last, max(0, close - 64)) if close >= 0 else None
            if end is not None and not _MAY_NAME_SHEET.search(last, end.end()):
                _NAMES_NO_SHEET.add(key)


def names_no_sheet(pkg, part: str) -> bool:
    """Whether ``part`` of ``pkg`` is, byte for byte, a sheet :func:`far_part` read whole in this
    process and found without formula cells or anything else that could name another sheet (so
    no reference in it follows rows moved on another sheet)."""
    try:
        return _fingerprint(pkg, part) in _NAMES_NO_SHEET
    except KeyError:
        return False


def cut_copy(pkg, needed: dict[str, tuple[int, int]],
             far: dict[str, tuple[int, int] | None]) -> io.BytesIO:
    """An in-memory copy of ``pkg`` in which each part with ``far`` cells is cut down to its
    ``needed`` (last row, last column)."""
    cuts = {}
    for part, where in far.items():
        if where is None:
            continue
        last_row, last_col = needed[part]
        xml = pkg.read(part)
        if where[0] > last_row + SLACK_ROWS:
            xml = cut_rows(xml, last_row)
        if where[1] > min(MAX_COL, last_col + SLACK_COLS):
            xml = cut_cols(xml, min(MAX_COL, last_col + SLACK_COLS))
        cuts[part] = xml
    buf = io.BytesIO()
    write_package(pkg.source, buf, cuts)
    buf.seek(0)
    return buf


def readable_copy(pkg, needed: dict[str, tuple[int, int]]):
    """``pkg``'s source, or an in-memory copy in which every sheet part of ``needed``
    ({sheet part: (last row, last column) the tables use}) with cells more than
    :data:`SLACK_ROWS` below or :data:`SLACK_COLS` right of that is cut down to it."""
    far = {part: far_part(pkg, part, extent) for part, extent in needed.items()}
    if not any(far.values()):
        return pkg.source
    return cut_copy(pkg, needed, far)


def _greater_letters(col: int) -> bytes:
    """A regex for column letters after column ``col`` (``col`` < 16,384)."""
    letters = col_letter(col)
    options = [rb"[A-Z]{%d,}" % (len(letters) + 1)]
    for i, ch in enumerate(letters):
        if ch != "Z":
            options.append(f"{letters[:i]}[{chr(ord(ch) + 1)}-Z][A-Z]{{{len(letters) - i - 1}}}"
                           .encode())
    return b"(?:" + b"|".join(options) + b")"


_REF = re.compile(rb'r="([A-Z]*)(\d+)"')


def _far_source(row_limit: int, col_limit: int, possessive: str = "+") -> bytes:
    digits = str(row_limit).encode()
    rows = rb"[A-Z]{0,3}%s(?:\d{%d}|[%s-9]\d{%d}\")" % (possessive.encode(), len(digits) + 1,
                                                       digits[:1], len(digits) - 1)
    return rb'r="(?:' + rows + rb"|" + _greater_letters(col_limit) + rb"\d)"


def _far_pattern(row_limit: int, col_limit: int) -> re.Pattern:
    """A cheap superset of the references past the limits: column letters after the limit's,
    or more digits than the limit has, or as many with a first one at least the limit's (rows
    checked exactly after). Possessive and literal-led."""
    return re.compile(_far_source(row_limit, col_limit))


_SCREEN_FROM = 64 << 10


def _screen(pattern: bytes):
    """``holds(chunk)``: whether ``pattern`` (RE2 syntax) may match somewhere in a chunk, asked
    of Arrow's RE2, which reads a sheet's megabytes about three times as fast as ``re``: only
    the chunks it says yes to (almost none) are searched by ``re`` for what matched. A small
    chunk (one row) is always a yes: an Arrow call costs more than ``re`` searching it."""
    matches = matcher(pattern.decode("ascii"))

    def holds(chunk: bytes) -> bool:
        return len(chunk) < _SCREEN_FROM or matches(chunk, [0, len(chunk)])[0]
    return holds


def _whole_tags(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The stream cut after its last ``>`` each time, so no attribute is split in two."""
    tail = b""
    for data in chunks:
        buf = tail + data
        end = buf.rfind(b">") + 1
        tail = buf[end:]
        yield buf[:end]
    yield tail


def far_cells(chunks: Iterable[bytes], row_limit: int, col_limit: int) -> tuple[int, int] | None:
    """The farthest (row, column) among cell and row references past ``row_limit`` or
    ``col_limit`` in a sheet's XML (streamed in ``chunks``), or None when there is none.

    >>> far_cells([b'<row r="2"><c r="B2"/></row><row r="1048576"><c r="XF', b'D1048576"/></row>'], 100, 30)
    (1048576, 16384)
    >>> far_cells([b'<row r="2"><c r="B2"/></row>'], 100, 30) is None
    True
    """
    pattern = _far_pattern(row_limit, col_limit)
    # (RE2 has no possessive repeat; here it would change nothing: letters, then a digit)
    may_hold = _screen(_far_source(row_limit, col_limit, possessive=""))
    far_row = far_col = 0
    for buf in _whole_tags(chunks):
        if not may_hold(buf):
            continue
        for m in pattern.finditer(buf):
            ref = _REF.match(buf, m.start())
            if ref is None or len(ref.group(1)) > 3:
                continue
            row, col = int(ref.group(2)), col_index(ref.group(1).decode()) if ref.group(1) else 0
            if row > row_limit or col > col_limit:
                far_row, far_col = max(far_row, row), max(far_col, col)
    return (far_row, far_col) if far_row or far_col else None


def cut_cols(xml: bytes, last_col: int) -> bytes:
    """The sheet XML without the cells right of column ``last_col``."""
    cell = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="' + _greater_letters(last_col)
                      + rb'\d+"[^>]*?(?:/>|>.*?</(?:\w+:)?c>)', re.DOTALL)
    return cell.sub(b"", xml)


def sheet_extent(chunks: Iterable[bytes]) -> tuple[int, int, str]:
    """(rows, columns, farthest cell) a reader's grid of this sheet would span."""
    rows: list[int] = []
    cols: list[int] = []
    far, far_key = "", (0, 0)
    for buf in _whole_tags(chunks):
        for m in _REF.finditer(buf):
            if m.group(1):  # a cell (a <row r=...> has no letters; its cells say the columns)
                col, row = col_index(m.group(1).decode()), int(m.group(2))
                rows[:] = [min(rows[0], row), max(rows[1], row)] if rows else [row, row]
                cols[:] = [min(cols[0], col), max(cols[1], col)] if cols else [col, col]
                if (row, col) > far_key:
                    far, far_key = m.group(1).decode() + m.group(2).decode(), (row, col)
    if not rows:
        return 0, 0, ""
    return rows[1] - rows[0] + 1, cols[1] - cols[0] + 1, far


def check_source_extent(archive, name: str, error) -> None:
    """Refuse an import workbook with a sheet whose cells span more than :data:`SOURCE_MAX_CELLS`
    (one stray cell at XFD1048576 would make the reader ask for 512 GB)."""
    for info in archive.infolist():
        part = info.filename
        if not (part.startswith("xl/worksheets/") and part.endswith(".xml")):
            continue
        try:
            with archive.open(info) as fh:
                rows, cols, far = sheet_extent(iter(lambda: fh.read(1 << 20), b""))
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError,
                NotImplementedError) as err:
            raise damaged(name, part, err, error) from None
        if rows * cols > SOURCE_MAX_CELLS:
            raise error(
                f"{name} 的工作表({part})中有一个很远的单元格 {far},读取需要 {rows:,} 行 × {cols:,} 列;"
                "请删除这个单元格(或只把数据复制到新工作簿)后再导入",
                f"{name}: a sheet ({part}) has a cell as far as {far}, so reading it would take "
                f"{rows:,} rows x {cols:,} columns; delete that cell (or copy just the data into a "
                "new workbook) and import again")
