"""Commands edit around the tables the way Excel does, on a book a team enriched after a year of
use: a second table beside tblCustomers, a totals line and a SUBTOTAL below it, an Excel Total
Row, formulas on another sheet, defined names, a chart, a user column 微信号 inside the table,
comments and merged cells. LibreOffice recalculates the book before and after each command."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from integration_support import cli, demo_book, load, use_demo_key
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

SHEET = "客户基础信息"
REPORT = "报表"
AMOUNT = "T"            # 成交金额
WECHAT = 29             # AC: the user's column, inside tblCustomers
SECOND = ("AE", "AF")   # tblMine, beside the table

# As tests/conftest.py has them; `from conftest import` picks tests/excel/conftest.py when the
# whole suite is collected.
TESTS = Path(__file__).resolve().parent
SYSTEM_PYTHON = os.environ.get("XLTOOLS_UNO_PYTHON", "/usr/bin/python3")


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    use_demo_key(monkeypatch)


def enriched_book(path: Path, total_row: bool) -> dict:
    """A demo book enriched by hand (openpyxl); returns where things are."""
    demo_book(path, customers=40)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    t = ws.tables["tblCustomers"]
    last = ws.max_row
    while ws.cell(last, 1).value is None:
        last -= 1
    ws.cell(1, WECHAT, "微信号")
    for r in range(2, last + 1):
        ws.cell(r, WECHAT, f"wx{r:03d}")
        if ws[f"{AMOUNT}{r}"].value is None:
            ws[f"{AMOUNT}{r}"] = r * 100
    t.tableColumns.append(TableColumn(id=WECHAT, name="微信号"))
    end = last
    if total_row:
        end = last + 1
        t.totalsRowCount = 1
        t.tableColumns[0].totalsRowLabel = "汇总"
        t.tableColumns[19].totalsRowFunction = "sum"
        ws.cell(end, 1, "汇总")
        ws[f"{AMOUNT}{end}"] = "=SUBTOTAL(109,tblCustomers[成交金额])"
    t.ref = f"A1:AC{end}"
    t.autoFilter.ref = f"A1:AC{last}"
    # a second table beside it, longer than tblCustomers
    ws["AE1"], ws["AF1"] = "项目", "数量"
    for i in range(2, last + 8):
        ws[f"AE{i}"], ws[f"AF{i}"] = f"P{i}", i
    ws.add_table(Table(displayName="tblMine", ref=f"AE1:AF{last + 7}",
                       tableStyleInfo=TableStyleInfo(name="TableStyleLight1")))
    totals = end + 2
    ws[f"A{totals}"] = "合计"
    ws[f"{AMOUNT}{totals}"] = f"=SUM({AMOUNT}2:{AMOUNT}{last})"
    ws[f"{AMOUNT}{totals + 1}"] = f"=SUBTOTAL(109,{AMOUNT}2:{AMOUNT}{last})"
    ws[f"A{totals + 2}"] = "备注:以上为年度合计"
    ws.merge_cells(f"A{totals + 3}:C{totals + 3}")
    ws[f"A{totals + 3}"] = "合并的说明"
    ws["B5"].comment = Comment("老客户,注意回访", "张三")
    rep = wb.create_sheet(REPORT)
    rep["A1"] = f"=SUM({SHEET}!{AMOUNT}2:{AMOUNT}{last})"
    rep["A2"] = f"='{SHEET}'!{AMOUNT}{totals}"
    rep["A3"] = "=myTotal"
    rep["A4"] = "=SUM(myAmounts)"
    rep["A5"] = f"=SUM({SHEET}!AF2:AF{last + 7})"
    for i, r in enumerate((3, 10, 20, last), start=6):
        rep[f"A{i}"] = f"={SHEET}!A{r}"
    wb.defined_names["myTotal"] = DefinedName("myTotal", attr_text=f"'{SHEET}'!${AMOUNT}${totals}")
    wb.defined_names["myAmounts"] = DefinedName(
        "myAmounts", attr_text=f"'{SHEET}'!${AMOUNT}$2:${AMOUNT}${last}")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=20, min_row=1, max_row=last), titles_from_data=True)
    rep.add_chart(chart, "C2")
    wb.save(path)
    return {"last": last, "totals": totals, "ids": {r: ws[f"A{r}"].value for r in (3, 10, 20, last)}}


def recalc(lo, book: Path) -> dict:
    """Every formula result on the Customers and report sheets, as LibreOffice computes them."""
    if lo.proc is None or lo.proc.poll() is not None:
        lo.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    run = subprocess.run([SYSTEM_PYTHON, str(TESTS / "lo_recalc.py"), "--pipe", lo.pipe,
                          "--sheet", SHEET, "--sheet", REPORT, str(book)],
                         capture_output=True, text=True, timeout=180, env=env, cwd=TESTS)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)[0]


def amounts(book: Path) -> list[float]:
    df = load(book).customers
    return [float(v) for v in df["DealAmount"].fillna(0)]


def sheet_cells(book: Path):
    return openpyxl.load_workbook(book)[SHEET]


def chart_refs(book: Path) -> list[str]:
    """Every series reference of the book's charts (openpyxl writes them unprefixed)."""
    with zipfile.ZipFile(book) as z:
        return [f for n in z.namelist() if n.startswith("xl/charts/chart")
                for f in re.findall(r"<(?:\w+:)?f>([^<]*)</(?:\w+:)?f>", z.read(n).decode())
                if SHEET in f]


def approve_all(book: Path) -> None:
    from xltools.backend.file import FileBackend
    from xltools.changes import CellUpdate, Changeset

    backend = FileBackend(book)
    db = backend.load()
    changes = Changeset("test-review")
    for row in db.df("Review").index:
        changes.updates.append(CellUpdate("Review", int(row), "Decision", None, "批准"))
    backend.apply(changes, db)


def test_merge_deletes_table_rows_and_every_reference_follows(tmp_path, libreoffice):
    book = tmp_path / "book.xlsx"
    where = enriched_book(book, total_row=True)
    before = recalc(libreoffice, book)
    assert before[REPORT]["A1"] == pytest.approx(sum(amounts(book)))
    code, out, _ = cli("dedupe", book)
    assert code in (0, 1) and out["clusters"]
    approve_all(book)
    wechat_before = set(load(book).customers["微信号"])
    code, out, _ = cli("merge", book)
    assert code == 0, out
    gone = sum(len(m["merged"]) for m in out["merged"])
    assert gone
    after = recalc(libreoffice, book)
    rep, cust = after[REPORT], after[SHEET]
    total = sum(amounts(book))
    last = where["last"] - gone
    # formulas on another sheet, the totals line, its SUBTOTAL and the names shrank with the table
    assert rep["A1"] == pytest.approx(total)
    assert rep["A2"] == rep["A3"] == rep["A4"] == pytest.approx(total)
    assert cust[f"{AMOUNT}{where['totals'] - gone}"] == pytest.approx(total)
    assert cust[f"{AMOUNT}{where['totals'] - gone + 1}"] == pytest.approx(total)
    # the Total Row is still the table's last row, with its label and formula
    ws = sheet_cells(book)
    assert ws.tables["tblCustomers"].ref == f"A1:AC{last + 1}"
    assert ws[f"A{last + 1}"].value == "汇总"
    assert cust[f"{AMOUNT}{last + 1}"] == pytest.approx(total)
    # the second table did not lose a row; its sum on the report is what it was
    assert ws.tables["tblMine"].ref == f"AE1:AF{where['last'] + 7}"
    assert rep["A5"] == before[REPORT]["A5"]
    assert [ws[f"AF{i}"].value for i in range(2, where["last"] + 8)] == \
        list(range(2, where["last"] + 8))
    # a reference to one customer follows that customer, or is #REF! when it was merged away
    merged_away = {cid for m in out["merged"] for cid in m["merged"]}
    for i, old in enumerate(where["ids"].values(), start=6):
        got = rep[f"A{i}"]
        assert got == old or (str(got).startswith("#ERR") and old in merged_away), (i, old, got)
    assert chart_refs(book) == [f"'{SHEET}'!T1", f"'{SHEET}'!$T$2:$T${last}"]
    assert {str(r) for r in ws.merged_cells.ranges} == \
        {f"A{where['totals'] - gone + 3}:C{where['totals'] - gone + 3}"}
    # the user's column went with its rows: every survivor keeps its own 微信号, and every
    # merged-away record's is in Archive (which gained the column)
    assert all(ws.cell(r, WECHAT).value for r in range(2, last + 1))
    kept = set(load(book).customers["微信号"])
    archived = list(load(book).df("Archive")["微信号"])
    assert len(archived) == gone and not kept & set(archived)
    assert kept | set(archived) == wechat_before


@pytest.mark.parametrize("total_row", [True, False])
def test_import_inserts_table_rows_above_what_lies_below(tmp_path, libreoffice, total_row):
    book = tmp_path / "book.xlsx"
    where = enriched_book(book, total_row=total_row)
    before = recalc(libreoffice, book)
    source = tmp_path / "leads.csv"
    with open(source, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["客户名称", "联系人", "联系电话", "成交金额"])
        w.writerow(["广州市蓝海信息科技有限公司", "周经理", "13920010001", "5000"])
        w.writerow(["杭州市青禾制造有限公司", "吴工", "13920010002", "7000"])
        w.writerow(["成都市锦程物流有限公司", "郑女士", "13920010003", "9000"])
    old_amounts = amounts(book)
    code, out, _ = cli("import", book, source)
    assert code in (0, 1), out
    new = len(amounts(book)) - len(old_amounts)
    assert new == 3
    after = recalc(libreoffice, book)
    rep, cust = after[REPORT], after[SHEET]
    ws = sheet_cells(book)
    last = where["last"] + new
    shift = new
    # nothing below was written over: the lines moved down inside the table's columns
    assert ws[f"A{where['totals'] + shift}"].value == "合计"
    assert ws[f"A{where['totals'] + shift + 2}"].value == "备注:以上为年度合计"
    assert {str(r) for r in ws.merged_cells.ranges} == \
        {f"A{where['totals'] + shift + 3}:C{where['totals'] + shift + 3}"}
    # A1 ranges that ended on the old last row keep it, as Excel keeps them
    assert cust[f"{AMOUNT}{where['totals'] + shift}"] == pytest.approx(sum(old_amounts))
    assert rep["A1"] == rep["A2"] == rep["A3"] == rep["A4"] == pytest.approx(sum(old_amounts))
    assert rep["A5"] == before[REPORT]["A5"]
    assert ws.tables["tblMine"].ref == f"AE1:AF{where['last'] + 7}"
    if total_row:
        assert ws.tables["tblCustomers"].ref == f"A1:AC{last + 1}"
        assert ws[f"A{last + 1}"].value == "汇总"
        assert cust[f"{AMOUNT}{last + 1}"] == pytest.approx(sum(amounts(book)))
    else:
        assert ws.tables["tblCustomers"].ref == f"A1:AC{last}"
    assert ws["B5"].comment is not None and "回访" in ws["B5"].comment.text
    for i, old in enumerate(where["ids"].values(), start=6):
        assert rep[f"A{i}"] == old


def test_a_merged_block_across_the_table_edge_is_refused_before_writing(tmp_path):
    book = tmp_path / "book.xlsx"
    where = enriched_book(book, total_row=False)
    wb = openpyxl.load_workbook(book)
    wb[SHEET].merge_cells(f"AB{where['totals'] + 5}:AD{where['totals'] + 5}")
    wb.save(book)
    source = tmp_path / "leads.csv"
    source.write_text("客户名称,联系电话\n广州市蓝海信息科技有限公司,13920010001\n"
                      "杭州市青禾制造有限公司,13920010002\n", encoding="utf-8-sig")
    data = book.read_bytes()
    code, _, err = cli("import", book, source)
    assert code == 2
    assert f"AB{where['totals'] + 5}:AD{where['totals'] + 5}" in err and "tblCustomers" in err
    assert book.read_bytes() == data


def test_tag_dedupe_and_monthly_leave_what_the_team_added_intact(tmp_path, libreoffice):
    book = tmp_path / "book.xlsx"
    where = enriched_book(book, total_row=True)
    before = recalc(libreoffice, book)
    for args in (("tag",), ("dedupe",), ("monthly",), ("monthly",)):
        code, _, err = cli(args[0], book)
        assert code in (0, 1), (args, err)
    after = recalc(libreoffice, book)
    rep, cust = after[REPORT], after[SHEET]
    total = sum(amounts(book))
    assert rep["A1"] == rep["A2"] == rep["A3"] == rep["A4"] == pytest.approx(total)
    assert rep["A5"] == before[REPORT]["A5"]
    for i in range(6, 10):
        assert rep[f"A{i}"] == before[REPORT][f"A{i}"]
    ws = sheet_cells(book)
    last = where["last"]
    assert ws.tables["tblCustomers"].ref == f"A1:AC{last + 1}"
    assert ws[f"A{last + 1}"].value == "汇总" and cust[f"{AMOUNT}{last + 1}"] == pytest.approx(total)
    assert ws.tables["tblMine"].ref == f"AE1:AF{last + 7}"
    assert cust[f"{AMOUNT}{where['totals']}"] == pytest.approx(total)
    assert chart_refs(book) == [f"'{SHEET}'!T1", f"'{SHEET}'!$T$2:$T${last}"]
    assert all(ws.cell(r, WECHAT).value == f"wx{r:03d}" for r in range(2, last + 1))
    assert "回访" in ws["B5"].comment.text


def test_another_table_in_the_way_is_refused_before_writing(tmp_path):
    book = tmp_path / "book.xlsx"
    where = enriched_book(book, total_row=True)
    wb = openpyxl.load_workbook(book)
    ws = wb[SHEET]
    top = where["totals"] + 6
    ws[f"AB{top}"], ws[f"AC{top}"], ws[f"AD{top}"] = "甲", "乙", "丙"
    ws[f"AB{top + 1}"], ws[f"AC{top + 1}"], ws[f"AD{top + 1}"] = 1, 2, 3
    ws.add_table(Table(displayName="tblBelow", ref=f"AB{top}:AD{top + 1}"))
    wb.save(book)
    source = tmp_path / "leads.csv"
    source.write_text("客户名称,联系电话\n广州市蓝海信息科技有限公司,13920010001\n",
                      encoding="utf-8-sig")
    data = book.read_bytes()
    code, _, err = cli("import", book, source)
    assert code == 2
    assert "tblBelow" in err and f"AB{top}:AD{top + 1}" in err
    assert book.read_bytes() == data


def test_a_link_to_a_customer_follows_its_row(tmp_path):
    from openpyxl.worksheet.hyperlink import Hyperlink

    book = tmp_path / "book.xlsx"
    where = enriched_book(book, total_row=False)
    wb = openpyxl.load_workbook(book)
    rep = wb[REPORT]
    rep["B1"] = "→ 最后一位客户"
    rep["B1"].hyperlink = Hyperlink(ref="B1", location=f"'{SHEET}'!A{where['last']}")
    wb.save(book)
    last_id = where["ids"][where["last"]]
    cli("dedupe", book)
    approve_all(book)
    code, out, _ = cli("merge", book)
    assert code == 0
    location = openpyxl.load_workbook(book)[REPORT]["B1"].hyperlink.location
    gone = sum(len(m["merged"]) for m in out["merged"])
    if last_id in {c for m in out["merged"] for c in m["merged"]}:
        assert location == f"'{SHEET}'!A{where['last']}"      # a link is never made #REF!
    else:
        row = int(re.search(r"(\d+)$", location).group(1))
        assert openpyxl.load_workbook(book)[SHEET][f"A{row}"].value == last_id
        assert row == where["last"] - gone


def test_a_rebuilt_tool_table_keeps_what_lies_beside_and_below_it(tmp_path):
    from openpyxl.worksheet.hyperlink import Hyperlink

    """validate rewrites tblIssues: a note beside it stays in its row, a line below moves down."""
    book = tmp_path / "book.xlsx"
    demo_book(book, customers=40)
    wb = openpyxl.load_workbook(book)
    ws = next(w for w in wb if "tblIssues" in w.tables)
    name = ws.title
    ws["K2"], ws["K3"] = "我的备注", "=1+1"
    ws["K2"].hyperlink = Hyperlink(ref="K2", location=f"'{SHEET}'!A1")  # beside the table
    ws["C2"] = "旧问题"
    ws["C2"].hyperlink = Hyperlink(ref="C2", location=f"'{SHEET}'!A2")  # in it: rebuilt
    ws["A5"] = "表格下方的说明"
    wb.save(book)
    code, _, _ = cli("validate", book)
    assert code in (0, 1)
    ws = openpyxl.load_workbook(book)[name]
    last = int(ws.tables["tblIssues"].ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    assert last > 5
    assert (ws["K2"].value, ws["K3"].value) == ("我的备注", "=1+1")
    assert ws["K2"].hyperlink is not None and ws["K2"].hyperlink.location == f"'{SHEET}'!A1"
    below = [r for r in range(last + 1, last + 10) if ws[f"A{r}"].value == "表格下方的说明"]
    assert below, "the line below the table was written over"
