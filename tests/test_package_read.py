"""A big sheet the writer edits is read into one buffer as it inflates (not held twice while
zipfile grows its result): the same bytes as a plain read, and a damaged one is still refused
with a clear error. The size from which this path is taken is lowered so a small book takes it."""

import zipfile

import pytest
from test_damaged_member import SHEET, _damage_past_the_guard

from xltools.backend.file import FileBackend
from xltools.changes import CellUpdate, Changeset
from xltools.demo import demo_data
from xltools.errors import BadWorkbookError
from xltools.template import build_template
from xltools.xlsx import package
from xltools.xlsx.package import Package


@pytest.fixture
def book(tmp_path, monkeypatch):
    monkeypatch.setattr(package, "_BUFFER_FROM", 1)
    path = tmp_path / "team.xlsx"
    build_template(path, data=demo_data(n_customers=60, seed=5, mess=False))
    return path


def test_a_buffered_read_gives_the_parts_bytes(book):
    with Package(book) as pkg, zipfile.ZipFile(book) as z:
        for name in z.namelist():
            assert pkg.read_buffer(name) == z.read(name)


def test_an_edit_through_the_buffered_sheet_keeps_every_other_cell(book):
    backend = FileBackend(book, command="test", backups=False)
    db = backend.load()
    row = db.customers.index[3]
    backend.apply(Changeset("test", updates=[CellUpdate("Customers", row, "Remarks", None,
                                                        "新备注")]), db)
    after = FileBackend(book).load()
    assert after.customers.at[row, "Remarks"] == "新备注"
    others = [c for c in db.customers.columns if c != "Remarks"]
    assert after.customers[others].equals(db.customers[others])


def test_a_damaged_big_sheet_is_a_damaged_workbook(book):
    book.write_bytes(_damage_past_the_guard(book))
    with Package(book) as pkg, pytest.raises(BadWorkbookError) as err:
        pkg.read_buffer(SHEET)
    assert "damaged" in err.value.en and "损坏" in err.value.zh


def test_a_central_directory_naming_an_unknown_zip_version_is_a_damaged_workbook(book):
    """Python's zipfile raises NotImplementedError for a version it does not know: a damaged
    directory entry, reported as a bad workbook like any other damage (found by test_fuzz)."""
    data = bytearray(book.read_bytes())
    entry = data.index(b"PK\x01\x02")          # the first central directory entry
    data[entry + 6] = 223                      # "version needed to extract": 22.3
    book.write_bytes(bytes(data))
    with pytest.raises(BadWorkbookError) as err:
        Package(book)
    assert "not a valid Excel workbook" in err.value.en


def test_a_file_to_import_naming_an_unknown_zip_version_is_refused_as_damaged(book, tmp_path):
    """The same damage in a file to import: refused with our error, not zipfile's
    NotImplementedError, and not handed to a reader that would skip the guard (test_fuzz)."""
    from xltools.errors import BadInputError
    from xltools.importer.sources import read_source
    data = bytearray(book.read_bytes())
    data[data.index(b"PK\x01\x02") + 6] = 223
    export = tmp_path / "export.xlsx"
    export.write_bytes(bytes(data))
    with pytest.raises(BadInputError) as err:
        list(read_source(export, None))
    assert "damaged" in err.value.en and "export.xlsx" in err.value.en


def test_a_member_flagged_encrypted_is_a_damaged_workbook_in_a_book_and_an_import(book, tmp_path):
    """zipfile stops at an encrypted member with a RuntimeError: the guard names the member as
    damaged before that, for a book opened and for a file imported (found by test_fuzz)."""
    from xltools.errors import BadInputError
    from xltools.importer.sources import read_source
    data = bytearray(book.read_bytes())
    entry = data.index(b"PK\x01\x02")          # the first central directory entry
    data[entry + 8] |= 0x1                     # general purpose flags: encrypted
    book.write_bytes(bytes(data))
    with pytest.raises(BadWorkbookError) as err:
        Package(book)
    assert "damaged" in err.value.en and "encrypted" in err.value.en
    export = tmp_path / "export.xlsx"
    export.write_bytes(bytes(data))
    with pytest.raises(BadInputError):
        list(read_source(export, None))
