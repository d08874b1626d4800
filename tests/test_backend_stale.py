"""Two commands on one book: the one that read it before the other wrote refuses, nothing is lost."""

import pytest

from xltools.backend.file import FileBackend
from xltools.changes import CellUpdate, Changeset
from xltools.demo import demo_data
from xltools.errors import BookLockedError
from xltools.template import build_template


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "team.xlsx"
    build_template(path, data=demo_data(n_customers=60, seed=3, mess=False))
    return path


def _rename(db, new_name):
    row = db.customers.index[0]
    return Changeset("test", updates=[CellUpdate("Customers", row, "CustomerName",
                                                 db.customers.at[row, "CustomerName"], new_name)])


def test_a_write_over_a_book_changed_since_it_was_read_is_refused(book):
    first, second = FileBackend(book, "a"), FileBackend(book, "b")
    db1, db2 = first.load(), second.load()
    first.apply(_rename(db1, "甲公司"), db1)
    before = book.read_bytes()
    with pytest.raises(BookLockedError) as err:
        second.apply(_rename(db2, "乙公司"), db2)
    assert "changed after it was read" in err.value.en
    assert book.read_bytes() == before
    assert FileBackend(book).load().customers["CustomerName"].iloc[0] == "甲公司"


def test_the_same_backend_may_apply_twice(book):
    backend = FileBackend(book, "a")
    db = backend.load()
    backend.apply(_rename(db, "甲公司"), db)
    db = backend.load()
    backend.apply(_rename(db, "丙公司"), db)
    assert FileBackend(book).load().customers["CustomerName"].iloc[0] == "丙公司"
