"""The file backend on real .xlsx/.xlsm packages: nothing a person added is lost, what we write
reads back as written (in openpyxl, calamine and LibreOffice), and messy books load."""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from backend_books import TODAY, members, user_book
from click.testing import CliRunner

from xltools.context import RunContext
from xltools import layout
from xltools.backend.file import FileBackend
from xltools.changes import (
    CellMark,
    CellUpdate,
    Changeset,
    RowAppend,
    RowRemove,
    SheetRebuild,
    TableReplace,
)
from xltools.cli import main
from xltools.errors import BadWorkbookError
from xltools.xlsx.package import Package
from xltools.catalog import get
from xltools.schema import load_schema

SCHEMA = load_schema()
CUSTOMERS = SCHEMA.table("Customers")


def openpyxl_book(path, **kw):
    with warnings.catch_warnings():   # x14 extensions: openpyxl warns it would drop them
        warnings.simplefilter("ignore", UserWarning)
        return openpyxl.load_workbook(path, **kw)


def new_customer(n: int) -> dict:
    return {"CustomerID": f"C2024060100{n}", "CustomerName": f"新客户{n}有限公司",
            "CustomerType": "企业", "ContactPerson": "赵经理", "ContactPhone": "139****0000",
            "Industry": "制造业", "CustomerLevel": "普通", "CooperationPhase": "潜在客户",
            "Owner": "公海", "CreateTime": pd.Timestamp(2024, 6, 1), "AnnualSpend": 1234.5}


def a_change(db) -> Changeset:
    """Update three customer cells, append two customers, remove one, rebuild the Summary."""
    rows = list(db.customers.index)
    changes = Changeset("test", updates=[
        CellUpdate("Customers", rows[0], "Remarks", None, "改过的备注"),
        CellUpdate("Customers", rows[1], "AnnualSpend", 0, 250000.0),
        CellUpdate("Customers", rows[2], "NextFollowUpTime", None, pd.Timestamp(2024, 7, 1))],
        appends=[RowAppend("Customers", new_customer(1)), RowAppend("Customers", new_customer(2))],
        removals=[RowRemove("Customers", rows[3])])
    changes.extend(get("summary").func(db, RunContext(today=TODAY)).changes)
    assert changes.rebuilds and changes.rebuilds[0].charts
    return changes


def sheet_parts(path) -> dict[str, str]:
    """Sheet name -> worksheet part, read from the package."""
    from xltools.xlsx.package import Package
    with Package(path) as pkg:
        return {s.name: s.part for s in pkg.sheets}


# ---------------------------------------------------------------- fidelity


@pytest.fixture(params=["xlsx", "xlsm"])
def user_path(request, tmp_path):
    return user_book(tmp_path / f"team.{request.param}", vba=request.param == "xlsm")


def test_parts_we_do_not_own_stay_byte_identical(user_path):
    before = members(user_path)
    parts = sheet_parts(user_path)
    backend = FileBackend(user_path)
    db = backend.load()
    removed_id = db.customers.iloc[3]["CustomerID"]
    backend.apply(a_change(db), db)
    after = members(user_path)

    customers, summary, log = parts["客户基础信息"], parts["汇总"], parts["变更日志"]
    with Package(user_path) as pkg:
        table_parts = {pkg.table(t).part for t in ("tblCustomers", "tblChangeLog")}
    owned = {customers, summary, log, "xl/styles.xml", "[Content_Types].xml", *table_parts,
             "xl/worksheets/_rels/" + summary.rsplit("/", 1)[1] + ".rels",
             "xl/workbook.xml",     # the Summary's print titles and print area are defined names
             "docProps/app.xml"}    # which its table of contents lists, as Excel does
    changed = {n for n in before if n in after and before[n] != after[n]}
    assert changed <= owned, sorted(changed - owned)
    assert customers in changed and summary in changed
    assert set(before) <= set(after), "a part went missing"
    added = set(after) - set(before)
    summary_rels = "xl/worksheets/_rels/" + summary.rsplit("/", 1)[1] + ".rels"
    assert added and all(re.fullmatch(r"xl/(charts/chart|drawings/(_rels/)?drawing)\d+\.xml(\.rels)?",
                                      n) or n == summary_rels for n in added), added
    # What people added is all still there, byte for byte.
    for name in before:
        if re.search(r"chartsheets/|charts/chart[12]\.xml|media/|vbaProject|comments|vmlDrawing|"
                     r"drawings/drawing[123]\.xml|theme", name):
            assert after[name] == before[name], name
    if user_path.suffix == ".xlsm":
        assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    # The x14 validation and data bar are still in the rewritten Customers sheet, and grew
    # with the table (two appended, one removed: one row longer).
    sheet = after[customers].decode()
    last = int(re.search(r'<x14:dataValidation .*?<xm:sqref>X2:X(\d+)</xm:sqref>', sheet).group(1))
    old_last = int(re.search(r'<xm:sqref>X2:X(\d+)</xm:sqref>', before[customers].decode()).group(1))
    assert last == old_last + 1
    assert f"<xm:sqref>U2:U{last}</xm:sqref>" in sheet
    assert "<drawing " in sheet and "<legacyDrawing " in sheet   # the image and the note

    wb = openpyxl_book(user_path)
    ws = wb["客户基础信息"]
    ref = ws.tables["tblCustomers"].ref
    assert ref == f"A1:AB{last}"
    ids = [ws.cell(r, 1).value for r in range(2, last + 1)]
    assert ids[-2:] == [new_customer(1)["CustomerID"], new_customer(2)["CustomerID"]]
    assert removed_id not in ids and None not in ids
    assert ws["B2"].comment is not None and ws["B2"].comment.author == "王经理"
    assert wb["内部"].sheet_state == "hidden" and wb["规则"].protection.sheet
    assert "我的区域" in wb.defined_names

    db = FileBackend(user_path).load()
    assert len(db.customers) == len(ids)
    assert db.customers.loc[db.customers.CustomerID == new_customer(2)["CustomerID"],
                            "CreateTime"].iloc[0] == pd.Timestamp(2024, 6, 1)
    log_df = db.df("ChangeLog")
    assert len(log_df) == 3 + 2 + 1 and set(log_df["Command"]) == {"test"}


@pytest.mark.libreoffice
def test_libreoffice_opens_the_result_with_the_tables_covering_the_data(user_path, libreoffice):
    backend = FileBackend(user_path)
    db = backend.load()
    backend.apply(a_change(db), db)
    report = libreoffice.probe(user_path)[0]
    wb = openpyxl_book(user_path)
    assert report["sheets"] == [n for n in wb.sheetnames if n != "图表"] or \
        report["sheets"] == wb.sheetnames
    for ws in wb.worksheets:
        for table in ws.tables.values():
            assert report["database_ranges"][table.name] == f"{ws.title}!{table.ref}"
    n = len(FileBackend(user_path).load().customers)
    assert report["database_ranges"]["tblCustomers"].endswith(f"AB{n + 1}")


# ---------------------------------------------------------------- values


def test_formula_looking_text_stays_text(tmp_path):
    path = user_book(tmp_path / "team.xlsx", n_customers=5)
    backend = FileBackend(path)
    db = backend.load()
    row = db.customers.index[0]
    texts = ['=HYPERLINK("http://x","y")', "+86 138 1234 5678", "@SUM(1)", "-5", "=1+1",
             "a\x01b", "_x0041_"]
    changes = Changeset("t", updates=[CellUpdate("Customers", row, "Remarks", None, texts[0])],
                        appends=[RowAppend("Customers", {**new_customer(i), "Remarks": t})
                                 for i, t in enumerate(texts[1:], start=1)])
    backend.apply(changes, db)
    ws = openpyxl_book(path)["客户基础信息"]
    col = CUSTOMERS.keys.index("Remarks") + 1
    cells = [ws.cell(row, col)] + [ws.cell(r, col) for r in range(ws.max_row - 5, ws.max_row + 1)]
    # openpyxl does not decode OOXML's _xHHHH_ escapes; Excel and calamine do
    assert [c.value for c in cells[:-2]] == texts[:-2]
    assert {c.data_type for c in cells} == {"s"}
    assert FileBackend(path).load().customers["Remarks"].tolist()[-6:] == texts[1:]


def test_dates_numbers_and_ids_are_written_as_their_types(tmp_path):
    path = user_book(tmp_path / "team.xlsx", n_customers=5)
    backend = FileBackend(path)
    db = backend.load()
    values = {**new_customer(7), "ContactPhone": "13812345678",
              "NextFollowUpTime": dt.datetime(2024, 7, 1, 9, 30)}
    backend.apply(Changeset("t", appends=[RowAppend("Customers", values)]), db)
    ws = openpyxl_book(path)["客户基础信息"]
    r = ws.max_row
    cell = {k: ws.cell(r, CUSTOMERS.keys.index(k) + 1) for k in values}
    assert cell["CreateTime"].value == dt.datetime(2024, 6, 1) and cell["CreateTime"].is_date
    assert cell["NextFollowUpTime"].value == dt.datetime(2024, 7, 1, 9, 30)
    assert cell["AnnualSpend"].value == 1234.5 and cell["AnnualSpend"].data_type == "n"
    assert cell["ContactPhone"].value == "13812345678" and cell["ContactPhone"].data_type == "s"
    # the new row took the formats of the row above (text format on the phone column)
    above = ws.cell(r - 1, CUSTOMERS.keys.index("ContactPhone") + 1)
    assert cell["ContactPhone"].number_format == above.number_format == "@"


def test_changelog_never_holds_a_raw_phone(tmp_path):
    path = user_book(tmp_path / "team.xlsx", n_customers=5)
    backend = FileBackend(path)
    db = backend.load()
    row = db.customers.index[0]
    backend.apply(Changeset("t", updates=[
        CellUpdate("Customers", row, "ContactPhone", "13912345678", "13812345678")]), db)
    log = FileBackend(path).load().df("ChangeLog")
    assert len(log) == 1
    text = " ".join(str(v) for v in log.iloc[0].tolist())
    assert "13812345678" not in text and "13912345678" not in text and "138****5678" in text


# ---------------------------------------------------------------- removals, replaces, rebuilds


def test_removed_rows_close_up_and_a_persons_note_moves_with_its_row(tmp_path):
    path = user_book(tmp_path / "team.xlsx", n_customers=8)
    wb = openpyxl_book(path)
    before_ids = [c.value for c in wb["客户基础信息"]["A"][1:]]
    backend = FileBackend(path)
    db = backend.load()
    # The person's note is on B2; remove rows 2's neighbours below it and one further down.
    backend.apply(Changeset("t", removals=[RowRemove("Customers", 3), RowRemove("Customers", 5)]),
                  db)
    wb = openpyxl_book(path)
    ws = wb["客户基础信息"]
    ids = [c.value for c in ws["A"][1:] if c.value is not None]
    assert ids == [i for k, i in enumerate(before_ids, start=2) if k not in (3, 5)]
    assert ws.tables["tblCustomers"].ref == f"A1:AB{len(ids) + 1}"
    assert ws["B2"].comment.text.startswith("大客户")
    sheet = members(path)["xl/worksheets/sheet1.xml"].decode()
    assert f'sqref="H2:H{len(ids) + 1}"' in sheet      # the Industry dropdown shrank with it


def test_table_replace_links_stay_inside_the_book(tmp_path):
    path = user_book(tmp_path / "team.xlsx", n_customers=5)
    backend = FileBackend(path)
    db = backend.load()
    rows = [{"Severity": "error", "Sheet": "客户基础信息", "Row": r, "Column": "客户名称",
             "Value": "x", "Check": "required", "Message": f"第{r}行", "Link": "查看"}
            for r in (2, 3, 4)]
    links = {(i, "Link"): f"'客户基础信息'!B{r}" for i, r in enumerate((2, 3, 4))}
    backend.apply(Changeset("validate", replaces=[TableReplace("Issues", rows, links)]), db)
    backend.apply(Changeset("validate", replaces=[TableReplace("Issues", rows[:1], links)]), db)
    ws = openpyxl_book(path)["校验结果"]
    assert ws.tables["tblIssues"].ref == "A1:H2"
    assert ws["G2"].value == "第2行" and ws["G3"].value is None
    assert ws["H3"].hyperlink is None and ws["H4"].hyperlink is None
    assert ws["H2"].hyperlink.location == "'客户基础信息'!B2" and not ws["H2"].hyperlink.target
    rels = members(path).get("xl/worksheets/_rels/sheet6.xml.rels", b"").decode()
    assert "External" not in rels


def test_rebuild_creates_a_missing_sheet_with_links_and_a_name(tmp_path):
    path = user_book(tmp_path / "team.xlsx", n_customers=5)
    backend = FileBackend(path)
    db = backend.load()
    rb = SheetRebuild("Query", "查询", "Query", [["客户", "金额"], ["甲", 5], ["乙", 7.5]],
                      widths={1: 25}, links={(2, 1): "'客户基础信息'!B2"}, bold_rows={1})
    backend.apply(Changeset("query", rebuilds=[rb]), db)
    backend.apply(Changeset("query", rebuilds=[rb]), db)       # again: the same sheet is reused
    wb = openpyxl_book(path)
    assert wb.sheetnames.count("查询") == 1 and wb.sheetnames[-1] == "查询"
    ws = wb["查询"]
    assert [[c.value for c in r] for r in ws.iter_rows()] == [["客户", "金额"], ["甲", 5], ["乙", 7.5]]
    assert ws["A1"].font.b and not ws["A2"].font.b
    assert ws["A2"].hyperlink.location == "'客户基础信息'!B2"
    assert ws.column_dimensions["A"].width == 25
    assert wb.defined_names[layout.sheet_name("Query")].attr_text == "'查询'!$A$1"


# ---------------------------------------------------------------- marks


def _fill(cell):
    return cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None


def test_marks_replace_ours_and_leave_a_persons_fill_and_note(tmp_path):
    path = user_book(tmp_path / "team.xlsx", n_customers=6)
    wb = openpyxl.load_workbook(path)
    ws = wb["客户基础信息"]
    from openpyxl.styles import PatternFill
    ws["Y3"].fill = PatternFill("solid", fgColor="FFFFFF00")       # a person's yellow
    wb.save(path)   # (openpyxl drops the x14 parts; fine for this test)
    col = {k: CUSTOMERS.keys.index(k) + 1 for k in ("Industry", "Remarks", "CustomerName")}
    backend = FileBackend(path)
    db = backend.load()
    backend.apply(Changeset("validate", marks=[
        CellMark("Customers", 2, "CustomerName", "有人工批注", "error"),      # B2 has a note
        CellMark("Customers", 3, "Remarks", "备注太长", "warning"),           # over the yellow
        CellMark("Customers", 4, "Industry", "不在列表", "error")]), db)
    ws = openpyxl_book(path)["客户基础信息"]
    assert ws["B2"].comment.author == "王经理" and _fill(ws["B2"]) is None
    assert _fill(ws.cell(3, col["Remarks"])) == layout.MARK_FILLS["warning"]
    assert ws.cell(3, col["Remarks"]).comment.author == "xltools"
    assert _fill(ws.cell(4, col["Industry"])) == layout.MARK_FILLS["error"]
    assert "不在列表" in ws.cell(4, col["Industry"]).comment.text

    db = FileBackend(path).load()
    FileBackend(path).apply(Changeset("validate", marks=[
        CellMark("Customers", 5, "Industry", "不在列表", "error")]), db)
    ws = openpyxl_book(path)["客户基础信息"]
    assert _fill(ws.cell(3, col["Remarks"])) == "FFFFFF00"           # the person's fill is back
    assert ws.cell(3, col["Remarks"]).comment is None
    assert _fill(ws.cell(4, col["Industry"])) is None and ws.cell(4, col["Industry"]).comment is None
    assert _fill(ws.cell(5, col["Industry"])) == layout.MARK_FILLS["error"]
    assert ws["B2"].comment.author == "王经理"

    FileBackend(path).apply(Changeset("validate", marks=[]), FileBackend(path).load())
    ws = openpyxl_book(path)["客户基础信息"]
    assert _fill(ws.cell(5, col["Industry"])) is None
    assert [c.coordinate for row in ws.iter_rows() for c in row if c.comment] == ["B2"]


# ---------------------------------------------------------------- locks


def test_a_book_open_in_excel_is_refused_and_left_untouched(tmp_path):
    path = user_book(tmp_path / "team.xlsx", n_customers=5)
    lock = tmp_path / "~$team.xlsx"
    lock.write_bytes(b"\x05someone")
    before = path.read_bytes()
    for args in (["info", str(path)], ["validate", str(path), "--today", "2024-06-01"]):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 2, (args, res.output)
        assert "Excel" in res.output and "关闭" in res.output and "close it" in res.output
    assert path.read_bytes() == before
    assert not (tmp_path / ".xltools-backups").exists()


# ---------------------------------------------------------------- loading messy books


def small_book(path, headers, rows, *, first_cell=(0, 0), sheet="客户", formats=None):
    """A book with just tblCustomers (and the xlt_Lang name missing)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    r0, c0 = first_cell
    ws.write_row(r0, c0, headers)
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            if isinstance(v, dt.date):
                ws.write_datetime(r0 + i, c0 + j, v, date_fmt)
            elif isinstance(v, str):
                ws.write_string(r0 + i, c0 + j, v)
            elif v is not None:
                ws.write_number(r0 + i, c0 + j, v)
    ws.add_table(r0, c0, r0 + max(1, len(rows)), c0 + len(headers) - 1,
                 {"name": "tblCustomers", "columns": [{"header": h} for h in headers]})
    wb.close()
    return path


def test_load_reordered_english_headers_messy_dates_in_a_moved_table(tmp_path):
    keys = ["CreateTime", "CustomerName", "CustomerID", "CustomerType", "ContactPerson",
            "ContactPhone", "Industry", "CustomerLevel", "CooperationPhase", "Owner", "DealAmount"]
    headers = [CUSTOMERS.column(k).en for k in keys[:7]] + [CUSTOMERS.column(k).zh for k in keys[7:]]
    headers += ["我们自己的列"]
    base = ["甲公司", "C20240315001", "企业", "王", 13812345678.0, "制造业", "普通", "潜在客户",
            "公海"]
    rows = [[45366.0, *base, "1,234.50", "x"],
            ["2024/3/15", *base, "１２３", None],
            ["２０２４年３月１５日", *base, 99.0, None],
            [dt.date(2024, 3, 15), *base, None, None],
            ["下周", *base, "很多", None]]
    path = small_book(tmp_path / "moved.xlsx", headers, rows, first_cell=(4, 2), sheet="改名了")
    db = FileBackend(path).load()
    df = db.customers
    assert db.lang == "en"
    assert df.index.tolist() == [6, 7, 8, 9, 10]          # Excel rows: header on row 5
    assert db.tables["Customers"].sheet == "改名了" and db.tables["Customers"].ref == "C5:N10"
    assert df["CreateTime"].tolist()[:4] == [pd.Timestamp(2024, 3, 15)] * 4
    assert df.at[10, "CreateTime"] == "下周"
    assert df["DealAmount"].tolist()[:3] == [1234.5, 123.0, 99.0] and df.at[10, "DealAmount"] == "很多"
    assert df["ContactPhone"].tolist() == ["13812345678"] * 5
    assert df["CustomerID"].tolist() == ["C20240315001"] * 5
    assert df.at[6, "我们自己的列"] == "x" and db.tables["Customers"].extra_columns == ["我们自己的列"]
    assert db.tables["Customers"].letters["CustomerID"] == "E"
    bad = {(i.row, i.column) for i in db.load_issues}
    assert bad == {(10, "CreateTime"), (10, "DealAmount")}
    assert all(i.message_zh and i.message_en and "改名了!" in i.message_en for i in db.load_issues)


def test_a_missing_required_column_is_named(tmp_path):
    headers = [c.zh for c in CUSTOMERS.columns if c.key != "Owner"]
    path = small_book(tmp_path / "no_owner.xlsx", headers, [])
    with pytest.raises(BadWorkbookError) as err:
        FileBackend(path).load()
    assert "负责人" in err.value.zh and "Owner" in err.value.en


def test_a_book_without_the_customer_table_is_refused(tmp_path):
    path = tmp_path / "other.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("x").write("A1", "hello")
    wb.close()
    with pytest.raises(BadWorkbookError):
        FileBackend(path).load()
    (tmp_path / "junk.xlsx").write_bytes(b"not a zip")
    with pytest.raises(BadWorkbookError):
        FileBackend(tmp_path / "junk.xlsx").load()


def test_appending_to_a_table_the_book_lacks_creates_it(tmp_path):
    headers = [c.zh for c in CUSTOMERS.columns]
    path = small_book(tmp_path / "old.xlsx", headers, [])
    backend = FileBackend(path)
    db = backend.load()
    backend.apply(Changeset("import", appends=[RowAppend("Customers", new_customer(1))]), db)
    wb = openpyxl_book(path)
    assert "变更日志" in wb.sheetnames and "tblChangeLog" in wb["变更日志"].tables
    db = FileBackend(path).load()
    assert db.customers["CustomerID"].tolist() == [new_customer(1)["CustomerID"]]
    assert len(db.df("ChangeLog")) == 1
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None


def test_file_and_excel_backends_keep_the_backend_contract(tmp_path):
    from xltools.backend.base import Backend
    from xltools.backend.excel import ExcelBackend
    from xltools.backend.file import FileBackend

    file_backend = FileBackend(tmp_path / "book.xlsx")
    assert isinstance(file_backend, Backend)
    assert file_backend.name == str(tmp_path / "book.xlsx")
    assert isinstance(ExcelBackend(object()), Backend)
