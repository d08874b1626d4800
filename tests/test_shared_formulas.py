"""Shared formulas (Excel's filled-down formulas) survive table rows moving under them."""

from __future__ import annotations

import re

from xltools.xlsx.bandmove import move_cells
from xltools.xlsx.bookrefs import shift_part
from xltools.xlsx.refshift import RowMove
from xltools.xlsx.sheetxml import SheetXml

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet_with_shared_column() -> SheetXml:
    rows = ['<row r="1"><c r="A1" t="inlineStr"><is><t>n</t></is></c></row>']
    for r in range(2, 8):
        f = ('<f t="shared" ref="C2:C7" si="0">A2*2</f>' if r == 2 else '<f t="shared" si="0"/>')
        rows.append(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="C{r}">{f}<v>{2 * r}</v></c>'
                    f'<c r="F{r}"><v>{100 + r}</v></c></row>')
    return SheetXml(f'<worksheet xmlns="{NS}"><sheetData>{"".join(rows)}</sheetData>'
                    '</worksheet>'.encode())


def test_deleting_rows_under_a_shared_formula_keeps_every_cells_meaning():
    sheet = sheet_with_shared_column()
    move = RowMove("S", 1, 3, gone=(2, 5))        # the master's row goes, and one more
    move_cells(sheet, move)
    data = shift_part(sheet.to_bytes(), "S", [move])
    cells = dict(re.findall(rb'<c r="(C\d+)"><f>([^<]*)</f>', data))
    # rows 3,4,6,7 survive as 2,3,4,5; each still doubles the A cell of its own row
    assert cells == {b"C2": b"A2*2", b"C3": b"A3*2", b"C4": b"A4*2", b"C5": b"A5*2"}
    assert b't="shared"' not in data
    # cells beside the band stay in their rows
    assert b'<c r="F5"><v>105</v></c>' in data


def test_a_master_above_the_moved_rows_keeps_its_group_above_them():
    sheet = sheet_with_shared_column()
    move = RowMove("S", 1, 3, at=5, count=2)      # insert two rows before row 5
    move_cells(sheet, move)
    data = shift_part(sheet.to_bytes(), "S", [move])
    assert b'<f t="shared" ref="C2:C4" si="0">A2*2</f>' in data
    assert re.search(rb'<c r="C7"><f>A7\*2</f>', data)    # was C5 = A5*2, moved down 2
    assert re.search(rb'<c r="C9"><f>A9\*2</f>', data)
