"""Edit one worksheet part without parsing all of it.

A worksheet is a small head (dimension, views, column widths), ``<sheetData>`` with one
``<row>`` per used row (the bulk: hundreds of megabytes for a big table), and a small tail
(merged cells, conditional formats, data validations, hyperlinks, drawings, table parts,
extensions). :class:`SheetXml` parses the head and tail as one small document (``meta``) and
leaves the rows as bytes; only rows that change are parsed (with lxml), and unchanged rows are
written back exactly as they were (where each row lies, and the rows put back together:
:mod:`xltools.xlsx.sheetbody`). Rows can be set, added, removed (later rows shift up) or all
replaced.

>>> s = SheetXml(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
...              b'<dimension ref="A1:B2"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>ID'
...              b'</t></is></c></row><row r="2"><c r="A2" s="1"><v>5</v></c></row></sheetData>'
...              b'</worksheet>')
>>> s.row_numbers(), s.cell_style(2, 1)
([1, 2], 1)
>>> s.set_cells(3, {1: '<c r="A3"><v>7</v></c>'})
>>> shift = s.remove_rows([2]); shift(3)
2
>>> s.row_numbers()
[1, 2]
>>> b'<row r="2"><c r="A2"><v>7</v></c></row>' in s.to_bytes()
True
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Callable, Iterable
from typing import NamedTuple

from lxml import etree

from . import rowcells
from .sheetbody import LaterRows, RowSpans, body_pieces, flat, renumber, row_spans
from .package import MAIN_NS, parse_xml, q, to_xml
from .refs import col_index, col_letter, split_cell

_COL_OF_REF = re.compile(r"^\$?([A-Za-z]{1,3})")


class CellInfo(NamedTuple):
    style: int
    kind: str | None      # the cell's t: "s" (shared string), "inlineStr", "str", "b" ... or None
    value: str | None     # its <v> text


def _infos(xml: bytes | None, row: int, cols: Iterable[int],
           found: dict | None = None) -> dict[int, CellInfo]:
    """(style, t, <v> text) of the cells of ``cols`` present in one row's XML (no prefix);
    ``found``: where :func:`.rowcells.look_up` found them."""
    if found is None:
        found = rowcells.find_all(xml, row, cols) if xml else {}
    out = {}
    for col, span in found.items():
        if span is not None:
            c = xml[span[0]:span[1]]
            out[col] = CellInfo(rowcells.style(c), rowcells.kind(c), rowcells.value(c))
    return out


class SheetXml:
    def __init__(self, data: bytes):
        m = re.search(rb"<((?:[\w.-]+:)?)sheetData\b([^>]*?)(/?)>", data)
        if m is None:
            raise ValueError("worksheet without sheetData")
        self.prefix = m.group(1)
        if m.group(3):
            body, tail = b"", data[m.end():]
        else:
            close = b"</" + self.prefix + b"sheetData>"
            # searched from the end: a worksheet has one sheetData and a small tail after it,
            # so this does not scan the rows (200 MB for 500,000 rows)
            end = data.rindex(close, m.end())
            # a view, not a copy: the rows of a 500,000-row sheet are held once
            body, tail = memoryview(data)[m.end():end], data[end + len(close):]
        self.meta = parse_xml(data[:m.start()] + b"<" + self.prefix + b"sheetData/>" + tail)
        root_open = re.search(rb"<(?:[\w.-]+:)?worksheet\b[^>]*>", data)
        self._wrap_open = root_open.group(0) if root_open else \
            f'<worksheet xmlns="{MAIN_NS}">'.encode()
        self._wrap_close = b"</" + re.match(rb"<([\w.:-]+)", self._wrap_open).group(1) + b">"
        self._body = body
        self._spans: RowSpans | None = None           # (row, start, end) of each row in body
        self._rows: dict[int, bytes | None] = {}                # changed rows: xml, None = gone
        self._shift: Callable[[int], int] | None = None          # applied to untouched rows
        self._reverse: dict[int, tuple[int, int, int]] | None = None
        self._later: list[LaterRows] = []       # new rows below all others, made when written

    # ------------------------------------------------------------------ row index

    def _index(self) -> RowSpans:
        """(row number, start, end) of each row in the body (:func:`.sheetbody.row_spans`),
        found once."""
        if self._spans is None:
            self._spans = row_spans(self._body, self.prefix)
        return self._spans

    def row_numbers(self) -> list[int]:
        """Row numbers present after the edits so far, ascending."""
        rows = {self._shifted(r) for r, _, _ in self._index()}
        rows = {r for r in rows if r is not None}
        rows |= {r for r, xml in self._rows.items() if xml is not None}
        rows -= {r for r, xml in self._rows.items() if xml is None}
        for later in self._later:
            rows.update(range(later.first, later.last + 1))
        return sorted(rows)

    def last_row(self) -> int:
        """The last row number present (0 for none): every row below it is new."""
        rows = self._first_last_rows()
        return rows[-1] if rows else 0

    def _first_last_rows(self) -> list[int]:
        """[first, last] of :meth:`row_numbers` (without sorting 500,000 rows when no row was
        moved or removed: the file's rows are in order)."""
        if self._shift is not None or None in self._rows.values():
            rows = self.row_numbers()
        else:
            rows = sorted({*self._rows, *self._index().rows[:1], *self._index().rows[-1:],
                           *(r for later in self._later for r in (later.first, later.last))})
        return rows[:1] + rows[-1:]

    def _shifted(self, row: int) -> int | None:
        return self._shift(row) if self._shift else row

    def _original_row(self, row: int) -> bytes | None:
        """Row ``row`` (current numbering) as it was in the file, renumbered if shifted."""
        spans = self._index()
        if self._shift is None:
            i = bisect.bisect_left(spans.rows, row)
            if i < len(spans.rows) and spans.rows[i] == row:
                return bytes(self._body[spans.starts[i]:spans.ends[i]])
            return None
        if self._reverse is None:
            self._reverse = {}
            for r, start, end in spans:
                new = self._shift(r)
                if new is not None:
                    self._reverse[new] = (r, start, end)
        hit = self._reverse.get(row)
        return renumber(bytes(self._body[hit[1]:hit[2]]), hit[0], row) if hit else None

    def row_xml(self, row: int) -> bytes | None:
        self._settle(row)
        if row in self._rows:
            return self._rows[row]
        return self._original_row(row)

    # ------------------------------------------------------------------ cells

    def _parse_row(self, xml: bytes) -> etree._Element:
        return parse_xml(self._wrap_open + xml + self._wrap_close)[0]

    def _row_element(self, row: int) -> etree._Element:
        xml = self.row_xml(row)
        if xml is None:
            return etree.fromstring(f'<row xmlns="{MAIN_NS}" r="{row}"/>')
        return self._parse_row(xml)

    def cells(self, row: int) -> dict[int, etree._Element]:
        """Column number -> <c> element of one row (a parsed copy)."""
        return _cells_of(self._row_element(row))

    def cell_info(self, row: int, cols: Iterable[int]) -> dict[int, CellInfo]:
        """Column number -> (style, t, <v> text) of the cells of ``cols`` present in one row,
        read without parsing the row (:mod:`xltools.xlsx.rowcells`)."""
        if self.prefix:
            found = self.cells(row)
            return {col: CellInfo(int(c.get("s", "0")), c.get("t"), c.findtext(q("v")))
                    for col in cols if (c := found.get(col)) is not None}
        return _infos(self.row_xml(row), row, cols)

    def edit_cells(self, row: int, cols: Iterable[int],
                   new_cells: Callable[[dict[int, CellInfo]], dict[int, str]]) -> None:
        """``set_cells(row, new_cells(cell_info(row, cols)))``, the row read once: an update
        of one column in 100,000 rows."""
        if self.prefix:
            self.set_cells(row, new_cells(self.cell_info(row, cols)))
            return
        xml = self.row_xml(row)
        seen = rowcells.look_up(xml, row, cols) if xml else None
        self._rows[row] = rowcells.splice(xml, row, {
            c: x.encode() for c, x in new_cells(_infos(xml, row, cols, seen and seen[0])).items()},
            seen)

    def cell_style(self, row: int, col: int) -> int | None:
        """The style index of a cell, or None when the cell is absent."""
        cell = self.cell_info(row, (col,)).get(col)
        return None if cell is None else cell.style

    def restyle(self, row: int, styles: dict[int, int]) -> None:
        """Give cells of ``row`` new style indexes (0: none); a missing cell is created empty."""
        if self.prefix:
            found = self.cells(row)
            new = {}
            for col, style in styles.items():
                el = found.get(col)
                if el is None:
                    el = etree.Element(q("c"), r=f"{col_letter(col)}{row}")
                if style:
                    el.set("s", str(style))
                else:
                    el.attrib.pop("s", None)
                new[col] = etree.tostring(el, encoding="unicode").replace(
                    f' xmlns="{MAIN_NS}"', "")
            self.set_cells(row, new)
            return
        xml = self.row_xml(row)
        seen = rowcells.look_up(xml, row, styles) if xml else None
        found = seen[0] if seen else {}
        self._rows[row] = rowcells.splice(xml, row, {
            col: rowcells.restyled(xml[span[0]:span[1]] if (span := found.get(col)) else
                                   b'<c r="%s%d"/>' % (col_letter(col).encode(), row), style)
            for col, style in styles.items()}, seen)

    def row_values_present(self, row: int, cols: Iterable[int]) -> bool:
        """True when any of ``cols`` holds a value in ``row``."""
        cells = self.cells(row)
        for c in cols:
            cell = cells.get(c)
            if cell is not None and (cell.find(q("v")) is not None or cell.find(q("is")) is not None
                                     or cell.find(q("f")) is not None):
                return True
        return False

    def set_cells(self, row: int, new_cells: dict[int, str], row_attrs: dict | None = None) -> None:
        """Put ``<c>`` XML strings (column -> xml) into ``row``, replacing cells in those columns;
        other cells of the row stay as they are (byte for byte, unless the sheet uses a
        namespace prefix: then the row is parsed)."""
        if not self.prefix and not row_attrs:
            self._rows[row] = rowcells.splice(
                self.row_xml(row), row, {c: x.encode() for c, x in new_cells.items()})
            return
        el = self._row_element(row)
        existing = _cells_of(el)
        for col, xml in new_cells.items():
            new = etree.fromstring(f'<x xmlns="{MAIN_NS}">{xml}</x>')[0]
            old = existing.get(col)
            if old is not None:
                old.addprevious(new)
                el.remove(old)
            else:
                later = [c for c in existing if c > col]
                if later:
                    existing[min(later)].addprevious(new)
                else:
                    el.append(new)
            existing[col] = new
        for key, value in (row_attrs or {}).items():
            el.set(key, value)
        el.attrib.pop("spans", None)   # an optimisation hint; wrong spans are worse than none
        self._rows[row] = self._serialise(el)

    def put_row(self, row: int, cells_xml: str, attrs: str = "") -> None:
        """Replace row ``row`` entirely with the given cells."""
        self._settle(row)
        p = self.prefix.decode()
        if p:
            cells_xml = re.sub(r"<(/?)(c|v|is|t|f)\b", rf"<\1{p}\2", cells_xml)
        self._rows[row] = f'<{p}row r="{row}"{attrs}>{cells_xml}</{p}row>'.encode()

    def clear_row(self, row: int) -> None:
        self._settle(row)
        self._rows[row] = None

    def set_row_xml(self, row: int, xml: bytes | None) -> None:
        """Replace row ``row`` by ready-made row XML (None: no row)."""
        self._settle(row)
        self._rows[row] = xml

    def clear_all(self) -> None:
        """Drop every row (a sheet the tool rebuilds from scratch)."""
        self._body, self._spans, self._rows = b"", RowSpans(array("q"), array("q"), array("q")), {}
        self._shift, self._reverse, self._later = None, None, []

    # ------------------------------------------------------------------ rows made later

    def put_rows_later(self, first: int, count: int,
                       make: Callable[[], Iterable[list[bytes]]]) -> None:
        """Rows ``first`` .. ``first + count - 1``, all below the last row present, as
        :meth:`put_row` would put them (no namespace prefix), made by ``make`` only when the
        sheet is written (:class:`LaterRows`); an edit or a read of those rows, or of rows
        below them, makes them now."""
        if self.prefix or first <= self.last_row():
            raise ValueError("rows made later must be new rows below all others, unprefixed")
        self._later.append(LaterRows(first, count, make))

    def _settle(self, row: int | None = None) -> None:
        """Make the rows put for later now (all of them, or when ``row`` is at or below the
        first of them): whatever reads or edits them sees them as put rows."""
        if not self._later or (row is not None and row < self._later[0].first):
            return
        later, self._later = self._later, []
        for block in later:
            row = block.first
            for chunk in block.make():
                for xml in chunk:
                    self._rows[row] = xml
                    row += 1

    def _serialise(self, el: etree._Element) -> bytes:
        xml = etree.tostring(el)
        # lxml repeats the namespace declarations the root already makes: drop them.
        head_end = xml.index(b">")
        head = re.sub(rb'\s+xmlns(?::[\w.-]+)?="[^"]*"', b"", xml[:head_end])
        return head + xml[head_end:]

    # ------------------------------------------------------------------ removing rows

    def remove_rows(self, rows: Iterable[int]) -> Callable[[int], int | None]:
        """Delete whole rows; every later row moves up. Returns the row mapping old -> new (None
        for a removed row), for the caller to fix references (tables, validations, comments)."""
        gone = sorted(set(rows))
        if not gone:
            return lambda r: r
        self._settle()

        def mapping(r: int) -> int | None:
            i = bisect.bisect_left(gone, r)
            if i < len(gone) and gone[i] == r:
                return None
            return r - i

        # Changed rows so far are re-keyed; rows of the file shift through the mapping.
        changed = {}
        for r, xml in self._rows.items():
            new = mapping(r)
            if new is not None:
                changed[new] = None if xml is None else renumber(xml, r, new)
        previous = self._shift
        self._shift = (lambda r: _compose(previous, mapping, r)) if previous else mapping
        self._reverse = None
        # Rows of the file that no longer exist must not resurface from _original_row.
        self._rows = changed
        return mapping

    # ------------------------------------------------------------------ output

    def to_bytes(self) -> bytes:
        return b"".join(flat(self.to_pieces()))

    def to_pieces(self) -> list:
        """The worksheet as pieces whose concatenation (:func:`flat`) is :meth:`to_bytes` (views
        of the file's bytes for runs of untouched rows, rows made later as a
        :class:`LaterRows`): to be written out without joining a big sheet."""
        meta = to_xml(self.meta)
        p = re.escape(self.prefix)
        m = re.search(rb"<" + p + rb"sheetData\s*/>", meta)
        rows = self._body_chunks() + self._later      # (below every other row)
        if not self._later and not any(len(r) for r in rows):
            return [meta[:m.start()] + b"<" + self.prefix + b"sheetData/>" + meta[m.end():]]
        return [meta[:m.start()], b"<" + self.prefix + b"sheetData>", *rows,
                b"</" + self.prefix + b"sheetData>", meta[m.end():]]

    def _body_chunks(self) -> list:
        """The rows as pieces to join (:func:`.sheetbody.body_pieces`)."""
        return body_pieces(memoryview(self._body), self._rows, self._shift, self._index)

    # ------------------------------------------------------------------ meta helpers

    def find(self, tag: str) -> etree._Element | None:
        return self.meta.find(q(tag))

    def findall(self, tag: str) -> list[etree._Element]:
        return self.meta.findall(q(tag))

    def column_styles(self) -> dict[int, int]:
        """Column number -> default style index from <cols>."""
        out = {}
        cols = self.find("cols")
        if cols is None:
            return out
        for col in cols:
            style = col.get("style")
            if style is None:
                continue
            for c in range(int(col.get("min", "1")), int(col.get("max", "1")) + 1):
                out[c] = int(style)
                if c > 16384:
                    break
        return out

    def set_dimension(self) -> None:
        """Recompute <dimension> from the rows present (cheap bound: columns from <cols>)."""
        dim = self.find("dimension")
        rows = self._first_last_rows()
        if dim is None or not rows:
            return
        ref = dim.get("ref", "A1")
        first, _, last = ref.partition(":")
        try:
            c1, _ = split_cell(first)
            c2, _ = split_cell(last or first)
        except ValueError:
            return
        dim.set("ref", f"{col_letter(c1)}{rows[0]}:{col_letter(max(c1, c2))}{rows[-1]}"
                if (rows[-1], c2) != (rows[0], c1) else f"{col_letter(c1)}{rows[0]}")

    def widen_dimension(self, last_col: int) -> None:
        dim = self.find("dimension")
        if dim is None:
            return
        first, _, last = dim.get("ref", "A1").partition(":")
        try:
            c2, r2 = split_cell(last or first)
        except ValueError:
            return
        if last_col > c2:
            dim.set("ref", f"{first}:{col_letter(last_col)}{r2}")


def _cells_of(row: etree._Element) -> dict[int, etree._Element]:
    out, col = {}, 0
    for c in row.iter(q("c")):
        ref = c.get("r")
        m = _COL_OF_REF.match(ref) if ref else None
        col = col_index(m.group(1)) if m else col + 1
        out[col] = c
    return out


def _compose(first, second, r):
    mid = first(r)
    return None if mid is None else second(mid)
