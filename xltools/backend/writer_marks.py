"""The part of :class:`~xltools.backend.writer.BookWriter` that marks problem cells: a fill and a
note per cell (validation's marks replace this tool's earlier ones, never a person's own fill or
note), and the notes parts (comments + legacy VML) written back."""

from __future__ import annotations

import re
from typing import Any

from .. import layout
from ..changes import Changeset
from ..xlsx import notes as notes_mod
from ..xlsx import worksheet as ws
from ..xlsx.package import CT_COMMENTS, CT_VML, REL_COMMENTS, REL_VML

MARK_COLOURS = {v.upper() for v in layout.MARK_FILLS.values()}


class MarkWriter:
    """Methods of BookWriter (see there for the state they share)."""

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
                sheet.restyle(row, cols)

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
