"""Build ``vbaProject.bin`` from VBA module sources, per [MS-OVBA].

The project is a compound file (:mod:`.cfb`) holding::

    PROJECT            text: the project ID, one line per module, protection state, name ...
    PROJECTwm          each module's name in the code page and in UTF-16
    VBA/dir            compressed records: project information, references, one block per module
    VBA/_VBA_PROJECT   7 bytes; version 0xFFFF says "no compiled code here"
    VBA/<module>       the module's compressed source, at offset 0 (no p-code before it)

Office finds no p-code it can use, so it compiles the sources when it opens the file; LibreOffice
and oletools read the sources directly. Modules use late binding (``control As Object``), so the
project needs no references.

    >>> blob = build_vba_project([standard_module("Hello", "Sub Hi()\\r\\nEnd Sub\\r\\n")])
    >>> blob[:4].hex()
    'd0cf11e0'
"""

from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from . import ovba
from .cfb import write_cfb

Kind = Literal["standard", "class", "document"]

WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"   # Excel's ThisWorkbook
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"  # an Excel worksheet
CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"      # a VBA class module
_HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
_VBA_PROJECT_STREAM = b"\xcc\x61\xff\xff\x00\x01\x00"  # 0x61CC, version 0xFFFF, reserved
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}\Z")
_VB_NAME = re.compile(r'^Attribute VB_Name = "([^"]*)"\r?$', re.MULTILINE)


@dataclass(frozen=True)
class Module:
    """One VBA module: its name, its source as VBA stores it (with its ``Attribute`` lines)."""

    name: str
    code: str
    kind: Kind = "standard"

    @property
    def stored_code(self) -> str:
        """The source with CRLF line ends, as the module stream holds it."""
        return crlf(self.code)


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def standard_module(name: str, body: str) -> Module:
    """A standard (``.bas``) module named ``name`` holding ``body``."""
    return Module(name, f'Attribute VB_Name = "{name}"\r\n' + crlf(body), "standard")


def document_module(name: str, base: str = WORKSHEET_BASE, body: str = "") -> Module:
    """The code-behind module of a workbook (``base=WORKBOOK_BASE``) or a worksheet."""
    attributes = [f'Attribute VB_Name = "{name}"', f'Attribute VB_Base = "{base}"',
                  "Attribute VB_GlobalNameSpace = False", "Attribute VB_Creatable = False",
                  "Attribute VB_PredeclaredId = True", "Attribute VB_Exposed = True",
                  "Attribute VB_TemplateDerived = False", "Attribute VB_Customizable = True"]
    return Module(name, "\r\n".join(attributes) + "\r\n" + crlf(body), "document")


def parse_module(text: str, kind: Kind | None = None, name: str | None = None) -> Module:
    """A module from the text of an exported ``.bas`` or ``.cls`` file.

    An exported class starts with a ``VERSION 1.0 CLASS`` / ``BEGIN`` ... ``END`` header that the
    VBA editor consumes on import; it is dropped, and the class base attribute the editor would
    add is added. ``name`` overrides the ``Attribute VB_Name`` line (which is added if missing).
    """
    text = crlf(text.lstrip("\ufeff"))
    if kind is None:
        kind = "class" if text.startswith("VERSION 1.0 CLASS") else "standard"
    if text.startswith("VERSION "):
        end = re.search(r"^END\r\n", text, re.MULTILINE)
        if not end:
            raise ValueError("class module header (VERSION / BEGIN) without its END line")
        text = text[end.end():]
    found = _VB_NAME.search(text)
    if name is None:
        if not found:
            raise ValueError('module source lacks its Attribute VB_Name = "..." line')
        name = found.group(1)
    if found:
        text = text[:found.start()] + f'Attribute VB_Name = "{name}"' + text[found.end():]
    else:
        text = f'Attribute VB_Name = "{name}"\r\n' + text
    if kind == "class" and "Attribute VB_Base" not in text:
        text = _VB_NAME.sub(lambda m: f'{m.group(0)}\r\nAttribute VB_Base = "{CLASS_BASE}"',
                            text, count=1)
    return Module(name, text, kind)


def read_module(path: str | Path, name: str | None = None) -> Module:
    """A module from an exported ``.bas`` / ``.cls`` file (ASCII or UTF-8)."""
    path = Path(path)
    kind: Kind = "class" if path.suffix.lower() == ".cls" else "standard"
    return parse_module(path.read_text(encoding="utf-8"), kind, name)


# ---------------------------------------------------------------- the project


def build_vba_project(modules: Iterable[Module], *, project_name: str = "VBAProject",
                      codepage: int = 1252, lcid: int = 0x0409,
                      project_id: str | None = None) -> bytes:
    """The bytes of a ``vbaProject.bin`` holding ``modules`` as source-only modules.

    ``codepage`` encodes names and sources (1252 suits ASCII sources; 936 would allow GBK
    comments). The output is reproducible: the project ID defaults to one derived from the name.
    """
    modules = list(modules)
    _check(modules, project_name)
    if project_id is None:
        project_id = "{%s}" % str(uuid.uuid5(uuid.NAMESPACE_URL, f"xltools:{project_name}")).upper()
    encoding = f"cp{codepage}"

    streams = {
        "PROJECT": _project_stream(modules, project_name, project_id, encoding),
        "PROJECTwm": _project_wm(modules, encoding),
        "VBA/_VBA_PROJECT": _VBA_PROJECT_STREAM,
        "VBA/dir": ovba.compress(_dir_stream(modules, project_name, codepage, lcid, encoding)),
    }
    for module in modules:
        try:
            source = module.stored_code.encode(encoding)
        except UnicodeEncodeError as err:
            raise ValueError(f"module {module.name}: source is not encodable in code page "
                             f"{codepage} ({err.reason} at {err.start})") from None
        streams[f"VBA/{module.name}"] = ovba.compress(source)
    return write_cfb(streams)


def _check(modules: list[Module], project_name: str) -> None:
    seen: set[str] = set()
    for name in [project_name] + [m.name for m in modules]:
        if not _IDENTIFIER.match(name):
            raise ValueError(f"not a VBA name (letter, then letters/digits/_; max 31): {name!r}")
        if name.lower() in seen:
            raise ValueError(f"VBA name used twice (names ignore case): {name!r}")
        seen.add(name.lower())
    for module in modules:
        found = _VB_NAME.search(module.stored_code)
        if not found or found.group(1) != module.name:
            raise ValueError(f'module {module.name}: source needs Attribute VB_Name = "{module.name}"')


def _project_stream(modules: list[Module], name: str, project_id: str, encoding: str) -> bytes:
    key = {"document": "Document", "standard": "Module", "class": "Class"}
    lines = [f'ID="{project_id}"']
    for m in modules:
        lines.append(f"Document={m.name}/&H00000000" if m.kind == "document"
                     else f"{key[m.kind]}={m.name}")
    # fixed seeds keep builds reproducible; the values are "unprotected, no password, visible"
    protection = {"CMG": (b"\0\0\0\0", 0x31), "DPB": (b"\0", 0x52), "GC": (b"\xff", 0x77)}
    lines += [f'Name="{name}"', 'HelpContextID="0"', 'VersionCompatible32="393222000"']
    lines += [f'{k}="{ovba.encrypt(data, project_id, seed).hex().upper()}"'
              for k, (data, seed) in protection.items()]
    lines += ["", "[Host Extender Info]", _HOST_EXTENDER, "", "[Workspace]"]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _project_wm(modules: list[Module], encoding: str) -> bytes:
    out = bytearray()
    for m in modules:
        out += m.name.encode(encoding) + b"\0" + m.name.encode("utf-16-le") + b"\0\0"
    return bytes(out + b"\0\0")


def _rec(record_id: int, payload: bytes = b"") -> bytes:
    return struct.pack("<HI", record_id, len(payload)) + payload


def _dir_stream(modules: list[Module], name: str, codepage: int, lcid: int,
                encoding: str) -> bytes:
    """The decompressed ``dir`` stream (MS-OVBA 2.3.4.2)."""
    u16 = "utf-16-le"
    out = bytearray()
    out += _rec(0x0001, struct.pack("<I", 1))          # PROJECTSYSKIND: 32-bit Windows
    out += _rec(0x0002, struct.pack("<I", lcid))       # PROJECTLCID
    out += _rec(0x0014, struct.pack("<I", lcid))       # PROJECTLCIDINVOKE
    out += _rec(0x0003, struct.pack("<H", codepage))   # PROJECTCODEPAGE
    out += _rec(0x0004, name.encode(encoding))         # PROJECTNAME
    out += _rec(0x0005) + _rec(0x0040)                 # PROJECTDOCSTRING (+ unicode)
    out += _rec(0x0006) + _rec(0x003D)                 # PROJECTHELPFILEPATH (+ second copy)
    out += _rec(0x0007, struct.pack("<I", 0))          # PROJECTHELPCONTEXT
    out += _rec(0x0008, struct.pack("<I", 0))          # PROJECTLIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)       # PROJECTVERSION 1.0 (size field is 4)
    out += _rec(0x000C) + _rec(0x003C)                 # PROJECTCONSTANTS (+ unicode)
    # no references: the modules bind late
    out += _rec(0x000F, struct.pack("<H", len(modules)))  # PROJECTMODULES
    out += _rec(0x0013, struct.pack("<H", 0xFFFF))        # PROJECTCOOKIE
    for m in modules:
        out += _rec(0x0019, m.name.encode(encoding))       # MODULENAME
        out += _rec(0x0047, m.name.encode(u16))            # MODULENAMEUNICODE
        out += _rec(0x001A, m.name.encode(encoding))       # MODULESTREAMNAME
        out += _rec(0x0032, m.name.encode(u16))
        out += _rec(0x001C) + _rec(0x0048)                 # MODULEDOCSTRING (+ unicode)
        out += _rec(0x0031, struct.pack("<I", 0))          # MODULEOFFSET: source at 0
        out += _rec(0x001E, struct.pack("<I", 0))          # MODULEHELPCONTEXT
        out += _rec(0x002C, struct.pack("<H", 0xFFFF))     # MODULECOOKIE
        out += _rec(0x0021 if m.kind == "standard" else 0x0022)  # MODULETYPE
        out += _rec(0x002B)                                # module terminator
    out += _rec(0x0010)                                    # dir terminator
    return bytes(out)
