"""After a write, ``FileBackend.reload`` gives the book as a fresh load would (the monthly batch's
next step works on it), though it reads only what the write touched, and nothing at all after a
write that leaves every table as it was (marks, a rebuilt Summary)."""

from __future__ import annotations

import pytest
from test_partial_load import assert_same_db, book, pristine  # noqa: F401 (fixtures)

from xltools.backend.file import FileBackend
from xltools.changes import CellMark, Changeset, SheetRebuild
from xltools.xlsx.longtext import EXCEL_MAX


@pytest.fixture
def backend(book):
    return FileBackend(book, command="test")


def _step(backend, changes):
    db = backend.load()
    backend.apply(changes, db)
    return backend.reload(db, changes)


def test_marks_and_a_rebuilt_sheet_leave_the_tables_as_a_fresh_load_reads_them(backend):
    changes = Changeset("test", marks=[CellMark("Customers", 3, "ContactPhone", "bad phone")],
                        rebuilds=[SheetRebuild("Summary", "汇总", "Summary",
                                               [["客户数", 60], ["本月跟进", 12]])])
    again = _step(backend, changes)
    assert_same_db(again, FileBackend(backend.path).load())


def test_a_cut_text_on_a_rebuilt_sheet_reaches_the_next_steps_changelog(backend):
    """A rebuilt sheet's text over Excel's limit is kept whole aside and logged: the next step
    must see that ChangeLog row, though the rebuild changed no table."""
    before = len(FileBackend(backend.path).load().df("ChangeLog"))
    text = "很长的说明。" * (EXCEL_MAX // 4)
    again = _step(backend, Changeset("test", rebuilds=[
        SheetRebuild("Summary", "汇总", "Summary", [["说明", text]])]))
    log = again.df("ChangeLog")
    assert len(log) == before + 1 and str(EXCEL_MAX) in str(log["Note"].iloc[-1])
    assert_same_db(again, FileBackend(backend.path).load())


def test_the_monthly_batch_lets_the_first_load_go_once_its_tables_are_read_again(book,
                                                                                  monkeypatch):
    """A 100,000-customer book's frames are held once, not twice: after the first steps have
    written and re-read the customers, the load made before the batch is no longer kept."""
    import gc
    import weakref

    from xltools import Book
    target = Book.open(book)
    first: list = []
    real_load = target.backend.load
    target.backend.load = lambda **kw: first.append(weakref.ref(db := real_load(**kw))) or db
    alive: list[bool] = []
    real_reload = FileBackend.reload

    def reload(self, db, changes):
        gc.collect()
        alive.append(first[0]() is not None)
        return real_reload(self, db, changes)

    monkeypatch.setattr(FileBackend, "reload", reload)
    target.run("monthly", report=str(book.with_suffix(".html")))
    assert len(first) == 1 and len(alive) >= 2
    assert alive[0] and not any(alive[1:])     # used by the first step, then let go


def test_the_batchs_last_write_holds_no_rows_and_marks_as_validate_alone_would(book, monkeypatch):
    """validate, the batch's last step, writes marks and the Issues sheet: its write gets the
    book's tables without their rows (a big book's rows are not kept through it), and leaves
    the same marks and Issues a validate run on the finished book writes."""
    import zipfile

    from xltools import Book
    seen: list[tuple[str, int]] = []
    real_apply = FileBackend.apply

    def apply(self, changes, db, now=None):
        seen.append((changes.command, len(db.df("Customers"))))
        return real_apply(self, changes, db, now)

    monkeypatch.setattr(FileBackend, "apply", apply)
    Book.open(book).run("monthly", report=str(book.with_suffix(".html")))
    assert seen[-1] == ("validate", 0) and all(rows > 0 for _, rows in seen[:-1])

    def marked() -> dict[str, bytes]:
        with zipfile.ZipFile(book) as z:     # the sheets with their fills, the notes, Issues
            return {n: z.read(n) for n in z.namelist()
                    if n.startswith(("xl/worksheets/sheet", "xl/comments", "xl/styles"))}

    after_batch = marked()
    Book.open(book).run("validate")
    assert marked() == after_batch


def _reads(monkeypatch) -> list[str]:
    """The tables read from the file from now on."""
    from xltools.backend import load
    read: list[str] = []
    real = load.read_table
    monkeypatch.setattr(load, "read_table",
                        lambda table, *a, **kw: read.append(table.key) or real(table, *a, **kw))
    return read


def test_a_step_that_only_sets_plain_cells_is_not_read_again_yet_reads_as_a_fresh_load(
        backend, monkeypatch):
    """sync and mask set cells to values they chose: the next step gets them without the
    customers being read again, exactly as a fresh load of the written book reads them."""
    import datetime as dt

    from xltools.changes import CellUpdate
    db = backend.load()
    rows = list(db.df("Customers").index[:4])
    changes = Changeset("test", updates=[
        CellUpdate("Customers", rows[0], "LastFollowUpTime", None, dt.date(2026, 11, 30)),
        CellUpdate("Customers", rows[1], "LastFollowUpTime", None, dt.datetime(2026, 11, 2, 9, 30)),
        CellUpdate("Customers", rows[2], "ContactPhone", None, "138****5678"),
        CellUpdate("Customers", rows[3], "Remarks", None, "  留言 (含空格)  "),
        CellUpdate("Customers", rows[3], "Remarks", None, "  后写的为准  "),
        CellUpdate("Customers", rows[0], "DealAmount", None, 12_500),
        CellUpdate("Customers", rows[1], "NextFollowUpTime", None, None)])
    backend.apply(changes, db)
    read = _reads(monkeypatch)
    again = backend.reload(db, changes)
    assert read == []
    customers = again.df("Customers")
    assert customers.at[rows[3], "Remarks"] == "  后写的为准  "
    assert customers.at[rows[0], "DealAmount"] == 12_500.0
    assert db.df("Customers").at[rows[3], "Remarks"] != "  后写的为准  "  # the old load as it was
    assert len(again.df("ChangeLog")) and read == ["ChangeLog"]   # read when first looked at
    assert_same_db(again, FileBackend(backend.path).load())


@pytest.mark.parametrize("column, value", [
    ("Remarks", "第一行\r\n第二行"),            # XML reads \r\n back as \n
    ("Remarks", "控制字符\x07"),                # escaped as _x0007_ in the file
    ("Remarks", "_x0041_ 像转义"),
    ("Remarks", "长" * (EXCEL_MAX + 10)),        # cut to Excel's limit on write
    ("Remarks", 12345),                         # a number in a text column of texts
    ("LastFollowUpTime", "2026/11/30"),         # text in a date column
    ("LastFollowUpTime", "下周"),               # unreadable: the load reports it
    ("DealAmount", "1,234"),
    ("LastFollowUpTime", __import__("datetime").datetime(2026, 11, 2, 9, 30, 0, 123456)),
])
def test_cells_a_write_changes_on_the_way_are_read_again_from_the_file(backend, column, value):
    """What the file does not keep as given (line ends, control characters, text over Excel's
    limit, a value of another kind than its column's) is read back from the file, not assumed."""
    from xltools.changes import CellUpdate
    db = backend.load()
    row = int(db.df("Customers").index[5])
    changes = Changeset("test", updates=[CellUpdate("Customers", row, column, None, value)])
    backend.apply(changes, db)
    again = backend.reload(db, changes)
    assert_same_db(again, FileBackend(backend.path).load())


def test_a_blank_that_empties_a_row_and_a_fixed_unreadable_cell_read_as_a_fresh_load(backend):
    from xltools.changes import CellUpdate
    db = backend.load()
    row = int(db.df("Customers").index[7])
    changes = Changeset("test", updates=[CellUpdate("Customers", row, "LastFollowUpTime", None,
                                                    "下周")])
    backend.apply(changes, db)
    db = backend.reload(db, changes)
    fixed = Changeset("test", updates=[CellUpdate("Customers", row, "LastFollowUpTime", "下周",
                                                  __import__("datetime").date(2026, 12, 1))])
    backend.apply(fixed, db)
    again = backend.reload(db, fixed)
    assert not [i for i in again.load_issues if i.table == "Customers" and i.row == row]
    assert_same_db(again, FileBackend(backend.path).load())
    tags = again.df("Tags")
    tag_row = int(tags.index[0])
    emptied = Changeset("test", updates=[CellUpdate("Tags", tag_row, c, None, None)
                                         for c in tags.columns])
    backend.apply(emptied, again)
    last = backend.reload(again, emptied)
    assert tag_row not in last.df("Tags").index
    assert_same_db(last, FileBackend(backend.path).load())


def test_tables_steps_add_to_are_read_again_together_when_first_looked_at(backend, monkeypatch):
    """A step that appends to Tags and one that rebuilds Review: neither reload opens the book;
    the first look at either table reads both in one opening (the ChangeLog, which no later step
    of a batch looks at, stays pending), and the book reads as a fresh load of the file."""
    from xltools.backend import file as file_backend
    from xltools.changes import RowAppend, RowRemove, TableReplace
    db = backend.load()
    customer = db.df("Customers")["CustomerID"].iloc[0]
    tags = Changeset("test", appends=[RowAppend("Tags", {"CustomerID": customer, "Tag": "新标签"})],
                     removals=[RowRemove("Tags", int(db.df("Tags").index[0]))])
    backend.apply(tags, db)
    opened: list[set] = []
    real = file_backend.load_book
    monkeypatch.setattr(file_backend, "load_book",
                        lambda *a, **kw: opened.append(set(kw.get("reread") or ())) or real(*a, **kw))
    from xltools.backend import load
    real_lazy = load.load_book
    monkeypatch.setattr(load, "load_book",
                        lambda *a, **kw: opened.append(set(kw.get("reread") or ())) or
                        real_lazy(*a, **kw))
    db = backend.reload(db, tags)
    review = Changeset("test", replaces=[TableReplace("Review", [
        {"ClusterID": "D1", "CustomerID": customer, "Decision": ""}])])
    backend.apply(review, db)
    db = backend.reload(db, review)
    assert opened == [] and {"Tags", "Review", "ChangeLog"} <= db.tables.pending
    assert db.df("Tags")["Tag"].iloc[-1] == "新标签"
    assert opened == [{"Tags", "Review"}] and "ChangeLog" in db.tables.pending
    assert_same_db(db, FileBackend(backend.path).load())
