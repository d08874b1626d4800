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
    nothing but rows (and no text can hold a raw "<"), so a row ends where the next begins: only
    each row's opening tag and its number are looked for (:func:`_row_starts`,
    :func:`_row_numbers`: in numpy, a 500,000-row sheet in a fraction of a ``re`` pass)."""
    starts, numbers = _row_numbers(body, _row_starts(body, b"<" + prefix + b"row"), prefix)
    last = bytes(body[-256:])
    ends = np.append(starts[1:], len(body) - (len(last) - len(last.rstrip())))
    if (numbers >= 0).all():
        rows = numbers
    else:                               # a row without r= (-1) is the one after the last
        rows, row = np.empty_like(numbers), 0
        for i, num in enumerate(numbers.tolist()):
            row = rows[i] = num if num >= 0 else row + 1
    return RowSpans(*(array("q", a.astype(np.int64).tobytes()) for a in (rows, starts, ends)))


_CHUNK = 16 << 20           # searched this many bytes at a time (bounded temporaries)
_WORD = np.zeros(256, dtype=bool)   # the bytes re's \b counts as word characters (ASCII)
_WORD[list(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")] = True


def _row_starts(body, needle: bytes) -> np.ndarray:
    """Where each ``<row`` (``needle``: with the prefix) of ``body`` starts, as re's
    ``<row\\b`` finds them: its first four bytes compared as one 32-bit word at each of the four
    alignments, the rest of it and the word boundary after it checked at each hit."""
    view = np.frombuffer(body, dtype=np.uint8)
    key = np.frombuffer(needle[:4], dtype="<u4")[0]
    found = []
    for lo in range(0, len(view), _CHUNK):
        seg = view[lo:lo + _CHUNK + 3]
        for k in range(4):
            words = seg[k:k + (len(seg) - k) // 4 * 4].view("<u4")
            hits = np.flatnonzero(words == key) * 4 + (lo + k)
            found.append(hits[hits < lo + _CHUNK])
    starts = np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
    ok = np.ones(len(starts), dtype=bool)
    for i in range(4, len(needle) + 1):      # the rest of the needle, then a non-word byte
        at = starts + i
        inside = at < len(view)
        byte = view[np.minimum(at, len(view) - 1)]
        ok &= (byte == needle[i]) & inside if i < len(needle) else ~(_WORD[byte] & inside)
    return starts[ok]


_DIGITS = 10                                # a longer row number is read by re
_NUMBER = re.compile(rb'[^>]*?\sr="(\d+)"')
_SPACE = np.zeros(256, dtype=bool)          # re's \s in bytes patterns
_SPACE[list(b" \t\n\r\x0b\x0c")] = True


def _row_numbers(body, starts: np.ndarray, prefix: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The rows opening at ``starts`` and the r of each (-1 for a row without one) as re's
    ``<row\\b(?:[^>]*?\\sr="(\\d+)")?`` finds them: read in numpy where the tag opens with r
    (``<row r="12"``, as every program writes), by ``re`` for any other row (and a "<row" that
    re's match of such a row runs over, in a tag left open, is no row of its own)."""
    view = np.frombuffer(body, dtype=np.uint8)
    n = len(starts)
    head = len(prefix) + 4                  # "<" + prefix + "row"
    width = 4 + _DIGITS + 1                 # ' r="', the digits, '"'
    at = starts + head
    inside = at <= len(view) - width        # (a tag too near the end to read so: read by re)
    win = np.lib.stride_tricks.sliding_window_view(view, width)[np.where(inside, at, 0)] \
        if len(view) >= width else np.zeros((n, width), dtype=np.uint8)
    digits = win[:, 4:] - np.uint8(48)       # (other bytes wrap round to above 9)
    count = np.argmax(digits > 9, axis=1)    # digits before the first other byte
    plain = (inside & _SPACE[win[:, 0]] & (win[:, 1] == ord("r")) & (win[:, 2] == ord("="))
             & (win[:, 3] == ord('"')) & (count > 0) & (win[np.arange(n), 4 + count] == ord('"')))
    numbers = np.zeros(n, dtype=np.int64)
    for i in range(_DIGITS):
        numbers = np.where(count > i, numbers * 10 + digits[:, i], numbers)
    kept = np.ones(n, dtype=bool)
    for i in np.flatnonzero(~plain).tolist():
        if kept[i]:
            m = _NUMBER.match(body, int(starts[i]) + head)
            numbers[i] = int(m.group(1)) if m else -1
            over = i + 1
            while m and over < n and starts[over] < m.end():
                kept[over] = False
                over += 1
    return starts[kept], numbers[kept]


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
