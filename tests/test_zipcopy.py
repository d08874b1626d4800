"""A big changed part is deflated in parallel blocks: the package must read back exactly, pass
zip's CRC check and be no bigger than one deflate stream would make it."""

import io
import random
import zipfile
import zlib

import pytest

from xltools.xlsx.zipcopy import PARALLEL_FROM, write_package


def test_a_big_part_is_written_in_blocks_that_read_back_exactly():
    rng = random.Random(3)
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>'
                    % (i, i, rng.choice([b"\xe5\x8d\x8e\xe8\x85\xbe", b"abc", b"13900770000"]))
                    for i in range(1, 200_000))
    assert len(rows) > 2 * PARALLEL_FROM
    src = io.BytesIO()
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"<old/>")
        z.writestr("[Content_Types].xml", b"<Types/>")
    out = io.BytesIO()
    write_package(src, out, {"xl/worksheets/sheet1.xml": [rows[:1000], memoryview(rows)[1000:]]})
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        assert z.read("xl/worksheets/sheet1.xml") == rows
        assert z.read("[Content_Types].xml") == b"<Types/>"
        size = z.getinfo("xl/worksheets/sheet1.xml").compress_size
    assert size <= len(zlib.compress(rows, 6)) * 1.01


@pytest.mark.libreoffice
def test_a_book_written_in_blocks_opens_in_libreoffice_and_passes_the_audit(tmp_path, libreoffice,
                                                                             monkeypatch):
    """Every part the write changes goes through the block deflate here (small blocks, so a small
    book has many): LibreOffice opens the book with its tables whole, openxml-audit finds it
    valid."""
    from xltools import Book
    from xltools.demo import DEMO_SECRET, synthetic_frames
    from xltools.template import build_template
    from xltools.xlsx import zipcopy

    monkeypatch.setenv("XLTOOLS_SECRET", DEMO_SECRET.decode())
    monkeypatch.setattr(zipcopy, "PARALLEL_FROM", 1 << 10)
    monkeypatch.setattr(zipcopy, "BLOCK", 4 << 10)
    book = tmp_path / "blocks.xlsx"
    build_template(book, data=synthetic_frames(300, 1, seed=2))
    Book.open(book).validate()                  # marks: the Customers sheet is written again
    with zipfile.ZipFile(book) as z:
        assert z.testzip() is None
        info = z.getinfo("xl/worksheets/sheet1.xml")
        with open(book, "rb") as fh:            # its stream holds the blocks' sync flushes
            fh.seek(info.header_offset + 26)
            skip = int.from_bytes(fh.read(2), "little") + int.from_bytes(fh.read(2), "little")
            fh.seek(info.header_offset + 30 + skip)
            assert fh.read(info.compress_size).count(b"\x00\x00\xff\xff") >= 2
    report = libreoffice.probe(book)[0]
    customers = len(Book.open(book).load().customers)
    assert report["database_ranges"]["tblCustomers"].endswith(f"{customers + 1}")
    audit = pytest.importorskip("openxml_audit")
    result = audit.OpenXmlValidator(file_format=audit.FileFormat.MICROSOFT_365,
                                    max_errors=0).validate(str(book))
    assert result.is_valid, [e.description for e in result.errors][:5]
