"""``xltools import`` and ``xltools export`` end to end on a real book (issue 7).

The sources are built here the way other systems write them: a GBK CSV with a title above the
header and our columns under other names, a UTF-8 CSV with a BOM, and a workbook whose header
sits on row 3 under a title. Some rows are new customers, one is an existing customer typed
differently, one repeats an earlier row, one has nothing to identify a customer by.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from integration_support import (
    cli,
    contains_raw,
    demo_book,
    load,
    use_demo_key,
    xml_text,
)
from stdnum.cn import uscc


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    use_demo_key(monkeypatch)


def credit_code(division: str, serial: int) -> str:
    body = f"91{division}MA{serial:07d}"
    return body + uscc.calc_check_digit(body)


NEW = [  # name, contact, phone (as typed), e-mail, credit code, industry, region
    ("广州市蓝海信息科技有限公司", "周经理", "+86 139-2001-0001", "zhou.lh@lanhai-it.cn",
     credit_code("440106", 101), "IT服务业", "华南地区"),
    ("杭州市青禾制造有限公司", "吴工", "13920010002", "wu@qinghe.com.cn",
     credit_code("330106", 102), "制造业", "华东"),
    ("成都市锦程物流有限公司", "郑女士", "139 2001 0003", "zheng@jincheng56.cn",
     credit_code("510104", 103), "物流运输", "西南"),
    ("西安市秦川零售有限公司", "冯先生", "(139)20010004", "feng@qinchuan-retail.cn",
     credit_code("610103", 104), "零售业", "西北"),
]


def existing_company(book):
    """An existing company customer with a valid credit code: (id, name, code)."""
    c = load(book).customers
    c = c[(c["CustomerType"] == "企业") & c["CreditCode"].astype(str).map(uscc.is_valid)]
    row = c.iloc[0]
    return row["CustomerID"], row["CustomerName"], row["CreditCode"]


def write_sources(tmp_path, existing):
    """Three messy files; returns their paths and the raw phones / e-mails they carry."""
    _, ex_name, ex_code = existing
    gbk = tmp_path / "展会名单.csv"
    with open(gbk, "w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["2026年 行业展会客户名单(导出)"])
        w.writerow([])
        w.writerow(["序号", "公司名称", "联系人", "手机号", "邮箱", "统一社会信用代码", "所属行业",
                    "地区"])
        for i, row in enumerate(NEW[:2], start=1):
            w.writerow([i, *row])
        # an existing customer, typed the way another system writes it
        w.writerow([3, ex_name.replace("有限公司", " 有限公司"), "王经理", "", "", ex_code.lower(),
                    "", ""])
        w.writerow([4, "", "", "", "", "", "", "华南"])                      # nothing to go by
        w.writerow(["合计", "", "", "", "", "", "", ""])
    bom = tmp_path / "leads.csv"
    with open(bom, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["客户名称", "联系人", "联系电话", "电子邮箱", "信用代码", "行业", "区域"])
        w.writerow(list(NEW[2]))
        w.writerow(list(NEW[0]))                        # the same company as in the GBK file
    book3 = tmp_path / "老系统导出.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "客户清单(老系统导出)"
    ws.append([])
    ws.append(["企业名称", "联系人姓名", "手机", "Email", "社会信用代码", "行业", "所在地区"])
    ws.append(list(NEW[3]))
    wb.save(book3)
    raws = [r[2] for r in NEW] + [r[3] for r in NEW]
    return [gbk, bom, book3], raws


def test_import_counts_flags_existing_customers_and_keeps_no_raw_values(tmp_path):
    book = tmp_path / "book.xlsx"
    demo_book(book, customers=60)
    existing = existing_company(book)
    sources, raws = write_sources(tmp_path, existing)
    before = load(book).customers

    code, out, _ = cli("import", book, *sources)
    assert code == 1                                   # flagged and rejected rows need a look
    rejected = out["rejected"]
    assert out["read"] == out["imported"] + out["flagged"] + len(rejected)
    assert out["imported"] == len(NEW) and len(rejected) == 1
    assert rejected[0]["source"].endswith("展会名单.csv")
    flagged_existing = [f for f in out["flagged_rows"] if f.get("existing") == existing[0]]
    assert len(flagged_existing) == 1                 # the existing company: flagged ...

    after = load(book).customers
    assert len(after) == len(before) + out["imported"]
    codes = after["CreditCode"].astype(str).str.upper()
    assert (codes == existing[2].upper()).sum() == 1  # ... and not appended a second time
    for name, *_ in NEW:                               # each new company once (the repeat too)
        assert (after["CustomerName"] == name).sum() == 1
    new_rows = after[after["CustomerName"].isin([r[0] for r in NEW])]
    assert new_rows["Region"].tolist() == ["华南", "华东", "西南", "西北"]
    assert new_rows["PhoneFP"].notna().all()          # masked, but still matchable

    text = xml_text(book)                              # no raw phone or e-mail anywhere inside
    assert not [r for r in raws if contains_raw(text, r)]
    assert all("****" in p for p in new_rows["ContactPhone"])


def test_import_dry_run_leaves_the_book_byte_identical(tmp_path):
    book = tmp_path / "book.xlsx"
    demo_book(book, customers=60)
    sources, _ = write_sources(tmp_path, existing_company(book))
    original = book.read_bytes()
    code, out, _ = cli("import", book, *sources, "--dry-run")
    assert code == 1 and out["imported"] == len(NEW)   # it tells what it would do ...
    assert book.read_bytes() == original               # ... and does none of it
    assert not (tmp_path / "book.xlsx.vault").exists()


def test_export_where_writes_bom_escapes_formulas_and_keeps_masks(tmp_path):
    from xltools.backend.file import FileBackend
    from xltools.changes import CellUpdate, Changeset

    book = tmp_path / "book.xlsx"
    demo_book(book, customers=60)
    assert cli("mask", book)[0] in (0, 1)
    backend = FileBackend(book)
    db = backend.load()
    south = db.customers.index[db.customers["Region"] == "华南"]
    row = int(south[0])
    formula = '=HYPERLINK("http://evil.example","点我")'
    backend.apply(Changeset("test", updates=[CellUpdate("Customers", row, "Remarks", None,
                                                        formula)]), db)
    db = load(book)

    out_csv = tmp_path / "华南.csv"
    code, out, _ = cli("export", book, "-o", out_csv, "--where", "Region=华南")
    assert code == 0
    raw = out_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")             # Excel reads the Chinese right
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == out["count"] == (db.customers["Region"] == "华南").sum()
    customers = db.schema.table("Customers")
    region, remarks, phone, ident = (customers.column(k).label(db.lang) for k in
                                     ("Region", "Remarks", "ContactPhone", "CustomerID"))
    assert {r[region] for r in rows} == {"华南"}
    assert not {customers.column(k).label(db.lang) for k in ("PhoneFP", "CreditCodeFP",
                                                              "EmailFP")} & set(rows[0])
    by_id = {r[ident]: r for r in rows}
    assert by_id[db.customers.at[row, "CustomerID"]][remarks] == "'" + formula
    assert not [r for r in rows if r[remarks][:1] in "=+-@" and r[remarks]]
    for r in rows:                                     # the book is masked: so is the export
        assert r[phone] == "" or "****" in r[phone]
        book_phone = db.customers.loc[db.customers["CustomerID"] == r[ident], "ContactPhone"]
        assert r[phone] == ("" if book_phone.isna().all() else str(book_phone.iloc[0]))
