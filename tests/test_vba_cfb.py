"""The compound-file writer, read back by olefile in its strict mode."""

from __future__ import annotations

import io
import random

import olefile
import pytest

from xltools.vba.cfb import NOSTREAM, sort_key, write_cfb


def read_back(blob: bytes) -> olefile.OleFileIO:
    return olefile.OleFileIO(io.BytesIO(blob), raise_defects=olefile.DEFECT_INCORRECT)


def streams_of(ole: olefile.OleFileIO) -> dict[str, bytes]:
    return {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}


rng = random.Random(7)
RED, BLACK = 0, 1          # [MS-CFB] 2.6.1 colour flag


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 4095, 4096, 4097, 70_000])
def test_stream_sizes_around_every_boundary(size):
    data = rng.randbytes(size)
    ole = read_back(write_cfb({"S": data, "small": b"x"}))
    assert ole.openstream("S").read() == data
    assert ole.get_size("S") == size
    assert ole.openstream("small").read() == b"x"


def test_vba_project_shape():
    streams = {
        "PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\n',
        "PROJECTwm": b"Module1\0M\0o\0d\0u\0l\0e\x001\0\0\0\0\0",
        "VBA/_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x00\x00",
        "VBA/dir": rng.randbytes(1500),
        "VBA/Module1": rng.randbytes(9000),
        "VBA/ThisWorkbook": rng.randbytes(300),
    }
    ole = read_back(write_cfb(streams))
    assert streams_of(ole) == streams
    assert ole.get_type("VBA") == olefile.STGTY_STORAGE


def test_many_entries_and_many_fat_sectors():
    # > 4 entries per directory sector and > 128 sectors per FAT sector
    streams = {f"D{i % 3}/stream{i}": rng.randbytes(rng.choice([10, 700, 5000, 40_000]))
               for i in range(60)}
    blob = write_cfb(streams)
    assert len(blob) > 128 * 512 * 2
    assert streams_of(read_back(blob)) == streams


def test_empty_file_has_only_a_root():
    ole = read_back(write_cfb({}))
    assert ole.listdir() == []


def test_sibling_trees_are_search_trees_in_cfb_order():
    names = ["dir", "PROJECT", "a", "B", "Module10", "module2", "Z" * 31, "xlwings", "_VBA_PROJECT"]
    ole = read_back(write_cfb({n: b"." for n in names}))
    entries = ole.direntries

    def in_order(sid):
        if sid == NOSTREAM:
            return []
        e = entries[sid]
        return in_order(e.sid_left) + [e.name] + in_order(e.sid_right)

    visited = in_order(entries[0].sid_child)
    assert sorted(visited) == sorted(names)
    assert visited == sorted(names, key=sort_key)


def test_bad_names_are_refused():
    with pytest.raises(ValueError):
        write_cfb({"x" * 32: b""})
    with pytest.raises(ValueError):
        write_cfb({"a:b": b""})
    with pytest.raises(ValueError):
        write_cfb({"S": b"", "S/child": b""})


def check_red_black(entries, sid) -> int:
    """Black height of the sibling tree at ``sid``; asserts the red-black rules on the way."""
    if sid == NOSTREAM:
        return 1
    e = entries[sid]
    for kid in (e.sid_left, e.sid_right):
        if e.color == RED and kid != NOSTREAM:
            assert entries[kid].color == BLACK, f"red {e.name} has a red child"
    left, right = check_red_black(entries, e.sid_left), check_red_black(entries, e.sid_right)
    assert left == right, f"black heights differ under {e.name}"
    return left + (e.color == BLACK)


@pytest.mark.parametrize("modules", range(1, 41))
def test_directory_is_a_valid_red_black_tree_for_any_number_of_modules(modules):
    from xltools.vba.project import build_vba_project, standard_module

    blob = build_vba_project([standard_module(f"Module{i}", "Sub X()\r\nEnd Sub\r\n")
                              for i in range(1, modules + 1)])
    ole = read_back(blob)
    entries = ole.direntries
    assert len([e for e in entries if e and e.name.startswith("Module")]) == modules
    for e in entries:
        if e is not None and e.sid_child != NOSTREAM:
            assert entries[e.sid_child].color == BLACK, f"red root under {e.name}"
            check_red_black(entries, e.sid_child)
