"""Our workbooks opened in a real spreadsheet program: headless LibreOffice over UNO.

What a person would see: every sheet and table there, dropdowns that offer the Lists sheet's
options (including one typed under a column afterwards), values read back as written (Chinese
text, a name that looks like a formula stays text, dates), and the dormant / overdue highlights
switching on for the right rows.
"""

from __future__ import annotations

import datetime as dt
import types
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from xltools import layout
from xltools.schema import load_schema
from xltools.template import build_template

pytestmark = pytest.mark.libreoffice

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = load_schema()
EXCEL_EPOCH = dt.date(1899, 12, 30)


def serial(day: dt.date) -> float:
    return float((day - EXCEL_EPOCH).days)


@pytest.fixture(scope="module")
def template_report(libreoffice):
    return libreoffice.probe(ROOT / "workbook_template.xlsx")[0]


def test_template_opens_with_every_sheet_and_table(template_report):
    book = openpyxl.load_workbook(ROOT / "workbook_template.xlsx")
    assert template_report["sheets"] == book.sheetnames
    expected = {t.name: f"{ws.title}!{t.ref}" for ws in book for t in ws.tables.values()}
    assert template_report["database_ranges"] == expected
    assert set(expected) == {t.table_name for t in SCHEMA.tables} | {layout.LISTS_TABLE}
    table = template_report["table"]
    assert table["header"] == SCHEMA.table("Customers").headers("zh")


def test_template_dropdowns_point_at_the_lists(template_report):
    validations = template_report["validations"]
    for col in SCHEMA.table("Customers").columns:
        v = validations[col.zh]
        if col.type == "list":
            assert v["type"] == "LIST" and v["formula1"] == layout.list_name(col.list), col.key
            assert v["error_message"], col.key
        if col.is_date:
            assert v["type"] == "DATE", col.key
    phone = validations[SCHEMA.table("Customers").column("ContactPhone").zh]
    assert phone["show_input"] and "138****5678" in phone["input_message"]


def test_template_names_evaluate(template_report):
    names = template_report["names"]
    for lst in SCHEMA.lists:
        got = names[layout.list_name(lst.key)]
        assert (got["rows"], got["first"], got["last"]) == (
            len(lst.values), lst.values[0], lst.values[-1]), lst.key
    for setting in SCHEMA.settings:
        value = names[layout.setting_name(setting["Setting"])]["value"]
        raw = str(setting["Value"])
        assert value == (float(raw) if raw.isdigit() else raw)
    assert names[layout.LANG_NAME]["value"] == "zh"
    book = openpyxl.load_workbook(ROOT / "workbook_template.xlsx")
    for sheet in SCHEMA.sheets:  # xlt_<sheet> finds the sheet's A1 whatever its name
        assert names[layout.sheet_name(sheet.key)]["value"] == book[sheet.zh]["A1"].value


def test_option_typed_under_a_lists_column_joins_the_dropdown(libreoffice):
    region = SCHEMA.list("Region")
    column = openpyxl.utils.get_column_letter(SCHEMA.lists.index(region) + 1)
    below = f"{SCHEMA.sheet('Lists').zh}!{column}{len(region.values) + 2}"
    report = libreoffice.probe(ROOT / "workbook_template.xlsx", typed={below: "海外"})[0]
    got = report["names"][layout.list_name("Region")]
    assert got["rows"] == len(region.values) + 1 and got["last"] == "海外"


def test_english_book_opens_in_english(libreoffice, tmp_path):
    path = tmp_path / "en.xlsx"
    build_template(path, lang="en")
    report = libreoffice.probe(path)[0]
    assert report["sheets"][:4] == ["Customers", "FollowUps", "Tags", "Opportunities"]
    assert report["table"]["header"] == SCHEMA.table("Customers").headers("en")
    assert report["names"][layout.LANG_NAME]["value"] == "en"
    assert report["validations"]["Region"]["formula1"] == "lst_Region"


# ---------------------------------------------------------------- a book with data


@pytest.fixture(scope="module")
def data_report(libreoffice, tmp_path_factory):
    today = dt.date.today()
    days = lambda n: pd.Timestamp(today - dt.timedelta(days=n))  # noqa: E731
    customers = pd.DataFrame([
        {"CustomerID": "C20240315001", "CustomerName": '=HYPERLINK("http://evil.example","点我")',
         "CustomerType": "企业", "ContactPerson": "王经理", "ContactPhone": "+86 138 1234 5678",
         "Industry": "制造业", "Owner": "张三", "CreateTime": pd.Timestamp("2024-03-15"),
         "LastFollowUpTime": days(400), "NextFollowUpTime": days(3), "DealAmount": 1234.5},
        {"CustomerID": "C20240316002", "CustomerName": "深圳市华腾科技有限公司",
         "CustomerType": "企业", "CreditCode": 110105491231002, "ContactPhone": 13800138000,
         "Owner": "李四", "CreateTime": days(500), "LastFollowUpTime": days(5),
         "NextFollowUpTime": days(-7), "DealAmount": "十万"},
        {"CustomerID": "C20240317003", "CustomerName": "赵六", "CustomerType": "个人",
         "Owner": "公海", "CreateTime": days(500)},
    ])
    data = types.SimpleNamespace(frames={"Customers": customers},
                                 lists={"Staff": ["张三", "李四", "公海"]})
    path = tmp_path_factory.mktemp("lo_data") / "data.xlsx"
    build_template(path, data=data)
    return libreoffice.probe(path)[0], today


def _cells(report, row: int) -> dict:
    header = report["table"]["header"]
    return dict(zip(header, report["table"]["rows"][row], strict=False))


def test_data_reads_back_as_written(data_report):
    report, _ = data_report
    assert report["database_ranges"]["tblCustomers"].endswith("!A1:AB4")
    first, second = _cells(report, 0), _cells(report, 1)
    assert first["客户名称"] == {"type": "TEXT",
                             "string": '=HYPERLINK("http://evil.example","点我")'}
    assert first["联系人"]["string"] == "王经理"
    assert first["联系电话"] == {"type": "TEXT", "string": "+86 138 1234 5678"}
    assert second["联系电话"] == {"type": "TEXT", "string": "13800138000"}
    assert second["统一社会信用代码/证件号"]["string"] == "110105491231002"  # 15-digit old ID
    assert first["创建时间"]["type"] == "VALUE"
    assert first["创建时间"]["value"] == serial(dt.date(2024, 3, 15))
    assert first["创建时间"]["string"] == "2024-03-15"
    assert first["成交金额"]["value"] == 1234.5 and first["成交金额"]["string"] == "1,234.50"
    assert second["成交金额"] == {"type": "TEXT", "string": "十万"}
    assert first["年度消费金额"]["type"] == "EMPTY"


def test_staff_list_from_data_feeds_the_owner_dropdown(data_report):
    report, _ = data_report
    staff = report["names"][layout.list_name("Staff")]
    assert (staff["rows"], staff["first"], staff["last"]) == (3, "张三", "公海")
    assert report["validations"]["负责人"]["formula1"] == "lst_Staff"


def test_dormant_and_overdue_highlights_fire_on_the_right_rows(data_report):
    report, _ = data_report
    by_range = {f["range"].split(".")[-1]: f["entries"][0] for f in report["conditional_formats"]}
    columns = SCHEMA.table("Customers").keys
    last_col = openpyxl.utils.get_column_letter(len(columns))
    nxt = openpyxl.utils.get_column_letter(columns.index("NextFollowUpTime") + 1)
    # row 1: last follow-up 400 days ago -> dormant; row 2: 5 days ago -> active;
    # row 3: never followed up, created 500 days ago -> dormant
    assert by_range[f"A2:{last_col}4"]["rows"] == [1, 0, 1]
    # next follow-up 3 days ago -> overdue; in 7 days -> not; blank -> not
    assert by_range[f"{nxt}2:{nxt}4"]["rows"] == [1, 0, 0]
