"""The part of :class:`~xltools.backend.writer.BookWriter` that hands back what changed: every
edited part serialised once, references following moved rows, shared strings no cell uses any
more scrubbed, and the calculation chain dropped so Excel rebuilds it."""

from __future__ import annotations

from ..xlsx import appxml
from ..xlsx.package import q
from ..xlsx.parts import PartStore, Pieces
from ..xlsx.sharedstrings import indexes_used, replace_items
from ..xlsx.bookrefs import shift_defined_names, shift_part
from ..xlsx.extent import formula_free, names_no_sheet
from ..xlsx.refs import make_ref
from ..xlsx.sheetbody import LaterRows
from .located import Located

APP_PART = "docProps/app.xml"


class PartsOut:
    """Methods of BookWriter (see there for the state they share)."""

    def changed_parts(self) -> PartStore:
        """Serialise everything edited into the part store and return it."""
        for loc in list(self.located.values()):
            if loc is not None and loc.dirty:
                self._write_table(loc)
        for part, notes in self.notes.items():
            if notes.changed:
                self._write_notes(part, notes)
        wrote_sheets = bool(self.sheets)
        for part in list(self.sheets):
            # handed over as pieces and let go: a big sheet's rows are not held twice (a later
            # edit of it would start again from the part's bytes)
            sheet = self.sheets.pop(part)
            sheet.set_dimension()
            self.parts[part] = Pieces(sheet.to_pieces())   # joined only if read again
            del sheet
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
        if wrote_sheets and "xl/calcChain.xml" in self.parts:
            self._drop_calc_chain()
        return self.parts

    def _follow_moves(self) -> None:
        """Every reference elsewhere in the book follows the cells the table edits moved."""
        for info in self.pkg.worksheets:
            if info.part not in self.parts.changed and names_no_sheet(self.pkg, info.part) \
                    and not any(move.on(info.name) for move in self.moves):
                continue   # (500,000 follow-ups are not read again to find no reference)
            pieces = self.parts.changed.get(info.part)
            if isinstance(pieces, Pieces):      # a rewritten sheet: its pieces, not joined
                self.parts[info.part] = self._shift_pieces(info.part, info.name, pieces)
            elif info.part in self.parts:
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

    def _shift_pieces(self, part: str, host: str, pieces: Pieces) -> Pieces:
        """:func:`shift_part` of a sheet handed over as pieces, done piece by piece: a formula,
        a link or a validation never spans two (a piece is whole rows, or the sheet's XML
        before or after its rows), so the sheet is not joined (its rows made later are made once,
        as they are written) and 40,000 rows are not searched for the few references its tail
        holds. Rows made later are values the writer made, never a formula (as
        :func:`.extent.carry_over` knows); views of the part's old rows are not searched either
        when the load found that part without a formula cell: the writer adds none, so neither
        do its rows now."""
        old_rows_free = formula_free(self.pkg, part)
        return Pieces(piece if isinstance(piece, LaterRows)
                      or (old_rows_free and isinstance(piece, memoryview))
                      else shift_part(bytes(piece), host, self.moves) for piece in pieces)

    def _write_table(self, loc: Located) -> None:
        root = self.parts.xml(loc.table_part)
        ref = loc.ref
        root.set("ref", make_ref(loc.first_col, loc.header_row, loc.last_col,
                                 loc.last_row + int(root.get("totalsRowCount", "0"))))
        af = root.find(q("autoFilter"))
        if af is not None:
            af.set("ref", ref)
        self.parts.put_xml(loc.table_part, root)

    def _scrub_shared_strings(self) -> None:
        """Blank shared strings that only the cells we overwrote used (a masked phone must not
        stay in the package); indices stay, so no other cell changes."""
        wanted = {str(i).encode() for i in self.scrub_sst}
        used: set[bytes] = set()
        for sheet in self.pkg.worksheets:
            if sheet.part in self.parts.changed:      # a rewritten sheet: its pieces, not joined
                changed = self.parts.changed[sheet.part]
                pieces = changed.flat() if isinstance(changed, Pieces) else [changed or b""]
            elif sheet.part in self.pkg:              # as it inflates (500,000 follow-ups)
                pieces = self.pkg.chunks(sheet.part)
            else:
                continue
            used |= indexes_used(pieces, wanted)
        orphans = self.scrub_sst - {int(i) for i in used}
        if not orphans:
            return
        self.parts[self.pkg.sst_part] = replace_items(self.parts[self.pkg.sst_part],
                                                      dict.fromkeys(orphans, ""))

    def _drop_calc_chain(self) -> None:
        """calcChain.xml is Excel's cache of formula cells; after our edits it may name cells
        that no longer hold formulas, which Excel reports as damage. Excel rebuilds it."""
        del self.parts["xl/calcChain.xml"]
        self.parts.drop_override("xl/calcChain.xml")
        ids = {r.id for r in self.pkg.rels(self.pkg.workbook_part)
               if r.target == "xl/calcChain.xml"}
        self.parts.remove_rels(self.pkg.workbook_part, ids)
