"""The workbook's cell formats (``xl/styles.xml``), edited only by appending.

Writers ask for a variant of a cell's own format: the same format with a date number format,
bold, or one of our mark fills. A variant is a copy of the cell's ``<xf>`` with one thing changed,
appended to ``cellXfs`` (and a new ``<fill>``/``<font>``/``<numFmt>`` when needed); existing
entries never change, so every other cell of the book looks exactly as before. ``dirty`` says
whether the part must be written back.

Mark fills remember what they cover: a mark is a solid fill whose foreground is a mark colour and
whose background colour (which a solid fill does not draw) holds the cell's own solid colour, or
is absent when the cell had no fill. Clearing a mark rebuilds the cell's own fill from it, which
still works after Excel has re-saved and renumbered the styles.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from .package import MAIN_NS, parse_xml, q, to_xml

# Built-in number formats that show dates or times (ECMA-376 §18.8.30).
BUILTIN_DATE_FORMATS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | \
    set(range(50, 59))
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def is_date_format(code: str) -> bool:
    """True for a format code that shows a date or time (``yyyy-mm-dd``, ``h:mm``, ``[$-804]...``)."""
    bare = _QUOTED.sub("", code or "").lower()
    return bool(re.search(r"[ymdhs]", bare)) and bare not in ("general",)


def _key(el: etree._Element) -> tuple:
    """What makes two style entries equal: tags, attributes (in any order) and text, but not
    the namespace declarations a serialisation repeats (a re-read part declares mc:, x14ac:...)."""
    return (el.tag, tuple(sorted(el.attrib.items())), (el.text or "").strip(),
            tuple(_key(child) for child in el))


class Styles:
    def __init__(self, data: bytes | None):
        if data is None:
            data = (f'<styleSheet xmlns="{MAIN_NS}"><fonts count="1"><font><sz val="11"/>'
                    '<name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill '
                    'patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
                    '</fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf '
                    'numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs '
                    'count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
                    '</cellXfs></styleSheet>').encode()
        self.root = parse_xml(data)
        self.dirty = False
        self.xfs = self._section("cellXfs")
        self.fills = self._section("fills")
        self.fonts = self._section("fonts")
        self._variants: dict[tuple, int] = {}
        self._calls: dict[tuple, int | None] = {}    # (verb, index, args) -> answer given before
        self._seen: dict[int, dict[tuple, int]] = {}  # id(section) -> entry's _key -> index

    def _section(self, name: str) -> etree._Element:
        el = self.root.find(q(name))
        if el is None:
            raise ValueError(f"styles.xml has no {name}")
        return el

    def to_bytes(self) -> bytes:
        for section in (self.xfs, self.fills, self.fonts, self.root.find(q("numFmts"))):
            if section is not None:
                section.set("count", str(len(section)))
        return to_xml(self.root)

    # ------------------------------------------------------------------ reading

    def xf(self, index: int) -> etree._Element:
        xfs = self.xfs
        return xfs[index] if 0 <= index < len(xfs) else xfs[0]

    def number_format(self, index: int) -> str | int:
        """The format code of a cell format, or the built-in id when it is built in."""
        num_id = int(self.xf(index).get("numFmtId", "0"))
        fmts = self.root.find(q("numFmts"))
        if fmts is not None:
            for f in fmts:
                if int(f.get("numFmtId", "-1")) == num_id:
                    return f.get("formatCode", "")
        return num_id

    def is_date(self, index: int) -> bool:
        fmt = self.number_format(index)
        return fmt in BUILTIN_DATE_FORMATS if isinstance(fmt, int) else is_date_format(fmt)

    def fill_colour(self, index: int) -> str | None:
        """The ARGB foreground of a solid fill (``FFFFC7CE``), or None."""
        fill = self._fill(index)
        pattern = fill.find(q("patternFill")) if fill is not None else None
        if pattern is None or pattern.get("patternType") != "solid":
            return None
        fg = pattern.find(q("fgColor"))
        return fg.get("rgb", "").upper() if fg is not None and fg.get("rgb") else None

    def _fill(self, index: int) -> etree._Element | None:
        fill_id = int(self.xf(index).get("fillId", "0"))
        return self.fills[fill_id] if 0 <= fill_id < len(self.fills) else None

    # ------------------------------------------------------------------ variants

    def _lookup(self, section: etree._Element) -> dict[tuple, int]:
        """Serialised entry -> its first index in ``section``, built once: finding an equal
        entry is a hash lookup, not a scan (a book with 100,000 marks asks 100,000 times)."""
        seen = self._seen.get(id(section))
        if seen is None:
            seen = {}
            for i, el in enumerate(section):
                seen.setdefault(_key(el), i)
            self._seen[id(section)] = seen
        return seen

    def _variant(self, index: int, key: tuple, change) -> int:
        cache_key = (index, key)
        if cache_key not in self._variants:
            xf = copy.deepcopy(self.xf(index))
            change(xf)
            self._variants[cache_key] = self._append(self.xfs, xf)   # reuse an equal format
        return self._variants[cache_key]

    def _append(self, section: etree._Element, element: etree._Element) -> int:
        seen = self._lookup(section)
        data = _key(element)
        if data not in seen:
            section.append(element)
            self.dirty = True
            seen[data] = len(section) - 1
        return seen[data]

    def _once(self, key: tuple, compute):
        """The answer for ``key`` computed on first call: a mark asked for the same format and
        colour again costs one dict lookup."""
        if key not in self._calls:
            self._calls[key] = compute()
        return self._calls[key]

    def _num_fmt_id(self, code: str) -> int:
        fmts = self.root.find(q("numFmts"))
        if fmts is None:
            fmts = etree.Element(q("numFmts"))
            self.root.insert(0, fmts)
        ids = [int(f.get("numFmtId", "0")) for f in fmts]
        for f in fmts:
            if f.get("formatCode") == code:
                return int(f.get("numFmtId"))
        new_id = max([163] + ids) + 1
        etree.SubElement(fmts, q("numFmt"), numFmtId=str(new_id), formatCode=code)
        self.dirty = True
        return new_id

    def with_date_format(self, index: int, with_time: bool = False) -> int:
        """``index`` itself when it already shows dates, else a copy with a date format."""
        return self._once(("date", index, with_time),
                          lambda: self._with_date_format(index, with_time))

    def _with_date_format(self, index: int, with_time: bool) -> int:
        if self.is_date(index):
            return index
        code = DATETIME_FORMAT if with_time else DATE_FORMAT
        num_id = self._num_fmt_id(code)

        def change(xf):
            xf.set("numFmtId", str(num_id))
            xf.set("applyNumberFormat", "1")
        return self._variant(index, ("date", code), change)

    def with_bold(self, index: int) -> int:
        return self._once(("bold", index), lambda: self._with_bold(index))

    def _with_bold(self, index: int) -> int:
        font_id = int(self.xf(index).get("fontId", "0"))
        font = copy.deepcopy(self.fonts[font_id] if font_id < len(self.fonts) else self.fonts[0])
        if font.find(q("b")) is None:
            font.insert(0, etree.Element(q("b")))
        new_font = self._append(self.fonts, font)

        def change(xf):
            xf.set("fontId", str(new_font))
            xf.set("applyFont", "1")
        return self._variant(index, ("bold",), change)

    def styled(self, index: int, spec: dict) -> int:
        """A variant of ``index`` drawn as ``spec`` says, for sheets the tool owns (Summary):
        ``num`` (a number format code), ``bold``, ``size`` (points), ``colour`` (font, RRGGBB),
        ``fill`` (solid, RRGGBB), ``align`` (left/center/right) and ``wrap``."""
        key = tuple(sorted((k, v) for k, v in spec.items() if v is not None))
        if not key:
            return index
        return self._once(("styled", index, key), lambda: self._styled(index, spec, key))

    def _styled(self, index: int, spec: dict, key: tuple) -> int:
        xf0 = self.xf(index)
        font_id = new_font = int(xf0.get("fontId", "0"))
        if any(k in spec for k in ("bold", "size", "colour")):
            font = copy.deepcopy(self.fonts[font_id] if font_id < len(self.fonts) else self.fonts[0])
            for tag in ("b", "sz", "color"):
                for el in font.findall(q(tag)):
                    font.remove(el)
            if spec.get("bold"):
                _in_font_order(font, etree.Element(q("b")))
            sz = spec.get("size") or next((float(el.get("val")) for el in
                                           self.fonts[font_id].findall(q("sz"))), 11)
            _in_font_order(font, etree.Element(q("sz"), val=f"{float(sz):g}"))
            if spec.get("colour"):
                _in_font_order(font, etree.Element(q("color"), rgb="FF" + spec["colour"]))
            new_font = self._append(self.fonts, font)
        fill_id = None
        if spec.get("fill"):
            fill = etree.Element(q("fill"))
            pattern = etree.SubElement(fill, q("patternFill"), patternType="solid")
            etree.SubElement(pattern, q("fgColor"), rgb="FF" + spec["fill"])
            etree.SubElement(pattern, q("bgColor"), indexed="64")
            fill_id = self._append(self.fills, fill)
        num_id = self._num_fmt_id(spec["num"]) if spec.get("num") else None

        def change(xf):
            if new_font != font_id:
                xf.set("fontId", str(new_font))
                xf.set("applyFont", "1")
            if fill_id is not None:
                xf.set("fillId", str(fill_id))
                xf.set("applyFill", "1")
            if num_id is not None:
                xf.set("numFmtId", str(num_id))
                xf.set("applyNumberFormat", "1")
            if spec.get("align") or spec.get("wrap"):
                for el in xf.findall(q("alignment")):
                    xf.remove(el)
                align = etree.Element(q("alignment"))
                if spec.get("align"):
                    align.set("horizontal", spec["align"])
                if spec.get("wrap"):
                    align.set("wrapText", "1")
                align.set("vertical", "center")
                xf.insert(0, align)
                xf.set("applyAlignment", "1")
        return self._variant(index, ("styled",) + key, change)

    def with_mark(self, index: int, argb: str) -> int | None:
        """A copy of ``index`` filled with the mark colour ``argb``; None when the cell's own fill
        is not one a mark can remember (a gradient or a patterned fill)."""
        return self._once(("mark", index, argb), lambda: self._with_mark(index, argb))

    def _with_mark(self, index: int, argb: str) -> int | None:
        own = self._fill(index)
        own_pattern = own.find(q("patternFill")) if own is not None else None
        kind = own_pattern.get("patternType", "none") if own_pattern is not None else "none"
        under = None
        if kind == "solid":
            fg = own_pattern.find(q("fgColor"))
            if fg is None or fg.get("rgb") is None:
                return None        # theme/indexed colours: keep the person's fill untouched
            under = fg.get("rgb")
        elif kind != "none" or (own is not None and own.find(q("gradientFill")) is not None):
            return None
        fill = etree.Element(q("fill"))
        pattern = etree.SubElement(fill, q("patternFill"), patternType="solid")
        etree.SubElement(pattern, q("fgColor"), rgb=argb)
        if under:
            etree.SubElement(pattern, q("bgColor"), rgb=under)
        fill_id = self._append(self.fills, fill)

        def change(xf):
            xf.set("fillId", str(fill_id))
            xf.set("applyFill", "1")
        return self._variant(index, ("mark", argb, under), change)

    def without_mark(self, index: int, mark_colours: set[str]) -> int:
        """The cell's own format back from a mark variant; ``index`` when it is not a mark."""
        return self._once(("unmark", index, frozenset(mark_colours)),
                          lambda: self._without_mark(index, mark_colours))

    def _without_mark(self, index: int, mark_colours: set[str]) -> int:
        fill = self._fill(index)
        if fill is None or (self.fill_colour(index) or "") not in mark_colours:
            return index
        pattern = fill.find(q("patternFill"))
        bg = pattern.find(q("bgColor")) if pattern is not None else None
        own = etree.Element(q("fill"))
        own_pattern = etree.SubElement(own, q("patternFill"))
        if bg is not None and bg.get("rgb"):
            own_pattern.set("patternType", "solid")
            etree.SubElement(own_pattern, q("fgColor"), rgb=bg.get("rgb"))
            etree.SubElement(own_pattern, q("bgColor"), indexed="64")
            fill_id = self._append(self.fills, own)
        else:
            fill_id = 0        # fills[0] is "none" in every package

        def change(xf):
            xf.set("fillId", str(fill_id))
            if fill_id == 0:
                xf.attrib.pop("applyFill", None)
        return self._variant(index, ("unmark", fill_id), change)


# CT_Font's children in schema order (ECMA-376 Part 1, §18.8.22); Excel refuses another order.
_FONT_ORDER = ("b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign",
               "sz", "color", "name", "family", "charset", "scheme")


def _in_font_order(font: etree._Element, el: etree._Element) -> None:
    rank = _FONT_ORDER.index(etree.QName(el).localname)
    for i, existing in enumerate(font):
        name = etree.QName(existing).localname
        if name in _FONT_ORDER and _FONT_ORDER.index(name) > rank:
            font.insert(i, el)
            return
    font.append(el)
