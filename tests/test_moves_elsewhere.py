"""Rows removed from one table: references on the *other table sheets* follow them, though the
writer skips re-reading a big sheet that the load found unable to name another sheet (no formula,
nothing after its cells with a "!"): a link or a validation there must still be seen."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile

import openpyxl
import pytest
from integration_support import demo_book, use_demo_key
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink

from xltools.backend.file import FileBackend
from xltools.changes import Changeset, RowRemove

CUSTOMERS, FOLLOWUPS = "客户基础信息", "客户跟进记录"


@pytest.fixture
def book(tmp_path, monkeypatch):
    use_demo_key(monkeypatch)
    path = tmp_path / "book.xlsx"
    demo_book(path, customers=40)
    return path


def _remove_two_customers(path):
    backend = FileBackend(path, command="test")
    db = backend.load()                  # scans every table sheet, as the monthly batch does
    backend.apply(Changeset("test", removals=[RowRemove("Customers", 3),
                                              RowRemove("Customers", 4)]), db)


def _part(path, sheet):
    wb = openpyxl.load_workbook(path)
    index = wb.sheetnames.index(sheet)
    with zipfile.ZipFile(path) as z:
        return z.read(f"xl/worksheets/sheet{index + 1}.xml")


def test_a_link_and_a_validation_on_another_table_sheet_follow_the_rows(book):
    wb = openpyxl.load_workbook(book)
    last_id = wb[CUSTOMERS]["A20"].value
    fu = wb[FOLLOWUPS]
    fu["Z1"] = "→ 客户"
    fu["Z1"].hyperlink = Hyperlink(ref="Z1", location=f"'{CUSTOMERS}'!A20")
    dv = DataValidation(type="list", formula1=f"'{CUSTOMERS}'!$A$10:$A$20")
    dv.add("Z2")
    fu.add_data_validation(dv)
    wb.save(book)
    _remove_two_customers(book)
    wb = openpyxl.load_workbook(book)
    assert wb[FOLLOWUPS]["Z1"].hyperlink.location == f"'{CUSTOMERS}'!A18"
    assert wb[CUSTOMERS]["A18"].value == last_id
    (dv,) = [v for v in wb[FOLLOWUPS].data_validations.dataValidation if str(v.sqref) == "Z2"]
    assert dv.formula1 == f"'{CUSTOMERS}'!$A$8:$A$18"


def test_a_table_sheet_that_names_no_other_sheet_is_left_byte_for_byte(book):
    before = _part(book, FOLLOWUPS)
    assert b"!" not in before.split(b"</sheetData>")[1]
    _remove_two_customers(book)
    assert _part(book, FOLLOWUPS) == before


# ---------------------------------------------------------------- the moved sheet itself, in pieces

TAGS = "客户分类标签"


def _tags_edit(path, monkeypatch, join: bool = False) -> None:
    """Remove two tags and append 30 (made as the book is written) in one write; ``join``: the
    moved sheet's references followed on its joined bytes, as the writer did before."""
    from xltools.backend import writer_append, writer_parts
    from xltools.changes import RowAppend
    from xltools.xlsx.bookrefs import shift_part
    monkeypatch.setattr(writer_append, "LATER_FROM", 1)
    monkeypatch.setattr(writer_append, "APPEND_CHUNK", 7)
    if join:
        monkeypatch.setattr(writer_parts.PartsOut, "_shift_pieces",
                            lambda self, part, host, pieces: shift_part(pieces.join(), host,
                                                                        self.moves))
    backend = FileBackend(path, command="test", backups=False)
    db = backend.load()
    ids = db.df("Tags")["CustomerID"]
    appends = [RowAppend("Tags", {"TagID": f"T20240601{i:03d}", "CustomerID": ids.iloc[0],
                                  "TagType": "价值", "TagName": f"标签{i}", "Source": "manual"})
               for i in range(30)]
    backend.apply(Changeset("test", removals=[RowRemove("Tags", 3), RowRemove("Tags", 4)],
                            appends=appends), db, now=dt.datetime(2024, 6, 1, 9, 30))


def _with_tags_references(book, formula: bool) -> None:
    """A validation on the tags sheet naming its own rows, and with ``formula`` a formula cell
    beside the table naming one of them (the load then finds the sheet not formula-free)."""
    wb = openpyxl.load_workbook(book)
    tags = wb[TAGS]
    dv = DataValidation(type="list", formula1=f"'{TAGS}'!$B$10:$B$20")
    dv.add("Z2")
    tags.add_data_validation(dv)
    if formula:
        tags["Z2"] = "=B10&\"!\""
    wb.save(book)


@pytest.mark.parametrize("formula", [False, True], ids=["formula-free", "formula-cell"])
def test_the_moved_sheets_own_references_follow_its_rows(book, monkeypatch, formula):
    _with_tags_references(book, formula)
    last_tag = openpyxl.load_workbook(book)[TAGS]["A20"].value
    _tags_edit(book, monkeypatch)
    wb = openpyxl.load_workbook(book)
    tags = wb[TAGS]
    assert tags["A18"].value == last_tag
    (dv,) = [v for v in tags.data_validations.dataValidation if str(v.sqref) == "Z2"]
    assert dv.formula1 == f"'{TAGS}'!$B$8:$B$18"
    if formula:
        assert tags["Z2"].value == "=B8&\"!\""
    assert [c.value for c in tags["D"][-30:]] == [f"标签{i}" for i in range(30)]


@pytest.mark.parametrize("formula", [False, True], ids=["formula-free", "formula-cell"])
def test_references_followed_piece_by_piece_give_the_joined_sheets_bytes(book, tmp_path,
                                                                          monkeypatch, formula):
    _with_tags_references(book, formula)
    other = tmp_path / "joined.xlsx"
    shutil.copyfile(book, other)
    _tags_edit(book, monkeypatch)
    _tags_edit(other, monkeypatch, join=True)
    with zipfile.ZipFile(book) as a, zipfile.ZipFile(other) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            assert a.read(name) == b.read(name), name
