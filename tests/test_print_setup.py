"""Every sheet we write prints sensibly: A4 landscape, one page wide, frozen header; .xlsx
exports have widths, a styled header and an autofilter."""

import openpyxl
import pytest

from integration_support import cli, demo_book


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("print") / "book.xlsx"
    demo_book(path, customers=60)
    return path


def landscape_one_page_wide(ws):
    return (ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"
            and ws.sheet_properties.pageSetUpPr is not None
            and ws.sheet_properties.pageSetUpPr.fitToPage
            and int(ws.page_setup.fitToWidth or 1) == 1       # 1 is the default: may be left out
            and int(ws.page_setup.fitToHeight) == 0)


def test_table_sheets_print_landscape_one_page_wide_with_frozen_headers(book):
    wb = openpyxl.load_workbook(book)
    for title in ("客户基础信息", "客户跟进记录", "校验结果", "查重复核"):
        ws = wb[title]
        assert landscape_one_page_wide(ws), title
        assert ws.freeze_panes == "A2", title
        assert ws.print_title_rows.replace("$", "") == "1:1", title
    issues = wb["校验结果"]
    header = {c.value: c.column_letter for c in issues[1]}
    assert issues.column_dimensions[header["说明"]].width >= 60
    assert issues.column_dimensions[header["列"]].width >= 20
    review = wb["查重复核"]
    header = {c.value: c.column_letter for c in review[1]}
    assert review.column_dimensions[header["依据"]].width >= 60


def test_rebuilt_sheets_print_landscape_one_page_wide(book, tmp_path):
    copy = tmp_path / "copy.xlsx"
    copy.write_bytes(book.read_bytes())
    assert cli("summary", copy)[0] == 0
    assert cli("remind", copy)[0] == 0
    assert cli("query", copy, "Region=华南")[0] in (0, 1)
    wb = openpyxl.load_workbook(copy)
    for title in ("汇总", "待办", "查询结果"):
        ws = wb[title]
        assert landscape_one_page_wide(ws), title
        assert ws.freeze_panes, title


def test_xlsx_export_has_widths_header_style_and_filter(book, tmp_path):
    out = tmp_path / "south.xlsx"
    code, _, err = cli("export", book, "-o", out, "--where", "Region=华南")
    assert code == 0, err
    ws = openpyxl.load_workbook(out).active
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb.endswith("DDEBF7")
    name_col = next(c.column_letter for c in ws[1] if c.value == "客户名称")
    assert ws.column_dimensions[name_col].width >= 25
    assert landscape_one_page_wide(ws) and ws.freeze_panes == "A2"
