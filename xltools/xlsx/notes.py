"""Cell notes (Excel's legacy comments) of one sheet: the comments part and its VML drawing.

A note is two things in the package: a ``<comment>`` in ``xl/commentsN.xml`` (author and text)
and a ``<v:shape>`` in ``xl/drawings/vmlDrawingN.vml`` (the yellow box, hidden until hovered).
:class:`Notes` adds and removes notes by cell and keeps the two in step. Notes written by
xltools carry the author :data:`OUR_AUTHOR`; everything else is a person's and is left exactly
as it is (the VML is edited as text, shape by shape, because Excel's VML is not always
well-formed XML).
"""

from __future__ import annotations

import re

from lxml import etree

from .cells import escape_text
from .package import MAIN_NS, parse_xml, q, to_xml
from .refs import make_cell, split_cell
from .refshift import RowMove

OUR_AUTHOR = "xltools"
NOTE_PREFIX = "xltools:\n"

_SHAPE = re.compile(r"<v:shape\b.*?</v:shape>", re.DOTALL)
# a shape with the whitespace before it: a removed note takes its line along, so removing and
# re-adding the same notes gives the same bytes (a re-run that changes nothing writes nothing)
_SHAPE_LINE = re.compile(r"[ \t\r\n]*<v:shape\b.*?</v:shape>", re.DOTALL)
_ROW = re.compile(r"<x:Row>\s*(\d+)\s*</x:Row>")
_COL = re.compile(r"<x:Column>\s*(\d+)\s*</x:Column>")
_ANCHOR = re.compile(r"<x:Anchor>([^<]*)</x:Anchor>")
_IDMAP = re.compile(r'(<o:idmap[^>]*data=")([\d,\s]+)(")')
BLOCK = 1024        # a VML part's shape ids come in blocks: block n holds n*1024+1 .. n*1024+1023
_SHAPE_ID = re.compile(r'id="_x0000_s(\d+)"')

VML_HEAD = ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:'
            'office" xmlns:x="urn:schemas-microsoft-com:office:excel">\n'
            ' <o:shapelayout v:ext="edit">\n  <o:idmap v:ext="edit" data="%d"/>\n'
            ' </o:shapelayout>')
NOTE_SHAPETYPE = ('<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
                  'path="m,l,21600r21600,l21600,xe">\n  <v:stroke joinstyle="miter"/>\n'
                  '  <v:path gradientshapeok="t" o:connecttype="rect"/>\n </v:shapetype>')


def _note_shape(shape_id: int, row: int, col: int) -> str:
    """The VML box of a note on (1-based) row/col, as Excel draws a new one."""
    r, c = row - 1, col - 1
    return (f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;'
            'margin-left:59.25pt;margin-top:1.5pt;width:144pt;height:79pt;z-index:1;'
            'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">\n'
            '  <v:fill color2="#ffffe1"/>\n  <v:shadow on="t" color="black" obscured="t"/>\n'
            '  <v:path o:connecttype="none"/>\n  <v:textbox style="mso-direction-alt:auto">\n'
            '   <div style="text-align:left"></div>\n  </v:textbox>\n'
            '  <x:ClientData ObjectType="Note">\n   <x:MoveWithCells/>\n   <x:SizeWithCells/>\n'
            f'   <x:Anchor>{c + 1}, 15, {max(0, r - 1)}, 10, {c + 4}, 15, {max(0, r - 1) + 5}, 4'
            '</x:Anchor>\n   <x:AutoFill>False</x:AutoFill>\n'
            f'   <x:Row>{r}</x:Row>\n   <x:Column>{c}</x:Column>\n  </x:ClientData>\n </v:shape>')


class Notes:
    """The notes of one sheet. ``comments``/``vml`` are the parts' bytes (None when absent);
    ``idmap`` is the VML shape block to use when a new VML part must be made; ``new_block``
    gives another block free in the whole book when the part's own blocks are full."""

    def __init__(self, comments: bytes | None, vml: bytes | None, idmap: int = 1,
                 new_block=None):
        self.root = parse_xml(comments) if comments else etree.fromstring(
            f'<comments xmlns="{MAIN_NS}"><authors/><commentList/></comments>')
        self.authors = self.root.find(q("authors"))
        if self.authors is None:
            self.authors = etree.Element(q("authors"))
            self.root.insert(0, self.authors)
        self.list = self.root.find(q("commentList"))
        if self.list is None:
            self.list = etree.SubElement(self.root, q("commentList"))
        self.vml = vml.decode("utf-8", "replace") if vml else None
        # new shapes belong to the VML part's own id block (ids n*1024+1 ...), so a re-run that
        # removes and re-adds the same notes gives them the same ids
        own = _IDMAP.search(self.vml) if self.vml else None
        self.blocks = [int(b) for b in own.group(2).replace(",", " ").split()] if own else [idmap]
        self.idmap = self.blocks[0]
        self._new_block = new_block
        self.changed = False
        self._by_cell: dict[tuple[int, int], etree._Element] = {}
        for c in self.list.findall(q("comment")):
            try:
                col, row = split_cell(c.get("ref", ""))
            except ValueError:
                continue
            self._by_cell[(row, col)] = c
        self._new: dict[etree._Element, None] = {}   # our notes added now (shapes come last)
        self._gone: set[tuple[int, int]] = set()      # removed notes whose VML shape still waits

    # ------------------------------------------------------------------ reading

    def author(self, row: int, col: int) -> str | None:
        c = self._by_cell.get((row, col))
        if c is None:
            return None
        try:
            return self.authors[int(c.get("authorId", "0"))].text or ""
        except (IndexError, ValueError):
            return ""

    def is_ours(self, row: int, col: int) -> bool:
        c = self._by_cell.get((row, col))
        if c is None:
            return False
        text = "".join(c.find(q("text")).itertext()) if c.find(q("text")) is not None else ""
        return self.author(row, col) == OUR_AUTHOR or text.startswith(NOTE_PREFIX)

    def ours(self) -> list[tuple[int, int]]:
        return [cell for cell in self._by_cell if self.is_ours(*cell)]

    def has(self, row: int, col: int) -> bool:
        return (row, col) in self._by_cell

    def __len__(self) -> int:
        return len(self._by_cell)

    # ------------------------------------------------------------------ editing

    def remove(self, row: int, col: int) -> None:
        c = self._by_cell.pop((row, col), None)
        if c is None:
            return
        self.list.remove(c)
        self.changed = True
        if c in self._new:
            del self._new[c]
        elif self.vml:
            self._gone.add((row, col))    # shapes go in one pass over the VML, not one per note

    def _drop_gone_shapes(self) -> None:
        if not self._gone or not self.vml:
            self._gone.clear()
            return
        gone = self._gone

        def drop(m: re.Match) -> str:
            shape = m.group(0)
            rm, cm = _ROW.search(shape), _COL.search(shape)
            if ('ObjectType="Note"' in shape and rm and cm
                    and (int(rm.group(1)) + 1, int(cm.group(1)) + 1) in gone):
                return ""
            return shape
        self.vml = _SHAPE_LINE.sub(drop, self.vml)
        self._gone = set()

    def add(self, row: int, col: int, message: str) -> None:
        """Our note on a cell that has none."""
        if (row, col) in self._by_cell:
            raise ValueError(f"cell {make_cell(col, row)} already has a note")
        author_id = self._author_id(OUR_AUTHOR)
        c = etree.SubElement(self.list, q("comment"), ref=make_cell(col, row),
                             authorId=str(author_id), shapeId="0")
        text = etree.SubElement(c, q("text"))
        t = etree.SubElement(text, q("t"))
        t.text = escape_text(NOTE_PREFIX + message)
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        self._by_cell[(row, col)] = c
        self._new[c] = None
        self.changed = True

    def _author_id(self, name: str) -> int:
        for i, a in enumerate(self.authors):
            if a.text == name:
                return i
        etree.SubElement(self.authors, q("author")).text = name
        return len(self.authors) - 1

    def move(self, move: RowMove) -> None:
        """Cells of the band ``move`` names moved (rows deleted or inserted): their notes follow,
        notes on deleted cells go. The parts count as changed only when a note moved or went."""
        if not self._by_cell:
            return
        self._drop_gone_shapes()    # pending removals name rows before this move
        moved: dict[tuple[int, int], etree._Element] = {}
        touched = False
        for (row, col), c in self._by_cell.items():
            new = move.row(row) if move.covers(col, col) else row
            if new is None:
                self.list.remove(c)
                self._new.pop(c, None)
                touched = True
                continue
            if new != row:
                c.set("ref", make_cell(col, new))
                touched = True
            moved[(new, col)] = c
        self._by_cell = moved
        if touched:
            self.changed = True
            if self.vml:
                self.vml = _SHAPE.sub(lambda m: _move_shape(m.group(0), move), self.vml)

    # ------------------------------------------------------------------ output

    def comments_bytes(self) -> bytes | None:
        """The comments part, or None when no note is left."""
        if not self._by_cell:
            return None
        items = sorted(self._by_cell.items(), key=lambda kv: kv[0])
        for _, c in items:          # Excel lists notes row by row
            self.list.remove(c)
        for _, c in items:
            self.list.append(c)
        return to_xml(self.root)

    def _free_ids(self, used: set[int]):
        """Shape ids not yet used, from the part's own blocks, then from new ones."""
        for block in list(self.blocks):
            yield from _unused(block, used)
        while True:
            block = self._new_block() if self._new_block else max(self.blocks) + 1
            self.blocks.append(block)
            yield from _unused(block, used)

    def vml_bytes(self) -> bytes | None:
        """The VML part, or None when it would hold no shape at all."""
        self._drop_gone_shapes()
        vml = self.vml
        if vml is None:
            vml = VML_HEAD % self.idmap + "\n " + NOTE_SHAPETYPE + "\n</xml>"
        if self._new:
            if "_x0000_t202" not in vml:
                vml = vml.replace("</xml>", " " + NOTE_SHAPETYPE + "\n</xml>")
            free = self._free_ids({int(i) for i in _SHAPE_ID.findall(vml)})
            shapes = []
            for c in self._new:
                col, row = split_cell(c.get("ref"))
                shapes.append(_note_shape(next(free), row, col))
            vml = vml.replace("</xml>", " " + "\n ".join(shapes) + "\n</xml>")
            data = ",".join(map(str, self.blocks))
            vml = _IDMAP.sub(lambda m: m.group(1) + data + m.group(3), vml, count=1)
        if not _SHAPE.search(vml):
            return None
        return vml.encode("utf-8")


def _unused(block: int, used: set[int]):
    return (i for i in range(block * BLOCK + 1, (block + 1) * BLOCK) if i not in used)


def _move_shape(shape: str, move: RowMove) -> str:
    """One VML shape after ``move`` ('' when its note's cell was deleted)."""
    rm, cm = _ROW.search(shape), _COL.search(shape)
    if rm is None or cm is None or not move.covers(int(cm.group(1)) + 1, int(cm.group(1)) + 1):
        return shape
    row = int(rm.group(1)) + 1
    new = move.row(row)
    if new is None:
        return "" if 'ObjectType="Note"' in shape else shape
    delta = new - row
    if not delta:
        return shape
    shape = _ROW.sub(f"<x:Row>{new - 1}</x:Row>", shape, count=1)
    am = _ANCHOR.search(shape)
    if am:
        nums = [p.strip() for p in am.group(1).split(",")]
        if len(nums) == 8:
            nums[2] = str(max(0, int(nums[2]) + delta))
            nums[6] = str(max(0, int(nums[6]) + delta))
            shape = shape.replace(am.group(0), f"<x:Anchor>{', '.join(nums)}</x:Anchor>")
    return shape
