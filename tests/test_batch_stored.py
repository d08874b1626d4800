"""A batch's working copy keeps the big sheets it rewrites uncompressed between steps and deflates
them once, when the copy becomes the book: the book a user gets is deflated throughout, holds the
same parts the steps wrote."""

import zipfile

import pytest
from click.testing import CliRunner

from integration_support import demo_book, working_copy_of
from xltools.backend import file as file_backend
from xltools.cli import main
from xltools.xlsx import zipcopy


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "team.xlsx"
    demo_book(path, customers=80, seed=4)
    return path


@pytest.fixture
def book(pristine, tmp_path, monkeypatch):
    monkeypatch.setattr(zipcopy, "PARALLEL_FROM", 2048)   # the demo's sheets count as big
    return working_copy_of(pristine, tmp_path, monkeypatch)


def _members(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename: (i.compress_type, z.read(i.filename)) for i in z.infolist()}


def test_the_monthly_batch_stores_big_sheets_between_steps_and_delivers_them_deflated(
        book, monkeypatch):
    seen = []                       # what the working copy held after each step's write
    write = file_backend.write_package

    def spy(source, target, *args, **kwargs):
        stored = write(source, target, *args, **kwargs)
        seen.append((kwargs.get("store_big"), stored, _members(target)))
        return stored
    monkeypatch.setattr(file_backend, "write_package", spy)

    result = CliRunner().invoke(main, ["monthly", str(book)])
    assert result.exit_code in (0, 1), result.output
    assert seen and all(store for store, _, _ in seen)
    stored = set().union(*(names for _, names, _ in seen))
    assert "xl/worksheets/sheet1.xml" in stored          # the customers sheet, rewritten by mask

    delivered = _members(book)
    assert {kind for kind, _ in delivered.values()} == {zipfile.ZIP_DEFLATED}
    last_copy = seen[-1][2]
    assert {n: data for n, (_, data) in delivered.items()} == \
        {n: data for n, (_, data) in last_copy.items()}
    assert any(kind == zipfile.ZIP_STORED for kind, _ in last_copy.values())


def test_a_dry_run_batch_leaves_the_book_as_it_was(book):
    before = book.read_bytes()
    result = CliRunner().invoke(main, ["monthly", str(book), "--dry-run"])
    assert result.exit_code in (0, 1), result.output
    assert book.read_bytes() == before


def test_a_single_command_deflates_what_it_writes(book):
    """Outside a batch nothing is stored: the book on disk is the book."""
    assert CliRunner().invoke(main, ["mask", str(book)]).exit_code in (0, 1)
    assert {kind for kind, _ in _members(book).values()} == {zipfile.ZIP_DEFLATED}
