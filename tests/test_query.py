"""``xltools query``: the seed's example, files out, and clear errors."""

import csv
import datetime as dt

import openpyxl
import pandas as pd
import pytest

from routine_data import TODAY, random_db
from xltools.core.query import query, to_sheet
from xltools.exports import write_csv, write_xlsx
from xltools.core.condition import ConditionError
from xltools.testing import make_db

SEED = "Region=华南 and tag:价值=高价值 and Industry=IT服务业 and followup_within(30)"


def seed_by_pandas(db):
    c, t, f = db.customers, db.df("Tags"), db.df("FollowUps")
    high = set(t.loc[(t["TagType"] == "价值") & (t["TagName"] == "高价值"), "CustomerID"])
    day = f["FollowUpTime"].dt.normalize()
    recent = set(f.loc[(day <= pd.Timestamp(TODAY)) &
                       (day >= pd.Timestamp(TODAY) - pd.Timedelta(days=30)), "CustomerID"])
    region = c["Region"].map(lambda v: str(v).strip())
    return set(c.loc[(region == "华南") & (c["Industry"] == "IT服务业") & c["CustomerID"].isin(high)
                     & c["CustomerID"].isin(recent), "CustomerID"])


def test_seed_query_finds_exactly_the_expected_customers():
    db = random_db(n=1500, seed=4, followups=6000, tags=1500)
    expected = seed_by_pandas(db)
    assert expected                                    # the data gives the query something to find
    assert set(query(db, SEED, today=TODAY)["CustomerID"]) == expected
    chinese = "所属区域=华南 且 tag:价值=高价值 且 所属行业=IT服务业 且 followup_within(30)"
    assert set(query(db, chinese, today=TODAY)["CustomerID"]) == expected


def test_bad_expression_points_at_the_token():
    db = make_db()
    with pytest.raises(ConditionError) as info:
        query(db, "Region=华南 and tag:价值 高价值")
    assert "position 22" in info.value.en
    assert info.value.detail.splitlines()[-1].endswith("^")


def test_query_sheet_has_headers_rows_and_links():
    db = make_db({"Customers": [{"CustomerID": "C1", "CustomerName": "甲", "Region": "华南"},
                                {"CustomerID": "C2", "CustomerName": "乙", "Region": "华北"}]})
    rows = query(db, "Region = 华南")
    sheet = to_sheet(db, "Region = 华南", rows)
    assert sheet.rows[2][:2] == ["客户ID", "客户名称"] and sheet.rows[3][:2] == ["C1", "甲"]
    assert sheet.links[(4, 1)] == "'客户基础信息'!A2"
    assert "电话指纹" not in sheet.rows[2]                 # hidden fingerprint columns stay out


def test_csv_has_bom_and_defuses_formulas(tmp_path):
    db = make_db({"Customers": [{"CustomerID": "C1", "CustomerName": "=HYPERLINK(\"x\")",
                                 "Remarks": "@SUM(A1)", "AnnualSpend": 5.0,
                                 "CreateTime": dt.date(2024, 3, 15)}]})
    path = tmp_path / "out.csv"
    write_csv(db, query(db, "AnnualSpend > 1"), path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    record = dict(zip(rows[0], rows[1]))
    assert record["客户名称"] == "'=HYPERLINK(\"x\")" and record["备注"] == "'@SUM(A1)"
    assert record["年度消费金额"] == "5" and record["创建时间"] == "2024-03-15"


def test_xlsx_output_keeps_text_as_text(tmp_path):
    db = make_db({"Customers": [{"CustomerID": "C1", "CustomerName": "=1+1", "AnnualSpend": 7}]},
                 lang="en")
    path = tmp_path / "out.xlsx"
    write_xlsx(db, query(db, "AnnualSpend = 7"), path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet.title == "Query"
    assert [c.value for c in sheet[1]][:2] == ["Customer ID", "Customer Name"]
    assert sheet["B2"].value == "=1+1" and sheet["B2"].data_type == "s"
