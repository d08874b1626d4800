"""Save safety: office lock files, the inter-process lock, rotating backups, undo."""

import multiprocessing
import time

import pytest

from xltools.backend import history, safety
from xltools.errors import BookLockedError, XlToolsError


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "team.xlsx"
    path.write_bytes(b"version 1")
    return path


@pytest.mark.parametrize("lock_name", ["~$team.xlsx", ".~lock.team.xlsx#"])
def test_open_in_office_refuses_with_bilingual_message(book, lock_name):
    (book.parent / lock_name).write_bytes(b"")
    with pytest.raises(BookLockedError) as err:
        safety.check_not_locked(book)
    assert "Excel" in err.value.zh and "close it" in err.value.en


def test_no_lock_file_passes(book):
    safety.check_not_locked(book)


def test_failed_write_leaves_the_old_file_and_no_temp(book):
    def broken(tmp):
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        safety.atomic_write(book, broken)
    assert book.read_bytes() == b"version 1"
    assert sorted(p.name for p in book.parent.iterdir()) == ["team.xlsx"]


def test_history_rotates_and_undo_steps_back(book):
    with safety.book_lock(book):
        for n in range(2, 9):
            history.commit(book, f"cmd{n}", lambda tmp, n=n: tmp.write_bytes(f"version {n}".encode()),
                           keep=3)
    assert len(history.backups(book)) == 4          # the current state and 3 to go back to
    assert history.undo(book).reverted.command == "cmd8"
    assert book.read_bytes() == b"version 7"
    history.undo(book)
    assert book.read_bytes() == b"version 6"
    history.undo(book)
    assert book.read_bytes() == b"version 5"
    with pytest.raises(XlToolsError):
        history.undo(book)
    assert len(history.backups(book)) == 4          # undo deletes nothing


def _hold_lock(path, seconds, ready):
    with safety.book_lock(path):
        ready.set()
        time.sleep(seconds)


def test_second_writer_refuses_while_another_holds_the_book(book):
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_lock, args=(book, 3, ready))
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(BookLockedError) as err:
            with safety.book_lock(book, wait=0.3):
                pass
        assert "another xltools command" in err.value.en
    finally:
        holder.join()
    with safety.book_lock(book, wait=0.3):  # free again once the holder is gone
        pass


def test_lock_is_released_when_the_holder_is_killed(book):
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_lock, args=(book, 60, ready))
    holder.start()
    assert ready.wait(10)
    holder.kill()
    holder.join()
    with safety.book_lock(book, wait=2):
        pass


def test_copies_a_killed_run_left_beside_the_book_are_removed_by_the_next_writer(book):
    stale = [book.with_name(".team.xlsx.xltools-tmp-99999"), book.with_name(".team.xltools-work-99999.xlsx")]
    for path in stale:
        path.write_bytes(b"a copy of the book")
    other = book.with_name("notes.txt")
    other.write_bytes(b"mine")
    with safety.book_lock(book):
        pass
    assert not any(p.exists() for p in stale)
    assert other.exists()
