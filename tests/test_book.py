"""xltools.Book: the Python API every caller (CLI, ribbon, monthly, demo) goes through."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import subprocess
import sys

import pytest

import xltools
from xltools import Book, Issue, Result, XlToolsError
from xltools.demo import demo_data
from xltools.errors import BadInputError, BookLockedError, UnknownOperationError
from xltools.catalog import operations
from xltools.template import build_template

TODAY = dt.date(2024, 6, 1)


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "team.xlsx"
    build_template(path, data=demo_data(n_customers=60, seed=5, today=TODAY))
    return path


def test_the_public_names_are_importable_from_the_package():
    assert {"Book", "Result", "Issue", "XlToolsError"} <= set(dir(xltools))
    assert issubclass(UnknownOperationError, LookupError) and issubclass(BadInputError, ValueError)
    assert issubclass(BookLockedError, OSError)


def test_every_operation_is_a_method_with_its_options(book):
    b = Book.open(book)
    for op in operations():
        name = op.id.replace("-", "_") + ("_" if op.id == "import" else "")
        assert name in dir(b)
        signature = inspect.signature(getattr(b, name))
        assert {p.name for p in op.params} | {"dry_run", "today", "lang"} == set(signature.parameters)


def test_validate_gives_the_cli_s_answer(book):
    result = Book.open(book).validate(today=TODAY, check={"unmasked": "off"}, no_mark=True)
    assert isinstance(result, Result) and all(isinstance(i, Issue) for i in result.issues)
    assert result.issues and not any(i.check == "unmasked" for i in result.issues)
    cli = subprocess.run([sys.executable, "-m", "xltools", "validate", str(book), "--json",
                          "--no-mark", "--check", "unmasked=off", "--today", "2024-06-01"],
                         capture_output=True, text=True)
    assert cli.returncode == 1
    assert json.loads(cli.stdout)["issues"] == [i.to_json() for i in result.issues]


def test_a_dry_run_writes_nothing_and_a_run_writes(book):
    before = book.read_bytes()
    b = Book.open(book)
    preview = b.tag(levels=True, today=TODAY, dry_run=True)
    assert preview.changes.data_changes() > 0 and book.read_bytes() == before
    done = b.run("tag", levels=True, today=TODAY)
    assert done.changes.data_changes() == preview.changes.data_changes()
    assert book.read_bytes() != before
    assert Book.open(book).tag(levels=True, today=TODAY).changes.data_changes() == 0
    assert b.lang == "zh"


def test_a_query_by_position_and_the_monthly_batch(book, tmp_path):
    b = Book.open(book)
    found = b.query("Region = 华南", today=TODAY, dry_run=True)
    assert found.data["count"] == sum(r.get("Region") == "华南" for r in found.data["rows"])
    report = tmp_path / "report.html"
    monthly = b.monthly(report=str(report), today=TODAY)
    assert [s["op"] for s in monthly.data["steps"]][0] == "mask" and report.exists()


def test_mistakes_are_typed_errors_a_python_user_can_catch(book, tmp_path):
    b = Book.open(book)
    with pytest.raises(UnknownOperationError) as err:
        b.run("no-such-op")
    assert "validate" in err.value.en
    with pytest.raises(ValueError):
        b.query("Region = = 华南")
    with pytest.raises(AttributeError):
        b.no_such_op()
    with pytest.raises(XlToolsError):
        Book.open(tmp_path / "missing.xlsx").info()
    with pytest.raises(ValueError):
        b.validate(today="1 June")


def test_a_live_book_gives_the_file_book_s_answer(book):
    """Book.live (the ribbon's way, here on the in-memory Excel stand-in) runs the same
    operations through the live backend and gets what Book.open gets from the file."""
    from xlwings_memory import open_book

    live = Book.live(open_book(book))
    on_file = Book.open(book)
    a = live.validate(today=TODAY, no_mark=True)
    b = on_file.validate(today=TODAY, no_mark=True)
    assert [i.to_json() for i in a.issues] == [i.to_json() for i in b.issues]
    assert live.lang == on_file.lang == "zh"
    assert live.tag(levels=True, today=TODAY).changes.data_changes() == \
        on_file.tag(levels=True, today=TODAY, dry_run=True).changes.data_changes() > 0


def test_a_run_leaves_the_garbage_collector_as_it_found_it(book, tmp_path):
    """Runs keep the loaded book out of the collector's walks (xltools.heap) and hand it back
    after: nothing stays frozen, collection is on, a cycle made meanwhile is collected."""
    import gc
    import weakref

    class Node:
        pass

    b = Book.open(book)
    for run in (lambda: b.run("validate", today=TODAY),
                lambda: b.monthly(report=str(tmp_path / "report.html"), today=TODAY)):
        cycle = Node()
        cycle.me = cycle
        alive = weakref.ref(cycle)
        del cycle
        run()
        assert gc.get_freeze_count() == 0 and gc.isenabled()
        gc.collect()
        assert alive() is None
