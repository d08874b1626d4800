"""`xltools import` over messy exports built here: GBK and UTF-8-BOM CSV, a workbook with a title,
merged two-row headers, full-width digits, mixed dates, amounts in 万, total rows, duplicates."""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pytest
from stdnum.cn import ric, uscc  # noqa: F401  (ric: the check the code must pass)

from xltools.core.privacy import fingerprint
from xltools.errors import XlToolsError
from xltools.importer import import_sources, read_parts
from xltools.importer.headers import Synonyms, detect_header
from xltools.testing import make_db

TODAY = dt.date(2024, 3, 15)
KEY = b"team-secret-4-HKCZfOpwE1nD83LynKPvpEJaSnxrKDwUWsnfcBfgfT"


def make_uscc(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


def make_ric(body17: str) -> str:
    """GB 11643: weights 2^(17-i) mod 11, check character from "10X98765432"."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body17))
    return body17 + "10X98765432"[total % 11]


CODE_A = make_uscc("91440300MA5F5X123")     # existing customer's company code
CODE_B = make_uscc("91440300MA5G7Y456")
CODE_C = make_uscc("91310000MA1K3L789")
PERSON_ID = make_ric("11010519800101123")   # a valid 身份证号 (Beijing, 1980-01-01)
assert ric.is_valid(PERSON_ID) and uscc.is_valid(CODE_B)
RAW_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
RAW_EMAIL = re.compile(r"[\w.+-]{2,}@[\w-]+\.")


def book():
    """A masked book: one company with a fingerprinted phone, one with a public credit code."""
    return make_db({"Customers": [
        {"CustomerID": "C20240315001", "CustomerName": "广州老客户有限公司", "CustomerType": "企业",
         "ContactPhone": "139****1111", "PhoneFP": fingerprint("phone", "13900001111", KEY)},
        {"CustomerID": "C20240101003", "CustomerName": "深圳已有科技有限公司", "CustomerType": "企业",
         "CreditCode": CODE_A},
    ]}, lists={"Staff": ["公海", "张三", "李四"]})


def gbk_csv(tmp_path):
    rows = [
        "公司名称,联系电话,统一社会信用代码,所属区域,创建日期,年消费,微信号,负责人",
        f"深圳华腾科技有限公司,+86 138-1234-5678,{CODE_B},华南地区,2024/3/1,12.5万,wx_huateng,张三",
        "重复电话贸易有限公司,139 0000 1111,,华东,2024-03-02,\"1,200\",,",  # existing by phone FP
        f"改名的深圳已有科技,0755-8888 1234,{CODE_A.lower()},华南,2024.3.3,￥3000元,,",  # existing by code
        "=HYPERLINK(\"http://x\"),13700000000,,华,2024年3月4日,,,",  # formula-like name; ambiguous region
        ",,,,,,,",                                                 # blank row
        ",13600000000,,,,,,",                                      # phone, no name -> review
        ",,,华南,,,只有微信,",                                     # nothing to identify -> rejected
        "合计,,,,,12.5万,,",                                       # total row
    ]
    path = tmp_path / "gbk导出.csv"
    path.write_bytes("\r\n".join(rows).encode("gbk"))
    return path


def bom_csv(tmp_path):
    rows = [
        "客户全称\t手机号\t邮箱\t证件号\t客户类型\t所属行业",
        f"王小明\t１３８００１３８０００\tWang.XM@Example.com\t{PERSON_ID}\t\tit服务",  # full-width digits
        "深圳华腾科技有限公司\t13812345678\t\t\t企业\t制造",                         # repeats the GBK row
    ]
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(rows).encode("utf-8"))
    return path


def messy_xlsx(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户清单"
    ws["A1"] = "2024年第一季度展会客户"
    ws.merge_cells("A1:G1")
    # Header on rows 3-4: groups merged across, 客户名称 and 备注 merged down.
    ws["A3"] = "客户名称"
    ws.merge_cells("A3:A4")
    ws["B3"] = "联系人"
    ws.merge_cells("B3:C3")
    ws["B4"], ws["C4"] = "姓名", "电话"
    ws["D3"] = "金额"
    ws.merge_cells("D3:E3")
    ws["D4"], ws["E4"] = "年度消费(万元)", "成交日期"
    ws["F3"] = "客户来源"
    ws.merge_cells("F3:F4")
    ws["G3"] = "备注"
    ws.merge_cells("G3:G4")
    ws.append(["北京远航物流有限公司", "赵经理", 13911112222, 8, dt.datetime(2024, 2, 1, 9, 30), "展会", "老板手机13922223333"])
    ws.append(["上海启明教育科技有限公司", "钱老师", "021-66668888", "3.5", 45366, "朋友介绍", None])
    ws.append(["成都天府医疗器械有限公司", "孙总", "+8613733334444", "2", "2024年3月15日", "线上广告", None])
    ws.append(["合计", None, None, 13.5, None, None, None])
    ws2 = wb.create_sheet("说明")
    ws2["A1"] = "本文件由系统导出,仅供内部使用"
    path = tmp_path / "展会.xlsx"
    wb.save(path)
    return path


def appended(result):
    return [a.values for a in result.changes.all_appends()]


def by_name(result, name):
    return next(v for v in appended(result) if v.get("CustomerName") == name)


@pytest.fixture
def run(tmp_path):
    sources = [gbk_csv(tmp_path), bom_csv(tmp_path), messy_xlsx(tmp_path)]
    return import_sources(book(), sources, key=KEY, owner=None, today=TODAY)


def test_every_source_row_is_imported_flagged_or_rejected(run):
    d = run.data
    assert d["read"] == d["imported"] + d["flagged"] + len(d["rejected"])
    seen = ([(r["source"], r["row"]) for r in d["imported_rows"]]
            + [(r["source"], r["row"]) for r in d["flagged_rows"]]
            + [(r["source"], r["row"]) for r in d["rejected"]])
    assert len(seen) == len(set(seen))
    expected = ({("gbk导出.csv", r) for r in (2, 3, 4, 5, 7, 8)}
                | {("bom.csv", r) for r in (2, 3)}
                | {("展会.xlsx[客户清单]", r) for r in (5, 6, 7)})
    assert set(seen) == expected  # blank and 合计 rows are not customers; the 说明 sheet is skipped
    assert d["skipped"] == {"blank_rows": 1, "total_rows": 2}
    assert len(appended(run)) == d["imported"] == run.changes.data_changes()


def test_duplicates_of_existing_customers_and_within_the_import_are_flagged(run):
    flagged = {(f["source"], f["row"]): f for f in run.data["flagged_rows"]}
    assert flagged[("gbk导出.csv", 3)]["existing"] == "C20240315001"   # phone, via the fingerprint
    assert flagged[("gbk导出.csv", 4)]["existing"] == "C20240101003"   # lower-case credit code
    first = next(r for r in run.data["imported_rows"] if r["row"] == 2 and r["source"] == "gbk导出.csv")
    assert flagged[("bom.csv", 3)]["existing"] == first["CustomerID"]   # same name and phone as GBK row 2
    assert flagged[("gbk导出.csv", 7)]["reason"] == "no customer name"
    names = [v.get("CustomerName") for v in appended(run)]
    assert "重复电话贸易有限公司" not in names and names.count("深圳华腾科技有限公司") == 1
    assert [r["row"] for r in run.data["rejected"]] == [8]
    assert run.has_problems


def test_values_are_normalised(run):
    huateng = by_name(run, "深圳华腾科技有限公司")
    assert huateng["ContactPhone"] == "138****5678"
    assert huateng["AnnualSpend"] == 125000.0
    assert huateng["Region"] == "华南"                  # 华南地区 -> the list value
    assert huateng["CreateTime"] == dt.date(2024, 3, 1)
    assert huateng["CustomerType"] == "企业"            # inferred from the valid USCC
    assert huateng["CreditCode"] == CODE_B              # a company's code is public: not masked
    assert huateng["Owner"] == "张三"

    wang = by_name(run, "王小明")
    assert wang["CustomerType"] == "个人"               # inferred from the valid 身份证号
    assert wang["ContactPhone"] == "138****8000"        # full-width digits
    assert wang["CreditCode"] == PERSON_ID[:6] + "********" + PERSON_ID[-4:]
    assert wang["Email"] == "w***@example.com"
    assert wang["Industry"] == "IT服务业"
    assert wang["Owner"] == "公海" and wang["CreateTime"] == TODAY

    yuanhang = by_name(run, "北京远航物流有限公司")
    assert yuanhang["AnnualSpend"] == 80000.0          # column in 万元
    assert yuanhang["DealDate"] == dt.date(2024, 2, 1)
    assert yuanhang["ContactPerson"] == "赵经理"        # two-row header: 联系人 / 姓名
    assert yuanhang["ContactPhone"] == "139****2222"   # 联系人 / 电话
    qiming = by_name(run, "上海启明教育科技有限公司")
    assert qiming["DealDate"] == dt.date(2024, 3, 15)   # Excel serial 45366
    assert qiming["AnnualSpend"] == 35000.0
    assert qiming["ContactPhone"] == "021****8888"
    assert by_name(run, "成都天府医疗器械有限公司")["DealDate"] == dt.date(2024, 3, 15)


def test_new_ids_continue_after_todays_existing_ones(run):
    ids = [v["CustomerID"] for v in appended(run)]
    assert ids == [f"C20240315{n:03d}" for n in range(2, 2 + len(ids))]


def test_formula_like_names_stay_text_and_unclear_list_values_are_kept_and_flagged(run):
    formula = by_name(run, '=HYPERLINK("http://x")')
    assert formula["Region"] == "华"                    # fits several regions: kept as typed
    flagged_cells = {(i.table, i.row, i.column) for i in run.issues}
    assert ("gbk导出.csv", 5, "Region") in flagged_cells
    assert ("展会.xlsx[客户清单]", 6, "Source") in flagged_cells  # 朋友介绍 is no Source value


def test_unmapped_columns_are_reported_and_kept_in_remarks(run):
    assert {"source": "gbk导出.csv", "header": "微信号"} in run.data["unmapped"]
    assert "微信号: wx_huateng" in by_name(run, "深圳华腾科技有限公司")["Remarks"]


def test_nothing_raw_in_the_appended_rows(run):
    for values in appended(run):
        for col, value in values.items():
            if isinstance(value, str):
                assert not RAW_MOBILE.search(value), (col, value)
                assert not RAW_EMAIL.search(value), (col, value)
                assert PERSON_ID not in value
    # The phone typed into a remark was masked too, and the fingerprints were written.
    assert "139****3333" in by_name(run, "北京远航物流有限公司")["Remarks"]
    assert by_name(run, "王小明")["PhoneFP"] == fingerprint("phone", "13800138000", KEY)


def test_review_sheet_lists_flagged_and_rejected_rows(run):
    sheet = run.changes.rebuilds[0]
    assert sheet.title_zh == "导入复核"
    body = sheet.rows[2:]
    assert len(body) == run.data["flagged"] + len(run.data["rejected"])
    cells = [str(c) for row in body for c in row]
    assert "C20240315001" in cells
    assert not any(RAW_MOBILE.search(c) for c in cells)


def test_header_below_a_title_is_found():
    grid = [["客户导出"], ["导出时间:2024-03-15"], [], ["序号", "单位名称", "联系手机", "客户等级"], [1, "x", "1", "A类"]]
    header = detect_header(grid, Synonyms.load())
    assert header.rows == (3,)
    assert header.keys == [None, "CustomerName", "ContactPhone", "CustomerLevel"]


def test_mapping_file_names_odd_headers(tmp_path):
    src = tmp_path / "odd.csv"
    src.write_text("甲方单位全称,老板电话,区县\n深圳市某某有限公司,13812345678,南山\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("甲方单位全称: CustomerName\n老板电话: 联系电话\n", encoding="utf-8")
    result = import_sources(make_db(), [src], mapping=mapping, today=TODAY)
    (values,) = appended(result)
    assert values["CustomerName"] == "深圳市某某有限公司" and values["ContactPhone"] == "138****5678"
    assert values["Remarks"] == "区县: 南山"


def test_a_source_without_customer_columns_is_refused(tmp_path):
    src = tmp_path / "notes.csv"
    src.write_text("日期,内容\n2024-03-01,开会\n", encoding="utf-8")
    with pytest.raises(XlToolsError) as err:
        read_parts(make_db(), [src])
    assert "notes.csv" in err.value.zh and "notes.csv" in err.value.en


def test_unknown_encoding_is_a_clear_error(tmp_path):
    src = tmp_path / "latin.csv"
    src.write_bytes("Société,Téléphone\nÉcole,0612345678\n".encode("cp1252") + b"\x80\xff")
    with pytest.raises(XlToolsError) as err:
        import_sources(make_db(), [src], today=TODAY)
    assert err.value.exit_code == 2
    assert "latin.csv" in err.value.zh and "编码" in err.value.zh
    assert "latin.csv" in err.value.en and "decode" in err.value.en


# ---------------------------------------------------------------- through the command line


@pytest.fixture
def template_book(tmp_path):
    pytest.importorskip("xltools.backend.file", reason="the file backend has not landed yet")
    from xltools.template import build_template
    path = tmp_path / "team.xlsx"
    build_template(path, lang="zh")
    return path


def _cli(args):
    from click.testing import CliRunner

    from xltools.cli import main
    return CliRunner().invoke(main, args)


def test_cli_unknown_encoding_exits_2_and_leaves_the_book_alone(tmp_path, template_book):
    before = template_book.read_bytes()
    src = tmp_path / "latin.csv"
    src.write_bytes("Société,Téléphone\n".encode("cp1252") + b"\x80\xff")
    res = _cli(["import", str(template_book), str(src)])
    assert res.exit_code == 2
    assert "编码" in res.output and "decode" in res.output and "latin.csv" in res.output
    assert template_book.read_bytes() == before


def test_cli_dry_run_reports_and_writes_nothing(tmp_path, template_book, monkeypatch):
    import json
    monkeypatch.setenv("XLTOOLS_SECRET", KEY.decode())
    before = template_book.read_bytes()
    res = _cli(["import", str(template_book), str(gbk_csv(tmp_path)), "--json", "--dry-run"])
    payload = json.loads(res.stdout.strip().splitlines()[-1])
    assert payload["read"] == payload["imported"] + payload["flagged"] + len(payload["rejected"])
    assert payload["imported"] >= 1
    assert template_book.read_bytes() == before
