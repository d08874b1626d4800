"""Many appended rows are made as the book is written (their XML never held at once): the book
written is the one making them at once gives, byte for byte, whatever the cells hold."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from backend_books import members, user_book

from xltools.backend import writer, writer_append
from xltools.backend.file import FileBackend
from xltools.changes import Changeset, ColumnAppend, RowAppend
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


def as_columns(rows: list[RowAppend]) -> ColumnAppend:
    """The same rows as one list per column (None where a row has no value)."""
    keys = dict.fromkeys(k for r in rows for k in r.values)
    return ColumnAppend(rows[0].table, {k: [r.values.get(k) for r in rows] for k in keys},
                        [r.note for r in rows])


def _written(tmp_path, name, rows, later: bool, monkeypatch) -> dict[str, bytes]:
    monkeypatch.setattr(writer_append, "APPEND_CHUNK", 5)
    monkeypatch.setattr(writer_append, "LATER_FROM", 1 if later else 10**9)
    # the rows take the headers' format, which has no date variant yet: each date kind adds one
    monkeypatch.setattr(writer.BookWriter, "_base_styles",
                        lambda self, sheet, row, cols: {c: HEADER_STYLE for c in cols})
    path = tmp_path / f"{name}.xlsx"
    shutil.copyfile(tmp_path / "base.xlsx", path)
    backend = FileBackend(path, backups=False)
    changes = Changeset("import", column_appends=[rows]) if isinstance(rows, ColumnAppend) \
        else Changeset("import", appends=rows)
    report = backend.apply(changes, backend.load(), now=NOW)
    assert report["appended"] == len(rows)
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


@pytest.mark.parametrize("later", [False, True])
def test_rows_given_as_columns_give_the_same_book(tmp_path, monkeypatch, later):
    """An import's rows come as a list per column, not a dict per row: the book written, the
    ChangeLog's rows included, is the same byte for byte, made at once or as written."""
    user_book(tmp_path / "base.xlsx", n_customers=30)
    rows = _rows()
    by_row = _written(tmp_path, "by-row", rows, later, monkeypatch)
    by_column = _written(tmp_path, "by-column", as_columns(rows), later, monkeypatch)
    assert by_row.keys() == by_column.keys()
    assert [n for n in by_row if by_row[n] != by_column[n]] == []
    log = FileBackend(tmp_path / "by-column.xlsx").load().df("ChangeLog").tail(len(rows))
    assert log["Key"].tolist() == [r.values["CustomerID"] for r in rows]
    assert log["Note"].tolist() == [r.note for r in rows] and set(log["New"]) == {"+"}


def test_the_book_reloaded_after_rows_appended_as_columns_has_them(tmp_path):
    user_book(tmp_path / "book.xlsx", n_customers=30)
    backend = FileBackend(tmp_path / "book.xlsx", backups=False)
    db = backend.load()
    rows = _rows()
    changes = Changeset("import", column_appends=[as_columns(rows)])
    backend.apply(changes, db, now=NOW)
    again = backend.reload(db, changes)
    assert again.customers["CustomerID"].tolist()[-len(rows):] == \
        [r.values["CustomerID"] for r in rows]
    assert again.df("ChangeLog")["Note"].tolist()[-1] == rows[-1].note


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
