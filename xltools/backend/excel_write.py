"""Writing a changeset into an open workbook through xlwings, in blocks.

Used by :class:`xltools.backend.excel.ExcelBackend`; every value write goes through
:meth:`Writer.write_block`, which counts them (``report["writes"]``).

Validation marks are a fill from :data:`xltools.layout.MARK_FILLS` plus a note whose text starts
with :data:`NOTE_PREFIX`. Clearing them walks the notes of the managed sheets (Excel lists a
sheet's notes in one collection; reading every cell's fill over COM would take minutes on a big
book) and removes only ours: our note, and the fill when it is still one of the mark colours. A
cell that already holds a person's note is not marked (the Issues sheet still lists it), because
a mark without our note could not be found again to clear it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from .. import layout
from ..changes import Changeset
from ..xlsx.refs import col_letter, split_ref
from . import frames
from .excel_cells import (
    blocks,
    column_spans,
    excel_value,
    hex_colour,
    hyperlink_formula,
    row_runs,
)

log = logging.getLogger(__name__)

NOTE_PREFIX = "xltools:\n"
NOTE_AUTHOR = "xltools"   # the author the file backend gives its notes
# Trailing rows looked at when appending (a new table has one blank row to fill first).
TAIL_ROWS = 50


def _rgb(argb: str) -> tuple[int, int, int]:
    return tuple(int(argb[i:i + 2], 16) for i in (2, 4, 6))


MARK_RGB = {_rgb(v) for v in layout.MARK_FILLS.values()}


def is_our_note(note: Any) -> bool:
    try:
        if str(note.text or "").startswith(NOTE_PREFIX):
            return True
        return str(note.author or "").strip() == NOTE_AUTHOR
    except Exception:  # noqa: BLE001 - an unreadable note is not ours to delete
        return False


@dataclass
class Located:
    """Where one managed table sits now."""

    sheet: Any
    lo: Any                      # the xlwings Table (ListObject)
    header_row: int
    first_col: int
    last_col: int
    last_row: int
    positions: dict[str, int] = field(default_factory=dict)   # column key -> sheet column


class Writer:
    def __init__(self, backend, db):
        self.backend, self.db, self.book = backend, db, backend.book
        self.schema = backend.schema
        self.found = backend.list_objects()
        self.writes = 0
        self.counts = {"marked": 0, "marks_cleared": 0, "marks_skipped": 0, "updated": 0,
                       "removed": 0, "appended": 0, "replaced": 0, "rebuilt": 0, "skipped": 0}

    # ------------------------------------------------------------------ primitives

    def write_block(self, sheet: Any, row: int, col: int, grid: list[list[Any]]) -> None:
        """Write a rectangle of values whose top-left cell is (row, col): one range write."""
        if not grid or not grid[0]:
            return
        last = (row + len(grid) - 1, col + len(grid[0]) - 1)
        sheet.range((row, col), last).options(ndim=2).value = grid
        self.writes += 1

    def locate(self, key: str, create: bool = False) -> Located | None:
        table = self.schema.table(key)
        hit = self.found.get(table.table_name)
        if hit is None:
            if not create:
                return None
            hit = self.create_table(key)
        sheet, lo = hit
        (c1, r1), (c2, r2) = split_ref(lo.range.address.replace("$", ""))
        header = lo.range[0, :].options(ndim=2).value[0]
        positions = {k: c1 + p for p, k in frames.match_headers(header, table).items()
                     if k in table.keys}
        return Located(sheet, lo, r1, c1, c2, r2, positions)

    def create_table(self, key: str) -> tuple[Any, Any]:
        """Add a missing tool table (e.g. an older book without tblReview): a sheet titled in
        the book's language, the header at A1, one empty row."""
        table = self.schema.table(key)
        title = table.title(self.db.lang)
        names = [s.name for s in self.book.sheets]
        sheet = (self.book.sheets[title] if title in names
                 else self.book.sheets.add(title, after=self.book.sheets[len(names) - 1]))
        if table.hidden:  # xlSheetVeryHidden: the tools' own records (TeamBase)
            try:
                sheet.api.Visible = 2
            except AttributeError:  # a stand-in without the COM object
                pass
        headers = table.headers(self.db.lang)
        self.write_block(sheet, 1, 1, [headers])
        lo = sheet.tables.add(source=sheet.range((1, 1), (2, len(headers))),
                              name=table.table_name)
        self.found[table.table_name] = (sheet, lo)
        return sheet, lo

    # ------------------------------------------------------------------ marks

    def marks(self, changes: Changeset) -> None:
        noted = self.clear_marks()
        by_sheet: dict[str, tuple[Any, dict]] = {}
        located: dict[str, Located | None] = {}
        for mark in changes.marks or []:
            if mark.table not in located:
                located[mark.table] = self.locate(mark.table)
            loc = located[mark.table]
            if loc is None or mark.column not in loc.positions:
                self.counts["skipped"] += 1
                continue
            cell = (mark.row, loc.positions[mark.column])
            if (loc.sheet.name, *cell) in noted:
                self.counts["marks_skipped"] += 1
                continue
            by_sheet.setdefault(loc.sheet.name, (loc.sheet, {}))[1][cell] = mark
        for sheet, cells in by_sheet.values():
            for severity, argb in layout.MARK_FILLS.items():
                mine = {c: None for c, m in cells.items() if m.severity == severity}
                for row, col, grid in blocks(mine):
                    sheet.range((row, col), (row + len(grid) - 1, col + len(grid[0]) - 1)) \
                        .color = hex_colour(argb)
            for (row, col), mark in cells.items():
                sheet.range((row, col)).add_note(NOTE_PREFIX + mark.message)
                self.counts["marked"] += 1

    def clear_marks(self) -> set[tuple[str, int, int]]:
        """Remove this tool's marks from every managed sheet; return the cells that keep a
        person's note (sheet name, row, column)."""
        sheets = {}
        for table in self.schema.tables:
            hit = self.found.get(table.table_name)
            if hit is not None:
                sheets.setdefault(hit[0].name, hit[0])
        kept: set[tuple[str, int, int]] = set()
        for name, sheet in sheets.items():
            unfill: dict[tuple[int, int], None] = {}
            for note in list(sheet.notes):
                cell = note.location
                if not is_our_note(note):
                    kept.add((name, cell.row, cell.column))
                    continue
                if cell.color in MARK_RGB:
                    unfill[(cell.row, cell.column)] = None
                note.delete()
                self.counts["marks_cleared"] += 1
            for row, col, grid in blocks(unfill):
                sheet.range((row, col), (row + len(grid) - 1, col + len(grid[0]) - 1)).color = None
        return kept

    # ------------------------------------------------------------------ data

    def updates(self, changes: Changeset) -> None:
        per_table: dict[str, list] = {}
        for u in changes.updates:
            per_table.setdefault(u.table, []).append(u)
        for key, items in per_table.items():
            loc = self.locate(key)
            if loc is None:
                raise LookupError(f"table {key} is not in the workbook")
            cells = {}
            for u in items:
                if u.column not in loc.positions:
                    self.counts["skipped"] += 1
                    log.warning("%s has no column %s; update skipped", key, u.column)
                    continue
                cells[(u.row, loc.positions[u.column])] = excel_value(u.new)
            for row, col, grid in blocks(cells):
                self.write_block(loc.sheet, row, col, grid)
            self.counts["updated"] += len(cells)

    def removals(self, changes: Changeset) -> None:
        per_table: dict[str, list[int]] = {}
        for r in changes.removals:
            per_table.setdefault(r.table, []).append(r.row)
        for key, rows in per_table.items():
            loc = self.locate(key)
            if loc is None:
                continue
            for first, last in row_runs(rows):   # bottom up: rows above keep their numbers
                if first <= loc.header_row or last > loc.last_row:
                    raise ValueError(f"{key}: row {first}-{last} is outside the table")
                loc.sheet.range((first, loc.first_col), (last, loc.last_col)).delete("up")
                self.counts["removed"] += last - first + 1

    def appends(self, changes: Changeset) -> None:
        per_table: dict[str, list[dict]] = {}
        for a in changes.all_appends():
            per_table.setdefault(a.table, []).append(a.values)
        for key, rows in per_table.items():
            self.append_rows(key, rows)
            self.counts["appended"] += len(rows)

    def append_rows(self, key: str, rows: list[dict]) -> None:
        """Add rows at the end of a table: fill its trailing empty rows first, resize the
        ListObject once, then one block write per run of adjacent columns."""
        if not rows:
            return
        loc = self.locate(key, create=True)
        start = self._first_free_row(loc)
        last = start + len(rows) - 1
        if last > loc.last_row:
            loc.lo.resize(loc.sheet.range((loc.header_row, loc.first_col), (last, loc.last_col)))
        keys = [k for k in loc.positions if any(k in r for r in rows)]
        by_col = {loc.positions[k]: k for k in keys}
        for c1, c2 in column_spans(list(by_col)):
            grid = [[excel_value(r.get(by_col[c])) for c in range(c1, c2 + 1)] for r in rows]
            self.write_block(loc.sheet, start, c1, grid)

    def _first_free_row(self, loc: Located) -> int:
        """The row after the table's last non-empty row (one read of its last rows)."""
        body = loc.last_row - loc.header_row
        if body <= 0:
            return loc.header_row + 1
        n = min(body, TAIL_ROWS)
        first = loc.last_row - n + 1
        tail = loc.sheet.range((first, loc.first_col), (loc.last_row, loc.last_col)) \
            .options(ndim=2).value
        free = loc.last_row + 1
        for offset in range(n - 1, -1, -1):
            if any(not frames.is_blank(v) for v in tail[offset]):
                break
            free = first + offset
        return free

    # ------------------------------------------------------------------ tool tables and sheets

    def replaces(self, changes: Changeset) -> None:
        for rep in changes.replaces:
            loc = self.locate(rep.table, create=True)
            if loc.last_row > loc.header_row:
                loc.sheet.range((loc.header_row + 1, loc.first_col),
                                (loc.last_row, loc.last_col)).clear_contents()
            new_last = loc.header_row + max(1, len(rep.rows))
            if new_last != loc.last_row:
                loc.lo.resize(loc.sheet.range((loc.header_row, loc.first_col),
                                              (new_last, loc.last_col)))
            by_col = {c: k for k, c in loc.positions.items()}
            # A formula typed into a Text ("@") cell stays text: link columns get General first.
            for key in {k for _, k in rep.links}:
                if key in loc.positions and rep.rows:
                    c = loc.positions[key]
                    loc.sheet.range((loc.header_row + 1, c),
                                    (loc.header_row + len(rep.rows), c)).number_format = "General"
            for c1, c2 in column_spans(list(by_col)):
                grid = []
                for i, row in enumerate(rep.rows):
                    line = []
                    for c in range(c1, c2 + 1):
                        value = row.get(by_col[c])
                        link = rep.links.get((i, by_col[c]))
                        line.append(hyperlink_formula(link, value if value not in (None, "")
                                                      else "→") if link else excel_value(value))
                    grid.append(line)
                self.write_block(loc.sheet, loc.header_row + 1, c1, grid)
            self.counts["replaced"] += len(rep.rows)

    def find_sheet(self, key: str, titles: list[str]) -> Any | None:
        refers = self.backend.name_value(layout.sheet_name(key))
        names = {s.name: s for s in self.book.sheets}
        if refers:
            target = str(refers).lstrip("=").rsplit("!", 1)[0].strip("'").replace("''", "'")
            if target in names:
                return names[target]
        for title in titles:
            if title in names:
                return names[title]
        return None

    def rebuilds(self, changes: Changeset) -> None:
        lang = self.db.lang
        for rb in changes.rebuilds:
            title = rb.title_zh if lang == "zh" else rb.title_en
            sheet = self.find_sheet(rb.sheet, [title, rb.title_zh, rb.title_en, rb.sheet])
            if sheet is None:
                sheet = self.book.sheets.add(title, after=self.book.sheets[len(self.book.sheets) - 1])
                quoted = "'" + sheet.name.replace("'", "''") + "'"
                self.book.names.add(layout.sheet_name(rb.sheet), f"={quoted}!$A$1")
            else:
                for chart in list(sheet.charts):
                    chart.delete()
                sheet.clear()
            width = max((len(r) for r in rb.rows), default=0)
            grid = [[excel_value(v) for v in row] + [None] * (width - len(row)) for row in rb.rows]
            for (r, c), location in rb.links.items():
                if 1 <= r <= len(grid) and 1 <= c <= width:
                    shown = rb.rows[r - 1][c - 1] if c <= len(rb.rows[r - 1]) else ""
                    grid[r - 1][c - 1] = hyperlink_formula(location, shown or "→")
            self.write_block(sheet, 1, 1, grid)
            for c, w in rb.widths.items():
                sheet.range((1, c)).column_width = w
            for r in sorted(rb.bold_rows):
                if width:
                    sheet.range((r, 1), (r, width)).font.bold = True
            for (r, c), style in rb.styles.items():
                self._style(sheet.range((r, c)), style)
            self._page(sheet, rb.page)
            try:
                for r, points in rb.heights.items():
                    if points != 15:          # Excel's own default row height
                        sheet.range((r, 1)).row_height = points
            except Exception:
                log.debug("row heights of %s not set", sheet.name, exc_info=True)
            for dd in rb.dropdowns:
                self._dropdown(sheet, dd)
            for spec in rb.charts:
                self._chart(sheet, spec)
            self.counts["rebuilt"] += 1

    @staticmethod
    def _style(cell: Any, spec: dict) -> None:
        """Number format, bold and fill of a cell the rebuild styles (see Styles.styled)."""
        if spec.get("num"):
            cell.number_format = spec["num"]
        if spec.get("bold"):
            cell.font.bold = True
        if spec.get("fill"):
            cell.color = _rgb("FF" + spec["fill"])

    @staticmethod
    def _page(sheet: Any, page: dict) -> None:
        """A4 orientation, fit to one page wide, print titles and area through Excel's PageSetup
        (COM/AppleScript object; best effort: a platform without it keeps Excel's defaults)."""
        if not page:
            return
        try:
            for ref in page.get("merges", ()):
                sheet.range(ref).merge()
        except Exception:
            log.debug("cells of %s not merged", sheet.name, exc_info=True)
        try:
            setup = sheet.api.PageSetup
            setup.Orientation = 2 if page.get("orientation") == "landscape" else 1
            if page.get("fit_width"):
                setup.Zoom = False
                setup.FitToPagesWide = 1
                setup.FitToPagesTall = False
            if page.get("title_rows"):
                setup.PrintTitleRows = "${}:${}".format(*page["title_rows"])
            if page.get("print_area"):
                setup.PrintArea = page["print_area"]
        except Exception:
            log.debug("page setup of %s not applied", sheet.name, exc_info=True)

    def _dropdown(self, sheet: Any, spec: dict) -> None:
        try:
            source = spec.get("source")
            target = sheet.range(spec["ref"]).data_validation
            target.set_list(self.book.names[source] if source else list(spec["values"]))
        except Exception:
            log.exception("dropdown %s not added", spec.get("ref"))

    def _chart(self, sheet: Any, spec: dict) -> None:
        """A native chart from a backend-neutral spec (see :mod:`xltools.xlsx.charts`)."""
        kinds = {"column": "column_clustered", "bar": "bar_clustered", "pie": "pie",
                 "line": "line"}
        try:
            anchor = sheet.range(spec.get("anchor", "J1"))
            width, height = spec.get("size", [480, 260])
            chart = sheet.charts.add(left=anchor.left, top=anchor.top, width=width * 0.75,
                                     height=height * 0.75)  # pixels -> points
            chart.chart_type = kinds.get(spec.get("type"), "column_clustered")
            areas = [spec["categories"]] + [s["values"] for s in spec.get("series", [])]
            chart.set_source_data(sheet.range(",".join(areas)))
            if spec.get("title"):
                chart.title = spec["title"]
        except Exception:
            log.exception("chart %r not drawn", spec.get("title"))

    # ------------------------------------------------------------------ report

    def report(self, changes: Changeset, logged: int) -> dict:
        return {"command": changes.command, **self.counts, "logged": logged,
                "writes": self.writes}


__all__ = ["NOTE_PREFIX", "Writer", "col_letter", "is_our_note"]
