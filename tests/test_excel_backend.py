"""The live-Excel backend (xltools.backend.excel) through xlwings' own API, on an in-memory stand-in
engine (tests/xlwings_memory) loaded from real .xlsx files. What only real Excel can confirm is in
tests/excel (``pytest -m excel tests/excel``)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from xlwings_memory import open_book, stats

from xltools.context import RunContext
from xltools import ribbon
from xltools.backend.excel import ExcelBackend
from xltools.backend.excel_write import NOTE_PREFIX
from xltools.changes import (
    CellMark,
    CellUpdate,
    Changeset,
    ColumnAppend,
    RowAppend,
    RowRemove,
    TableReplace,
)
from xltools.demo import demo_data
from xltools.layout import MARK_FILLS
from xltools.template import build_template

TODAY = dt.date(2024, 3, 15)
RED = tuple(int(MARK_FILLS["error"][i:i + 2], 16) for i in (2, 4, 6))


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("live") / "team.xlsx"
    build_template(path, data=demo_data(n_customers=520, seed=3, today=TODAY, mess=False))
    return path


@pytest.fixture
def book(demo_path):
    return open_book(demo_path)


def sheet_of(book, table_name):
    for sheet in book.sheets:
        if table_name in [t.name for t in sheet.tables]:
            return sheet
    raise AssertionError(table_name)


def cell(book, db, table, row, column):
    tf = db.tables[table]
    return sheet_of(book, tf.table_name).range(f"{tf.letters[column]}{row}")


# ---------------------------------------------------------------- load


def test_tables_are_found_by_name_wherever_they_sit_with_reordered_english_headers(tmp_path):
    """A renamed sheet, a title above the table, English headers in another order, one column
    missing and one the team added: the loader still finds everything, and each row keeps its
    Excel row number."""
    path = tmp_path / "moved.xlsx"
    build_template(path, lang="zh")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "我们的客户"
    ws["A1"] = "客户清单(内部)"
    headers = ["Customer Name", "客户ID", "Contact Phone", "Owner", "内部备注"]
    for c, h in enumerate(headers, start=2):
        ws.cell(row=3, column=c, value=h)
    ws.append([])
    rows = [["深圳华腾", "C20240315001", 13812345678, "张三", "老客户"],
            [None, None, None, None, None],
            ["李娜", "C20240315002", "0755-88881234", "公海", None]]
    for r, values in enumerate(rows, start=4):
        for c, v in enumerate(values, start=2):
            ws.cell(row=r, column=c, value=v)
    from openpyxl.worksheet.table import Table
    ws.add_table(Table(displayName="tblCustomers", ref="B3:F6"))
    wb.save(path)

    db = ExcelBackend(open_book(path)).load()
    tf = db.tables["Customers"]
    assert tf.sheet == "我们的客户" and tf.ref == "B3:F6"
    assert tf.df.index.tolist() == [4, 6]                       # the blank row 5 is skipped
    assert tf.df.at[4, "CustomerID"] == "C20240315001"
    assert tf.df.at[4, "ContactPhone"] == "13812345678"          # a number in a phone column
    assert tf.df.at[6, "ContactPhone"] == "0755-88881234"
    assert tf.letters["ContactPhone"] == "D" and tf.extra_columns == ["内部备注"]
    assert tf.df["Email"].isna().all()                           # missing column reads blank
    assert db.lang == "en"                                       # no xlt_Lang: from the headers
    assert db.cell_ref("Customers", 6, "ContactPhone") == "'我们的客户'!D6"


def test_load_reads_each_table_once_and_gives_lists_settings_and_language(book):
    db = ExcelBackend(book).load()
    n_tables = sum(1 for s in book.sheets for _ in s.tables)
    assert stats(book)["reads"] <= n_tables            # one range read per table, no cell loops
    assert db.lang == "zh"
    assert len(db.customers) >= 520 and db.customers.index[0] == 2
    assert db.lists["Region"][:2] == ["华北", "东北"]
    assert db.setting("DormantDays") == 180
    assert isinstance(db.customers["CreateTime"].dropna().iloc[0], pd.Timestamp)


def test_a_workbook_without_the_customer_table_is_refused_in_both_languages(tmp_path):
    path = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(Exception) as err:
        ExcelBackend(open_book(path)).load()
    assert "tblCustomers" in err.value.zh and "tblCustomers" in err.value.en


# ---------------------------------------------------------------- writing in blocks


def test_500_updates_in_one_column_take_a_handful_of_writes(book):
    backend = ExcelBackend(book)
    db = backend.load()
    rows = db.customers.index[:500].tolist()
    changes = Changeset("test", updates=[CellUpdate("Customers", r, "Remarks", None, f"备注{r}")
                                         for r in rows])
    before = stats(book)["writes"]
    report = backend.apply(changes, db)
    writes = stats(book)["writes"] - before
    assert report["updated"] == 500
    assert writes <= 4, writes              # the column block + the ChangeLog block
    after = backend.load().customers
    assert after.loc[rows, "Remarks"].tolist() == [f"备注{r}" for r in rows]


def test_one_records_fields_go_in_one_row_block(book):
    backend = ExcelBackend(book)
    db = backend.load()
    row = int(db.customers.index[3])
    fields = {"Industry": "金融业", "Region": "华南", "Source": "展会", "NeedType": "服务型"}
    changes = Changeset("test", updates=[CellUpdate("Customers", row, k, None, v)
                                         for k, v in fields.items()])
    before = stats(book)["writes"]
    backend.apply(changes, db)
    assert stats(book)["writes"] - before <= 2
    got = backend.load().customers.loc[row]
    assert {k: got[k] for k in fields} == fields


def test_text_that_looks_like_a_formula_number_or_date_stays_the_same_text(book):
    backend = ExcelBackend(book)
    db = backend.load()
    r = int(db.customers.index[0])
    sheet = sheet_of(book, "tblCustomers")
    sheet.range(f"A{r}:AB{r}").number_format = "General"   # someone pasted over the Text format
    texts = {"CustomerName": "=HYPERLINK(\"http://evil\",\"x\")", "Remarks": "+86 138 0000 1111",
             "ContactPerson": "-王经理-", "Source": "@展会",
             "Industry": "2024-03-05", "Region": "00123", "NeedType": "TRUE"}
    backend.apply(Changeset("test", updates=[CellUpdate("Customers", r, k, None, v)
                                             for k, v in texts.items()]), db)
    got = backend.load().customers.loc[r]
    assert {k: got[k] for k in texts} == texts
    letter = db.tables["Customers"].letters["CustomerName"]
    assert sheet.range(f"{letter}{r}").formula in ("", [[""]])   # no formula was created


def test_the_stand_in_turns_unmarked_text_into_formulas_and_numbers_like_excel(book):
    """Proves the test above can fail: without the apostrophe Excel (and the stand-in) would
    change these values."""
    sheet = book.sheets.add("scratch")
    sheet.range("A1:C1").value = [["=1+1", "00123", "2024-03-05"]]
    assert sheet.range("A1").formula == [["=1+1"]] or sheet.range("A1").formula == "=1+1"
    assert sheet.range("B1").value == 123.0
    assert isinstance(sheet.range("C1").value, dt.datetime)


def test_appends_fill_the_blank_row_first_then_resize_the_table_once(tmp_path):
    path = tmp_path / "empty.xlsx"
    build_template(path)                                 # every table has one empty row
    book = open_book(path)
    backend = ExcelBackend(book)
    db = backend.load()
    assert db.df("Tags").empty
    rows = [{"TagID": f"T2024031500{i}", "CustomerID": "C20240315001", "TagType": "价值",
             "TagName": "高价值", "Source": "auto", "CreateTime": pd.Timestamp(TODAY)}
            for i in range(1, 4)]
    report = backend.apply(Changeset("tag", appends=[RowAppend("Tags", v) for v in rows]), db)
    tags = backend.load().df("Tags")
    assert tags.index.tolist() == [2, 3, 4]                # no blank row left above them
    assert tags["TagID"].tolist() == [v["TagID"] for v in rows]
    assert tags["CreateTime"].tolist() == [pd.Timestamp(TODAY)] * 3
    assert sheet_of(book, "tblTags").tables["tblTags"].range.address == "$A$1:$G$4"
    assert report["appended"] == 3 and report["logged"] == 3


def test_rows_appended_as_columns_land_as_rows_do(tmp_path):
    """An import's rows come as a list per column: the live book gets the rows, blanks left
    blank, and the ChangeLog a line for each, as a dict per row gives them."""
    path = tmp_path / "empty.xlsx"
    build_template(path)
    book = open_book(path)
    backend = ExcelBackend(book)
    db = backend.load()
    block = ColumnAppend("Tags", {"TagID": ["T1", "T2", "T3"], "CustomerID": ["C1", None, "C3"],
                                  "TagName": ["高价值", "重点", None]}, ["n1", "n2", "n3"])
    report = backend.apply(Changeset("tag", column_appends=[block]), db)
    after = backend.load()
    tags = after.df("Tags")
    assert tags["TagID"].tolist() == ["T1", "T2", "T3"] and tags.index.tolist() == [2, 3, 4]
    assert tags["CustomerID"].isna().tolist() == [False, True, False]
    assert tags["TagName"].tolist()[:2] == ["高价值", "重点"] and pd.isna(tags.at[4, "TagName"])
    log = after.df("ChangeLog")
    assert log["Key"].tolist() == ["T1", "T2", "T3"] and log["Note"].tolist() == ["n1", "n2", "n3"]
    assert report["appended"] == 3 and report["logged"] == 3


def test_removed_rows_go_bottom_up_and_the_others_keep_their_values(book):
    backend = ExcelBackend(book)
    db = backend.load()
    tags = db.df("Tags")
    gone = [int(tags.index[1]), int(tags.index[2]), int(tags.index[5])]
    kept_ids = [t for r, t in tags["TagID"].items() if r not in gone]
    before = stats(book)["deletes"]
    backend.apply(Changeset("test", removals=[RowRemove("Tags", r) for r in gone]), db)
    assert stats(book)["deletes"] - before == 2            # rows 3-4 as one run, row 7 alone
    assert backend.load().df("Tags")["TagID"].tolist() == kept_ids


def test_table_replace_shrinks_without_leftovers_and_links_into_the_book(book):
    backend = ExcelBackend(book)
    db = backend.load()
    many = [{"Severity": "错误", "Sheet": "客户基础信息", "Row": i, "Message": f"问题{i}"}
            for i in range(2, 40)]
    backend.apply(Changeset("validate", replaces=[TableReplace("Issues", many)]), db)
    few = [{"Severity": "警告", "Sheet": "客户基础信息", "Row": 5, "Message": "只剩一个",
            "Link": "→"}]
    backend.apply(Changeset("validate", replaces=[TableReplace(
        "Issues", few, links={(0, "Link"): "'客户基础信息'!F5"})]), db)
    issues = backend.load().df("Issues")
    assert issues["Message"].tolist() == ["只剩一个"]
    sheet = sheet_of(book, "tblIssues")
    assert sheet.range("A3:H40").value == [[None] * 8] * 38       # nothing left below the table
    link_cell = sheet.range(f"{backend.load().tables['Issues'].letters['Link']}2")
    formula = link_cell.formula
    formula = formula[0][0] if isinstance(formula, list) else formula
    assert formula == '=HYPERLINK("#\'客户基础信息\'!F5","→")'


# ---------------------------------------------------------------- marks


def test_validation_marks_replace_ours_and_leave_a_persons_fill_and_note(book):
    backend = ExcelBackend(book)
    db = backend.load()
    r1, r2, r3 = (int(x) for x in db.customers.index[:3])
    own_fill = cell(book, db, "Customers", r3, "Remarks")
    own_fill.color = "#FFFF00"
    own_note = cell(book, db, "Customers", r2, "Industry")
    own_note.add_note("问一下张三")

    marks = [CellMark("Customers", r1, "Industry", "不在下拉列表中", "error"),
             CellMark("Customers", r2, "Industry", "不在下拉列表中", "error")]
    report = backend.apply(Changeset("validate", marks=marks), db)
    marked = cell(book, db, "Customers", r1, "Industry")
    assert marked.color == RED and marked.note.text == NOTE_PREFIX + "不在下拉列表中"
    assert own_note.note.text == "问一下张三"                   # a person's note is never replaced
    assert report["marks_skipped"] == 1

    backend.apply(Changeset("validate", marks=[]), db)           # all fixed: our marks go
    assert marked.color is None and marked.note is None
    assert own_fill.color == (255, 255, 0)
    assert own_note.note.text == "问一下张三"


# ---------------------------------------------------------------- Excel's state and the ChangeLog


def test_screen_updating_calculation_and_status_bar_come_back_even_when_a_write_fails(book):
    backend = ExcelBackend(book)
    db = backend.load()
    app = book.app
    app.status_bar = "用户自己的状态"
    bad = Changeset("test", updates=[CellUpdate("Customers", int(db.customers.index[0]),
                                                "Remarks", None, "x")],
                    removals=[RowRemove("Tags", 10**6)])               # outside the table
    with pytest.raises(ValueError):
        backend.apply(bad, db)
    assert app.screen_updating is True and app.calculation == "automatic"
    assert app.status_bar == "用户自己的状态"
    history = app.impl.status_history
    assert any(str(h).startswith("xltools test") for h in history)     # progress was shown


def test_changelog_gets_masked_values_and_the_book_is_never_saved(book):
    backend = ExcelBackend(book)
    db = backend.load()
    r = int(db.customers.index[0])
    changes = Changeset("fix", updates=[CellUpdate("Customers", r, "ContactPhone",
                                                   "13812345678", "13912345678", "测试")])
    backend.apply(changes, db)                   # the stand-in's Book.save raises if called
    log = backend.load().df("ChangeLog")
    assert log["Command"].tolist() == ["fix"]
    assert log.iloc[0]["Old"] == "138****5678" and log.iloc[0]["New"] == "139****5678"
    assert log.iloc[0]["Key"] == db.customers.at[r, "CustomerID"]


# ---------------------------------------------------------------- the ribbon, end to end


def test_ribbon_validate_marks_the_book_and_shows_a_summary_box(tmp_path):
    path = tmp_path / "messy.xlsx"
    build_template(path, data=demo_data(n_customers=60, seed=1, today=TODAY))
    book = open_book(path)
    assert ribbon.run("validate", book=book) is True
    box = book.app.impl.alerts[-1]
    assert box["mode"] == "info" and box["prompt"]
    issues = ExcelBackend(book).load().df("Issues")
    assert len(issues) > 0
    assert any(n.text.startswith(NOTE_PREFIX) for s in book.sheets for n in s.notes)
    assert book.app.screen_updating is True and book.app.calculation == "automatic"


def test_ribbon_failure_is_a_bilingual_box_and_excel_is_left_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "team.xlsx"
    build_template(path, data=demo_data(n_customers=60, seed=1, today=TODAY))
    book = open_book(path)

    def broken(self, changes, db):   # the operation ran; writing fails half-way
        from xltools.backend.excel import quiet_excel
        with quiet_excel(self.book.app):
            raise RuntimeError("COM error 0x800A03EC")

    monkeypatch.setattr(ExcelBackend, "apply", broken)
    assert ribbon.run("validate", book=book) is False
    box = book.app.impl.alerts[-1]
    assert box["mode"] == "critical" and "内部错误" in box["prompt"] and "internal error" in box["prompt"]
    assert book.app.screen_updating is True and book.app.calculation == "automatic"


# ---------------------------------------------------------------- the same result as the file backend


@pytest.mark.parametrize("op_id", ["validate", "mask", "tag", "sync"])
def test_live_and_file_backends_leave_the_same_tables(tmp_path, monkeypatch, op_id):
    file_backend = pytest.importorskip("xltools.backend.file", reason="the file backend has not landed")
    from xltools.catalog import get
    monkeypatch.setenv("XLTOOLS_SECRET", "parity-key-sxmioltIHTK3FQmMYFfYis9Ar20r5LpRSv2nvmBBCJ18")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "config"))
    live_path, file_path = tmp_path / "live" / "team.xlsx", tmp_path / "file" / "team.xlsx"
    for p in (live_path, file_path):
        p.parent.mkdir()
        build_template(p, data=demo_data(n_customers=60, seed=1, today=TODAY))
    op = get(op_id)
    params = {p.name: (() if p.multiple else p.default) for p in op.params if p.name != "today"}

    live = ExcelBackend(open_book(live_path))
    db = live.load()
    live.apply(op.func(db, RunContext(today=TODAY), **params).changes, db)
    fb = file_backend.FileBackend(file_path)
    db = fb.load()
    fb.apply(op.func(db, RunContext(today=TODAY), **params).changes, db)

    a, b = live.load(), file_backend.FileBackend(file_path).load()
    for key in ("Customers", "FollowUps", "Tags", "Opportunities", "Issues"):
        left, right = a.df(key), b.df(key)
        if key == "Tags":   # CreateTime is today's date on both sides
            left, right = left.drop(columns="CreateTime"), right.drop(columns="CreateTime")
        if key == "Issues":  # the link cell shows its text; how each backend links differs
            left, right = left.drop(columns="Link"), right.drop(columns="Link")
        pd.testing.assert_frame_equal(left.reset_index(drop=True).astype(object),
                                      right.reset_index(drop=True).astype(object),
                                      check_dtype=False, obj=key)
