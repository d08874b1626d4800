"""Native Excel charts from small, backend-neutral specs (DrawingML, ECMA-376 Part 1 §21.2).

A spec, as routines put it in :attr:`xltools.changes.SheetRebuild.charts`::

    {"type": "column",                 # column | bar (horizontal) | pie | line
     "title": "各行业客户数",
     "categories": "A7:A16",           # ranges on the same sheet
     "series": [{"name": "F6", "values": "F7:F16"}],
     "anchor": "J6",                   # top-left cell
     "size": [480, 260],               # pixels (from the anchor, at default widths)
     "to": "P22",                      # or: the chart covers anchor:to (cell before "to")
     "reverse": False}                 # bar only: first category on top (a funnel)

:func:`chart_xml` and :func:`drawing_xml` give the parts; :func:`put_charts` adds them to an
unzipped package (``{member name: bytes}``) for one worksheet, replacing that sheet's previous
drawing. The XML follows what XlsxWriter writes for the same charts (checked side by side), with
value caches filled from the grid so viewers that do not recalculate still draw the numbers.

Every series (every slice of a pie) carries its own colour from :data:`PALETTE`: a series without
``c:spPr`` takes its fill from the theme, and LibreOffice drops ``xl/theme/theme1.xml`` when it
saves an .xlsx (WPS and older Excel builds have no theme fallback either), leaving bars, slices and
lines drawn as nothing but their data labels. Excel and LibreOffice both render the result.
"""

from __future__ import annotations

import posixpath
from xml.sax.saxutils import escape

from lxml import etree

from .cells import escape_text
from .refs import col_letter, split_cell, split_ref

C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_DRAWING = R_NS + "/drawing"
REL_CHART = R_NS + "/chart"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"

TYPES = {"column", "bar", "pie", "line"}
EMU_PER_PX = 9525
DEFAULT_COL_PX = 64
DEFAULT_ROW_PX = 20
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# One palette for every chart we draw (and the HTML report's SVG charts): distinguishable in
# colour-blind vision and in greyscale print, in the order series and slices take them.
PALETTE = ("4472C4", "ED7D31", "70AD47", "FFC000", "5B9BD5", "A5A5A5", "264478", "9E480E",
           "43682B", "997300")


def colour(i: int) -> str:
    """The palette's i-th colour (RRGGBB), cycling."""
    return PALETTE[i % len(PALETTE)]


def _fill(rgb: str) -> str:
    return (f'<c:spPr><a:solidFill><a:srgbClr val="{rgb}"/></a:solidFill>'
            f'<a:ln><a:solidFill><a:srgbClr val="{rgb}"/></a:solidFill></a:ln></c:spPr>')


def _line(rgb: str) -> str:
    return (f'<c:spPr><a:ln w="28575" cap="rnd"><a:solidFill><a:srgbClr val="{rgb}"/></a:solidFill>'
            f'<a:round/></a:ln></c:spPr>')


def check_spec(spec: dict) -> None:
    """Raise ValueError when a spec is not one we can draw."""
    if spec.get("type") not in TYPES:
        raise ValueError(f"chart type must be one of {sorted(TYPES)}: {spec.get('type')!r}")
    if not spec.get("series"):
        raise ValueError("a chart needs at least one series")
    split_ref(spec["categories"])
    split_cell(spec["anchor"])
    for s in spec["series"]:
        split_ref(s["values"])


def _abs(ref: str, sheet: str) -> str:
    """'A7:A16' on sheet 汇总 -> "'汇总'!$A$7:$A$16"."""
    (c1, r1), (c2, r2) = split_ref(ref)
    quoted = "'" + sheet.replace("'", "''") + "'"
    first = f"${col_letter(c1)}${r1}"
    return f"{quoted}!{first}" if (c1, r1) == (c2, r2) else f"{quoted}!{first}:${col_letter(c2)}${r2}"


def _cells(ref: str, rows: list[list] | None) -> list:
    """The grid values a range covers (row-major), '' where the grid has nothing."""
    (c1, r1), (c2, r2) = split_ref(ref)
    out = []
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            row = rows[r - 1] if rows and r - 1 < len(rows) else []
            out.append(row[c - 1] if c - 1 < len(row) else None)
    return out


def _str_ref(ref: str, sheet: str, rows) -> str:
    values = _cells(ref, rows)
    pts = "".join(f'<c:pt idx="{i}"><c:v>{escape(_text(v))}</c:v></c:pt>' for i, v in enumerate(values))
    return (f"<c:strRef><c:f>{escape(_abs(ref, sheet))}</c:f><c:strCache>"
            f'<c:ptCount val="{len(values)}"/>{pts}</c:strCache></c:strRef>')


def _num_ref(ref: str, sheet: str, rows) -> str:
    values = _cells(ref, rows)
    pts = "".join(f'<c:pt idx="{i}"><c:v>{float(v)!r}</c:v></c:pt>' for i, v in enumerate(values)
                  if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v)
    return (f"<c:numRef><c:f>{escape(_abs(ref, sheet))}</c:f><c:numCache>"
            f'<c:formatCode>General</c:formatCode><c:ptCount val="{len(values)}"/>{pts}'
            f"</c:numCache></c:numRef>")


def _text(value) -> str:
    return "" if value is None else escape_text(str(value))  # control characters break the XML


def _slice(rgb: str) -> str:
    return (f'<c:spPr><a:solidFill><a:srgbClr val="{rgb}"/></a:solidFill>'
            '<a:ln><a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill></a:ln></c:spPr>')


def _rich(text: str, size: int = 1200) -> str:
    return ('<c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="%d" b="1"/></a:pPr>'
            '<a:r><a:rPr lang="zh-CN" sz="%d" b="1"/><a:t>%s</a:t></a:r></a:p></c:rich></c:tx>'
            % (size, size, escape(text)))


def chart_xml(spec: dict, sheet: str, rows: list[list] | None = None, index: int = 1) -> bytes:
    """One chart part (``xl/charts/chartN.xml``): a c:chartSpace for ``spec`` on ``sheet``.

    ``rows`` (the sheet's grid from A1) fills the caches; ``index`` makes the axis ids unique.
    """
    check_spec(spec)
    kind = spec["type"]
    labels = '<c:dLbls><c:showLegendKey val="0"/><c:showVal val="1"/><c:showCatName val="0"/>' \
             '<c:showSerName val="0"/><c:showPercent val="0"/><c:showBubbleSize val="0"/></c:dLbls>'
    series = []
    for i, s in enumerate(spec["series"]):
        name = f"<c:tx>{_str_ref(s['name'], sheet, rows)}</c:tx>" if s.get("name") else ""
        body = [f'<c:idx val="{i}"/><c:order val="{i}"/>', name]
        rgb = s.get("colour") or colour(i)
        body.append(_line(rgb) if kind == "line" else _fill(rgb))
        if kind in ("column", "bar"):
            body.append('<c:invertIfNegative val="0"/>')
        if kind == "line":
            body.append(f'<c:marker><c:symbol val="circle"/><c:size val="5"/>{_fill(rgb)}</c:marker>')
        if kind == "pie":       # varyColors alone colours slices from the theme: name each one
            points = len(_cells(spec["categories"], rows))
            body += [f'<c:dPt><c:idx val="{p}"/><c:bubble3D val="0"/>{_slice(colour(p))}</c:dPt>'
                     for p in range(points)]
        body.append(labels)
        body.append(f"<c:cat>{_str_ref(spec['categories'], sheet, rows)}</c:cat>")
        body.append(f"<c:val>{_num_ref(s['values'], sheet, rows)}</c:val>")
        if kind == "line":
            body.append('<c:smooth val="0"/>')
        series.append("<c:ser>" + "".join(body) + "</c:ser>")
    ser = "".join(series)
    cat_id, val_id = 50000000 + index * 10 + 1, 50000000 + index * 10 + 2
    axes_ids = f'<c:axId val="{cat_id}"/><c:axId val="{val_id}"/>'
    if kind == "pie":
        plot = f'<c:pieChart><c:varyColors val="1"/>{ser}<c:firstSliceAng val="0"/></c:pieChart>'
    else:
        if kind == "line":
            plot = f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{ser}' \
                   f'<c:marker val="1"/>{axes_ids}</c:lineChart>'
        else:
            bar_dir = "bar" if kind == "bar" else "col"
            plot = (f'<c:barChart><c:barDir val="{bar_dir}"/><c:grouping val="clustered"/>'
                    f'<c:varyColors val="0"/>{ser}<c:gapWidth val="60"/>{axes_ids}</c:barChart>')
        reverse = kind == "bar" and spec.get("reverse")
        horizontal = kind == "bar"
        cat_pos = "l" if horizontal else "b"
        val_pos = ("t" if reverse else "b") if horizontal else "l"
        plot += (f'<c:catAx><c:axId val="{cat_id}"/><c:scaling><c:orientation '
                 f'val="{"maxMin" if reverse else "minMax"}"/></c:scaling><c:delete val="0"/>'
                 f'<c:axPos val="{cat_pos}"/><c:numFmt formatCode="General" sourceLinked="0"/>'
                 f'<c:tickLblPos val="nextTo"/><c:crossAx val="{val_id}"/>'
                 f'<c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>'
                 f'<c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>'
                 f'<c:valAx><c:axId val="{val_id}"/><c:scaling><c:orientation val="minMax"/>'
                 f'</c:scaling><c:delete val="0"/><c:axPos val="{val_pos}"/><c:majorGridlines><c:spPr><a:ln w="6350">'
                 f'<a:solidFill><a:srgbClr val="D9D9D9"/></a:solidFill></a:ln></c:spPr>'
                 f'</c:majorGridlines>'
                 f'<c:numFmt formatCode="General" sourceLinked="1"/><c:tickLblPos val="nextTo"/>'
                 f'<c:crossAx val="{cat_id}"/><c:crosses val="autoZero"/>'
                 f'<c:crossBetween val="between"/></c:valAx>')
    legend = ""
    if kind == "pie" or len(spec["series"]) > 1:
        legend = '<c:legend><c:legendPos val="r"/><c:overlay val="0"/></c:legend>'
    xml = (f'{_HEAD}<c:chartSpace xmlns:c="{C_NS}" xmlns:a="{A_NS}" xmlns:r="{R_NS}">'
           f'<c:lang val="zh-CN"/><c:roundedCorners val="0"/><c:chart>'
           f'<c:title>{_rich(spec.get("title", ""))}<c:overlay val="0"/></c:title>'
           f'<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>{plot}</c:plotArea>{legend}'
           f'<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
           f'<c:spPr><a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill><a:ln><a:noFill/></a:ln>'
           f'</c:spPr></c:chartSpace>')
    return xml.encode("utf-8")


def drawing_xml(specs: list[dict]) -> bytes:
    """The drawing part (``xl/drawings/drawingN.xml``): one anchor per chart, rIdK -> chart K.

    Charts are anchored to their cell and sized in pixels, assuming default column widths and row
    heights from the anchor on (the Summary keeps its charts right of its tables for that reason).
    """
    anchors = []
    for k, spec in enumerate(specs, start=1):
        col, row = split_cell(spec["anchor"])
        width, height = spec.get("size") or (480, 260)
        to_col, col_off = divmod(int(width), DEFAULT_COL_PX)
        to_row, row_off = divmod(int(height), DEFAULT_ROW_PX)
        if spec.get("to"):          # exactly over a block of cells, whatever their widths
            end_col, end_row = split_cell(spec["to"])
            to_col, col_off, to_row, row_off = end_col - col, 0, end_row - row, 0
        name = escape(spec.get("title") or f"Chart {k}", {'"': "&quot;"})
        anchors.append(
            f'<xdr:twoCellAnchor editAs="oneCell">'
            f'<xdr:from><xdr:col>{col - 1}</xdr:col><xdr:colOff>0</xdr:colOff>'
            f'<xdr:row>{row - 1}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>'
            f'<xdr:to><xdr:col>{col - 1 + to_col}</xdr:col><xdr:colOff>{col_off * EMU_PER_PX}</xdr:colOff>'
            f'<xdr:row>{row - 1 + to_row}</xdr:row><xdr:rowOff>{row_off * EMU_PER_PX}</xdr:rowOff></xdr:to>'
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{k + 1}" name="{name}"/>'
            f'<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>'
            f'<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
            f'<a:graphic><a:graphicData uri="{C_NS}"><c:chart xmlns:c="{C_NS}" xmlns:r="{R_NS}" '
            f'r:id="rId{k}"/></a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/>'
            f'</xdr:twoCellAnchor>')
    xml = f'{_HEAD}<xdr:wsDr xmlns:xdr="{XDR_NS}" xmlns:a="{A_NS}">{"".join(anchors)}</xdr:wsDr>'
    return xml.encode("utf-8")


def _rels(entries: list[tuple[str, str, str]]) -> bytes:
    body = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{escape(target)}"/>'
                   for i, t, target in entries)
    return f'{_HEAD}<Relationships xmlns="{PKG_REL_NS}">{body}</Relationships>'.encode("utf-8")


def rels_path(part: str) -> str:
    """'xl/worksheets/sheet3.xml' -> 'xl/worksheets/_rels/sheet3.xml.rels'."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _resolve(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def _free_name(parts: dict, pattern: str) -> str:
    n = 1
    while pattern % n in parts:
        n += 1
    return pattern % n


# Worksheet children that must come after <drawing> (CT_Worksheet sequence).
_AFTER_DRAWING = ("legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects",
                  "controls", "webPublishItems", "tableParts", "extLst")


def put_charts(parts: dict[str, bytes], sheet_part: str, sheet_name: str, specs: list[dict],
               rows: list[list] | None = None) -> None:
    """Give worksheet ``sheet_part`` exactly ``specs`` as its charts, in ``parts`` (in place).

    The sheet's previous drawing, with its charts and their own parts, is removed first: this is
    for sheets the tool owns (Summary), where every chart is ours. Relationships and content types
    are kept consistent.
    """
    for spec in specs:
        check_spec(spec)
    sheet_rels_name = rels_path(sheet_part)
    rels = etree.fromstring(parts[sheet_rels_name]) if sheet_rels_name in parts else \
        etree.Element(f"{{{PKG_REL_NS}}}Relationships", nsmap={None: PKG_REL_NS})
    for rel in list(rels):
        if rel.get("Type") == REL_DRAWING:
            _drop_part(parts, _resolve(sheet_part, rel.get("Target")))
            rels.remove(rel)
    sheet = etree.fromstring(parts[sheet_part])
    for old in sheet.findall(f"{{{MAIN_NS}}}drawing"):
        sheet.remove(old)

    if specs:
        drawing = _free_name(parts, "xl/drawings/drawing%d.xml")
        chart_names = []
        for k, spec in enumerate(specs, start=1):
            name = _free_name(parts, "xl/charts/chart%d.xml")
            parts[name] = chart_xml(spec, sheet_name, rows, index=k)
            chart_names.append(name)
            _content_type(parts, name, CT_CHART)
        parts[drawing] = drawing_xml(specs)
        _content_type(parts, drawing, CT_DRAWING)
        parts[rels_path(drawing)] = _rels([(f"rId{k}", REL_CHART, "../charts/" + posixpath.basename(n))
                                           for k, n in enumerate(chart_names, start=1)])
        used = {rel.get("Id") for rel in rels}
        rid = next(f"rId{n}" for n in range(1, len(used) + 2) if f"rId{n}" not in used)
        etree.SubElement(rels, f"{{{PKG_REL_NS}}}Relationship", Id=rid, Type=REL_DRAWING,
                         Target="../drawings/" + posixpath.basename(drawing))
        element = etree.Element(f"{{{MAIN_NS}}}drawing", nsmap={"r": R_NS})
        element.set(f"{{{R_NS}}}id", rid)
        after = [child for child in sheet if etree.QName(child).localname in _AFTER_DRAWING]
        if after:
            after[0].addprevious(element)
        else:
            sheet.append(element)
    parts[sheet_part] = etree.tostring(sheet, xml_declaration=True, encoding="UTF-8", standalone=True)
    if len(rels):
        parts[sheet_rels_name] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8",
                                                standalone=True)
    else:
        parts.pop(sheet_rels_name, None)


def _drop_part(parts: dict, name: str) -> None:
    """Remove a part, the parts only it points to (charts of a drawing, styles of a chart) and
    their content-type overrides."""
    if name not in parts:
        return
    own_rels = rels_path(name)
    if own_rels in parts:
        for rel in etree.fromstring(parts[own_rels]):
            if rel.get("TargetMode") != "External":
                _drop_part(parts, _resolve(name, rel.get("Target")))
        del parts[own_rels]
    del parts[name]
    ct = etree.fromstring(parts["[Content_Types].xml"])
    for override in ct.findall(f"{{{CT_NS}}}Override"):
        if override.get("PartName") == "/" + name:
            ct.remove(override)
    parts["[Content_Types].xml"] = etree.tostring(ct, xml_declaration=True, encoding="UTF-8",
                                                  standalone=True)


def _content_type(parts: dict, name: str, content_type: str) -> None:
    ct = etree.fromstring(parts["[Content_Types].xml"])
    for override in ct.findall(f"{{{CT_NS}}}Override"):
        if override.get("PartName") == "/" + name:
            override.set("ContentType", content_type)
            break
    else:
        etree.SubElement(ct, f"{{{CT_NS}}}Override", PartName="/" + name, ContentType=content_type)
    parts["[Content_Types].xml"] = etree.tostring(ct, xml_declaration=True, encoding="UTF-8",
                                                  standalone=True)


def sheet_part_of(parts: dict[str, bytes], sheet_name: str) -> str:
    """The worksheet part name of the sheet called ``sheet_name`` (via workbook.xml and its rels)."""
    book = etree.fromstring(parts["xl/workbook.xml"])
    rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Id"): r.get("Target") for r in rels}
    for sheet in book.iter(f"{{{MAIN_NS}}}sheet"):
        if sheet.get("name") == sheet_name:
            return _resolve("xl/workbook.xml", targets[sheet.get(f"{{{R_NS}}}id")])
    raise KeyError(sheet_name)

