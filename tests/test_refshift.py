"""References follow a table's rows the way Excel adjusts them on Delete/Insert Table Rows."""

import doctest

import pytest

from xltools.xlsx import appxml, bookrefs, longtext, refshift, tablepart
from xltools.xlsx.refshift import RowMove, shift_area, shift_formula, shift_sqref

# tblCustomers in columns A..T (1..20) of 客户基础信息; a second table sits in V..X.
DELETE = RowMove("客户基础信息", 1, 20, gone=(5, 6, 9))
INSERT = RowMove("客户基础信息", 1, 20, at=315, count=12)


@pytest.mark.parametrize("module", [refshift, bookrefs, tablepart, appxml, longtext])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


@pytest.mark.parametrize("ref, expected", [
    ("B4", "B4"),                 # above the deleted rows
    ("B7", "B5"), ("$B$10", "$B$7"),
    ("B5", None), ("B2:B6", "B2:B4"), ("B5:B6", None), ("B5:B8", "B5:B6"),
    ("A2:T314", "A2:T311"),
    ("V7", "V7"), ("T2:V314", "T2:V314"),   # outside or across the band: Excel leaves it
])
def test_delete_table_rows(ref, expected):
    assert shift_area(ref, DELETE) == expected


@pytest.mark.parametrize("ref, expected", [
    ("T2:T314", "T2:T314"),       # an insertion just below a range does not widen it
    ("T316", "T328"), ("A315:B316", "A327:B328"),
    ("T300:T320", "T300:T332"),   # an insertion inside widens it
    ("W316", "W316"),
])
def test_insert_table_rows(ref, expected):
    assert shift_area(ref, INSERT) == expected


def test_formulas_on_other_sheets_names_and_quoting():
    f = "SUM(客户基础信息!T2:T314)+'客户基础信息'!$B$50*2+客户基础信息!V7"
    assert shift_formula(f, "报表", DELETE) == \
        "SUM(客户基础信息!T2:T311)+'客户基础信息'!$B$47*2+客户基础信息!V7"
    # unqualified references belong to the sheet the formula is on
    assert shift_formula("SUM(T2:T314)", "报表", DELETE) == "SUM(T2:T314)"
    assert shift_formula("SUM(T2:T314)", "客户基础信息", DELETE) == "SUM(T2:T311)"
    assert shift_formula("B5+1", "客户基础信息", DELETE) == "#REF!+1"


def test_text_structured_refs_functions_and_other_books_stay():
    for f in ['"B7"&B3', "SUBTOTAL(109,tblCustomers[金额])", "LOG10(B3)",
              "[1]客户基础信息!B7", "客户基础信息:Sheet3!B7", "COUNTA(客户基础信息!$A:$A)",
              "SUM(客户基础信息!7:9)"]:
        assert shift_formula(f, "Sheet9", DELETE) == f


def test_sqref_drops_deleted_areas():
    assert shift_sqref("B2:B314 B5 V2:V9", DELETE) == "B2:B311 V2:V9"


def test_links_follow_their_cell_and_a_deleted_target_is_left_alone():
    data = ('<hyperlinks><hyperlink ref="B1" location="\'客户基础信息\'!A10"/>'
            '<hyperlink ref="B2" location="客户基础信息!A5"/></hyperlinks>').encode()
    out = bookrefs.shift_part(data, "报表", [DELETE]).decode()
    assert 'location="\'客户基础信息\'!A7"' in out
    assert 'location="客户基础信息!A5"' in out


@pytest.mark.parametrize("broken", ["}", ")))", "SUM((", '"abc', "{1,2"])
def test_a_formula_openpyxl_cannot_read_is_left_as_it_is(broken):
    assert shift_formula(broken, "客户基础信息", DELETE) == broken
