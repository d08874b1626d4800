"""A sheet whose compressed bytes are damaged: a clear error, never zlib's own exception."""

import io
import zipfile
import zlib

import pytest

from xltools.backend.file import FileBackend
from xltools.demo import demo_data
from xltools.errors import BadWorkbookError
from xltools.template import build_template
from xltools.xlsx import extent, guard

SHEET = "xl/worksheets/sheet1.xml"


def _inflates(data: bytes, size: int) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)).open(SHEET) as fh:
            fh.read(size)
        return True
    except zlib.error:
        return False


def _damage_past_the_guard(book) -> bytes:
    """The book with six bytes of the sheet's deflate stream flipped where inflating still gets
    past the DTD guard's first bytes but fails before the loader's extent check has read its
    prolog (how the fuzz run first found the leak)."""
    original = book.read_bytes()
    info = zipfile.ZipFile(book).getinfo(SHEET)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(2, info.compress_size - 6):
        data = bytearray(original)
        for i in range(start + offset, start + offset + 6):
            data[i] ^= 0xFF
        if _inflates(bytes(data), guard.PROLOG_BYTES) and \
                not _inflates(bytes(data), extent.PROLOG_BYTES):
            return bytes(data)
    raise AssertionError("no such damage found: the test needs a new way to break the sheet")


def test_a_sheet_that_will_not_inflate_is_a_damaged_workbook(tmp_path):
    book = tmp_path / "team.xlsx"
    build_template(book, data=demo_data(n_customers=60, seed=5, mess=False))
    book.write_bytes(_damage_past_the_guard(book))
    with pytest.raises(BadWorkbookError) as err:
        FileBackend(book).load()
    assert "damaged" in err.value.en and "损坏" in err.value.zh
