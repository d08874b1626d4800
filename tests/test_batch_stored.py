"""A batch's working copy is written in place (each step appends the parts it changed, big sheets
uncompressed) and deflated once, when the copy becomes the book: the book a user gets is deflated
throughout, compact, and holds the parts the steps wrote, in their order."""

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


def test_the_monthly_batch_writes_its_copy_in_place_and_delivers_it_compact_and_deflated(
        book, monkeypatch):
    seen = []                       # what the working copy held after each step's write
    update = file_backend.update_package

    def spy(path, *args, **kwargs):
        size = path.stat().st_size
        stored = update(path, *args, **kwargs)
        seen.append((stored, _members(path), size, path.stat().st_size))
        return stored
    monkeypatch.setattr(file_backend, "update_package", spy)

    result = CliRunner().invoke(main, ["monthly", str(book)])
    assert result.exit_code in (0, 1), result.output
    assert len(seen) > 3
    stored = set().union(*(names for names, *_ in seen))
    assert "xl/worksheets/sheet1.xml" in stored          # the customers sheet, rewritten by mask
    assert all(after > before for *_, before, after in seen)     # appended to, never rewritten

    delivered = _members(book)
    assert {kind for kind, _ in delivered.values()} == {zipfile.ZIP_DEFLATED}
    last_copy = seen[-1][1]
    assert {n: data for n, (_, data) in delivered.items()} == \
        {n: data for n, (_, data) in last_copy.items()}
    assert list(delivered) == list(last_copy)                   # the members in their order
    assert any(kind == zipfile.ZIP_STORED for kind, _ in last_copy.values())
    # the last step's big parts were deflated as they were written: nothing reads them before
    # the swap, so storing them would only write them twice
    assert seen[-1][0] == set()
    assert book.stat().st_size < seen[-1][3] / 3       # what the steps replaced is left out


def test_a_dry_run_batch_leaves_the_book_as_it_was(book):
    before = book.read_bytes()
    result = CliRunner().invoke(main, ["monthly", str(book), "--dry-run"])
    assert result.exit_code in (0, 1), result.output
    assert book.read_bytes() == before


def test_a_single_command_deflates_what_it_writes(book):
    """Outside a batch nothing is stored: the book on disk is the book."""
    assert CliRunner().invoke(main, ["mask", str(book)]).exit_code in (0, 1)
    assert {kind for kind, _ in _members(book).values()} == {zipfile.ZIP_DEFLATED}
