"""Worksheet-level edits the writer needs: children in schema order, ranges that follow rows,
hyperlinks, column widths, dropdowns, the legacy-drawing link, table parts.

All functions work on the ``meta`` document of a :class:`~xltools.xlsx.sheetxml.SheetXml` (the
worksheet without its rows) or on a table part.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from .cells import escape_text
from .package import MAIN_NS, R_NS, q
from .ranges import grow_sqref

XM_NS = "http://schemas.microsoft.com/office/excel/2006/main"

# CT_Worksheet child order (ECMA-376 Part 1, §18.3.1.99).
ORDER = ("sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
         "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState",
         "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr",
         "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions", "pageMargins",
         "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches",
         "ignoredErrors", "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF",
         "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst")


def child(meta: etree._Element, tag: str, create: bool = True) -> etree._Element | None:
    """The worksheet's ``tag`` child, created at its schema position when missing."""
    el = meta.find(q(tag))
    if el is not None or not create:
        return el
    el = etree.Element(q(tag))
    rank = ORDER.index(tag)
    for existing in meta:
        name = etree.QName(existing).localname
        if name in ORDER and ORDER.index(name) > rank:
            existing.addprevious(el)
            return el
    meta.append(el)
    return el


def _sqref_elements(meta: etree._Element):
    """(element, attribute or None for text) of every sqref in the sheet, x14 extensions too."""
    for tag in ("conditionalFormatting", "dataValidation", "ignoredError", "selection",
                "protectedRange"):
        for el in meta.iter(q(tag)):
            if el.get("sqref"):
                yield el, "sqref"
    for el in meta.iter(f"{{{XM_NS}}}sqref"):
        yield el, None


def _map_sqrefs(meta: etree._Element, fn: Callable[[str], str]) -> None:
    for el, attr in list(_sqref_elements(meta)):
        old = el.get(attr) if attr else (el.text or "")
        new = fn(old)
        if new == old:
            continue
        if new:
            if attr:
                el.set(attr, new)
            else:
                el.text = new
            continue
        # Nothing left: drop the rule/validation (or the x14 element holding the sqref).
        holder = el if attr else el.getparent()
        parent = holder.getparent()
        if etree.QName(holder).localname in ("selection",):
            continue
        parent.remove(holder)
        if len(parent) == 0 and etree.QName(parent).localname in (
                "dataValidations", "ignoredErrors", "conditionalFormatting"):
            parent.getparent().remove(parent)
    for el in meta.iter(q("dataValidations")):
        el.set("count", str(len(el)))


def grow_ranges(meta: etree._Element, last_row: int, new_last_row: int) -> None:
    """Validations, conditional formats (x14 ones too) and ignored-error ranges that reached the
    table's last data row now reach ``new_last_row``."""
    if new_last_row != last_row:
        _map_sqrefs(meta, lambda s: grow_sqref(s, last_row, new_last_row))


def set_hyperlinks(meta: etree._Element, links: dict[str, tuple[str, str]],
                   clear: Callable[[str], bool]) -> set[str]:
    """Drop hyperlinks whose ref ``clear`` accepts, add in-book ``links`` (ref -> (location,
    display)). Returns the relationship ids of dropped external links (for the caller to remove)."""
    hyperlinks = child(meta, "hyperlinks", create=bool(links))
    dropped: set[str] = set()
    if hyperlinks is not None:
        for el in list(hyperlinks):
            if clear(el.get("ref", "")):
                rid = el.get(f"{{{R_NS}}}id")
                if rid:
                    dropped.add(rid)
                hyperlinks.remove(el)
        for ref, (location, display) in links.items():
            etree.SubElement(hyperlinks, q("hyperlink"), ref=ref, location=location.lstrip("#"),
                             display=escape_text(str(display)[:255]))  # a name may hold \x07
        if len(hyperlinks) == 0:
            meta.remove(hyperlinks)
    return dropped


def set_widths(meta: etree._Element, widths: dict[int, float]) -> None:
    cols = child(meta, "cols", create=bool(widths))
    if cols is None:
        return
    for el in list(cols):
        cols.remove(el)
    for c in sorted(widths):
        etree.SubElement(cols, q("col"), min=str(c), max=str(c), width=f"{float(widths[c]):g}",
                         customWidth="1")
    if len(cols) == 0:
        meta.remove(cols)


def add_dropdown(meta: etree._Element, ref: str, values: list[str] | None = None,
                 source: str | None = None) -> None:
    dvs = child(meta, "dataValidations")
    dv = etree.SubElement(dvs, q("dataValidation"), type="list", allowBlank="1",
                          showInputMessage="1", showErrorMessage="1", sqref=ref)
    formula = source if source else '"' + ",".join(str(v).replace('"', '""') for v in values or []) + '"'
    etree.SubElement(dv, q("formula1")).text = formula
    dvs.set("count", str(len(dvs)))


def remove_children(meta: etree._Element, tags: tuple[str, ...]) -> None:
    for tag in tags:
        for el in meta.findall(q(tag)):
            meta.remove(el)


def set_legacy_drawing(meta: etree._Element, rid: str | None) -> None:
    el = meta.find(q("legacyDrawing"))
    if rid is None:
        if el is not None:
            meta.remove(el)
        return
    el = child(meta, "legacyDrawing")
    el.set(f"{{{R_NS}}}id", rid)


def add_table_part(meta: etree._Element, rid: str) -> None:
    parts = child(meta, "tableParts")
    etree.SubElement(parts, q("tablePart")).set(f"{{{R_NS}}}id", rid)
    parts.set("count", str(len(parts)))


EMPTY_SHEET = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}" '
               f'xmlns:r="{R_NS}"><dimension ref="A1"/><sheetViews><sheetView workbookViewId="0"/>'
               '</sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData/><pageMargins '
               'left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
               '</worksheet>').encode()
