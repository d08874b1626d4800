"""Many appended rows are made as the book is written (their XML never held at once): the book
written is the one making them at once gives, byte for byte, whatever the cells hold."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from backend_books import members, user_book

from xltools.backend import writer, writer_append
from xltools.backend.file import FileBackend
from xltools.changes import Changeset, RowAppend
from xltools.xlsx.sheetxml import SheetXml

NOW = dt.datetime(2024, 6, 1, 9, 30)
HEADER_STYLE = 4


def _rows(long_text: bool = False) -> list[RowAppend]:
    rows = []
    for i in range(23):
        values = {"CustomerID": f"C20240601{i:03d}", "CustomerName": f"华腾{i} <&> _x0041_",
                  "AnnualSpend": [1200, 12.5, float("nan"), None][i] if i < 4 else
                  dt.datetime(2024, 5, i, 10 + i % 3) if i % 5 else dt.datetime(2024, 5, i),
                  "Remarks": "x" * 40_000 if long_text and i == 17 else ("备注" if i % 2 else "")}
        if i >= 8:     # dates in columns without a date format, first seen in later chunks
            values["Industry"] = values["DealAmount"] = dt.date(2024, 5, i)
        if i >= 4:     # (a new format for each: in the order making the rows at once adds them)
            values["Source"] = dt.datetime(2024, 5, i, 10 + i % 3) if i % 5 else \
                dt.datetime(2024, 5, i)
            values["CreateTime"] = dt.date(2024, 5, i)
        rows.append(RowAppend("Customers", values, note=f"导入 #{i}"))
    return rows


def _written(tmp_path, name, rows, later: bool, monkeypatch) -> dict[str, bytes]:
    monkeypatch.setattr(writer_append, "APPEND_CHUNK", 5)
    monkeypatch.setattr(writer_append, "LATER_FROM", 1 if later else 10**9)
    # the rows take the headers' format, which has no date variant yet: each date kind adds one
    monkeypatch.setattr(writer.BookWriter, "_base_styles",
                        lambda self, sheet, row, cols: {c: HEADER_STYLE for c in cols})
    path = tmp_path / f"{name}.xlsx"
    shutil.copyfile(tmp_path / "base.xlsx", path)
    backend = FileBackend(path, backups=False)
    backend.apply(Changeset("import", appends=rows), backend.load(), now=NOW)
    return members(path)


@pytest.mark.parametrize("long_text", [False, True])
def test_rows_made_as_written_give_the_same_book(tmp_path, monkeypatch, long_text):
    user_book(tmp_path / "base.xlsx", n_customers=30)
    rows = _rows(long_text)
    at_once = _written(tmp_path, "at-once", rows, False, monkeypatch)
    later = _written(tmp_path, "later", rows, True, monkeypatch)
    assert later.keys() == at_once.keys()
    assert [n for n in at_once if at_once[n] != later[n]] == []
    sheet = at_once["xl/worksheets/sheet1.xml"].decode()
    assert "C20240601022" in sheet and "华腾22 &lt;&amp;&gt; _x005F_x0041_" in sheet
    assert at_once["xl/styles.xml"] != members(tmp_path / "base.xlsx")["xl/styles.xml"]


def test_a_row_made_later_reads_and_edits_as_a_put_row():
    s = SheetXml(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                 b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>')
    made = []

    def make():
        made.append(1)
        yield [b'<row r="2"><c r="A2"><v>2</v></c></row>', b'<row r="3"><c r="A3"><v>3</v></c></row>']

    s.put_rows_later(2, 2, make)
    assert s.last_row() == 3 and s.row_numbers() == [1, 2, 3] and not made
    assert s.to_bytes() == s.to_bytes() and len(made) == 2       # made anew each time written
    assert s.row_xml(1) is not None and len(made) == 2             # rows above: not made
    s.set_cells(3, {1: '<c r="A3"><v>30</v></c>'})
    assert len(made) == 3 and b"<v>2</v>" in s.to_bytes() and b"<v>30</v>" in s.to_bytes()
    with pytest.raises(ValueError):
        s.put_rows_later(3, 1, make)                               # not below every row
