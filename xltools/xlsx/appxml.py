"""``docProps/app.xml``'s table of contents (HeadingPairs + TitlesOfParts), kept complete.

Excel lists every sheet (but very hidden ones) and every visible name of a range there, grouped
under headings with counts;
a sheet the writer adds must appear too. :func:`refresh` rebuilds both vectors from the workbook
part and leaves the rest of app.xml as it was.

>>> book = etree.fromstring(
...     '<workbook xmlns="%s"><sheets><sheet name="客户" sheetId="1"/><sheet name="Log" sheetId="2"/>'
...     '</sheets><definedNames><definedName name="_xlnm.Print_Titles" localSheetId="0">'
...     "'客户'!$1:$1</definedName>"
...     '<definedName name="lst_A">Log!$A$1</definedName><definedName name="k">"zh"</definedName>'
...     '</definedNames></workbook>' % MAIN_NS)
>>> app = refresh(EMPTY_APP, book)
>>> [t.text for t in etree.fromstring(app).iter(vt("lpstr"))]
['Worksheets', 'Named Ranges', '客户', 'Log', '客户!Print_Titles', 'lst_A']
"""

from __future__ import annotations

from lxml import etree

from .package import MAIN_NS, parse_xml, q, to_xml  # noqa: F401  (MAIN_NS: the doctest)

AP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
EMPTY_APP = (f'<Properties xmlns="{AP_NS}" xmlns:vt="{VT_NS}"><Application>Microsoft Excel'
             '</Application></Properties>').encode()
# Excel writes the two vectors right after these (the schema does not fix an order).
_BEFORE = ("Application", "DocSecurity", "ScaleCrop")


def vt(tag: str) -> str:
    return f"{{{VT_NS}}}{tag}"


def parts_of(book: etree._Element, chartsheets: set[str] = frozenset()) -> list[tuple[str, list[str]]]:
    """[(heading, titles)] as Excel writes them: worksheets, charts, named ranges."""
    all_sheets = [(s.get("name"), s.get("state")) for s in book.iter(q("sheet"))]
    sheets = [name for name, _ in all_sheets]
    names = []
    for dn in book.iter(q("definedName")):
        name = dn.get("name", "")
        if dn.get("hidden") in ("1", "true") or name.startswith("_xlnm._") or "!" not in (dn.text or ""):
            continue                     # Excel lists names of ranges, not constants
        local = dn.get("localSheetId")
        if name.startswith("_xlnm."):
            name = name[len("_xlnm."):]
        if local is not None and local.isdigit() and int(local) < len(sheets):
            name = f"{sheets[int(local)]}!{name}"
        names.append(name)
    listed = [name for name, state in all_sheets if state != "veryHidden"]   # as Excel does
    groups = [("Worksheets", [s for s in listed if s not in chartsheets]),
              ("Charts", [s for s in sheets if s in chartsheets]),
              ("Named Ranges", names)]
    return [(h, titles) for h, titles in groups if titles]


def refresh(app: bytes, book: etree._Element, chartsheets: set[str] = frozenset()) -> bytes:
    """app.xml with HeadingPairs and TitlesOfParts rebuilt from ``book`` (workbook.xml); the
    same bytes when it already lists the same titles (in any order) under the same headings."""
    root = parse_xml(app)
    groups = parts_of(book, chartsheets)
    if _listed(root) == sorted((h, t) for h, ts in groups for t in ts):
        return app
    for tag in ("HeadingPairs", "TitlesOfParts"):
        for el in root.findall(q(tag, AP_NS)):
            root.remove(el)
    pairs = etree.Element(q("HeadingPairs", AP_NS))
    vector = etree.SubElement(pairs, vt("vector"), size=str(2 * len(groups)), baseType="variant")
    titles = etree.Element(q("TitlesOfParts", AP_NS))
    flat = [t for _, ts in groups for t in ts]
    tvector = etree.SubElement(titles, vt("vector"), size=str(len(flat)), baseType="lpstr")
    for heading, ts in groups:
        etree.SubElement(etree.SubElement(vector, vt("variant")), vt("lpstr")).text = heading
        etree.SubElement(etree.SubElement(vector, vt("variant")), vt("i4")).text = str(len(ts))
    for t in flat:
        etree.SubElement(tvector, vt("lpstr")).text = t
    at = 0
    for i, el in enumerate(root):
        if etree.QName(el).localname in _BEFORE:
            at = i + 1
    root.insert(at, pairs)
    root.insert(at + 1, titles)
    return to_xml(root)


def _listed(root: etree._Element) -> list[tuple[str, str]]:
    """The (heading, title) pairs app.xml lists now, sorted."""
    pairs = root.find(q("HeadingPairs", AP_NS))
    titles = root.find(q("TitlesOfParts", AP_NS))
    if pairs is None or titles is None:
        return []
    values = [v[0].text or "" for v in pairs.iter(vt("variant")) if len(v)]
    names = [t.text or "" for t in titles.iter(vt("lpstr"))]
    out, at = [], 0
    for heading, count in zip(values[::2], values[1::2]):
        n = int(count) if count.isdigit() else 0
        out += [(heading, t) for t in names[at:at + n]]
        at += n
    return sorted(out)
