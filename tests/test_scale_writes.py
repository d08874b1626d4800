"""Writes proportional to what changed: thousands of marks reuse a handful of formats, the notes
and their VML shapes stay in step, and a second run over its own marks leaves no residue."""

from __future__ import annotations

import re
import zipfile

import openpyxl
from backend_books import user_book

from xltools import layout
from xltools.backend.file import FileBackend
from xltools.changes import CellMark, Changeset
from xltools.schema import load_schema
from xltools.xlsx.styles import Styles

CUSTOMERS = load_schema().table("Customers")
MARKED = ("CustomerName", "Industry", "Region", "Remarks", "AnnualSpend")


def _styles(path) -> tuple[int, int]:
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/styles.xml").decode()
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", xml, re.DOTALL).group(1)
    fills = re.search(r"<fills[^>]*>(.*?)</fills>", xml, re.DOTALL).group(1)
    return xfs.count("<xf "), fills.count("<fill>")


def _shapes(path) -> int:
    with zipfile.ZipFile(path) as z:
        return sum(z.read(n).decode().count('ObjectType="Note"')
                   for n in z.namelist() if n.endswith(".vml"))


def _cell_styles(path) -> dict[str, str]:
    """Cell reference -> the style index written in the customers sheet (``s``)."""
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    return {m.group(1): m.group(2) or "0"
            for m in re.finditer(r'<c r="([A-Z]+\d+)"(?:[^>]*?\bs="(\d+)")?', xml)}


def _marks(rows, severity_of) -> list[CellMark]:
    return [CellMark("Customers", r, col, f"问题 {r}/{col}", severity_of(r, i))
            for r in rows for i, col in enumerate(MARKED)]


def test_many_marks_share_formats_and_a_second_run_leaves_no_residue(tmp_path):
    path = user_book(tmp_path / "team.xlsx", n_customers=400)
    xfs0, fills0 = _styles(path)
    before = _cell_styles(path)
    rows = range(3, 402)                             # (B2 holds a person's note)
    marks = _marks(rows, lambda r, i: "error" if (r + i) % 3 else "warning")
    backend = FileBackend(path)
    backend.apply(Changeset("validate", marks=marks), backend.load())

    xfs1, fills1 = _styles(path)
    assert fills1 - fills0 <= 2                      # one fill per mark colour, not per cell
    assert xfs1 - xfs0 <= 2 * len(MARKED)            # one variant per (format, colour)
    ws = openpyxl.load_workbook(path).worksheets[0]
    col = {k: CUSTOMERS.keys.index(k) + 1 for k in MARKED}
    styles_by_kind: dict[tuple, set] = {}
    marked = _cell_styles(path)
    for m in marks:
        cell = ws.cell(m.row, col[m.column])
        assert cell.fill.fgColor.rgb == layout.MARK_FILLS[m.severity]
        assert cell.comment is not None and m.message in cell.comment.text
        ref = cell.coordinate
        styles_by_kind.setdefault((before.get(ref), m.severity), set()).add(marked[ref])
    assert all(len(ids) == 1 for ids in styles_by_kind.values())   # same style reused
    notes = sum(1 for row in ws.iter_rows() for c in row if c.comment)
    assert _shapes(path) == notes == len(marks) + 1               # + the person's note on B2

    # The same marks again: our old marks go, the same formats come back, nothing piles up.
    backend = FileBackend(path)
    backend.apply(Changeset("validate", marks=marks), backend.load())
    assert _styles(path) == (xfs1, fills1)
    assert _shapes(path) == len(marks) + 1

    # Half the marks move: only the new set is marked, every cleared cell has its format back.
    moved = _marks(range(4, 402, 2), lambda r, i: "warning")
    backend = FileBackend(path)
    backend.apply(Changeset("validate", marks=moved), backend.load())
    assert _styles(path)[1] == fills1
    assert _shapes(path) == len(moved) + 1
    ws = openpyxl.load_workbook(path).worksheets[0]
    now = _cell_styles(path)
    for r in range(3, 402, 2):
        for k in MARKED:
            cell = ws.cell(r, col[k])
            assert cell.comment is None and now[cell.coordinate] == before.get(cell.coordinate,
                                                                         now[cell.coordinate])
            assert cell.fill.fill_type is None

    backend = FileBackend(path)
    backend.apply(Changeset("validate", marks=[]), backend.load())
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert [c.coordinate for row in ws.iter_rows() for c in row if c.comment] == ["B2"]
    now = _cell_styles(path)
    assert {ref: now[ref] for ref in before} == before    # every format as it was
    assert not [c for row in ws.iter_rows() for c in row if c.fill.fill_type]
    assert _shapes(path) == 1
    assert len(FileBackend(path).load().customers) == 400


def test_styles_answer_a_repeated_request_with_the_same_format():
    styles = Styles(None)
    red, yellow = layout.MARK_FILLS["error"], layout.MARK_FILLS["warning"]
    first = {(i, c): styles.with_mark(0, c) for i in range(5000) for c in (red, yellow)}
    assert {first[(0, red)], first[(0, yellow)]} == set(first.values())
    assert len(styles.xfs) == 3 and len(styles.fills) == 4
    assert styles.without_mark(first[(0, red)], {red, yellow}) == 0
    bold = styles.with_bold(first[(0, red)])
    assert styles.with_bold(first[(0, red)]) == bold and len(styles.fonts) == 2
    again = Styles(styles.to_bytes())            # a re-read book finds the formats it has
    assert again.with_mark(0, red) == first[(0, red)] and not again.dirty
