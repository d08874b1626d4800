"""Big parts inflate through ISA-L (xlsx/inflate.py): the same bytes zipfile gives, and a member
that is not what the zip's directory says is a damaged workbook, as it was with zipfile."""

import random
import zlib

import zipfile

import pytest

from xltools.demo import demo_data
from xltools.template import build_template
from xltools.xlsx import inflate, package as package_module
from xltools.xlsx.package import Package

from badfiles import _deflate, write_zip

SHEET = "xl/worksheets/sheet1.xml"


def _sheet_xml(rows: int, seed: int = 3) -> bytes:
    rng = random.Random(seed)
    cells = (f'<row r="{r}"><c r="A{r}" t="s"><v>{rng.randrange(10**6)}</v></c>'
             f'<c r="B{r}"><v>{rng.random()}</v></c></row>' for r in range(1, rows + 1))
    return b"<worksheet><sheetData>" + "".join(cells).encode() + b"</sheetData></worksheet>"


def _book(tmp_path, data: bytes, *, crc: int | None = None, size: int | None = None,
          stream: bytes | None = None):
    path = tmp_path / "book.xlsx"
    write_zip(path, [(SHEET, _deflate(data) if stream is None else stream,
                      zlib.crc32(data) if crc is None else crc,
                      len(data) if size is None else size)])
    return path


def test_a_big_part_reads_as_zipfile_reads_it(tmp_path, monkeypatch):
    """Package.read, read_buffer and chunks give zipfile's bytes."""
    monkeypatch.setattr(package_module, "_BUFFER_FROM", 1000)   # every sheet is "big"
    path = tmp_path / "book.xlsx"
    build_template(path, data=demo_data(seed=5))
    with zipfile.ZipFile(path) as z, Package(path) as pkg:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) > 5
        for name in sheets:
            assert pkg.read(name) == bytes(pkg.read_buffer(name)) == z.read(name)
            assert b"".join(pkg.chunks(name)) == z.read(name)


def test_a_member_inflates_in_pieces_to_its_bytes(tmp_path):
    data = _sheet_xml(20_000)
    path = _book(tmp_path, data)
    with zipfile.ZipFile(path) as z:
        pieces = list(inflate.pieces(z, z.getinfo(SHEET)))
        whole = inflate.whole(z, z.getinfo(SHEET))
    assert len(pieces) > 1 and b"".join(pieces) == data == whole


@pytest.mark.parametrize("lie", ["crc", "shorter", "longer", "cut", "garbage"])
def test_a_member_not_as_declared_does_not_inflate(tmp_path, lie):
    """zipfile's checks, kept: a stream longer than its declared size is cut off there (a
    header cannot understate a bomb), a short or garbled stream or a wrong CRC is refused."""
    data = _sheet_xml(5_000)
    stream = _deflate(data)
    book = {"crc": dict(crc=zlib.crc32(data) ^ 1),
            "shorter": dict(size=len(data) - 10),
            "longer": dict(size=len(data) + 10),
            "cut": dict(stream=stream[:len(stream) // 2]),
            "garbage": dict(stream=stream[:50] + bytes(range(256)) * 4 + stream[1100:])}[lie]
    with zipfile.ZipFile(_book(tmp_path, data, **book)) as z:
        with pytest.raises(zipfile.BadZipFile, match=SHEET):
            b"".join(inflate.pieces(z, z.getinfo(SHEET)))
        with pytest.raises(zipfile.BadZipFile, match=SHEET):
            inflate.whole(z, z.getinfo(SHEET))
