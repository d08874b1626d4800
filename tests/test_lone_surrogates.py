"""Excel's text is UTF-16, and a cell may hold half of a surrogate pair (half an emoji, pasted
from a broken source): a live book hands such text over as it is, and UTF-8 (Arrow, the vault,
the fingerprint's hash) cannot encode it. Every operation still runs on such a book, and mask
keeps the raw value, exactly, for reveal."""

import datetime as dt

import pytest
from xlwings_memory import open_book

from xltools.backend.excel import ExcelBackend
from xltools.catalog import get, operations
from xltools.context import RunContext
from xltools.demo import demo_data
from xltools.operations import mask as mask_ops
from xltools.secret import ENV_VAR
from xltools.template import build_template

TODAY = dt.date(2024, 6, 1)
HALF = "\ud83d"                       # the first half of 😀 alone


@pytest.fixture
def live(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, "live-key-Rt6yU9iO2pA5sD8fG1hJ4kL7zX0cV3bN6mQ9wE2")
    path = tmp_path / "team.xlsx"
    build_template(path, data=demo_data(n_customers=60, seed=7, today=TODAY))
    book = open_book(path)
    backend = ExcelBackend(book)
    db = backend.load()
    customers = db.customers
    first, second = customers.index[:2]
    table = db.tables["Customers"]
    ids = {}
    for row, column, value in ((first, "CustomerName", f"华腾{HALF}科技"),
                               (first, "Remarks", f"备注{HALF}"),
                               (second, "ContactPhone", f"1380013{HALF}0000")):
        book.sheets[table.sheet].range(f"{table.letters[column]}{row}").value = value
        ids[column] = customers.at[row, "CustomerID"]

    def load():
        fresh = backend.load()
        fresh.path = path          # where the vault goes
        return fresh
    return backend, load, ids


def test_every_operation_runs_on_text_with_half_a_surrogate_pair(live):
    backend, load, _ = live
    db = load()
    assert HALF in db.customers["CustomerName"].iloc[0]     # (the test can fail)
    operations()
    for op in ("validate", "dedupe", "tag", "sync", "pool", "remind", "summary", "fill-region"):
        result = get(op).func(db, RunContext(today=TODAY))
        assert result.summary_en, op


def test_mask_keeps_such_a_raw_value_for_reveal(live):
    backend, load, ids = live
    db = load()
    result = get("mask").func(db, RunContext(today=TODAY))
    backend.apply(result.changes, db)
    db = load()
    shown = mask_ops.reveal(db, RunContext(), ids["ContactPhone"])
    assert shown.data["values"]["Customers"]["ContactPhone"] == f"1380013{HALF}0000"
