"""The rows of a worksheet's ``<sheetData>`` as bytes: where each row lies, rows made only when
the sheet is written, and the rows put back together after edits.

:class:`~xltools.xlsx.sheetxml.SheetXml` keeps a big sheet's rows as the bytes of the file: it
finds where each row lies (:func:`row_spans`: three arrays of integers, not an object per row),
keeps changed rows aside, and writes the body back as views of the untouched runs between them
(:func:`body_pieces`), so a 200 MB sheet is neither parsed nor copied to change a few rows.

>>> body = b'<row r="1"><c r="A1"/></row><row r="2"><c r="A2"/></row><row r="3"/>'
>>> spans = row_spans(body, b"")
>>> list(spans.rows), spans.starts[1], spans.ends[1]
([1, 2, 3], 28, 56)
>>> b"".join(body_pieces(memoryview(body), {2: b'<row r="2"/>'}, None, lambda: spans))
b'<row r="1"><c r="A1"/></row><row r="2"/><row r="3"/>'
>>> renumber(b'<row r="7"><c r="B7"/></row>', 7, 5)
b'<row r="5"><c r="B5"/></row>'
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Callable, Iterable

import numpy as np

_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_ROW_NUM = re.compile(rb'\br="(\d+)"')


class RowSpans:
    """Where each row of a sheet's body lies, as three arrays of machine integers (a 500,000-row
    sheet: 12 MB, not 60 MB of tuples); iterated as (row, start, end)."""

    __slots__ = ("rows", "starts", "ends")

    def __init__(self, rows: array, starts: array, ends: array):
        self.rows, self.starts, self.ends = rows, starts, ends

    def __iter__(self):
        return zip(self.rows, self.starts, self.ends)


def row_spans(body, prefix: bytes) -> RowSpans:
    """(row number, start, end) of each row in ``body`` (the bytes between ``<sheetData>`` and
    ``</sheetData>``; ``prefix``: the sheet's namespace prefix, b"" for none). sheetData holds
    nothing but rows (and no text can hold a raw "<"), so a row ends where the next begins: one
    pattern finds each row's opening tag and its number, not each row's whole extent."""
    p = re.escape(prefix)
    heads = re.compile(rb"<" + p + rb"row\b(?:[^>]*?\sr=\"(\d+)\")?")
    starts, numbers = array("q"), []
    for m in heads.finditer(body):
        starts.append(m.start())
        numbers.append(m.group(1))
    last = bytes(body[-256:])
    ends = starts[1:]
    ends.append(len(body) - (len(last) - len(last.rstrip())))
    if all(numbers):
        rows = array("q", map(int, numbers))
    else:                               # a row without r= is the one after the last
        rows, row = array("q"), 0
        for num in numbers:
            row = int(num) if num else row + 1
            rows.append(row)
    return RowSpans(rows, starts, ends)


class LaterRows:
    """New rows below every other row of a sheet, made only when the sheet is written: ``make()``
    yields them a chunk at a time (a list of row XML bytes each), so 200,000 appended rows are
    never held as XML at once. Iterating gives each chunk joined, made again each time."""

    __slots__ = ("first", "count", "make")

    def __init__(self, first: int, count: int, make: Callable[[], Iterable[list[bytes]]]):
        self.first, self.count, self.make = first, count, make

    @property
    def last(self) -> int:
        return self.first + self.count - 1

    def __iter__(self):
        return (b"".join(chunk) for chunk in self.make())


def flat(pieces: Iterable) -> Iterable:
    """The bytes of ``pieces`` one after the other, rows made later (:class:`LaterRows`) as
    they are made."""
    for piece in pieces:
        if isinstance(piece, LaterRows):
            yield from piece
        else:
            yield piece


def body_pieces(body: memoryview, rows: dict[int, bytes | None],
                shift: Callable[[int], int | None] | None,
                spans: Callable[[], RowSpans]) -> list:
    """The rows as pieces to join: runs of untouched rows are views of ``body`` (not a copy per
    row), changed and added rows (``rows``: number -> new XML, None for gone) their new XML, in
    row order; ``shift`` (old number -> new, None for removed) moves the untouched rows, and
    ``spans()`` gives where the body's rows lie (asked only when something changed)."""
    if not rows and shift is None:
        return [body]
    if shift is None and _in_order(spans()):
        return _spliced(body, rows, spans())
    out: list = []
    run_start = run_end = None                  # a run of untouched, unmoved rows
    pending = sorted(rows.items())
    k = 0

    def close_run():
        nonlocal run_start
        if run_start is not None:
            out.append(body[run_start:run_end])
            run_start = None

    for r, start, end in spans():
        new = shift(r) if shift else r
        if new is None:
            close_run()
            continue
        while k < len(pending) and pending[k][0] < new:
            close_run()
            if pending[k][1] is not None:
                out.append(pending[k][1])
            k += 1
        if k < len(pending) and pending[k][0] == new:
            close_run()
            if pending[k][1] is not None:
                out.append(pending[k][1])
            k += 1
            continue
        if new != r:
            close_run()
            out.append(renumber(bytes(body[start:end]), r, new))
        elif run_start is not None and start == run_end:
            run_end = end
        else:
            close_run()
            run_start, run_end = start, end
    close_run()
    for _, xml in pending[k:]:
        if xml is not None:
            out.append(xml)
    return out


def _in_order(spans: RowSpans) -> bool:
    """Whether the file's rows are numbered in strictly increasing order (as Excel and every
    writer we know put them): then changed rows can be placed by binary search."""
    rows = spans.rows
    if len(rows) < 2:
        return True
    a = np.frombuffer(rows, dtype=np.int64)
    return bool((a[1:] > a[:-1]).all())


def _spliced(body: memoryview, changed: dict[int, bytes | None], spans: RowSpans) -> list:
    """:func:`body_pieces` when no row moved: the changed rows put in their places by
    binary search, the untouched rows between them one view each (not a loop over every
    row of a 500,000-row sheet to edit 10,000)."""
    rows, starts, ends = spans.rows, spans.starts, spans.ends
    n = len(rows)
    out: list = []
    i = 0                       # the next file row not yet written
    for r, xml in sorted(changed.items()):
        j = bisect.bisect_left(rows, r, i)
        if j > i:               # untouched rows i..j-1: one contiguous run of the body
            out.append(body[starts[i]:ends[j - 1]])
        if xml is not None:
            out.append(xml)
        i = j + 1 if j < n and rows[j] == r else j
    if i < n:
        out.append(body[starts[i]:ends[n - 1]])
    return out


def renumber(xml: bytes, old: int, new: int) -> bytes:
    """A row's XML moved from row ``old`` to row ``new`` (the row's r and every cell's r)."""
    o, n = str(old).encode(), str(new).encode()
    head_end = xml.index(b">")
    head = _ROW_NUM.sub(b'r="' + n + b'"', xml[:head_end], count=1)
    rest = _CELL_REF.sub(lambda m: b'r="' + m.group(1) + (n if m.group(2) == o else m.group(2))
                         + b'"', xml[head_end:])
    return head + rest
