"""Workbooks for the file-backend tests: the template with demo data, plus what people add to a
book in Excel (charts, an image, notes, x14 validations and formats, names, protection, a hidden
sheet, widths and fonts, VBA)."""

from __future__ import annotations

import datetime
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import xlsxwriter

from xltools.demo import demo_data
from xltools.schema import load_schema
from xltools.template import PROPERTIES, _Builder, default_frames

TODAY = datetime.date(2024, 6, 1)
X14_NS = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM_NS = "http://schemas.microsoft.com/office/excel/2006/main"


def members(path: Path) -> dict[str, bytes]:
    """Every zip member's uncompressed bytes."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _png(width: int = 40, height: int = 20) -> bytes:
    """A small red PNG (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"\xc8\x1e\x1e" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def x14_extensions(last_row: int) -> str:
    """An x14 dropdown fed from another sheet and an x14 data bar, as Excel writes them."""
    return (
        f'<extLst><ext uri="{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}" xmlns:x14="{X14_NS}">'
        f'<x14:dataValidations count="1" xmlns:xm="{XM_NS}"><x14:dataValidation type="list" '
        'allowBlank="1" showInputMessage="1" showErrorMessage="1"><x14:formula1>'
        "<xm:f>'字典'!$J$2:$J$20</xm:f></x14:formula1>"
        f"<xm:sqref>X2:X{last_row}</xm:sqref></x14:dataValidation></x14:dataValidations></ext>"
        f'<ext uri="{{78C0D931-6437-407d-A8EE-F0AAD7539E65}}" xmlns:x14="{X14_NS}">'
        f'<x14:conditionalFormattings><x14:conditionalFormatting xmlns:xm="{XM_NS}">'
        '<x14:cfRule type="dataBar" id="{00000000-0000-0000-0000-0000000000A1}"><x14:dataBar '
        'minLength="0" maxLength="100" gradient="0"><x14:cfvo type="autoMin"/><x14:cfvo '
        'type="autoMax"/><x14:negativeFillColor rgb="FFFF0000"/><x14:axisColor rgb="FF000000"/>'
        f"</x14:dataBar></x14:cfRule><xm:sqref>U2:U{last_row}</xm:sqref>"
        "</x14:conditionalFormatting></x14:conditionalFormattings></ext></extLst>")


def user_book(path: Path, *, n_customers: int = 40, vba: bool = False, seed: int = 3) -> Path:
    """The template filled with demo data, then 'edited in Excel' by a person."""
    schema = load_schema()
    data = demo_data(n_customers=n_customers, seed=seed, today=TODAY, mess=False)
    frames = default_frames(schema, "zh")
    frames.update(data.frames)
    lists = {lst.key: list(lst.values) for lst in schema.lists}
    lists.update(data.lists)
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties(PROPERTIES)
    _Builder(wb, schema, "zh", frames, lists).build()
    sheets = {ws.name: ws for ws in wb.worksheets()}
    customers = sheets["客户基础信息"]
    customers.write_comment("B2", "大客户,老板亲自对接", {"author": "王经理"})
    customers.insert_image("AD2", "logo.png", {"image_data": io.BytesIO(_png())})

    analysis = wb.add_worksheet("分析")
    analysis.write_row(0, 0, ["区域", "客户数"], wb.add_format({"bold": True, "font_name": "黑体"}))
    for i, (region, n) in enumerate([("华北", 12), ("华东", 20), ("华南", 8)], start=1):
        analysis.write_row(i, 0, [region, n])
    analysis.set_column(0, 0, 31.5, wb.add_format({"font_name": "微软雅黑", "font_color": "#1F4E79"}))
    chart = wb.add_chart({"type": "pie"})
    chart.add_series({"categories": "='分析'!$A$2:$A$4", "values": "='分析'!$B$2:$B$4"})
    analysis.insert_chart("D2", chart)
    sheet_chart = wb.add_chart({"type": "column"})
    sheet_chart.add_series({"categories": "='分析'!$A$2:$A$4", "values": "='分析'!$B$2:$B$4"})
    wb.add_chartsheet("图表").set_chart(sheet_chart)
    secret = wb.add_worksheet("内部")
    secret.write("A1", "只给经理看")
    secret.hide()
    sheets["规则"].protect("", {"format_columns": True})
    wb.define_name("我的区域", "='分析'!$A$2:$A$4")
    if vba:
        from xltools.vba.project import build_vba_project, standard_module
        module = standard_module("Module1", 'Sub Hello()\n    MsgBox "hi"\nEnd Sub\n')
        wb.add_vba_project(io.BytesIO(build_vba_project([module])), is_stream=True)
    wb.close()

    # The x14 extensions XlsxWriter does not write: add them the way Excel stores them.
    with zipfile.ZipFile(path) as z:
        parts = {i: z.read(i.filename) for i in z.infolist()}
    out = path.with_suffix(".tmp")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts.items():
            if info.filename == "xl/worksheets/sheet1.xml":
                last = int(re.search(rb'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', data).group(1))
                data = data.replace(b"</worksheet>", x14_extensions(last).encode() + b"</worksheet>")
            z.writestr(info, data)
    out.replace(path)
    return path
