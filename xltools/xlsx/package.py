"""The OOXML package of a workbook (.xlsx/.xlsm), read without loading any cell.

A :class:`Package` opens the zip and answers the questions a backend asks before it touches a
cell: which sheets there are (name, part, state), the workbook's defined names, each part's
relationships, every Excel table (name, ref, column names, sheet) and which comments, drawings
and VML parts hang off each sheet. Tables are found by name, never by sheet position.

XML is parsed with a safe parser: no entity expansion, no DTD, no network; ``huge_tree`` so a
500,000-row sheet is not refused.

>>> import io, xlsxwriter
>>> buf = io.BytesIO()
>>> wb = xlsxwriter.Workbook(buf); ws = wb.add_worksheet("客户")
>>> _ = ws.add_table("B3:C5", {"name": "tblX", "columns": [{"header": "ID"}, {"header": "名称"}]})
>>> wb.close()
>>> pkg = Package(buf)
>>> t = pkg.tables["tblX"]
>>> t.ref, t.columns, t.sheet.name, t.sheet.part
('B3:C5', ['ID', '名称'], '客户', 'xl/worksheets/sheet1.xml')
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO

from lxml import etree

from ..errors import BadWorkbookError
from . import guard, inflate

_BUFFER_FROM = 8 << 20   # a part this big is inflated by ISA-L, read_buffer's into one buffer
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"

REL_WORKSHEET = R_NS + "/worksheet"
REL_CHARTSHEET = R_NS + "/chartsheet"
REL_TABLE = R_NS + "/table"
REL_COMMENTS = R_NS + "/comments"
REL_VML = R_NS + "/vmlDrawing"
REL_DRAWING = R_NS + "/drawing"
REL_HYPERLINK = R_NS + "/hyperlink"
REL_STYLES = R_NS + "/styles"
REL_SST = R_NS + "/sharedStrings"
REL_OFFICE_DOC = R_NS + "/officeDocument"

CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"

XML_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def safe_parser() -> etree.XMLParser:
    """An lxml parser that never resolves entities, loads DTDs or touches the network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=True, remove_comments=False)


def parse_xml(data: bytes) -> etree._Element:
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as err:
        raise BadWorkbookError(f"工作簿中的 XML 已损坏:{err}",
                               f"the workbook holds broken XML: {err}") from None
    if root.getroottree().docinfo.doctype:  # the package guard refuses these first
        raise BadWorkbookError("工作簿中的 XML 含有 DTD 声明,已拒绝读取",
                               "the workbook holds XML that declares a DTD; refused")
    return root


def to_xml(element: etree._Element) -> bytes:
    """Serialise a part as Excel writes it: UTF-8, standalone declaration."""
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)


def q(tag: str, ns: str = MAIN_NS) -> str:
    """'sheet' -> '{main namespace}sheet'."""
    return f"{{{ns}}}{tag}"


def resolve(base_part: str, target: str) -> str:
    """A relationship target as a part name: ('xl/workbook.xml', 'worksheets/sheet1.xml') ->
    'xl/worksheets/sheet1.xml'; absolute targets ('/xl/...') lose their slash."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def relative(base_part: str, part: str) -> str:
    """The inverse of :func:`resolve`: the target to write in ``base_part``'s rels."""
    return posixpath.relpath(part, posixpath.dirname(base_part) or ".")


def rels_path(part: str) -> str:
    """'xl/worksheets/sheet3.xml' -> 'xl/worksheets/_rels/sheet3.xml.rels'."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


@dataclass(frozen=True)
class Rel:
    id: str
    type: str
    target: str          # resolved part name, or the raw target when external
    external: bool = False


@dataclass
class SheetInfo:
    name: str
    sheet_id: str
    rid: str
    part: str
    state: str = "visible"         # visible | hidden | veryHidden
    kind: str = "worksheet"        # worksheet | chartsheet | dialogsheet | ...
    index: int = 0                 # position in the workbook (localSheetId)


@dataclass
class TableInfo:
    name: str
    ref: str
    columns: list[str]
    part: str
    sheet: SheetInfo
    header_rows: int = 1
    totals_rows: int = 0


@dataclass
class DefinedName:
    name: str
    value: str
    local_sheet: int | None = None
    hidden: bool = False


def _display_name(source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.path.basename(os.fspath(source))
    return getattr(source, "name", None) or "workbook"


def _head(source) -> bytes:
    """The first bytes of the file; all of it when it is an OLE compound file (the guard looks for
    an encryption stream's name in its directory)."""
    limit = 256 << 20
    if isinstance(source, (str, os.PathLike)):
        try:
            with open(source, "rb") as fh:
                head = fh.read(8)
                return head + fh.read(limit) if head == guard.OLE_MAGIC else head
        except OSError as err:
            raise BadWorkbookError(f"无法读取文件:{source}({err.strerror})",
                                   f"cannot read the file {source} ({err.strerror})") from None
    pos = source.tell()
    source.seek(0)  # zipfile reads from the end whatever the position; so do we from the start
    head = source.read(8)
    if head == guard.OLE_MAGIC:
        head += source.read(limit)
    source.seek(pos)
    return head


@dataclass
class Package:
    """A workbook package opened for reading. ``source`` is a path or a binary file object."""

    source: str | os.PathLike | IO[bytes]
    zip: zipfile.ZipFile = field(init=False, repr=False)

    def __post_init__(self) -> None:
        name = _display_name(self.source)
        guard.check_magic(_head(self.source), name)
        try:
            self.zip = zipfile.ZipFile(self.source)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as err:
            # (a damaged directory entry can name a zip version zipfile does not implement)
            raise BadWorkbookError(f"不是有效的 Excel 工作簿(.xlsx/.xlsm):{name}({err})",
                                   f"not a valid Excel workbook (.xlsx/.xlsm): {name} ({err})") \
                from None
        try:
            guard.check_archive(self.zip, name)
        except BaseException:
            self.zip.close()
            raise
        self.name = name
        self.names = [i.filename for i in self.zip.infolist()]
        self._names = set(self.names)
        self._xml_cache: dict[str, etree._Element] = {}
        self._rels_cache: dict[str, list[Rel]] = {}
        self.workbook_part = self._find_workbook_part()
        self._read_workbook()
        self._tables: dict[str, TableInfo] | None = None

    # ------------------------------------------------------------------ raw access

    def __contains__(self, name: str) -> bool:
        return name in self._names

    def read(self, name: str) -> bytes:
        with self._reading(name):
            info = self.zip.getinfo(name)
            if info.file_size < _BUFFER_FROM:
                return self.zip.read(name)
            return inflate.whole(self.zip, info)

    def read_buffer(self, name: str) -> bytes | bytearray:
        """:meth:`read`, for a reader that only searches and slices the bytes (a worksheet being
        edited): a big part comes as a bytearray filled as it inflates, since a read that grows
        its result as it goes briefly holds twice the part (a 200 MB sheet took 400 MB)."""
        with self._reading(name):
            info = self.zip.getinfo(name)
            if info.file_size < _BUFFER_FROM:
                return self.zip.read(name)
            out = bytearray(info.file_size)
            pos = 0
            for piece in inflate.pieces(self.zip, info):   # stops at the declared size
                out[pos:pos + len(piece)] = piece
                pos += len(piece)
            return out

    def read_head(self, name: str, size: int) -> bytes:
        """The first ``size`` bytes of a part, without inflating the rest of it."""
        with self._reading(name), self.zip.open(name) as fh:
            return fh.read(size)

    def chunks(self, name: str):
        """A part inflated piece by piece (to scan a large sheet without holding it)."""
        with self._reading(name):
            info = self.zip.getinfo(name)
            yield from inflate.pieces(self.zip, info)

    @contextlib.contextmanager
    def _reading(self, name: str):
        """A part that is missing or will not inflate is a damaged workbook, said clearly."""
        try:
            yield
        except KeyError:
            raise BadWorkbookError(f"工作簿已损坏:缺少部件 {name}",
                                   f"the workbook is damaged: part {name} is missing") from None
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError,
                NotImplementedError) as err:  # bad CRC, stream
            raise guard.damaged(self.name, name, err) from None

    def xml(self, name: str) -> etree._Element:
        """A parsed part (cached; callers that edit must deepcopy)."""
        if name not in self._xml_cache:
            self._xml_cache[name] = parse_xml(self.read(name))
        return self._xml_cache[name]

    def rels(self, part: str) -> list[Rel]:
        """The relationships of ``part`` (empty when it has none)."""
        if part not in self._rels_cache:
            path = rels_path(part) if part else "_rels/.rels"
            out = []
            if path in self:
                for el in self.xml(path):
                    external = el.get("TargetMode") == "External"
                    target = el.get("Target", "")
                    out.append(Rel(el.get("Id"), el.get("Type"),
                                   target if external else resolve(part, target), external))
            self._rels_cache[part] = out
        return self._rels_cache[part]

    def rel_targets(self, part: str, rel_type: str) -> list[str]:
        return [r.target for r in self.rels(part) if r.type == rel_type and not r.external]

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> Package:  # noqa: PYI034
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ workbook

    def _find_workbook_part(self) -> str:
        for rel in self.rels(""):
            if rel.type == REL_OFFICE_DOC or rel.type.endswith("/officeDocument"):
                if rel.target.lower().endswith(".bin"):
                    raise BadWorkbookError(
                        f"{self.name} 是二进制工作簿(.xlsb);请在 Excel 中另存为 .xlsx",
                        f"{self.name} is a binary workbook (.xlsb); save it as .xlsx in Excel")
                if rel.target in self:
                    return rel.target
        if "xl/workbook.xml" in self:
            return "xl/workbook.xml"
        raise BadWorkbookError("工作簿缺少 xl/workbook.xml,不是 Excel 文件",
                               "the package has no workbook part; it is not an Excel file")

    def _read_workbook(self) -> None:
        root = self.xml(self.workbook_part)
        rels = {r.id: r for r in self.rels(self.workbook_part)}
        self.sheets: list[SheetInfo] = []
        for index, el in enumerate(root.iter(q("sheet"))):
            rid = el.get(q("id", R_NS))
            rel = rels.get(rid)
            if rel is None:
                continue
            kind = rel.type.rsplit("/", 1)[-1]
            self.sheets.append(SheetInfo(name=el.get("name"), sheet_id=el.get("sheetId"), rid=rid,
                                         part=rel.target, state=el.get("state", "visible"),
                                         kind=kind, index=index))
        self.defined_names: list[DefinedName] = []
        for el in root.iter(q("definedName")):
            local = el.get("localSheetId")
            self.defined_names.append(DefinedName(el.get("name"), el.text or "",
                                                  int(local) if local is not None else None,
                                                  el.get("hidden") in ("1", "true")))
        self.styles_part = next(iter(self.rel_targets(self.workbook_part, REL_STYLES)), None)
        self.sst_part = next(iter(self.rel_targets(self.workbook_part, REL_SST)), None)

    def defined_name(self, name: str) -> str | None:
        """A workbook-level defined name's formula (``'客户'!$A$1``, ``"zh"``), or None."""
        for dn in self.defined_names:
            if dn.local_sheet is None and dn.name.casefold() == name.casefold():
                return dn.value
        return None

    def sheet(self, name: str) -> SheetInfo | None:
        for s in self.sheets:
            if s.name == name:
                return s
        for s in self.sheets:  # Excel compares sheet names case-insensitively
            if s.name.casefold() == name.casefold():
                return s
        return None

    def sheet_of_part(self, part: str) -> SheetInfo | None:
        return next((s for s in self.sheets if s.part == part), None)

    @property
    def worksheets(self) -> list[SheetInfo]:
        return [s for s in self.sheets if s.kind == "worksheet"]

    # ------------------------------------------------------------------ tables and sheet parts

    @property
    def tables(self) -> dict[str, TableInfo]:
        """Every Excel table of the book by name (and display name)."""
        if self._tables is None:
            found: dict[str, TableInfo] = {}
            for sheet in self.worksheets:
                for part in self.rel_targets(sheet.part, REL_TABLE):
                    if part not in self:
                        continue
                    el = self.xml(part)
                    cols = [c.get("name", "") for c in el.iter(q("tableColumn"))]
                    info = TableInfo(name=el.get("displayName") or el.get("name"),
                                     ref=el.get("ref"), columns=cols, part=part, sheet=sheet,
                                     header_rows=int(el.get("headerRowCount", "1")),
                                     totals_rows=int(el.get("totalsRowCount", "0")))
                    for key in {el.get("name"), el.get("displayName")} - {None}:
                        found.setdefault(key, info)
            self._tables = found
        return self._tables

    def table(self, name: str) -> TableInfo | None:
        tables = self.tables
        if name in tables:
            return tables[name]
        return next((t for k, t in tables.items() if k.casefold() == name.casefold()), None)

    def comments_part(self, sheet_part: str) -> str | None:
        return next(iter(self.rel_targets(sheet_part, REL_COMMENTS)), None)

    def vml_parts(self, sheet_part: str) -> list[str]:
        return self.rel_targets(sheet_part, REL_VML)

    def drawing_parts(self, sheet_part: str) -> list[str]:
        return self.rel_targets(sheet_part, REL_DRAWING)

    def content_type(self, part: str) -> str | None:
        root = self.xml("[Content_Types].xml")
        for el in root.iter(q("Override", CT_NS)):
            if el.get("PartName", "").lstrip("/") == part:
                return el.get("ContentType")
        ext = part.rsplit(".", 1)[-1].lower()
        for el in root.iter(q("Default", CT_NS)):
            if el.get("Extension", "").lower() == ext:
                return el.get("ContentType")
        return None
