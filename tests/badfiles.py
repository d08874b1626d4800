"""The bad-input corpus: hostile, broken and merely unusual workbooks and source files, built by code.

Every case starts from a good book (``xltools new X --demo``) and changes one thing, at the level
where that thing lives: zip bytes, one XML part, or the cells (through openpyxl). Nothing here is a
committed binary blob, so each case says in code exactly what is wrong with it.

``BOOK_CASES`` maps a case name to ``(builder, expectation)``. ``expectation`` is either a list of
words the refusal message must contain (English part), or ``WORKS`` for a legitimate book that the
commands must read. ``SOURCE_CASES`` does the same for ``xltools import``'s SOURCE files.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

WORKS = "works"

CUSTOMERS_TABLE = "tblCustomers"


# ------------------------------------------------------------------ zip writing by hand


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def write_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> None:
    """A zip from ``(name, raw deflate stream, crc32, uncompressed size)`` members, written by hand
    so a member may declare any size and carry any stream (zipfile only writes honest ones)."""
    out = bytearray()
    central = bytearray()
    for name, stream, crc, size in members:
        encoded = name.encode("utf-8")
        offset = len(out)
        flags = 0x800
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, 0, 0x21, crc,
                           len(stream), size, len(encoded), 0) + encoded + stream
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, 8, 0, 0x21, crc,
                               len(stream), size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    start = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                       start, 0)
    path.write_bytes(bytes(out))


def members_of(book: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(book) as z:
        return [(n, z.read(n)) for n in z.namelist()]


def rewrite(book: Path, out: Path, edits: dict[str, bytes | None | Callable[[bytes], bytes]],
            extra: list[tuple[str, bytes, int, int]] = ()) -> Path:
    """Copy ``book`` to ``out`` with members replaced (bytes), edited (a function of the old
    bytes) or dropped (None); ``extra`` members are appended as given."""
    members = []
    for name, data in members_of(book):
        if name in edits:
            edit = edits[name]
            if edit is None:
                continue
            data = edit(data) if callable(edit) else edit
        members.append((name, _deflate(data), zlib.crc32(data), len(data)))
    write_zip(out, members + list(extra))
    return out


def part_names(book: Path) -> dict[str, str]:
    """Where the customers live: their table part and sheet part (found by table name)."""
    from xltools.xlsx.package import Package
    with Package(book) as pkg:
        t = pkg.table(CUSTOMERS_TABLE)
        return {"table": t.part, "sheet": t.sheet.part, "sst": pkg.sst_part or "",
                "workbook": pkg.workbook_part}


def _first_string_cell(sheet: bytes, text: str) -> bytes:
    """Put ``text`` (raw XML, may hold entity references) as the inline string of cell B2."""
    return _cell_text(sheet, "B2", text)


def _with_doctype(xml: bytes, doctype: bytes) -> bytes:
    """Insert a DOCTYPE after the XML declaration."""
    end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    return xml[:end] + b"\n" + doctype + xml[end:]


# ------------------------------------------------------------------ broken packages


def not_a_zip(book: Path, out: Path) -> Path:
    out.write_bytes("客户名称,电话\n深圳华腾,13812345678\n".encode() * 20)
    return out


def empty_file(book: Path, out: Path) -> Path:
    out.write_bytes(b"")
    return out


def truncated(book: Path, out: Path) -> Path:
    data = book.read_bytes()
    out.write_bytes(data[: len(data) * 2 // 3])
    return out


def corrupt_member(book: Path, out: Path) -> Path:
    """The central directory is intact but the customers sheet's deflate stream is garbage."""
    sheet = part_names(book)["sheet"]
    members = []
    for name, data in members_of(book):
        stream = _deflate(data)
        if name == sheet:
            mid = len(stream) // 2
            stream = stream[:mid] + bytes(b ^ 0x5A for b in stream[mid:mid + 64]) + stream[mid + 64:]
        members.append((name, stream, zlib.crc32(data), len(data)))
    write_zip(out, members)
    return out


def malformed_sheet_xml(book: Path, out: Path) -> Path:
    sheet = part_names(book)["sheet"]
    return rewrite(book, out, {sheet: lambda d: d[: len(d) // 2]})


def malformed_workbook_xml(book: Path, out: Path) -> Path:
    wb = part_names(book)["workbook"]
    return rewrite(book, out, {wb: lambda d: d.replace(b"<sheets>", b"<sheets><sheet ", 1)})


def missing_workbook_part(book: Path, out: Path) -> Path:
    wb = part_names(book)["workbook"]
    return rewrite(book, out, {wb: None})


# ------------------------------------------------------------------ hostile XML


BILLION_LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1
                                                             else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b"]>")


def entity_bomb_sheet(book: Path, out: Path) -> Path:
    sheet = part_names(book)["sheet"]
    return rewrite(book, out, {sheet: lambda d: _first_string_cell(
        _with_doctype(d, BILLION_LAUGHS), "&lol9;")})


def entity_bomb_shared_strings(book: Path, out: Path) -> Path:
    sst = part_names(book)["sst"]
    return rewrite(book, out, {sst: lambda d: re.sub(
        rb"<t>[^<]*</t>", b"<t>&lol9;</t>", _with_doctype(d, BILLION_LAUGHS), count=1)})


def external_entity_sheet(book: Path, out: Path) -> Path:
    """``&xxe;`` would pull /etc/hostname into a customer's name if entities were resolved."""
    sheet = part_names(book)["sheet"]
    doctype = b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
    return rewrite(book, out, {sheet: lambda d: _first_string_cell(_with_doctype(d, doctype),
                                                                    "&xxe;")})


def external_dtd_table(book: Path, out: Path) -> Path:
    """An external DTD on the table part (a fetch over the network if it were loaded)."""
    table = part_names(book)["table"]
    doctype = b'<!DOCTYPE table SYSTEM "http://127.0.0.1:9/evil.dtd">'
    return rewrite(book, out, {table: lambda d: _with_doctype(d, doctype)})


# ------------------------------------------------------------------ zip bombs


def _bomb_stream(mib: int, head: bytes, tail: bytes) -> tuple[bytes, int]:
    """A deflate stream of ``head`` + ``mib`` MiB of spaces + ``tail``, built from one repeated
    full-flush block (milliseconds to build; ~1000:1). Returns (stream, uncompressed size)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    chunk = b" " * (1 << 20)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    assert block == again  # a full flush resets the compressor: every block is the same bytes
    last = c.compress(tail) + c.flush()
    return first + block * mib + last, len(head) + mib * (1 << 20) + len(tail)


def zip_bomb(book: Path, out: Path, mib: int = 1024) -> Path:
    """The customers sheet padded with 1 GiB of whitespace: ~1 MB on disk. (Its CRC is not
    computed: a reader that inflated it all would learn that too late anyway.)"""
    sheet = part_names(book)["sheet"]
    data = dict(members_of(book))[sheet]
    cut = data.index(b"<sheetData>")
    stream, size = _bomb_stream(mib, data[:cut], data[cut:])
    members = [(n, _deflate(d), zlib.crc32(d), len(d)) for n, d in members_of(book) if n != sheet]
    write_zip(out, members + [(sheet, stream, 0, size)])
    return out


def lying_sizes(book: Path, out: Path) -> Path:
    """A small honest member whose headers declare 3.9 GB uncompressed."""
    sheet = part_names(book)["sheet"]
    members = []
    for name, data in members_of(book):
        size = 3_900_000_000 if name == sheet else len(data)
        members.append((name, _deflate(data), zlib.crc32(data), size))
    write_zip(out, members)
    return out


# ------------------------------------------------------------------ other formats


def encrypted(book: Path, out: Path) -> Path:
    """What Excel saves when a workbook has an open password: an OLE compound file holding
    EncryptionInfo and EncryptedPackage streams (the package inside is ciphertext)."""
    from xltools.vba.cfb import write_cfb
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<?xml version=\"1.0\"?><encryption/>"
    package = struct.pack("<Q", len(book.read_bytes())) + bytes(range(256)) * 40
    out.write_bytes(write_cfb({"EncryptionInfo": info, "EncryptedPackage": package,
                               "\x06DataSpaces/Version": b"\x00" * 16}))
    return out


def legacy_xls(book: Path, out: Path) -> Path:
    """A BIFF8 .xls saved with an .xlsx name: an OLE file with a Workbook stream."""
    from xltools.vba.cfb import write_cfb
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0, 0, 0, 0)
    out.write_bytes(write_cfb({"Workbook": bof + b"\x0a\x00\x00\x00" + b"\x00" * 4096}))
    return out


def xlsb(book: Path, out: Path) -> Path:
    """A binary workbook (.xlsb): the officeDocument relationship points at xl/workbook.bin."""
    ct = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
          b'relationships+xml"/><Default Extension="bin" ContentType="application/vnd.ms-excel.'
          b'sheet.binary.macroEnabled.main"/><Override PartName="/xl/workbook.bin" '
          b'ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>')
    rels = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>')
    body = b"\x83\x01\x00\x80\x01\x00" + bytes(range(200))
    members = [(n, _deflate(d), zlib.crc32(d), len(d))
               for n, d in (("[Content_Types].xml", ct), ("_rels/.rels", rels),
                            ("xl/workbook.bin", body))]
    write_zip(out, members)
    return out


# ------------------------------------------------------------------ not our database


def no_tables(book: Path, out: Path) -> Path:
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户名称", "联系电话"])
    ws.append(["深圳华腾科技有限公司", "138****5678"])
    wb.save(out)
    return out


def renamed_customers_table(book: Path, out: Path) -> Path:
    table = part_names(book)["table"]
    return rewrite(book, out, {table: lambda d: d.replace(b'"tblCustomers"', b'"tblClients"')})


def _rename_header(book: Path, out: Path, old: str, new: str) -> Path:
    """Rename a column in the table part and in its header cell (shared or inline string)."""
    parts = part_names(book)
    o, n = old.encode(), new.encode()
    edits = {parts["table"]: lambda d: d.replace(b'name="' + o + b'"', b'name="' + n + b'"')}
    if parts["sst"]:
        edits[parts["sst"]] = lambda d: d.replace(b">" + o + b"<", b">" + n + b"<", 1)
    edits[parts["sheet"]] = lambda d: d.replace(b">" + o + b"<", b">" + n + b"<", 1)
    return rewrite(book, out, edits)


def required_column_gone(book: Path, out: Path) -> Path:
    """The 客户名称 header renamed to 名称: the required column CustomerName is missing."""
    return _rename_header(book, out, "客户名称", "名称")


# ------------------------------------------------------------------ legitimate oddities (cells)


def _edit_cells(book: Path, out: Path, edit: Callable) -> Path:
    """Edit the customers sheet with openpyxl (``edit(ws, table, header: {name: column})``)."""
    import openpyxl
    wb = openpyxl.load_workbook(book)
    for ws in wb.worksheets:
        if CUSTOMERS_TABLE in ws.tables:
            table = ws.tables[CUSTOMERS_TABLE]
            header = {ws.cell(1, c).value: c for c in range(1, ws.max_column + 1)}
            edit(ws, table, header)
            break
    wb.save(out)
    return out


def reordered_headers(book: Path, out: Path) -> Path:
    """The first two columns (客户ID, 客户名称) swapped, data and table columns together."""
    def edit(ws, table, header):
        for a, b in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=2):
            (a.value, a.data_type), (b.value, b.data_type) = (b.value, b.data_type), \
                (a.value, a.data_type)   # the type too: text like "=HYPERLINK(...)" stays text
        cols = table.tableColumns
        cols[0].name, cols[1].name = cols[1].name, cols[0].name
    return _edit_cells(book, out, edit)


def hidden_and_filtered_rows(book: Path, out: Path) -> Path:
    def edit(ws, table, header):
        for r in (3, 4, 5):
            ws.row_dimensions[r].hidden = True
        table.autoFilter.add_filter_column(2, ["企业"])
        for r in range(2, ws.max_row + 1):
            if ws.cell(r, 3).value != "企业":
                ws.row_dimensions[r].hidden = True
    return _edit_cells(book, out, edit)


LONG = ("长" * 100 + "x" * 100) * 163 + "尾" * 167   # 32,767 characters, Excel's cell limit


def long_strings(book: Path, out: Path) -> Path:
    def edit(ws, table, header):
        ws.cell(2, header["备注"]).value = LONG
        ws.cell(3, header["客户名称"]).value = LONG
    return _edit_cells(book, out, edit)


def merged_cells_in_table(book: Path, out: Path) -> Path:
    def edit(ws, table, header):
        col = header["所属行业"]
        ws.merge_cells(start_row=3, start_column=col, end_row=5, end_column=col)
    return _edit_cells(book, out, edit)


def old_and_text_dates(book: Path, out: Path) -> Path:
    """A date before 1900 (text, as Excel keeps it), an ISO date cell (t="d"), Chinese text dates."""
    def edit(ws, table, header):
        ws.cell(2, header["创建时间"]).value = "1899-12-31"
        ws.cell(3, header["创建时间"]).value = dt.datetime(1850, 6, 1)
        ws.cell(4, header["创建时间"]).value = "2024年3月5日"
        ws.cell(5, header["首次接触时间"]).value = "2024/3/5"
        ws.cell(6, header["最后跟进时间"]).value = "下周"
    return _edit_cells(book, out, edit)


def control_characters(book: Path, out: Path) -> Path:
    """Control characters as OOXML escapes (_x0007_ ...), how Excel stores them, and an escaped lone
    surrogate (_xD800_)."""
    sheet = part_names(book)["sheet"]
    text = "响铃_x0007_退格_x0008_换页_x000C_孤立_xD800_代理"
    return rewrite(book, out, {sheet: lambda d: _cell_text(d, "B2", text)})


def _cell_text(sheet: bytes, ref: str, text: str) -> bytes:
    pattern = rb'<c r="' + ref.encode() + rb'"[^>]*?(/>|>.*?</c>)'
    new = b'<c r="' + ref.encode() + b'" t="inlineStr"><is><t>' + text.encode() + b"</t></is></c>"
    return re.sub(pattern, new, sheet, count=1, flags=re.DOTALL)


def max_rows_sheet(book: Path, out: Path) -> Path:
    """One stray cell in row 1,048,576 (Excel's last) and a dimension to match: cheap on disk,
    a 1,048,576-row used range for any reader that allocates the sheet densely."""
    sheet = part_names(book)["sheet"]

    def edit(d: bytes) -> bytes:
        d = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:AB1048576"/>', d, count=1)
        return d.replace(b"</sheetData>", b'<row r="1048576"><c r="AB1048576" t="inlineStr">'
                                          b"<is><t>x</t></is></c></row></sheetData>", 1)
    return rewrite(book, out, {sheet: edit})


BOOK_CASES: dict[str, tuple[Callable[[Path, Path], Path], object]] = {
    "not_a_zip": (not_a_zip, ["not a valid Excel workbook"]),
    "empty_file": (empty_file, ["not a valid Excel workbook"]),
    "truncated": (truncated, ["not a valid Excel workbook"]),
    "corrupt_member": (corrupt_member, ["damaged"]),
    "malformed_sheet_xml": (malformed_sheet_xml, ["damaged"]),
    "malformed_workbook_xml": (malformed_workbook_xml, ["broken XML"]),
    "missing_workbook_part": (missing_workbook_part, ["not an Excel file"]),
    "entity_bomb_sheet": (entity_bomb_sheet, ["DTD"]),
    "entity_bomb_shared_strings": (entity_bomb_shared_strings, ["DTD"]),
    "external_entity_sheet": (external_entity_sheet, ["DTD"]),
    "external_dtd_table": (external_dtd_table, ["DTD"]),
    "zip_bomb": (zip_bomb, ["zip bomb"]),
    "lying_sizes": (lying_sizes, ["zip bomb"]),
    "encrypted": (encrypted, ["password"]),
    "legacy_xls": (legacy_xls, [".xls"]),
    "xlsb": (xlsb, [".xlsb"]),
    "no_tables": (no_tables, ["no customer table", "tblCustomers"]),
    "renamed_customers_table": (renamed_customers_table, ["no customer table", "tblCustomers"]),
    "required_column_gone": (required_column_gone, ["Customer Name", "lacks required"]),
    "reordered_headers": (reordered_headers, WORKS),
    "hidden_and_filtered_rows": (hidden_and_filtered_rows, WORKS),
    "long_strings": (long_strings, WORKS),
    "merged_cells_in_table": (merged_cells_in_table, WORKS),
    "old_and_text_dates": (old_and_text_dates, WORKS),
    "control_characters": (control_characters, WORKS),
    "max_rows_sheet": (max_rows_sheet, WORKS),
}


# ------------------------------------------------------------------ import sources


def csv_unknown_encoding(book: Path, out: Path) -> Path:
    """Windows-1252 text (€ is byte 0x80, which neither UTF-8 nor GB18030 accepts)."""
    out.write_bytes("Company,Phone,Note\nCafé Müller,13812345678,€ 12,50 ÿ\n".encode("cp1252"))
    return out


def csv_utf16_without_bom(book: Path, out: Path) -> Path:
    out.write_bytes("客户名称,电话\n深圳华腾,13812345678\n".encode("utf-16-le"))
    return out


def binary_garbage(book: Path, out: Path) -> Path:
    out.write_bytes(b"\x00\x01garbage" * 50)
    return out


def source_cases() -> dict[str, tuple[Callable[[Path, Path], Path], str, list[str]]]:
    """Bad SOURCE files for ``xltools import``: (builder, file suffix, words of the message)."""
    return {
        "csv_unknown_encoding": (csv_unknown_encoding, ".csv", ["cannot decode"]),
        "csv_utf16_without_bom": (csv_utf16_without_bom, ".csv", ["cannot decode"]),
        "not_a_zip": (binary_garbage, ".xlsx", ["cannot read the workbook"]),
        "truncated": (truncated, ".xlsx", ["cannot read the workbook"]),
        "corrupt_member": (corrupt_member, ".xlsx", ["damaged"]),
        "entity_bomb": (entity_bomb_sheet, ".xlsx", ["DTD"]),
        "external_entity": (external_entity_sheet, ".xlsx", ["DTD"]),
        "zip_bomb": (zip_bomb, ".xlsx", ["zip bomb"]),
        "lying_sizes": (lying_sizes, ".xlsx", ["zip bomb"]),
        "encrypted": (encrypted, ".xlsx", ["password"]),
        "xlsb": (xlsb, ".xlsb", ["cannot read the workbook"]),
    }


def build(case: Callable[[Path, Path], Path], book: Path, out: Path) -> Path:
    """Build one case from ``book`` into ``out`` (a fresh copy of ``book`` is never modified)."""
    src = out.with_name("." + out.name + ".src.xlsx")
    shutil.copyfile(book, src)
    try:
        return case(src, out)
    finally:
        src.unlink()
