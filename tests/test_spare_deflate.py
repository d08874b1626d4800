"""A batch's stored parts are deflated on a spare core while the steps go on: the book the swap
delivers is the same bytes either way, a part rewritten meanwhile is delivered as rewritten, and
nothing is left running on the working copy once the batch is over."""

import threading
import zipfile
import zlib

import pytest

from xltools.xlsx import zipcopy
from xltools.xlsx.spare_deflate import SpareDeflate


@pytest.fixture(autouse=True)
def small_parts_count_as_big(monkeypatch):
    monkeypatch.setattr(zipcopy, "PARALLEL_FROM", 1024)
    monkeypatch.setattr("os.cpu_count", lambda: 2)


def _rows(n, word=b"x"):
    return b"".join(b"<row r=\"%d\"><c><v>%s%d</v></c></row>" % (i, word, i * 7919)
                    for i in range(n))


def _copy(tmp_path, parts):
    path = tmp_path / "copy.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.xml", b"<a/>")
        for name in parts:
            z.writestr(name, b"<old/>")
    return path


def _finished(spare):
    for job in spare._jobs.values():
        job.future.result()


def test_the_swap_delivers_the_same_bytes_whether_the_spare_core_deflated_a_part_or_not(
        tmp_path):
    copy = _copy(tmp_path, ["big.xml"])
    stored = zipcopy.update_package(copy, {"big.xml": _rows(60_000)})
    assert stored == {"big.xml"}
    with SpareDeflate(copy) as spare:
        spare.start(stored)
        _finished(spare)
    with zipfile.ZipFile(copy) as z:
        assert spare.take(z.getinfo("big.xml")) is not None
    helped, alone = tmp_path / "helped.xlsx", tmp_path / "alone.xlsx"
    zipcopy.deflate_stored(copy, helped, stored, spare)
    zipcopy.deflate_stored(copy, alone, stored)
    assert helped.read_bytes() == alone.read_bytes()
    with zipfile.ZipFile(helped) as z:
        assert z.getinfo("big.xml").compress_type == zipfile.ZIP_DEFLATED
        assert z.read("big.xml") == _rows(60_000) and z.testzip() is None


def test_a_part_rewritten_after_its_deflating_began_is_delivered_as_rewritten(tmp_path):
    copy = _copy(tmp_path, ["big.xml"])
    with SpareDeflate(copy) as spare:
        spare.start(zipcopy.update_package(copy, {"big.xml": _rows(60_000, b"first")}))
        _finished(spare)
        spare.start(zipcopy.update_package(copy, {"big.xml": _rows(50_000, b"second")}))
    book = tmp_path / "book.xlsx"
    zipcopy.deflate_stored(copy, book, {"big.xml"}, spare)
    with zipfile.ZipFile(book) as z:
        assert z.read("big.xml") == _rows(50_000, b"second")
        assert z.namelist() == ["a.xml", "big.xml"]


def test_work_the_batch_no_longer_needs_is_dropped_and_the_thread_gone_when_it_ends(tmp_path):
    copy = _copy(tmp_path, ["one.xml", "two.xml", "three.xml"])
    parts = {name: _rows(120_000, name.encode()) for name in ("one.xml", "two.xml", "three.xml")}
    with SpareDeflate(copy) as spare:
        spare.start(zipcopy.update_package(copy, parts))
    assert not [t for t in threading.enumerate() if t.name.startswith("xltools-spare-deflate")]
    with zipfile.ZipFile(copy) as z:
        done = {name: spare.take(z.getinfo(name)) for name in parts}
    for name, packed in done.items():        # what was finished is whole; the rest is not offered
        assert packed is None or zlib.decompress(b"".join(packed), -15) == parts[name]
    copy.unlink()                            # nothing holds the copy open


def test_one_core_has_nothing_spare(tmp_path, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    copy = _copy(tmp_path, ["big.xml"])
    with SpareDeflate(copy) as spare:
        spare.start(zipcopy.update_package(copy, {"big.xml": _rows(60_000)}))
        with zipfile.ZipFile(copy) as z:
            assert spare.take(z.getinfo("big.xml")) is None
