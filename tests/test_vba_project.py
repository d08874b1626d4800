"""vbaProject.bin from sources, read back by oletools' olevba (an independent VBA reader)."""

from __future__ import annotations

import io
import struct

import olefile
import pytest
from oletools.olevba import VBA_Parser, decompress_stream

from xltools.vba import ovba
from xltools.vba.project import (CLASS_BASE, WORKBOOK_BASE, Module, build_vba_project,
                                 document_module, parse_module, standard_module)

LONG_BODY = "".join(f"Public Sub Step{i}(control As Object)\n    MsgBox \"step {i}\"\nEnd Sub\n\n"
                    for i in range(400))  # > 4096 bytes: several compressed chunks

CLASS_FILE = ('VERSION 1.0 CLASS\r\nBEGIN\r\n  MultiUse = -1  \'True\r\nEND\r\n'
              'Attribute VB_Name = "Counter"\r\nAttribute VB_Exposed = False\r\n'
              "Private n As Long\r\nPublic Sub Add()\r\n    n = n + 1\r\nEnd Sub\r\n")


def sample_modules() -> list[Module]:
    return [document_module("ThisWorkbook", WORKBOOK_BASE),
            document_module("Sheet1"),
            standard_module("Ribbon", "Option Explicit\n\nPublic Sub Go(control As Object)\n"
                                      "    RunPython \"import x; x.go()\"\nEnd Sub\n"),
            standard_module("Long_Module", LONG_BODY),
            parse_module(CLASS_FILE)]


def olevba_modules(blob: bytes) -> dict[str, str]:
    parser = VBA_Parser("vbaProject.bin", data=blob)
    assert parser.detect_vba_macros()
    return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}


def lf(text: str) -> str:
    return text.replace("\r\n", "\n")


def test_olevba_lists_every_module_with_our_source():
    modules = sample_modules()
    found = olevba_modules(build_vba_project(modules, project_name="xltools"))
    assert set(found) == {m.name for m in modules}
    for m in modules:
        assert lf(found[m.name]) == lf(m.code)


def test_module_kinds_reach_the_dir_stream():
    ole = olefile.OleFileIO(io.BytesIO(build_vba_project(sample_modules())))
    dir_stream = ovba.decompress(ole.openstream("VBA/dir").read())
    types, pos = [], 0
    while pos < len(dir_stream):
        rid, size = struct.unpack_from("<HI", dir_stream, pos)
        if rid in (0x0021, 0x0022):
            types.append(rid)
        pos += 6 + (6 if rid == 0x0009 else size)
    assert types == [0x0022, 0x0022, 0x0021, 0x0021, 0x0022]
    project = ole.openstream("PROJECT").read().decode("cp1252")
    assert "Document=ThisWorkbook/&H00000000" in project
    assert "Module=Ribbon" in project and "Class=Counter" in project
    assert bytes(decompress_stream(bytearray(ole.openstream("VBA/Ribbon").read()))).startswith(
        b'Attribute VB_Name = "Ribbon"')


def test_code_page_is_a_parameter():
    module = standard_module("Notes", "' \u5ba2\u6237\u7ba1\u7406\nSub A()\nEnd Sub\n")
    with pytest.raises(ValueError, match="code page 1252"):
        build_vba_project([module])
    found = olevba_modules(build_vba_project([module], codepage=936))
    assert lf(found["Notes"]) == lf(module.code)


def test_exported_class_file_is_stored_like_the_editor_stores_it():
    module = parse_module(CLASS_FILE)
    assert module.kind == "class" and module.name == "Counter"
    assert not module.code.startswith("VERSION")
    assert f'Attribute VB_Base = "{CLASS_BASE}"' in module.code.splitlines()[1]


def test_builds_are_reproducible():
    assert build_vba_project(sample_modules()) == build_vba_project(sample_modules())


@pytest.mark.parametrize("modules, message", [
    ([standard_module("A", ""), standard_module("a", "")], "used twice"),
    ([standard_module("1bad", "")], "not a VBA name"),
    ([Module("Named", 'Attribute VB_Name = "Other"\r\n')], "needs Attribute VB_Name"),
])
def test_bad_projects_are_refused(modules, message):
    with pytest.raises(ValueError, match=message):
        build_vba_project(modules)
