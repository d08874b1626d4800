"""How a sheet we write looks on screen and on paper: frozen header, page setup, print titles.

A page spec is backend-neutral (the live backend maps it onto Excel's PageSetup)::

    {"orientation": "landscape",   # or "portrait"; paper is A4
     "fit_width": True,            # scale to one page wide, as many pages tall as needed
     "freeze": "A2",               # first cell that scrolls (rows above / columns left stay)
     "title_rows": (1, 1),         # rows repeated at the top of every printed page
     "print_area": "A1:O90",
     "breaks": [45, 90],           # manual page breaks after these rows
     "merges": ["A5:B5"]}          # cells drawn as one (a number too wide for one column)

:func:`set_page` edits a worksheet's ``meta`` document (the sheet without its rows);
:func:`print_names` gives the sheet-local defined names Excel keeps print titles and the print
area in (``_xlnm.Print_Titles``, ``_xlnm.Print_Area``).
"""

from __future__ import annotations

from lxml import etree

from .package import q
from .refs import col_letter, split_cell, split_ref
from .worksheet import child

A4 = "9"


def set_page(meta: etree._Element, page: dict) -> None:
    if not page:
        return
    if page.get("freeze"):
        _freeze(meta, page["freeze"])
    if page.get("merges"):
        merges = child(meta, "mergeCells")
        for ref in page["merges"]:
            etree.SubElement(merges, q("mergeCell"), ref=ref)
        merges.set("count", str(len(merges)))
    if page.get("fit_width"):
        props = child(meta, "sheetPr")
        setup_pr = props.find(q("pageSetUpPr"))
        if setup_pr is None:
            setup_pr = etree.SubElement(props, q("pageSetUpPr"))   # last child of CT_SheetPr
        setup_pr.set("fitToPage", "1")
    margins = child(meta, "pageMargins")
    for key, value in (("left", 0.4), ("right", 0.4), ("top", 0.5), ("bottom", 0.5),
                       ("header", 0.25), ("footer", 0.25)):
        margins.set(key, str(value))
    setup = child(meta, "pageSetup")
    for key in list(setup.attrib):
        del setup.attrib[key]
    setup.set("paperSize", A4)
    if page.get("fit_width"):
        setup.set("fitToWidth", "1")
        setup.set("fitToHeight", "0")
    setup.set("orientation", page.get("orientation", "portrait"))
    if page.get("print_area") or page.get("title_rows"):
        child(meta, "printOptions").set("horizontalCentered", "1")
    footer = child(meta, "headerFooter")
    for el in list(footer):
        footer.remove(el)
    etree.SubElement(footer, q("oddFooter")).text = "&C&P / &N"
    for el in meta.findall(q("rowBreaks")):
        meta.remove(el)
    breaks = sorted(set(page.get("breaks") or ()))
    if breaks:
        row_breaks = child(meta, "rowBreaks")
        row_breaks.set("count", str(len(breaks)))
        row_breaks.set("manualBreakCount", str(len(breaks)))
        for row in breaks:
            etree.SubElement(row_breaks, q("brk"), id=str(row), max="16383", man="1")


def _freeze(meta: etree._Element, cell: str) -> None:
    col, row = split_cell(cell)
    views = child(meta, "sheetViews")
    view = views.find(q("sheetView"))
    if view is None:
        view = etree.SubElement(views, q("sheetView"), workbookViewId="0")
    for el in view.findall(q("pane")) + view.findall(q("selection")):
        view.remove(el)
    if col == 1 and row == 1:
        return
    pane = etree.Element(q("pane"), topLeftCell=cell, state="frozen")
    if col > 1:
        pane.set("xSplit", str(col - 1))
    if row > 1:
        pane.set("ySplit", str(row - 1))
    active = ("bottomRight" if col > 1 and row > 1 else "bottomLeft" if row > 1 else "topRight")
    pane.set("activePane", active)
    view.insert(0, pane)
    etree.SubElement(view, q("selection"), pane=active, activeCell=cell, sqref=cell)


def print_names(sheet_name: str, page: dict) -> dict[str, str]:
    """{defined name: formula} for the sheet's print titles and print area (sheet-local names)."""
    quoted = "'" + sheet_name.replace("'", "''") + "'"
    out = {}
    if page.get("title_rows"):
        first, last = page["title_rows"]
        out["_xlnm.Print_Titles"] = f"{quoted}!${first}:${last}"
    if page.get("print_area"):
        (c1, r1), (c2, r2) = split_ref(page["print_area"])
        out["_xlnm.Print_Area"] = \
            f"{quoted}!${col_letter(c1)}${r1}:${col_letter(c2)}${r2}"
    return out
