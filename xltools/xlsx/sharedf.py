"""Shared formulas below a moved row become ordinary formulas before cells move.

Excel writes a filled-down formula once, on the group's first cell (the *master*:
``<f t="shared" ref="C2:C9" si="0">A2*2</f>``); the other cells only name the group
(``<f t="shared" si="0"/>``) and mean the master's formula shifted by their offset. Moving some of
those cells (or deleting the master) would change or orphan what they mean, so every shared cell
from the first moved row down gets its own formula (openpyxl's :class:`Translator` shifts the
master's text to the cell), and masters above that row stop at it. Excel reads both forms alike.
"""

from __future__ import annotations

import html
import re

from openpyxl.formula.translate import Translator

from .refs import make_cell, make_ref, split_ref
from .sheetxml import SheetXml

_CELL = re.compile(rb"<((?:[\w.-]+:)?)c\b([^>]*?)(?:/>|>(.*?)</\1c>)", re.DOTALL)
_F = re.compile(rb"<((?:[\w.-]+:)?)f\b([^>]*?)(?:/>|>([^<]*)</\1f>)")
_ATTR = re.compile(rb'\b(\w+)="([^"]*)"')


def _attrs(text: bytes) -> dict[bytes, bytes]:
    return dict(_ATTR.findall(text))


def unshare_from(sheet: SheetXml, first_row: int) -> None:
    """Give every shared-formula cell at or below ``first_row`` its own formula."""
    rows = sheet.row_numbers()
    shared = [(r, xml) for r in rows if (xml := sheet.row_xml(r)) and b't="shared"' in xml]
    if not any(r >= first_row for r, _ in shared):
        return
    masters: dict[bytes, tuple[str, str]] = {}          # si -> (master cell, formula)
    for _, xml in shared:
        for cell in _CELL.finditer(xml):
            f = _F.search(cell.group(3) or b"")
            if f and f.group(3) and b"ref=" in f.group(2):
                a = _attrs(f.group(2))
                if a.get(b"t") == b"shared" and b"si" in a:
                    ref = _attrs(cell.group(2)).get(b"r", b"").decode()
                    masters[a[b"si"]] = (ref, html.unescape(f.group(3).decode("utf-8")))
    for r, xml in shared:
        below = r >= first_row
        new = _CELL.sub(lambda m, below=below: _own_formula(m, masters) if below
                        else _trim_master(m, first_row), xml)
        if new != xml:
            sheet.set_row_xml(r, new)


def _own_formula(cell: re.Match, masters: dict) -> bytes:
    body = cell.group(3) or b""
    f = _F.search(body)
    if f is None or _attrs(f.group(2)).get(b"t") != b"shared":
        return cell.group(0)
    master = masters.get(_attrs(f.group(2)).get(b"si"))
    ref = _attrs(cell.group(2)).get(b"r", b"").decode()
    if master is None or not ref:
        return cell.group(0)
    origin, text = master
    formula = text if ref == origin else \
        Translator("=" + text, origin=origin).translate_formula(ref)[1:]
    own = (b"<" + f.group(1) + b"f>" + html.escape(formula, quote=False).encode("utf-8")
           + b"</" + f.group(1) + b"f>")
    p = cell.group(1)
    return b"<" + p + b"c" + cell.group(2) + b">" + body[:f.start()] + own + body[f.end():] + \
        b"</" + p + b"c>"


def _trim_master(cell: re.Match, first_row: int) -> bytes:
    """A master above the moved rows: its group now ends on the row before them."""
    body = cell.group(3) or b""
    f = _F.search(body)
    if f is None or not f.group(3):
        return cell.group(0)
    a = _attrs(f.group(2))
    if a.get(b"t") != b"shared" or b"ref" not in a:
        return cell.group(0)
    (c1, r1), (c2, r2) = split_ref(a[b"ref"].decode())
    if r2 < first_row:
        return cell.group(0)
    last = max(r1, first_row - 1)
    ref = make_ref(c1, r1, c2, last) if (c1, r1) != (c2, last) else make_cell(c1, r1)
    head = f.group(2).replace(b'ref="' + a[b"ref"] + b'"', b'ref="' + ref.encode() + b'"')
    new_f = b"<" + f.group(1) + b"f" + head + b">" + f.group(3) + b"</" + f.group(1) + b"f>"
    return cell.group(0).replace(f.group(0), new_f, 1)
