"""A big changed part is deflated in parallel blocks: the package must read back exactly, pass
zip's CRC check and be no bigger than one deflate stream would make it."""

import io
import random
import zipfile
import zlib

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
