"""Apply a :class:`~xltools.changes.Changeset` to a workbook package, touching only what it owns.

:class:`BookWriter` edits the parts it must (the worksheets that change, their table parts,
``styles.xml`` when a new format is needed, the notes of sheets it marks, and workbook.xml, its
rels and the content types when a sheet or table must be created) and leaves every other member
alone; :meth:`BookWriter.changed_parts` is what :func:`xltools.xlsx.zipcopy.write_package` copies
over the original. Steps run in the live backend's order: marks (rows as loaded), cell updates,
removals (later rows move up), appends, table replacements, sheet rebuilds, then the ChangeLog.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from lxml import etree

from .. import layout
from ..changes import Changeset
from ..db import CustomerDB
from ..xlsx import appxml, longtext
from ..xlsx import notes as notes_mod
from ..xlsx import worksheet as ws
from ..xlsx.cells import cell_xml, kind_of, plain
from ..xlsx.charts import put_charts
from ..xlsx.page import print_names, set_page
from ..xlsx.package import (
    CT_COMMENTS,
    CT_TABLE,
    CT_VML,
    CT_WORKSHEET,
    MAIN_NS,
    R_NS,
    REL_COMMENTS,
    REL_TABLE,
    REL_VML,
    REL_WORKSHEET,
    Package,
    TableInfo,
    q,
    to_xml,
)
from ..xlsx.parts import PartStore
from ..xlsx.bandmove import UnsafeTableEdit, check_move, move_cells, move_meta
from ..xlsx.bookrefs import shift_defined_names, shift_part
from ..xlsx.refshift import RowMove, shift_area
from ..xlsx.refs import col_letter, make_cell, make_ref, split_ref
from ..xlsx.sheetxml import SheetXml
from ..xlsx.styles import Styles
from ..xlsx.tablepart import add_table_column
from . import frames
from .changelog import changelog_rows

log = logging.getLogger(__name__)

MARK_COLOURS = {v.upper() for v in layout.MARK_FILLS.values()}
TABLE_STYLE = "TableStyleMedium2"
APP_PART = "docProps/app.xml"


@dataclass
class Located:
    """Where one managed table sits now (kept current while the writer works)."""

    key: str
    name: str
    sheet_name: str
    sheet_part: str
    table_part: str
    header_row: int
    first_col: int
    last_col: int
    last_row: int
    positions: dict[str, int] = field(default_factory=dict)   # column key -> sheet column
    dirty: bool = False
    table_id: int = 0

    @property
    def ref(self) -> str:
        return make_ref(self.first_col, self.header_row, self.last_col, self.last_row)

    @property
    def columns(self) -> range:
        return range(self.first_col, self.last_col + 1)


class BookWriter:
    def __init__(self, pkg: Package, db: CustomerDB, now: dt.datetime | None = None):
        self.pkg, self.db, self.schema = pkg, db, db.schema
        self.parts = PartStore(pkg)
        self.now = now
        self.sheets: dict[str, SheetXml] = {}
        self.notes: dict[str, notes_mod.Notes] = {}
        self._styles: Styles | None = None
        self.located: dict[str, Located | None] = {}
        self.workbook_changed = False
        self.scrub_sst: set[int] = set()     # shared strings that held masked values we replaced
        self.long_texts: list[tuple[str, str, str, int]] = []   # (sheet, cell, text, length)
        self.truncated: list[dict] = []
        self.moves: list[RowMove] = []             # table-row moves, in order
        self._table_refs: dict[str, str] = {}      # table part -> ref after moves (unmanaged)
        self.counts = {"marked": 0, "marks_cleared": 0, "marks_skipped": 0, "updated": 0,
                       "removed": 0, "appended": 0, "replaced": 0, "rebuilt": 0, "skipped": 0}

    # ------------------------------------------------------------------ parts

    @property
    def styles(self) -> Styles:
        if self._styles is None:
            part = self.pkg.styles_part
            self._styles = Styles(self.parts[part] if part and part in self.parts else None)
        return self._styles

    def sheet(self, part: str) -> SheetXml:
        if part not in self.sheets:
            self.sheets[part] = SheetXml(self.parts[part])
        return self.sheets[part]

    def locate(self, key: str, create: bool = False) -> Located | None:
        if self.located.get(key) is None:
            table = self.schema.table(key)
            info = self.pkg.table(table.table_name)
            if info is None:
                if not create:
                    return None
                self.located[key] = self.create_table(key)
            else:
                self.located[key] = self._locate(key, info)
        return self.located[key]

    def _locate(self, key: str, info: TableInfo) -> Located:
        (c1, r1), (c2, r2) = split_ref(self._table_refs.get(info.part, info.ref))
        table = self.schema.table(key)
        # schema keys, and a team's own columns by their header (merge archives those too)
        positions = {k: c1 + p for p, k in frames.match_headers(info.columns, table).items()}
        return Located(key, info.name, info.sheet.name, info.sheet.part, info.part,
                       r1, c1, c2, r2 - info.totals_rows, positions)

    # ------------------------------------------------------------------ values

    def value_xml(self, ref: str, value: Any, style: int, where: str | None = None) -> str:
        """One cell's XML. Text over Excel's limit is cut; with ``where`` (the sheet) the full
        text is kept for :meth:`keep_long_texts`."""
        value = plain(value)
        if isinstance(value, str):
            cut, full = longtext.cap(value)
            if full is not None:
                if where is not None:
                    self.long_texts.append((where, ref, value, full))
                value = cut
        kind = kind_of(value)
        if kind in ("date", "datetime"):
            style = self.styles.with_date_format(style, with_time=kind == "datetime")
        elif isinstance(value, str) and value == "":
            value = None
        return cell_xml(ref, value, style)

    def _base_styles(self, sheet: SheetXml, row: int, cols) -> dict[int, int]:
        """Each column's format for a new row: the cell above when it is a data row, else the
        column's default."""
        defaults = sheet.column_styles()
        above = sheet.cells(row) if row else {}
        return {c: int(above[c].get("s", "0")) if c in above else defaults.get(c, 0) for c in cols}

    # ------------------------------------------------------------------ apply

    def apply(self, changes: Changeset) -> dict[str, Any]:
        if changes.marks is not None:
            self.marks(changes)
        if changes.updates:
            self.updates(changes)
        if changes.removals:
            self.removals(changes)
        for key, rows in _group(changes.appends, lambda a: a.table, lambda a: a.values).items():
            self.append_rows(key, rows)
            self.counts["appended"] += len(rows)
        for rep in changes.replaces:
            self.replace(rep)
        for rb in changes.rebuilds:
            self.rebuild(rb)
        rows = changelog_rows(changes, self.db, self.now) + self.keep_long_texts(changes.command)
        if rows:
            self.append_rows("ChangeLog", rows)
        return {"command": changes.command, **self.counts, "logged": len(rows),
                "truncated": self.truncated}

    def keep_long_texts(self, command: str) -> list[dict]:
        """The full text of every cell cut to Excel's limit, in pieces on the long-text sheet;
        returns the ChangeLog rows that say so."""
        if not self.long_texts:
            return []
        lang = "en" if self.db.lang == "en" else "zh"
        title = longtext.SHEET_TITLES[lang]
        info = self.pkg.sheet(title)
        name, part = (info.name, info.part) if info else self.add_sheet(title)
        sheet = self.sheet(part)
        rows = sheet.row_numbers()
        if not rows:
            bold = self.styles.with_bold(0)
            sheet.put_row(1, "".join(cell_xml(make_cell(c, 1), h, bold) for c, h in
                                     enumerate(longtext.HEADERS[lang], start=1)))
            rows = [1]
        row = rows[-1] + 1
        now = (self.now or dt.datetime.now()).replace(microsecond=0)
        log = []
        for where, ref, text, length in self.long_texts:
            first = row
            for i, piece in enumerate(longtext.pieces(text), start=1):
                values = (now, where, ref, length, i, piece)
                sheet.put_row(row, "".join(self.value_xml(make_cell(c, row), v, 0)
                                           for c, v in enumerate(values, start=1)))
                row += 1
            note = longtext.note(length, name, (first, row - 1))
            self.truncated.append({"sheet": where, "cell": ref, "length": length,
                                   "kept_on": name, "rows": [first, row - 1]})
            log.append({"Time": now, "Command": command, "Table": where, "Key": ref,
                        "Column": "", "Old": "", "New": "", "Note": note})
        self.long_texts = []
        return log

    # ------------------------------------------------------------------ updates

    def updates(self, changes: Changeset) -> None:
        for key, items in _group(changes.updates, lambda u: u.table, lambda u: u).items():
            loc = self.locate(key)
            if loc is None:
                raise LookupError(f"table {key} is not in the workbook")
            sheet = self.sheet(loc.sheet_part)
            table = self.schema.table(key)
            by_row: dict[int, dict[int, Any]] = {}
            for u in items:
                if u.column not in loc.positions:
                    self.counts["skipped"] += 1
                    log.warning("%s has no column %s; update skipped", key, u.column)
                    continue
                by_row.setdefault(u.row, {})[loc.positions[u.column]] = u.new
            masked_cols = {loc.positions[c.key] for c in table.columns
                           if c.mask and c.key in loc.positions}
            defaults = sheet.column_styles()
            for row, values in by_row.items():
                current = sheet.cells(row)
                new = {}
                for col, value in values.items():
                    old = current.get(col)
                    style = int(old.get("s", "0")) if old is not None else defaults.get(col, 0)
                    if old is not None and col in masked_cols and old.get("t") == "s":
                        v = old.find(q("v"))
                        if v is not None and (v.text or "").isdigit():
                            self.scrub_sst.add(int(v.text))
                    new[col] = self.value_xml(make_cell(col, row), value, style, loc.sheet_name)
                sheet.set_cells(row, new)
                self.counts["updated"] += len(new)

    # ------------------------------------------------------------------ removals

    def removals(self, changes: Changeset) -> None:
        for key, rows in _group(changes.removals, lambda r: r.table, lambda r: r.row).items():
            loc = self.locate(key)
            if loc is None:
                continue
            gone = sorted(set(rows))
            if gone[0] <= loc.header_row or gone[-1] > loc.last_row:
                raise ValueError(f"{key}: rows {gone[0]}-{gone[-1]} are outside the table")
            self.remove_rows(loc, gone)
            self.counts["removed"] += len(gone)

    def remove_rows(self, loc: Located, gone: list[int]) -> None:
        """Excel's "Delete Table Rows": the table's cells below move up, nothing beside it."""
        self.move_band(loc, RowMove(loc.sheet_name, loc.first_col, loc.last_col, gone=tuple(gone)))
        loc.last_row -= len(gone)
        loc.dirty = True

    def insert_rows(self, loc: Located, count: int) -> None:
        """Excel's "Insert Table Rows" at the table's end: what lies below in the table's columns
        (its Total Row first) moves down ``count`` rows; nothing beside it moves."""
        self.move_band(loc, RowMove(loc.sheet_name, loc.first_col, loc.last_col,
                                    at=loc.last_row + 1, count=count))

    def move_band(self, loc: Located, move: RowMove) -> None:
        """Move the band's cells and everything on the sheet that names them; references in the
        rest of the book follow in :meth:`changed_parts`. Refuses (before anything is written)
        when a merged block or another table lies across the band's edge."""
        sheet = self.sheet(loc.sheet_part)
        others = [(i.name, i.ref, i.part) for i in self._table_infos(loc.sheet_part)
                  if i.part != loc.table_part]
        check_move(sheet.meta, move, loc.name, [(n, r) for n, r, _ in others])
        move_cells(sheet, move)
        move_meta(sheet.meta, move)
        self.sheet_notes(loc.sheet_part).move(move)
        for name, ref, part in others:
            new = shift_area(ref, move)
            if new is None or new == ref:
                continue
            other = next((x for x in self.located.values() if x and x.table_part == part), None)
            if other is not None:
                (_, other.header_row), (_, last) = split_ref(new)
                other.last_row = last - self._totals(part)
                other.dirty = True
            else:
                root = self.parts.xml(part)
                root.set("ref", new)
                af = root.find(q("autoFilter"))
                if af is not None:
                    af.set("ref", shift_area(af.get("ref", ""), move) or af.get("ref"))
                self.parts.put_xml(part, root)
            self._table_refs[part] = new
        self.moves.append(move)

    def _table_infos(self, sheet_part: str) -> list[TableInfo]:
        """Every table on the sheet, managed or not, with its ref as moved so far."""
        infos = {i.part: i for i in self.pkg.tables.values() if i.sheet.part == sheet_part}
        out = []
        for part, info in infos.items():
            loc = next((x for x in self.located.values() if x and x.table_part == part), None)
            ref = loc.ref if loc else self._table_refs.get(part, info.ref)
            if loc is not None and self._totals(part):
                (c1, r1), (c2, r2) = split_ref(ref)
                ref = make_ref(c1, r1, c2, r2 + self._totals(part))
            out.append(TableInfo(info.name, ref, info.columns, part, info.sheet))
        return out

    def _totals(self, table_part: str) -> int:
        return int(self.parts.xml(table_part).get("totalsRowCount", "0"))

    # ------------------------------------------------------------------ appends

    def first_free_row(self, loc: Located) -> int:
        """The row after the table's last row that holds a value (trailing blank rows are
        filled first: a new table has one)."""
        sheet = self.sheet(loc.sheet_part)
        row = loc.last_row
        while row > loc.header_row:
            xml = sheet.row_xml(row)
            if xml is not None and sheet.row_values_present(row, loc.columns):
                break
            row -= 1
        return row + 1

    def append_rows(self, key: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        loc = self.locate(key, create=True)
        sheet = self.sheet(loc.sheet_part)
        keys = set(self.schema.table(key).keys)
        extra = [k for k in dict.fromkeys(k for r in rows for k, v in r.items()
                                          if k not in keys and not frames.is_blank(v))
                 if k not in loc.positions]
        if extra:
            self.add_columns(loc, extra)
        start = self.first_free_row(loc)
        beyond = start + len(rows) - 1 - loc.last_row      # rows the table must grow by
        if beyond > 0 and not self._free_below(loc, beyond):
            self.insert_rows(loc, beyond)
        where = None if key == "ChangeLog" else loc.sheet_name   # the log's copies are cut only
        above = start - 1 if start - 1 > loc.header_row else 0
        styles = self._base_styles(sheet, above, loc.columns)
        by_col = {c: k for k, c in loc.positions.items()}
        columns = [(c, by_col.get(c), col_letter(c), styles[c],
                    f' s="{styles[c]}"' if styles[c] else "") for c in loc.columns]
        for i, values in enumerate(rows):
            row = start + i
            cells = {}
            for c, k, letter, style, s_attr in columns:    # blanks skip value_xml: most cells
                value = values.get(k)
                cells[c] = f'<c r="{letter}{row}"{s_attr}/>' if _empty(value) else \
                    self.value_xml(f"{letter}{row}", value, style, where)
            if sheet.row_xml(row) is None:
                sheet.put_row(row, "".join(cells[c] for c in loc.columns))
            else:
                sheet.set_cells(row, cells)
        self.resize(loc, max(loc.last_row, start + len(rows) - 1))

    def add_columns(self, loc: Located, names: list[str]) -> None:
        """A team's own columns, new to this table (a 微信号 column of Customers reaching
        Archive): added at the table's right edge, into empty cells only."""
        sheet = self.sheet(loc.sheet_part)
        root = self.parts.xml(loc.table_part)
        bottom = loc.last_row + self._totals(loc.table_part)
        for name in names:
            col = loc.last_col + 1
            for row in range(loc.header_row, bottom + 1):
                if sheet.row_xml(row) is not None and sheet.row_values_present(row, [col]):
                    raise UnsafeTableEdit(
                        f"表格 {loc.name} 右侧的 {make_cell(col, row)} 有内容,无法为“{name}”列加列;"
                        "未写入任何内容", f"cell {make_cell(col, row)} right of table {loc.name} "
                        f"is not empty, so column '{name}' cannot be added; nothing was written")
            header = sheet.cells(loc.header_row).get(loc.last_col)
            style = int(header.get("s", "0")) if header is not None else 0
            sheet.set_cells(loc.header_row, {col: cell_xml(make_cell(col, loc.header_row),
                                                           str(name), style)})
            add_table_column(root, str(name))
            loc.last_col = col
            loc.positions[name] = col
        self.parts.put_xml(loc.table_part, root)
        sheet.widen_dimension(loc.last_col)
        loc.dirty = True

    def _free_below(self, loc: Located, count: int) -> bool:
        """True when the table can grow ``count`` rows into empty cells (no Total Row, nothing
        in its columns below), as Excel's table auto-expansion does."""
        if self._totals(loc.table_part):
            return False
        sheet = self.sheet(loc.sheet_part)
        rows = range(loc.last_row + 1, loc.last_row + count + 1)
        return not any(sheet.row_xml(r) is not None and sheet.row_values_present(r, loc.columns)
                       for r in rows)

    def resize(self, loc: Located, new_last: int) -> None:
        new_last = max(new_last, loc.header_row + 1)
        if new_last == loc.last_row:
            return
        ws.grow_ranges(self.sheet(loc.sheet_part).meta, loc.last_row, new_last)
        loc.last_row = new_last
        loc.dirty = True

    # ------------------------------------------------------------------ table replace

    def replace(self, rep) -> None:
        loc = self.locate(rep.table, create=True)
        sheet = self.sheet(loc.sheet_part)
        first = loc.header_row + 1
        styles = self._base_styles(sheet, first, loc.columns)
        for row in range(first, loc.last_row + 1):
            sheet.clear_row(row)
        by_col = {c: k for k, c in loc.positions.items()}
        links: dict[str, tuple[str, str]] = {}
        columns = [(c, by_col.get(c), col_letter(c), f' s="{styles[c]}"' if styles[c] else "")
                   for c in loc.columns]
        for i, values in enumerate(rep.rows):
            row = first + i
            cells = []
            for c, key, letter, s_attr in columns:
                value = values.get(key)
                link = rep.links.get((i, key)) if key and rep.links else None
                if link:
                    value = value if not frames.is_blank(value) else "→"
                    links[f"{letter}{row}"] = (link, value)
                elif _empty(value):
                    cells.append(f'<c r="{letter}{row}"{s_attr}/>')
                    continue
                cells.append(self.value_xml(f"{letter}{row}", value, styles[c], loc.sheet_name))
            sheet.put_row(row, "".join(cells))
        old_last = loc.last_row
        dropped = ws.set_hyperlinks(sheet.meta, links, lambda ref: _in_rows(ref, first, old_last))
        self.parts.remove_rels(loc.sheet_part, dropped)
        self.resize(loc, first + max(1, len(rep.rows)) - 1)
        self.counts["replaced"] += len(rep.rows)

    # ------------------------------------------------------------------ sheet rebuild

    def find_sheet(self, key: str, titles: list[str]) -> tuple[str, str] | None:
        """(name, part) of the sheet a rebuild targets: the ``xlt_<key>`` name first."""
        refers = self.pkg.defined_name(layout.sheet_name(key))
        if refers:
            target = refers.lstrip("=").rsplit("!", 1)[0].strip("'").replace("''", "'")
            info = self.pkg.sheet(target)
            if info is not None and info.kind == "worksheet":
                return info.name, info.part
        for title in titles:
            info = self.pkg.sheet(title)
            if info is not None and info.kind == "worksheet":
                return info.name, info.part
        return None

    def rebuild(self, rb) -> None:
        lang = self.db.lang
        title = rb.title_zh if lang == "zh" else rb.title_en
        found = self.find_sheet(rb.sheet, [title, rb.title_zh, rb.title_en, rb.sheet])
        if found is None:
            name, part = self.add_sheet(title)
            self.add_defined_name(layout.sheet_name(rb.sheet), f"{_quote(name)}!$A$1")
        else:
            name, part = found
        sheet = self.sheet(part)
        sheet.clear_all()
        dropped = ws.set_hyperlinks(sheet.meta, {}, lambda ref: True)
        self.parts.remove_rels(part, dropped)
        ws.remove_children(sheet.meta, ("mergeCells", "conditionalFormatting", "dataValidations"))
        ws.set_widths(sheet.meta, rb.widths)
        bold = {}
        width = max((len(r) for r in rb.rows), default=0)
        links = {}
        for r, values in enumerate(rb.rows, start=1):
            cells = []
            for c, value in enumerate(values, start=1):
                if frames.is_blank(value) and (r, c) not in rb.links and (r, c) not in rb.styles:
                    continue
                style = 0
                if r in rb.bold_rows:
                    style = bold.setdefault(0, self.styles.with_bold(0))
                if (r, c) in rb.styles:
                    style = self.styles.styled(style, rb.styles[(r, c)])
                if (r, c) in rb.links:
                    value = value if not frames.is_blank(value) else "→"
                    links[make_cell(c, r)] = (rb.links[(r, c)], value)
                cells.append(self.value_xml(make_cell(c, r), value, style, name))
            height = rb.heights.get(r)
            if cells or height:
                sheet.put_row(r, "".join(cells),
                              f' ht="{height:g}" customHeight="1"' if height else "")
        ws.set_hyperlinks(sheet.meta, links, lambda ref: True)
        set_page(sheet.meta, rb.page)
        index = next(i for i, s in enumerate(self.workbook_xml().find(q("sheets"))) if s.get("name") == name)
        for defined, value in print_names(name, rb.page).items():
            self.add_defined_name(defined, value, local_sheet=index)
        for dd in rb.dropdowns:
            ws.add_dropdown(sheet.meta, dd["ref"], dd.get("values"), dd.get("source"))
        dim = sheet.find("dimension")
        if dim is not None:
            dim.set("ref", make_ref(1, 1, max(1, width), max(1, len(rb.rows)))
                    if rb.rows else "A1")
        if rb.charts:
            self.parts[part] = sheet.to_bytes()
            del self.sheets[part]
            try:
                put_charts(self.parts, part, name, rb.charts, rb.rows)
            except (ValueError, KeyError):
                log.exception("charts of %s not drawn", name)
        self.counts["rebuilt"] += 1

    # ------------------------------------------------------------------ new sheets and tables

    def add_sheet(self, title: str, state: str | None = None) -> tuple[str, str]:
        """A new, empty worksheet at the end of the book; returns (name, part). ``state``:
        ``"veryHidden"`` for a sheet only the tools read (TeamBase)."""
        name = title[:31]
        taken = {s.name.casefold() for s in self.pkg.sheets} | \
            {n.casefold() for n in getattr(self, "_new_sheet_names", set())}
        n = 2
        while name.casefold() in taken:
            name = f"{title[:27]} ({n})"
            n += 1
        self._new_sheet_names = getattr(self, "_new_sheet_names", set()) | {name}
        part = self.parts.free_name("xl/worksheets/sheet%d.xml")
        self.parts[part] = ws.EMPTY_SHEET
        self.parts.set_override(part, CT_WORKSHEET)
        rid = self.parts.add_rel(self.pkg.workbook_part, REL_WORKSHEET, part)
        book = self.workbook_xml()
        sheets = book.find(q("sheets"))
        ids = [int(s.get("sheetId", "0")) for s in sheets]
        el = etree.SubElement(sheets, q("sheet"), name=name, sheetId=str(max(ids + [0]) + 1))
        el.set(f"{{{R_NS}}}id", rid)
        if state:
            el.set("state", state)
        self.workbook_changed = True
        return name, part

    def workbook_xml(self) -> etree._Element:
        if not hasattr(self, "_workbook"):
            self._workbook = self.parts.xml(self.pkg.workbook_part)
        return self._workbook

    def add_defined_name(self, name: str, value: str, local_sheet: int | None = None) -> None:
        book = self.workbook_xml()
        names = book.find(q("definedNames"))
        if names is None:
            names = etree.Element(q("definedNames"))
            book.find(q("sheets")).addnext(names)
        local = None if local_sheet is None else str(local_sheet)
        for el in names:
            if el.get("name") == name and el.get("localSheetId") == local:
                el.text = value
                break
        else:
            el = etree.SubElement(names, q("definedName"), name=name)
            el.text = value
            if local is not None:
                el.set("localSheetId", local)
        self.workbook_changed = True

    def create_table(self, key: str) -> Located:
        """A managed table the book lacks (an older book without tblChangeLog): a new sheet
        titled in the book's language, the header at A1, one empty row."""
        table = self.schema.table(key)
        name, part = self.add_sheet(table.title(self.db.lang),
                                    state="veryHidden" if table.hidden else None)
        headers = table.headers(self.db.lang)
        sheet = self.sheet(part)
        bold = self.styles.with_bold(0)
        sheet.put_row(1, "".join(cell_xml(make_cell(c, 1), h, bold)
                                 for c, h in enumerate(headers, start=1)))
        ws.set_widths(sheet.meta, {c: col.width for c, col in enumerate(table.columns, start=1)})
        existing_ids = []
        for info in {t.part: t for t in self.pkg.tables.values()}.values():
            existing_ids.append(int(self.pkg.xml(info.part).get("id", "0")))
        new_ids = [loc_.table_id for loc_ in getattr(self, "_new_tables", [])]
        table_id = max(existing_ids + new_ids + [0]) + 1
        table_part = self.parts.free_name("xl/tables/table%d.xml")
        ref = make_ref(1, 1, len(headers), 2)
        cols = "".join(f'<tableColumn id="{i}" name="{_attr(h)}"/>'
                       for i, h in enumerate(headers, start=1))
        self.parts[table_part] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<table xmlns="{MAIN_NS}" '
            f'id="{table_id}" name="{table.table_name}" displayName="{table.table_name}" '
            f'ref="{ref}" totalsRowShown="0"><autoFilter ref="{ref}"/><tableColumns '
            f'count="{len(headers)}">{cols}</tableColumns><tableStyleInfo name="{TABLE_STYLE}" '
            'showFirstColumn="0" showLastColumn="0" showRowStripes="1" showColumnStripes="0"/>'
            '</table>').encode()
        self.parts.set_override(table_part, CT_TABLE)
        rid = self.parts.add_rel(part, REL_TABLE, table_part)
        ws.add_table_part(sheet.meta, rid)
        loc = Located(key, table.table_name, name, part, table_part, 1, 1, len(headers), 2,
                      {k: i for i, k in enumerate(table.keys, start=1)})
        loc.table_id = table_id
        self._new_tables = getattr(self, "_new_tables", []) + [loc]
        return loc

    # ------------------------------------------------------------------ marks

    def sheet_notes(self, sheet_part: str) -> notes_mod.Notes:
        if sheet_part not in self.notes:
            comments = self.pkg.comments_part(sheet_part)
            vml = self.pkg.vml_parts(sheet_part)
            self.notes[sheet_part] = notes_mod.Notes(
                self.parts[comments] if comments and comments in self.parts else None,
                self.parts[vml[0]] if vml and vml[0] in self.parts else None,
                idmap=self._free_idmap(), new_block=self._free_idmap)
        return self.notes[sheet_part]

    def _free_idmap(self) -> int:
        used = {int(m) for name in self.parts if name.endswith(".vml")
                for data in re.findall(rb'<o:idmap[^>]*data="([\d,\s]+)"', self.parts[name])
                for m in data.replace(b",", b" ").split()}
        for notes in self.notes.values():
            used |= set(notes.blocks)
        n = 1
        while n in used:
            n += 1
        return n

    def marks(self, changes: Changeset) -> None:
        """Replace all of our marks by ``changes.marks``: our notes go, and the fill they came with
        when it is still a mark colour; a person's notes and fills are never touched."""
        sheet_parts = {}
        for table in self.schema.tables:
            loc = self.locate(table.key)
            if loc is not None:
                sheet_parts.setdefault(loc.sheet_part, loc)
        wanted: dict[str, dict[tuple[int, int], Any]] = {}
        for mark in changes.marks or []:
            loc = self.locate(mark.table)
            if loc is None or mark.column not in loc.positions:
                self.counts["skipped"] += 1
                continue
            wanted.setdefault(loc.sheet_part, {})[(mark.row, loc.positions[mark.column])] = mark
        for part in sheet_parts:
            has_notes = self.pkg.comments_part(part) is not None
            if not has_notes and part not in wanted:
                continue
            notes = self.sheet_notes(part)
            ours = notes.ours()
            if not ours and part not in wanted:
                continue
            sheet = self.sheet(part)
            restyle: dict[int, dict[int, int]] = {}
            for row, col in ours:
                notes.remove(row, col)
                self.counts["marks_cleared"] += 1
                style = sheet.cell_style(row, col)
                if style is not None:
                    plain_style = self.styles.without_mark(style, MARK_COLOURS)
                    if plain_style != style:
                        restyle.setdefault(row, {})[col] = plain_style
            for (row, col), mark in wanted.get(part, {}).items():
                if notes.has(row, col):            # a person's note: leave the cell alone
                    self.counts["marks_skipped"] += 1
                    continue
                current = restyle.get(row, {}).get(col)
                if current is None:
                    current = sheet.cell_style(row, col)
                    if current is None:
                        current = sheet.column_styles().get(col, 0)
                marked = self.styles.with_mark(current, layout.MARK_FILLS[mark.severity])
                if marked is None:                 # a fill a mark could not give back
                    self.counts["marks_skipped"] += 1
                    continue
                restyle.setdefault(row, {})[col] = marked
                notes.add(row, col, mark.message)
                self.counts["marked"] += 1
            for row, cols in restyle.items():
                self._restyle(sheet, row, cols)

    def _restyle(self, sheet: SheetXml, row: int, styles: dict[int, int]) -> None:
        cells = sheet.cells(row)
        new = {}
        for col, style in styles.items():
            el = cells.get(col)
            if el is None:
                el = etree.Element(q("c"), r=make_cell(col, row))
            if style:
                el.set("s", str(style))
            else:
                el.attrib.pop("s", None)
            new[col] = etree.tostring(el, encoding="unicode").replace(f' xmlns="{MAIN_NS}"', "")
        sheet.set_cells(row, new)

    # ------------------------------------------------------------------ finish

    def changed_parts(self) -> PartStore:
        """Serialise everything edited into the part store and return it."""
        for loc in list(self.located.values()):
            if loc is not None and loc.dirty:
                self._write_table(loc)
        for part, notes in self.notes.items():
            if notes.changed:
                self._write_notes(part, notes)
        for part, sheet in self.sheets.items():
            sheet.set_dimension()
            self.parts[part] = sheet.to_bytes()
        if self.moves:
            self._follow_moves()
        if self._styles is not None and self._styles.dirty:
            self.parts[self.pkg.styles_part] = self._styles.to_bytes()
        if self.workbook_changed:
            self.parts.put_xml(self.pkg.workbook_part, self.workbook_xml())
            if APP_PART in self.parts:      # its table of contents lists every sheet and name
                charts = {s.name for s in self.pkg.sheets if s.kind == "chartsheet"}
                self.parts[APP_PART] = appxml.refresh(self.parts[APP_PART], self.workbook_xml(),
                                                      charts)
        if self.scrub_sst and self.pkg.sst_part:
            self._scrub_shared_strings()
        if self.sheets and "xl/calcChain.xml" in self.parts:
            self._drop_calc_chain()
        return self.parts

    def _follow_moves(self) -> None:
        """Every reference elsewhere in the book follows the cells the table edits moved."""
        for info in self.pkg.worksheets:
            if info.part in self.parts:
                data = self.parts[info.part]
                new = shift_part(data, info.name, self.moves)
                if new != data:
                    self.parts[info.part] = new
        for name in list(self.parts):
            if name.startswith(("xl/charts/chart", "xl/pivotCache/pivotCacheDefinition")):
                data = self.parts[name]
                new = shift_part(data, None, self.moves)
                if new != data:
                    self.parts[name] = new
        if shift_defined_names(self.workbook_xml(), self.moves):
            self.workbook_changed = True

    def _write_table(self, loc: Located) -> None:
        root = self.parts.xml(loc.table_part)
        ref = loc.ref
        root.set("ref", make_ref(loc.first_col, loc.header_row, loc.last_col,
                                 loc.last_row + int(root.get("totalsRowCount", "0"))))
        af = root.find(q("autoFilter"))
        if af is not None:
            af.set("ref", ref)
        self.parts.put_xml(loc.table_part, root)

    def _write_notes(self, part: str, notes: notes_mod.Notes) -> None:
        sheet = self.sheet(part)
        comments_part = self.pkg.comments_part(part)
        vml_parts = self.pkg.vml_parts(part)
        comments = notes.comments_bytes()
        vml = notes.vml_bytes()
        rels = {r.target: r.id for r in self.pkg.rels(part)}
        if comments is None:
            if comments_part:
                del self.parts[comments_part]
                self.parts.drop_override(comments_part)
                self.parts.remove_rels(part, {rels[comments_part]})
        else:
            if not comments_part:
                comments_part = self.parts.free_name("xl/comments%d.xml")
                self.parts.add_rel(part, REL_COMMENTS, comments_part)
                self.parts.set_override(comments_part, CT_COMMENTS)
            self.parts[comments_part] = comments
        if vml is None:
            if vml_parts:
                del self.parts[vml_parts[0]]
                self.parts.remove_rels(part, {rels[vml_parts[0]]})
                ws.set_legacy_drawing(sheet.meta, None)
        else:
            if not vml_parts:
                vml_part = self.parts.free_name("xl/drawings/vmlDrawing%d.vml")
                rid = self.parts.add_rel(part, REL_VML, vml_part)
                self.parts.ensure_default("vml", CT_VML)
                ws.set_legacy_drawing(sheet.meta, rid)
                vml_parts = [vml_part]
            self.parts[vml_parts[0]] = vml

    def _scrub_shared_strings(self) -> None:
        """Blank shared strings that only the cells we overwrote used (a masked phone must not
        stay in the package); indices stay, so no other cell changes."""
        used: set[int] = set()
        pattern = re.compile(rb'<c\b[^>]*\bt="s"[^>]*>\s*<v>(\d+)</v>')
        for sheet in self.pkg.worksheets:
            data = self.parts.get(sheet.part, b"")
            used.update(int(m) for m in pattern.findall(data) if int(m) in self.scrub_sst)
        orphans = self.scrub_sst - used
        if not orphans:
            return
        root = self.parts.xml(self.pkg.sst_part)
        items = root.findall(q("si"))
        for i in orphans:
            if i < len(items):
                si = items[i]
                for el in list(si):
                    si.remove(el)
                etree.SubElement(si, q("t"))
        self.parts.put_xml(self.pkg.sst_part, root)

    def _drop_calc_chain(self) -> None:
        """calcChain.xml is Excel's cache of formula cells; after our edits it may name cells
        that no longer hold formulas, which Excel reports as damage. Excel rebuilds it."""
        del self.parts["xl/calcChain.xml"]
        self.parts.drop_override("xl/calcChain.xml")
        ids = {r.id for r in self.pkg.rels(self.pkg.workbook_part)
               if r.target == "xl/calcChain.xml"}
        self.parts.remove_rels(self.pkg.workbook_part, ids)


def _empty(value) -> bool:
    """None, NaN or NaT: a cell written with its format and no value (as value_xml would)."""
    return value is None or value is pd.NaT or (isinstance(value, float) and value != value)


def _group(items, key, value) -> dict:
    out: dict = {}
    for item in items:
        out.setdefault(key(item), []).append(value(item))
    return out


def _in_rows(ref: str, first: int, last: int) -> bool:
    try:
        (_, r1), (_, r2) = split_ref(ref)
    except ValueError:
        return False
    return first <= r1 and r2 <= last


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _attr(text: str) -> str:
    return (str(text).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))


__all__ = ["BookWriter", "Located", "col_letter", "to_xml"]
