"""Carry table-row moves (:class:`~xltools.xlsx.refshift.RowMove`) to every reference in the book.

After the writer has moved a table's cells, the references that name them are rewritten in the
parts' bytes: cell formulas (and the ``ref`` of array formulas) on every worksheet, validation
and conditional-format formulas, hyperlink locations, defined names, chart series and pivot-cache
sources. Parts that cannot name the moved sheet are not touched at all.

>>> moves = [RowMove("Data", 1, 5, gone=(3,))]
>>> shift_part(b'<c r="A1"><f>SUM(Data!B2:B9)&amp;"x"</f></c>', "Report", moves).decode()
'<c r="A1"><f>SUM(Data!B2:B8)&amp;"x"</f></c>'
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from lxml import etree

from .package import q
from .refshift import RowMove, mentions, shift_area, shift_formula

_FORMULA = re.compile(rb"<((?:[\w.-]+:)?)(f|formula|formula1|formula2)\b([^>]*?)>([^<]*)</\1\2>")
_REF_ATTR = re.compile(rb'\bref="([^"]*)"')
_LOCATION = re.compile(rb'(<(?:[\w.-]+:)?hyperlink\b[^>]*?\blocation=")([^"]*)(")')
_PIVOT_SOURCE = re.compile(rb"<(?:[\w.-]+:)?worksheetSource\b[^>]*>")
_ASCII_LETTER = re.compile(rb"[A-Za-z]")


def _escape(text: str, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


def _shift_text(raw: bytes, host: str | None, moves: Iterable[RowMove], quote=False) -> bytes:
    text = html.unescape(raw.decode("utf-8"))
    new = text
    for move in moves:
        new = shift_formula(new, host, move)
    return raw if new == text else _escape(new, quote).encode("utf-8")


def can_name(data: bytes, host: str | None, moves: list[RowMove]) -> bool:
    """Whether a part (written on sheet ``host``) can refer to a moved sheet at all. A part with
    character references (openpyxl writes ``&#23458;`` for 客) is read to be sure."""
    if b"&#" in data:
        return True
    for move in moves:
        if move.on(host):
            return True
        for name in {move.sheet, _escape(move.sheet), move.sheet.replace("'", "''")}:
            if name.encode("utf-8") in data:
                return True
            folded = name.casefold().encode("utf-8")
            # bytes.lower() folds ASCII letters only: without any, the folded name is found in
            # the lowered part exactly where it is in the part (no 180 MB copy to lower)
            if (folded in data.lower()) if _ASCII_LETTER.search(folded) else (folded in data):
                return True
    return False


def _holds_references(data: bytes) -> bool:
    """Whether a part has anything :func:`shift_part` adjusts: a formula, a link's location, a
    pivot source. A sheet of plain values (the usual table sheet) has no ``<f`` or ``:f`` (a
    prefixed ``<x:f>``, ``<x14:formula1>``) at all: a few byte searches tell, without looking
    for sheet names in a lowered copy of it (text may hold them too: then it is looked at)."""
    return b"<f" in data or b":f" in data or b"location=" in data or b"worksheetSource" in data


def shift_part(data: bytes, host: str | None, moves: list[RowMove]) -> bytes:
    """A worksheet (on sheet ``host``) or chart part with every formula and link adjusted."""
    if not moves or not _holds_references(data) or not can_name(data, host, moves):
        return data

    def formula(m: re.Match) -> bytes:
        attrs = m.group(3)
        if m.group(2) == b"f" and b"ref=" in attrs:
            attrs = _REF_ATTR.sub(lambda a: b'ref="' + _shift_ref(a.group(1), host, moves)
                                  + b'"', attrs)
        text = _shift_text(m.group(4), host, moves)
        if attrs is m.group(3) and text is m.group(4):
            return m.group(0)
        p, tag = m.group(1), m.group(2)
        return b"<" + p + tag + attrs + b">" + text + b"</" + p + tag + b">"

    data = _FORMULA.sub(formula, data)
    if b"location=" in data:
        data = _LOCATION.sub(lambda m: m.group(1) + _shift_link(m.group(2), moves)
                             + m.group(3), data)
    if b"worksheetSource" in data:
        data = _PIVOT_SOURCE.sub(lambda m: _shift_pivot(m.group(0), moves), data)
    return data


def _shift_link(raw: bytes, moves: list[RowMove]) -> bytes:
    """A link's target follows its cell; a link to a deleted cell is left as it was (Excel never
    writes #REF! into a link, it leaves links alone)."""
    new = _shift_text(raw, None, moves, True)
    return raw if b"#REF!" in new else new


def _shift_ref(ref: bytes, host: str | None, moves: list[RowMove]) -> bytes:
    text = ref.decode()
    for move in moves:
        if move.on(host):
            text = shift_area(text, move) or text
    return text.encode()


def _shift_pivot(tag: bytes, moves: list[RowMove]) -> bytes:
    sheet = re.search(rb'\bsheet="([^"]*)"', tag)
    ref = _REF_ATTR.search(tag)
    if sheet is None or ref is None:
        return tag
    name = html.unescape(sheet.group(1).decode("utf-8"))
    new = ref.group(1).decode()
    for move in moves:
        if move.on(name):
            new = shift_area(new, move) or new
    return tag.replace(ref.group(0), b'ref="' + new.encode() + b'"')


def shift_defined_names(workbook: etree._Element, moves: list[RowMove]) -> bool:
    """Defined names (print areas, dropdown sources, a user's names); True when one changed."""
    changed = False
    for el in workbook.iter(q("definedName")):
        old = el.text or ""
        if not any(mentions(old, None, m) for m in moves):
            continue
        new = old
        for move in moves:
            new = shift_formula(new, None, move)
        if new != old:
            el.text, changed = new, True
    return changed
