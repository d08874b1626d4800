"""The columnar load (fastexcel -> Arrow -> one conversion per column) reads a book exactly as the
cell-by-cell reader does: same frames, same unreadable-cell reports, on messy books."""

from __future__ import annotations

import pandas as pd

from xltools.backend import columnar, load
from xltools.demo import demo_data, synthetic_frames
from xltools.schema import load_schema
from xltools.template import build_template

SCHEMA = load_schema()
TYPED = {"date", "datetime", "number", "integer", "id", "phone", "code", "email", "fingerprint"}


def _both(path, monkeypatch):
    fast = load.load_book(path, SCHEMA)
    with monkeypatch.context() as m:
        m.setattr(columnar, "_open_reader", lambda source: None)
        slow = load.load_book(path, SCHEMA)
    return fast, slow


def _same(fast, slow):
    for key, tf in slow.tables.items():
        a, b = fast.tables[key].df.copy(), tf.df.copy()
        # A plain-text column whose cells mix numbers and text comes back as text from the
        # columnar reader (180 -> "180") where the cell-by-cell reader kept the number.
        for col in SCHEMA.table(key).columns:
            if col.type not in TYPED and col.key in a:
                a[col.key], b[col.key] = a[col.key].map(_text), b[col.key].map(_text)
        pd.testing.assert_frame_equal(a, b, obj=key)
    issues = sorted((i.table, i.row, i.column, i.check) for i in fast.load_issues)
    assert issues == sorted((i.table, i.row, i.column, i.check) for i in slow.load_issues)
    assert fast.lists == slow.lists and fast.settings == slow.settings


def _text(v):
    return None if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer()
                                   else str(v))


def test_messy_demo_book_loads_the_same_both_ways(tmp_path, monkeypatch):
    path = tmp_path / "demo.xlsx"
    build_template(path, data=demo_data(n_customers=300, seed=5, mess=True))
    fast, slow = _both(path, monkeypatch)
    _same(fast, slow)
    assert len(fast.customers) > 300


def test_mixed_columns_read_kindly_and_report_what_they_cannot(tmp_path, monkeypatch):
    data = synthetic_frames(400, 2, seed=3)
    cust = data.frames["Customers"]
    for col in ("CreateTime", "AnnualSpend", "ContactPhone", "CustomerName"):
        cust[col] = cust[col].astype(object)
    typed = {5: "2024年3月15日", 6: "2024/3/15", 7: 45366, 8: "明天", 9: "  ", 10: "03/04/2024"}
    for row, value in typed.items():
        cust.at[row, "CreateTime"] = value
    for row, value in {5: "1,234.5", 6: "12.5万", 7: "很多", 8: "\u3000", 9: "¥ 3"}.items():
        cust.at[row, "AnnualSpend"] = value
    cust.at[5, "ContactPhone"] = 13812345678
    cust.at[6, "CustomerName"] = 2024
    path = tmp_path / "mixed.xlsx"
    build_template(path, data=data)
    fast, slow = _both(path, monkeypatch)
    _same(fast, slow)
    df = fast.customers.reset_index(drop=True)
    assert df.at[5, "CreateTime"] == df.at[6, "CreateTime"] == df.at[7, "CreateTime"] \
        == pd.Timestamp(2024, 3, 15)
    assert df.at[8, "CreateTime"] == "明天" and df.at[9, "CreateTime"] is None
    assert df.at[10, "CreateTime"] == "03/04/2024"                      # ambiguous: kept, reported
    assert list(df.loc[5:9, "AnnualSpend"]) == [1234.5, 125000.0, "很多", None, 3.0]
    assert df.at[5, "ContactPhone"] == "13812345678" and df.at[6, "CustomerName"] == "2024"
    reported = {(i.column, i.value) for i in fast.load_issues}
    assert {("CreateTime", "明天"), ("CreateTime", "03/04/2024"), ("AnnualSpend", "很多")} <= reported
    assert isinstance(df.at[20, "CreateTime"], pd.Timestamp)
    assert df["AnnualSpend"].map(lambda v: v is None or isinstance(v, (float, str))).all()



def test_a_far_cell_on_a_later_sheet_reads_every_table_from_the_cut_copy(tmp_path):
    """Customers is queued for reading before the follow-ups sheet is scanned; a stray cell at
    XFD1048576 there must still give the same frames (read from a copy cut down to the tables),
    not an abort allocating the whole sheet."""
    import zipfile

    from xltools.xlsx.package import Package
    path = tmp_path / "book.xlsx"
    build_template(path, data=synthetic_frames(300, 2, seed=4))
    with Package(path) as pkg:
        part = pkg.table(SCHEMA.table("FollowUps").table_name).sheet.part
    stray = tmp_path / "stray.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(stray, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == part:
                data = data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" '
                                    b't="inlineStr"><is><t>x</t></is></c></row></sheetData>')
            dst.writestr(item, data)
    clean, far = load.load_book(path, SCHEMA), load.load_book(stray, SCHEMA)
    for key, tf in clean.tables.items():
        pd.testing.assert_frame_equal(far.tables[key].df, tf.df, obj=key)
    assert far.lists == clean.lists and len(far.tables["FollowUps"].df) == 600
