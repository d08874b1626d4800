"""The part of :class:`~xltools.backend.writer.BookWriter` that makes what a book lacks: sheets
rebuilt or added (reports, the long-text sheet), defined names, and managed tables created where
a book has none yet."""

from __future__ import annotations

import datetime as dt
import logging

from lxml import etree

from .. import layout
from ..xlsx import longtext
from ..xlsx import worksheet as ws
from ..xlsx.cells import cell_xml
from ..xlsx.charts import put_charts
from ..xlsx.page import print_names, set_page
from ..xlsx.package import CT_TABLE, CT_WORKSHEET, MAIN_NS, R_NS, REL_TABLE, REL_WORKSHEET, q
from ..xlsx.refs import col_letter, make_cell, make_ref
from . import frames
from .located import Located

log = logging.getLogger(__name__)
TABLE_STYLE = "TableStyleMedium2"


class SheetMaker:
    """Methods of BookWriter (see there for the state they share)."""

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
        letters = [col_letter(c) for c in range(1, width + 1)]
        special = set(rb.links) | set(rb.styles)      # cells written even when blank
        for r, values in enumerate(rb.rows, start=1):
            cells = []
            base = bold.setdefault(0, self.styles.with_bold(0)) if r in rb.bold_rows else 0
            for c, value in enumerate(values, start=1):
                if (r, c) not in special:
                    if not frames.is_blank(value):
                        cells.append(self.quick_xml(letters[c - 1], r, value, base, name))
                    continue
                style = base
                if (r, c) in rb.styles:
                    style = self.styles.styled(style, rb.styles[(r, c)])
                if (r, c) in rb.links:
                    value = value if not frames.is_blank(value) else "→"
                    links[make_cell(c, r)] = (rb.links[(r, c)], value)
                cells.append(self.quick_xml(letters[c - 1], r, value, style, name))
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


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _attr(text: str) -> str:
    return (str(text).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))
