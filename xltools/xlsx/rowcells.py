"""One worksheet row's cells edited as bytes, without parsing the row.

Updating a column of 100,000 customers changes one cell in each of 100,000 rows; parsing each
row with lxml, editing the tree and serialising it again cost most of such a write.
A row is ``<row ...>`` + cells + ``</row>``, and a cell ``<c .../>`` or ``<c ...>...</c>``
(no text can hold a raw ``<``, and no cell holds another), so a cell is found by one pattern,
replaced by slicing, and every other byte of the row stays as it was.
For rows without a namespace prefix (``<c>``, not ``<x:c>``): :class:`~xltools.xlsx.sheetxml.SheetXml`
parses prefixed sheets' rows instead.

>>> row = b'<row r="2" spans="1:3"><c r="A2" s="3"><v>1</v></c><c r="C2" t="s"><v>7</v></c></row>'
>>> sorted(cells(row)), style(cells(row)[1]), kind(cells(row)[3]), value(cells(row)[3])
([1, 3], 3, 's', '7')
>>> splice(row, 2, {2: b'<c r="B2"><v>5</v></c>', 3: b'<c r="C2"/>'})
b'<row r="2"><c r="A2" s="3"><v>1</v></c><c r="B2"><v>5</v></c><c r="C2"/></row>'
>>> splice(row, 2, {3: b'<c r="C2"/>', 1: b'<c r="A2"/>'})       # both there: replaced in place
b'<row r="2"><c r="A2"/><c r="C2"/></row>'
>>> restyled(b'<c r="A2" s="3"><v>1</v></c>', 0), restyled(b'<c r="B2"/>', 4)
(b'<c r="A2"><v>1</v></c>', b'<c r="B2" s="4"/>')
"""

from __future__ import annotations

import re

from .refs import col_index, col_letter

_CELL = re.compile(rb'<c(?=[\s/>])(?:[^>]*?\sr="\$?([A-Za-z]{1,3})\d)?[^>]*?(?:/>|>.*?</c>)',
                   re.DOTALL)
_STYLE = re.compile(rb'\ss="(\d+)"')
_KIND = re.compile(rb'\st="(\w+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_SPANS = re.compile(rb'\sspans="[^"]*"')
_COLUMNS: dict[bytes, int] = {}


def _start_tag(cell: bytes) -> bytes:
    return cell[:cell.index(b">") + 1]


def _column(letters: bytes) -> int:
    if letters not in _COLUMNS:
        _COLUMNS[letters] = col_index(letters.upper().decode())
    return _COLUMNS[letters]


def cell_spans(row: bytes) -> list[tuple[int, int, int]]:
    """(column, start, end) of each cell of ``row``, in document order (a cell without ``r``
    is the one after the previous)."""
    out, col = [], 0
    for m in _CELL.finditer(row):
        col = _column(m.group(1)) if m.group(1) else col + 1
        out.append((col, m.start(), m.end()))
    return out


def find_all(row: bytes, number: int, cols) -> dict[int, tuple[int, int] | None]:
    """(start, end) of the cell in each of ``cols`` of row ``number`` (None: none): looked up
    by its reference as programs write it (``<c r="B7"`` first), else among the row's cells,
    read at most once (a cell not there, such as a blank fingerprint, is looked for among them)."""
    return look_up(row, number, cols)[0]


def look_up(row: bytes, number: int, cols, seen: tuple | None = None) -> tuple[dict, list | None]:
    """:func:`find_all`, and the row's :func:`cell_spans` when they were read (else None);
    ``seen``: what an earlier look-up of the same row found (not looked for again)."""
    known, spans = seen or ({}, None)
    out = {}
    for col in cols:
        out[col] = known[col] if col in known else _by_ref(row, number, col)
        if out[col] is None and col not in known:
            if spans is None:
                spans = cell_spans(row)
            out[col] = _by_reading(spans, col)
    return out, spans


def _by_ref(row: bytes, number: int, col: int) -> tuple[int, int] | None:
    at = row.find(b'<c r="%s%d"' % (col_letter(col).encode(), number))
    m = _CELL.match(row, at) if at >= 0 else None
    return None if m is None else (m.start(), m.end())


def _by_reading(spans: list[tuple[int, int, int]], col: int) -> tuple[int, int] | None:
    """The last cell of column ``col`` among a row's :func:`cell_spans`."""
    return next(((start, end) for c, start, end in reversed(spans) if c == col), None)


def cells(row: bytes) -> dict[int, bytes]:
    """Column number -> the cell's XML."""
    return {col: row[start:end] for col, start, end in cell_spans(row)}


def style(cell: bytes) -> int:
    m = _STYLE.search(_start_tag(cell))
    return int(m.group(1)) if m else 0


def kind(cell: bytes) -> str | None:
    """The cell's ``t`` (``s`` for a shared string, ``inlineStr``, ``str`` ...), or None."""
    m = _KIND.search(_start_tag(cell))
    return m.group(1).decode() if m else None


def value(cell: bytes) -> str | None:
    """The text of the cell's ``<v>`` (a number, or a shared string's index), or None."""
    m = _VALUE.search(cell)
    return m.group(1).decode() if m else None


def restyled(cell: bytes, new_style: int) -> bytes:
    """The cell with style ``new_style`` (0: no ``s`` attribute), nothing else changed."""
    tag = _start_tag(cell)
    bare = _STYLE.sub(b"", tag, count=1)
    if new_style:
        end = len(bare) - (2 if bare.endswith(b"/>") else 1)
        bare = bare[:end] + b' s="%d"' % new_style + bare[end:]
    return bare + cell[len(tag):]


def splice(row: bytes | None, number: int, new: dict[int, bytes],
           seen: tuple | None = None) -> bytes:
    """``row`` (None: a row not in the file yet) with the cells of ``new`` (column -> cell XML)
    put in: a cell in the same column is replaced, another goes before the first cell right of
    it. The row's ``spans`` hint goes (a wrong hint is worse than none). ``seen``: what
    :func:`look_up` found in ``row`` (its cells are not looked for again)."""
    if row is None:
        row = b'<row r="%d"/>' % number
    head_end = row.index(b">") + 1
    head = _SPANS.sub(b"", row[:head_end], count=1)
    if head.endswith(b"/>"):
        head, body, tail = head[:-2] + b">", b"", b"</row>" + row[head_end:]
    else:
        close = row.rindex(b"</row>")
        body, tail = row[head_end:close], row[close:]
    if seen is not None:                # (found in the whole row: where in its cells)
        known, spans = seen
        seen = ({c: span and (span[0] - head_end, span[1] - head_end) for c, span in known.items()},
                spans and [(c, a - head_end, b - head_end) for c, a, b in spans])
    found, spans = look_up(body, number, new, seen)
    if all(found.values()):             # every cell is there (the usual update): replace them
        out, pos = [head], 0
        for col, (start, end) in sorted(found.items(), key=lambda kv: kv[1]):
            out += [body[pos:start], new[col]]
            pos = end
        out += [body[pos:], tail]
        return b"".join(out)
    todo = dict(sorted(new.items()))
    out, pos = [head], 0
    spans = cell_spans(body) if spans is None else spans
    last_of = {col: i for i, (col, _, _) in enumerate(spans)}   # a repeated column: the last
    for i, (col, start, end) in enumerate(spans):
        while todo and next(iter(todo)) < col:
            out += [body[pos:start], todo.pop(next(iter(todo)))]
            pos = start
        if col in todo and last_of[col] == i:
            out += [body[pos:start], todo.pop(col)]
            pos = end
    # the cells right of every cell go after the last one (not before the untouched cells
    # that end the row: Excel repairs a row whose cells are out of order), before what may
    # follow the cells (a row's extLst)
    last = max(pos, spans[-1][2]) if spans else pos
    rest = body[last:]
    other = rest.find(b"<")
    cut = len(rest) if other < 0 else other
    out += [body[pos:last], rest[:cut], *todo.values(), rest[cut:], tail]
    return b"".join(out)
