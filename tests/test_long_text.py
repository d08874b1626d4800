"""No cell over Excel's 32,767-character limit is ever written; the full text stays in the book."""

from __future__ import annotations

import csv

import openpyxl
import pytest
from integration_support import cli, demo_book, load, use_demo_key

from xltools.xlsx.longtext import EXCEL_MAX


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    use_demo_key(monkeypatch)


def long_cells(book) -> list[tuple[str, str, int]]:
    wb = openpyxl.load_workbook(book)
    return [(ws.title, c.coordinate, len(c.value)) for ws in wb for row in ws.iter_rows()
            for c in row if isinstance(c.value, str) and len(c.value) > EXCEL_MAX]


def kept_text(book) -> str:
    ws = openpyxl.load_workbook(book)["长文本"]
    return "".join(r[5] for r in ws.iter_rows(min_row=2, values_only=True))


def test_a_long_remark_is_cut_and_kept_whole_on_the_long_text_sheet(tmp_path):
    book = tmp_path / "book.xlsx"
    demo_book(book, customers=40)
    remark = "".join(f"第{i}次沟通记录;" for i in range(6000))      # ~50,000 characters
    source = tmp_path / "leads.csv"
    with open(source, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([["客户名称", "联系电话", "备注"],
                                  ["广州市蓝海信息科技有限公司", "13920010001", remark]])
    code, out, _ = cli("import", book, source)
    assert code in (0, 1)
    assert long_cells(book) == []
    db = load(book)
    cut = db.customers["Remarks"].dropna().map(len).max()
    assert cut == EXCEL_MAX
    assert kept_text(book) == remark
    notes = " ".join(map(str, db.df("ChangeLog")["Note"]))
    assert "32767" in notes and "长文本" in notes
    assert any(i["check"] == "text_too_long" for i in out["issues"])


def test_ten_thousand_unknown_columns_folded_into_remarks_stay_under_the_limit(tmp_path):
    book = tmp_path / "book.xlsx"
    demo_book(book, customers=40)
    source = tmp_path / "wide.csv"
    with open(source, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["客户名称", "联系电话", *(f"自定义字段{i}" for i in range(10000))])
        w.writerow(["杭州市青禾制造有限公司", "13920010002", *(f"值{i}" for i in range(10000))])
    code, _, err = cli("import", book, source)
    assert code in (0, 1), err
    assert long_cells(book) == []
    assert "值9999" in kept_text(book)


def test_app_xml_lists_every_sheet_after_the_writer_adds_one(tmp_path):
    import re
    import zipfile

    book = tmp_path / "book.xlsx"
    demo_book(book, customers=40)
    source = tmp_path / "leads.csv"
    source.write_text("客户名称,备注\n广州市蓝海信息科技有限公司," + "长" * 40000 + "\n",
                      encoding="utf-8-sig")
    code, _, err = cli("import", book, source)
    assert code in (0, 1), err
    with zipfile.ZipFile(book) as z:
        sheets = [m.group(1) for m in re.finditer(r'<sheet [^>]*name="([^"]*)"[^>]*>',
                                                   z.read("xl/workbook.xml").decode())
                  if 'state="veryHidden"' not in m.group(0)]       # Excel does not list those
        app = z.read("docProps/app.xml").decode()
    assert "长文本" in sheets
    titles = re.findall(r"<vt:lpstr>([^<]*)</vt:lpstr>", app.split("<TitlesOfParts>")[1])
    assert titles[:len(sheets)] == sheets
    counts = [int(n) for n in re.findall(r"<vt:i4>(\d+)</vt:i4>", app)]
    assert counts[0] == len(sheets) and sum(counts) == len(titles)
