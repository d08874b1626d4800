"""What only real Excel can confirm about the live backend (``pytest -m excel tests/excel``).

The in-memory stand-in imitates these behaviours; here Excel itself answers: text kept as text
behind an apostrophe, HYPERLINK formulas, ListObject resize and row deletion, notes and fills,
Excel's state restored, and the same tables as the stand-in after the same operations.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pandas as pd
import pytest

from xltools.context import RunContext
from xltools.backend.excel import ExcelBackend
from xltools.backend.excel_write import NOTE_PREFIX
from xltools.changes import (
    CellMark,
    CellUpdate,
    Changeset,
    RowAppend,
    RowRemove,
    TableReplace,
)
from xltools.demo import demo_data
from xltools.catalog import get
from xltools.template import build_template
from xltools.xlsx.refs import split_ref

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from xlwings_memory import open_book

pytestmark = pytest.mark.excel
TODAY = dt.date(2024, 3, 15)
TRICKY = ["=1+1", "+86 138 0000 1111", "-王经理-", "@展会", "2024-03-05", "3/4", "00123",
          "TRUE", "13812345678", "'quoted", "1,234", "50%"]


@pytest.fixture
def demo_path(tmp_path):
    path = tmp_path / "team.xlsx"
    build_template(path, data=demo_data(n_customers=60, seed=1, today=TODAY))
    return path


def _customers_sheet(book):
    return next(s for s in book.sheets if "tblCustomers" in [t.name for t in s.tables])


def test_apostrophe_keeps_tricky_text_in_general_and_text_cells(open_in_excel, demo_path):
    book = open_in_excel(demo_path)
    backend = ExcelBackend(book)
    db = backend.load()
    rows = db.customers.index[:len(TRICKY)].tolist()
    sheet = _customers_sheet(book)
    letter = db.tables["Customers"].letters["Remarks"]
    sheet.range(f"{letter}{rows[0]}:{letter}{rows[5]}").number_format = "General"  # half General
    backend.apply(Changeset("test", updates=[CellUpdate("Customers", r, "Remarks", None, t)
                                             for r, t in zip(rows, TRICKY)]), db)
    got = backend.load().customers.loc[rows, "Remarks"].tolist()
    assert got == TRICKY
    assert not any(str(sheet.range(f"{letter}{r}").formula).startswith("=") for r in rows)


def test_hyperlink_formulas_link_into_the_book(open_in_excel, demo_path):
    book = open_in_excel(demo_path)
    backend = ExcelBackend(book)
    db = backend.load()
    backend.apply(Changeset("validate", replaces=[TableReplace(
        "Issues", [{"Severity": "错误", "Message": "x", "Link": "→"}],
        links={(0, "Link"): db.cell_ref("Customers", 5, "Industry")})]), db)
    tf = backend.load().tables["Issues"]
    sheet = next(s for s in book.sheets if s.name == tf.sheet)
    link = sheet.range(f"{tf.letters['Link']}2")
    assert link.value == "→"
    assert link.formula.startswith("=HYPERLINK(")


def test_append_resizes_the_listobject_and_remove_shrinks_it(open_in_excel, demo_path):
    book = open_in_excel(demo_path)
    backend = ExcelBackend(book)
    db = backend.load()
    n = len(db.df("Tags"))
    rows = [{"TagID": f"T2024031599{i}", "CustomerID": db.customers.iloc[0]["CustomerID"],
             "TagType": "价值", "TagName": "高价值", "Source": "auto",
             "CreateTime": pd.Timestamp(TODAY)} for i in range(3)]
    backend.apply(Changeset("tag", appends=[RowAppend("Tags", v) for v in rows]), db)
    db = backend.load()
    tags = db.df("Tags")
    assert len(tags) == n + 3 and tags["TagID"].tolist()[-3:] == [v["TagID"] for v in rows]
    assert tags["CreateTime"].tolist()[-1] == pd.Timestamp(TODAY)
    last_rows = tags.index[-3:].tolist()
    backend.apply(Changeset("test", removals=[RowRemove("Tags", r) for r in last_rows]), db)
    after = backend.load()
    assert len(after.df("Tags")) == n
    assert split_ref(after.tables["Tags"].ref)[1][1] == split_ref(db.tables["Tags"].ref)[1][1] - 3


def test_marks_notes_and_fills_and_excel_state_restored(open_in_excel, demo_path):
    book = open_in_excel(demo_path)
    app = book.app
    calc = app.calculation
    backend = ExcelBackend(book)
    db = backend.load()
    r = int(db.customers.index[0])
    backend.apply(Changeset("validate", marks=[CellMark("Customers", r, "Industry", "测试", "error")]),
                  db)
    sheet = _customers_sheet(book)
    target = sheet.range(f"{db.tables['Customers'].letters['Industry']}{r}")
    assert target.note.text == NOTE_PREFIX + "测试"
    assert target.color == (0xFF, 0xC7, 0xCE)
    backend.apply(Changeset("validate", marks=[]), db)
    assert target.note is None and target.color is None
    assert app.screen_updating is True and app.calculation == calc


def test_real_excel_and_the_stand_in_agree_after_the_same_operations(open_in_excel, demo_path,
                                                                     tmp_path, monkeypatch):
    monkeypatch.setenv("XLTOOLS_SECRET", "parity-key-sxmioltIHTK3FQmMYFfYis9Ar20r5LpRSv2nvmBBCJ18")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "config"))
    real = ExcelBackend(open_in_excel(demo_path))
    fake = ExcelBackend(open_book(demo_path))
    for op_id in ("validate", "mask", "tag", "sync"):
        op = get(op_id)
        params = {p.name: (() if p.multiple else p.default) for p in op.params if p.name != "today"}
        for backend in (real, fake):
            db = backend.load()
            backend.apply(op.func(db, RunContext(today=TODAY), **params).changes, db)
    a, b = real.load(), fake.load()
    for key in ("Customers", "FollowUps", "Tags", "Opportunities", "Issues"):
        pd.testing.assert_frame_equal(a.df(key).astype(object), b.df(key).astype(object),
                                      check_dtype=False, obj=key)
