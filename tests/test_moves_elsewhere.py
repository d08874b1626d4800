"""Rows removed from one table: references on the *other table sheets* follow them, though the
writer skips re-reading a big sheet that the load found unable to name another sheet (no formula,
nothing after its cells with a "!"): a link or a validation there must still be seen."""

from __future__ import annotations

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
