"""Move the cells of a table's columns up or down inside one worksheet, as Excel's "Delete Table
Rows" / "Insert Table Rows" do, and refuse what Excel could not do cleanly.

Only cells in the band (the table's columns) move; cells left and right of it stay in their rows.
When no row from the first moved one down holds a cell outside the band, whole rows move (the
cheap path of :meth:`~xltools.xlsx.sheetxml.SheetXml.remove_rows`). Row heights and formats stay
with their row numbers, as in Excel. The sheet's own ranges (merged cells, validations, conditional
formats and their formulas, hyperlinks, selections) follow through :func:`move_meta`;
references elsewhere in the book are :mod:`xltools.xlsx.bookrefs`' job.
"""

from __future__ import annotations

import re

from lxml import etree

from ..errors import XlToolsError
from .package import q
from .refs import col_index, col_letter, make_cell, split_ref
from .refshift import RowMove, shift_area, shift_sqref
from .sharedf import unshare_from
from .sheetxml import SheetXml
from .worksheet import _map_sqrefs

_CELL = re.compile(rb"<(?:[\w.-]+:)?c\b[^>]*?(?:/>|>.*?</(?:[\w.-]+:)?c>)", re.DOTALL)
_CELL_COL = re.compile(rb'^<(?:[\w.-]+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d+)"')
_ROW_HEAD = re.compile(rb"^<(?:[\w.-]+:)?row\b[^>]*?(/?)>")
_ROW_R = re.compile(rb'\br="\d+"')
_SPANS = re.compile(rb'\s+spans="[^"]*"')
_CELL_LETTERS = re.compile(rb'<(?:[\w.-]+:)?c\b[^>]*?\br="([A-Z]{1,3})\d+"')


class UnsafeTableEdit(XlToolsError):
    """A table edit Excel itself would refuse or could not adjust cleanly."""


def check_move(meta: etree._Element, move: RowMove, table: str,
               other_tables: list[tuple[str, str]]) -> None:
    """Refuse before anything is written when moving the band would tear something apart: a
    merged block or another table lying partly inside the band's columns, at or below the first
    moved row. ``other_tables`` are (name, ref) of the sheet's other tables."""
    for el in meta.iter(q("mergeCell")):
        ref = el.get("ref", "")
        if _straddles(ref, move):
            raise UnsafeTableEdit(
                f"工作表“{move.sheet}”的合并单元格 {ref} 跨越表格 {table} 的列边界,Excel 也无法只移动"
                f"表格的列;未写入任何内容。请先取消合并或移开它",
                f"merged cells {ref} on sheet '{move.sheet}' straddle the columns of table {table}; "
                "Excel could not move the table's rows either. Nothing was written: unmerge or move "
                "them first")
    for name, ref in other_tables:
        if _straddles(ref, move):
            raise UnsafeTableEdit(
                f"工作表“{move.sheet}”的表格 {name}({ref})挡在表格 {table} 的行移动路径上,"
                "只有部分列重叠;未写入任何内容。请把它移到旁边或更下方",
                f"table {name} ({ref}) on sheet '{move.sheet}' is in the way of table {table}'s rows "
                "and shares only some of its columns; nothing was written. Move it aside first")


def _straddles(ref: str, move: RowMove) -> bool:
    try:
        (c1, r1), (c2, r2) = split_ref(ref.replace("$", ""))
    except ValueError:
        return False
    lo, hi = min(c1, c2), max(c1, c2)
    return (max(r1, r2) >= move.first_row and move.overlaps(lo, hi)
            and not move.covers(lo, hi))


# ---------------------------------------------------------------------------- sheet data

def move_cells(sheet: SheetXml, move: RowMove) -> None:
    """Move the band's cells of ``sheet`` (rows from ``move.first_row`` down)."""
    unshare_from(sheet, move.first_row)
    rows = [r for r in sheet.row_numbers() if r >= move.first_row]
    if move.gone and not _beside(sheet, rows, move):
        sheet.remove_rows(list(move.gone))       # nothing beside the band: whole rows move
        return
    split = {r: _split_row(sheet.row_xml(r)) for r in rows}
    heads = {r: head for r, (head, _, _) in split.items()}
    staying: dict[int, list[tuple[int, bytes]]] = {}
    arriving: dict[int, list[tuple[int, bytes]]] = {}
    source_of: dict[int, int] = {}
    for r, (_, cells, _) in split.items():
        for col, xml in cells:
            if not move.covers(col, col):
                staying.setdefault(r, []).append((col, xml))
                continue
            dest = move.row(r)
            if dest is not None:
                arriving.setdefault(dest, []).append((col, _renumber_cell(xml, col, dest)))
                source_of.setdefault(dest, r)
    for r in sorted(set(rows) | set(arriving)):
        cells = sorted(staying.get(r, []) + arriving.get(r, []), key=lambda cx: cx[0])
        head = heads.get(r) or heads.get(source_of.get(r, -1))
        sheet.set_row_xml(r, _join_row(head, r, cells, sheet.prefix))


def _beside(sheet: SheetXml, rows: list[int], move: RowMove) -> bool:
    """Whether any of ``rows`` holds a cell outside the band (a cheap scan of cell addresses)."""
    band = {col_letter(c).encode() for c in range(move.first_col, move.last_col + 1)}
    for r in rows:
        xml = sheet.row_xml(r)
        if xml and not band.issuperset(_CELL_LETTERS.findall(xml)):
            return True
    return False


def _split_row(xml: bytes | None) -> tuple[bytes | None, list[tuple[int, bytes]], bytes]:
    """(row start tag, [(column, cell xml)], close tag) of one row's XML."""
    if xml is None:
        return None, [], b""
    m = _ROW_HEAD.match(xml)
    head = m.group(0)
    if m.group(1):                      # <row .../>
        return head[:-2].rstrip() + b">", [], b""
    cells, col = [], 0
    for cm in _CELL.finditer(xml, m.end()):
        cx = _CELL_COL.match(cm.group(0))
        col = col_index(cx.group(1).decode()) if cx else col + 1
        cells.append((col, cm.group(0)))
    return head, cells, b""


def _renumber_cell(xml: bytes, col: int, row: int) -> bytes:
    ref = make_cell(col, row).encode()
    if _CELL_COL.match(xml):
        return re.sub(rb'\br="[A-Z]{1,3}\d+"', b'r="' + ref + b'"', xml, count=1)
    return xml


def _join_row(head: bytes | None, row: int, cells: list[tuple[int, bytes]],
              prefix: bytes) -> bytes | None:
    if head is None:
        if not cells:
            return None
        head = b"<" + prefix + b'row r="' + str(row).encode() + b'">'
    head = _SPANS.sub(b"", _ROW_R.sub(b'r="' + str(row).encode() + b'"', head, count=1))
    plain = re.fullmatch(rb'<(?:[\w.-]+:)?row\s+r="\d+"\s*>', head) is not None
    if not cells and plain:
        return None                     # an empty row with no format: leave no trace
    return head + b"".join(x for _, x in cells) + b"</" + prefix + b"row>"


def reaches_beside(sheet: SheetXml, first_col: int, last_col: int) -> bool:
    """Whether the sheet's used range (its <dimension>) goes beyond columns first..last."""
    dim = sheet.find("dimension")
    try:
        (c1, _), (c2, _) = split_ref((dim.get("ref") if dim is not None else "") or "A1")
    except ValueError:
        return True
    return c1 < first_col or c2 > last_col


def put_band(sheet: SheetXml, row: int, first_col: int, last_col: int, cells_xml: str) -> None:
    """Replace the cells of columns first..last in ``row``; cells beside them stay."""
    head, cells, _ = _split_row(sheet.row_xml(row))
    kept = [(c, x) for c, x in cells if not first_col <= c <= last_col]
    p = sheet.prefix.decode()
    if p:
        cells_xml = re.sub(r"<(/?)(c|v|is|t|f)\b", rf"<\1{p}\2", cells_xml)
    _, new, _ = _split_row(b"<row>" + cells_xml.encode("utf-8") + b"</row>")
    sheet.set_row_xml(row, _join_row(head, row, sorted(kept + new, key=lambda cx: cx[0]),
                                     sheet.prefix))


# ---------------------------------------------------------------------------- sheet metadata

def move_meta(meta: etree._Element, move: RowMove) -> None:
    """The moved sheet's own ranges and rule formulas follow its cells."""
    _map_sqrefs(meta, lambda s: shift_sqref(s, move))
    for tag in ("hyperlink", "mergeCell"):
        for el in list(meta.iter(q(tag))):
            new = shift_area(el.get("ref", ""), move)
            if new is None:
                el.getparent().remove(el)
            else:
                el.set("ref", new)
    for tag in ("hyperlinks", "mergeCells"):
        el = meta.find(q(tag))
        if el is not None and len(el) == 0:
            meta.remove(el)
        elif el is not None and tag == "mergeCells":
            el.set("count", str(len(el)))
