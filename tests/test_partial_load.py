"""A load told which tables an operation reads (``FileBackend.load(only=...)``) reads the others
when something first looks at them: every table is there, with what a full load gives, and an
import never reads the follow-ups (issue 20: most of a big book's load)."""

from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest
from integration_support import demo_book, use_demo_key

from xltools import Book
from xltools.backend.file import FileBackend
from xltools.errors import BookLockedError

UNUSED_BY_IMPORT = {"FollowUps", "Tags", "Opportunities", "ChangeLog", "Issues"}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    path = tmp_path_factory.mktemp("partial") / "team.xlsx"
    demo_book(path, customers=120)
    return path


@pytest.fixture
def book(pristine, tmp_path, monkeypatch):
    use_demo_key(monkeypatch)
    path = tmp_path / "team.xlsx"
    shutil.copyfile(pristine, path)
    return path


def assert_same_db(db, full) -> None:
    assert list(db.tables) == list(full.tables)
    for key, tf in full.tables.items():
        got = db.tables[key]
        pd.testing.assert_frame_equal(got.df, tf.df, obj=f"table {key}")
        assert (got.sheet, got.ref, got.headers, got.letters) == \
            (tf.sheet, tf.ref, tf.headers, tf.letters)
    issues = lambda d: sorted(map(str, (i.to_json() for i in d.load_issues)))  # noqa: E731
    assert issues(db) == issues(full)


def test_a_partial_load_reads_the_other_tables_when_first_looked_at(book):
    full = FileBackend(book).load()
    db = FileBackend(book).load(only=("Customers",))
    assert UNUSED_BY_IMPORT <= db.tables.pending
    assert "FollowUps" in db.tables and len(db.tables) == len(full.tables)
    assert len(db.df("FollowUps")) == len(full.df("FollowUps")) > 0
    assert "FollowUps" not in db.tables.pending
    assert_same_db(db, full)
    assert not db.tables.pending


def test_a_table_read_later_from_a_book_saved_meanwhile_is_refused(book):
    db = FileBackend(book).load(only=("Customers",))
    stat = book.stat()
    os.utime(book, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    with pytest.raises(BookLockedError):
        db.df("FollowUps")


def test_an_import_reads_only_the_customers_and_writes_as_before(book, tmp_path):
    source = tmp_path / "leads.csv"
    source.write_text("客户名称,联系电话,联系人\n深圳市新光科技有限公司,13800001111,王五\n"
                      "杭州远大贸易有限公司,0571-88886666,赵六\n", encoding="utf-8")
    before = FileBackend(book).load()
    target = Book.open(book)
    loads = []
    real_load = target.backend.load
    target.backend.load = lambda **kw: loads.append(real_load(**kw)) or loads[-1]
    result = target.run("import", sources=[str(source)])
    assert result.data["imported"] == 2
    assert UNUSED_BY_IMPORT <= loads[0].tables.pending      # never read, before or during apply
    after = FileBackend(book).load()
    for key in ("FollowUps", "Tags", "Opportunities"):
        pd.testing.assert_frame_equal(after.df(key), before.df(key))
    assert len(after.customers) == len(before.customers) + 2
    assert len(after.df("ChangeLog")) == len(before.df("ChangeLog")) + 2
    # the next step of a batch: reads what the import wrote (the customers, its ChangeLog rows)
    # when it first looks at it, as the rest
    again = target.backend.reload(loads[0], result.changes)
    assert {"FollowUps", "Tags", "Customers", "ChangeLog"} <= again.tables.pending
    assert again.tables.together == {"Customers"}
    assert_same_db(again, after)
