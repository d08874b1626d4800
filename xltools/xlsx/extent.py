"""Keep a reader from allocating a whole 1,048,576-row sheet for one stray cell.

python-calamine turns a sheet into a dense grid from its first to its last cell: one value typed
into row 1,048,576 below a 100-row table makes a 1,048,576 x 28 grid (about 900 MB) before Python
sees a single value. The tables say which rows matter, and a sheet's ``<dimension>`` says (in its
first bytes) how far its cells reach; when they reach far past the last table row, the reader gets
a copy of the package in which that sheet stops after the last row it needs.

>>> xml = (b'<worksheet><dimension ref="A1:C1048576"/><sheetData><row r="1"><c r="A1"/></row>'
...        b'<row r="1048576"><c r="C1048576"/></row></sheetData><mergeCells/></worksheet>')
>>> dimension_last_row(xml)
1048576
>>> cut_rows(xml, 10)
b'<worksheet><dimension ref="A1:C10"/><sheetData><row r="1"><c r="A1"/></row></sheetData></worksheet>'
"""

from __future__ import annotations

import io
import re

from .zipcopy import write_package

SLACK_ROWS = 10_000      # cells this far below the tables are read as usual
PROLOG_BYTES = 16_384

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"')
_ROW = re.compile(rb'<(\w+:)?row\b[^>]*?\sr="(\d+)"')
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
    for row in _ROW.finditer(xml, 0, stop):
        if int(row.group(2)) > last_row:
            stop = row.start()
            break

    def shrink(d: re.Match) -> bytes:
        return d.group(0)[: d.start(1) - d.start(0)] + str(last_row).encode() + b'"'

    head = _DIMENSION.sub(shrink, xml[:stop], count=1)
    return head + f"</{prefix}sheetData></{prefix}worksheet>".encode()


def readable_copy(pkg, needed: dict[str, int]):
    """``pkg``'s source, or an in-memory copy in which every sheet part of ``needed``
    ({sheet part: last row a table uses}) whose dimension reaches more than :data:`SLACK_ROWS`
    further is cut after that row."""
    cuts = {}
    for part, last in needed.items():
        if part not in pkg:
            continue
        reach = dimension_last_row(pkg.read_head(part, PROLOG_BYTES))
        if reach is not None and reach > last + SLACK_ROWS:
            cuts[part] = cut_rows(pkg.read(part), last)
    if not cuts:
        return pkg.source
    buf = io.BytesIO()
    write_package(pkg.source, buf, cuts)
    buf.seek(0)
    return buf
