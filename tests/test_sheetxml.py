"""SheetXml finds rows by their opening tags: a sheet written by another program (indented,
rows without r, self-closing rows) must still be edited row for row, nothing else touched."""

import re

import pytest
from lxml import etree

from xltools.xlsx.refs import col_letter
from xltools.xlsx.sheetxml import SheetXml

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PRETTY = f"""<worksheet xmlns="{NS}">
  <dimension ref="A1:B4"/>
  <sheetData>
    <row r="1"><c r="A1" t="inlineStr"><is><t>ID</t></is></c></row>
    <row><c r="A2"><v>2</v></c><c r="B2"><v>20</v></c></row>
    <row r="3" spans="1:2"/>
    <row r="4"><c r="A4"><v>4</v></c></row>
  </sheetData>
  <mergeCells count="0"/>
</worksheet>""".encode()


def _values(xml: bytes) -> dict[str, str]:
    root = etree.fromstring(xml)
    return {c.get("r"): c.findtext(f"{{{NS}}}v") or c.findtext(f".//{{{NS}}}t")
            for c in root.iter(f"{{{NS}}}c")}


def test_an_indented_sheet_is_edited_row_for_row():
    sheet = SheetXml(PRETTY)
    assert sheet.row_numbers() == [1, 2, 3, 4]          # the row without r is row 2
    assert sheet.cell_style(2, 2) == 0 and sheet.cell_style(4, 1) == 0
    sheet.set_cells(2, {2: '<c r="B2"><v>21</v></c>'})
    sheet.remove_rows([3])
    out = sheet.to_bytes()
    assert _values(out) == {"A1": "ID", "A2": "2", "B2": "21", "A3": "4"}
    assert b"<mergeCells" in out


def test_untouched_rows_come_back_byte_for_byte():
    sheet = SheetXml(PRETTY)
    sheet.set_cells(4, {2: '<c r="B4"><v>5</v></c>'})

    def rows(xml):
        return xml.split(b"<sheetData>")[1].split(b"<row r=\"4\"")[0]
    assert rows(sheet.to_bytes()) == rows(PRETTY).lstrip()   # from the first row on


PREFIXED = PRETTY.replace(f'<worksheet xmlns="{NS}">'.encode(), f'<x:worksheet xmlns:x="{NS}">'.encode()) \
    .replace(b"</worksheet>", b"</x:worksheet>")
for tag in (b"dimension", b"sheetData", b"row", b"c", b"v", b"is", b"t", b"mergeCells"):
    PREFIXED = PREFIXED.replace(b"<" + tag + b" ", b"<x:" + tag + b" ").replace(
        b"<" + tag + b">", b"<x:" + tag + b">").replace(b"</" + tag + b">", b"</x:" + tag + b">")


def test_edits_read_the_same_with_and_without_a_namespace_prefix():
    """Rows are edited as bytes in a plain sheet and parsed in a prefixed one: same result."""
    results = []
    for xml in (PRETTY, PREFIXED):
        sheet = SheetXml(xml)
        assert sheet.cell_info(2, [2, 3]) == {2: (0, None, "20")}
        sheet.set_cells(2, {1: '<c r="A2" t="inlineStr"><is><t>新</t></is></c>',
                            3: '<c r="C2"><v>30</v></c>'})
        sheet.restyle(4, {1: 5, 2: 6})
        sheet.restyle(1, {1: 0})
        out = sheet.to_bytes()
        assert sheet.cell_info(4, [1])[1].style == 5 and sheet.cell_style(4, 2) == 6
        root = etree.fromstring(out)
        results.append((_values(out), {c.get("r"): c.get("s") for c in root.iter(f"{{{NS}}}c")}))
    assert results[0] == results[1]
    assert results[0][0] == {"A1": "ID", "A2": "新", "B2": "20", "C2": "30", "A4": "4", "B4": None}


def _dimension(sheet: SheetXml) -> str:
    sheet.set_dimension()
    return etree.fromstring(sheet.to_bytes()).find(f"{{{NS}}}dimension").get("ref")


def test_the_dimension_follows_rows_added_cleared_and_removed():
    added = SheetXml(PRETTY)
    added.set_cells(2, {2: '<c r="B2"><v>22</v></c>'})
    added.put_row(9, '<c r="A9"><v>9</v></c>')
    assert _dimension(added) == "A1:B9"
    cleared = SheetXml(PRETTY)
    cleared.set_row_xml(4, None)                         # the last row gone
    assert _dimension(cleared) == "A1:B3"
    removed = SheetXml(PRETTY)
    removed.remove_rows([1])                             # rows below move up
    assert _dimension(removed) == "A1:B3"
    assert _dimension(SheetXml(PRETTY)) == "A1:B4"


from hypothesis import example, given, settings, strategies as st


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 40), unique=True),
       st.dictionaries(st.integers(1, 45), st.sampled_from(["set", "clear"])))
def test_rows_set_and_cleared_come_out_in_row_order(file_rows, edits):
    """Changed, cleared and new rows land where their numbers say, between the file's untouched
    rows (which stay byte for byte), whatever mix of them an apply makes."""
    file_rows = sorted(file_rows)
    model = {r: f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>'.encode() for r in file_rows}
    sheet = SheetXml(f'<worksheet xmlns="{NS}"><sheetData>'.encode() + b"\n ".join(model.values())
                     + b"</sheetData></worksheet>")
    for r, what in edits.items():
        if what == "set":
            model[r] = f'<row r="{r}"><c r="B{r}"><v>new</v></c></row>'.encode()
            sheet.set_row_xml(r, model[r])
        else:
            sheet.clear_row(r)
            model.pop(r, None)
    body = sheet.to_bytes().split(b"<sheetData>")[1].split(b"</sheetData>")[0] \
        if model else b""
    assert body.replace(b"\n ", b"") == b"".join(model[r] for r in sorted(model))
    assert all(model[r] in body for r in model if r not in edits)


def test_rows_of_a_file_out_of_order_keep_their_order():
    """A sheet whose rows are not in ascending order (no program we know writes one) is not
    reordered by an edit."""
    xml = (f'<worksheet xmlns="{NS}"><sheetData><row r="3"/><row r="1"/><row r="5"/>'
           f'</sheetData></worksheet>').encode()
    sheet = SheetXml(xml)
    sheet.set_row_xml(5, b'<row r="5"><c r="A5"><v>1</v></c></row>')
    assert b'<row r="3"/><row r="1"/><row r="5"><c r="A5">' in sheet.to_bytes()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 12), st.booleans(), st.integers(0, 4)), max_size=8),
       st.lists(st.integers(1, 14), min_size=1, max_size=4, unique=True))
def test_cells_asked_for_are_read_and_replaced_whatever_the_row_holds(cells, asked):
    """A row's cells, with or without their reference (then the one after the previous), some
    of the asked columns absent: what is read of them and where a new cell lands is what
    parsing the row says."""
    cols, xml = [], b""
    for col, with_ref, style in sorted(dict((c, (c, r, s)) for c, r, s in cells).values()):
        ref = f' r="{col_letter(col)}7"' if with_ref or not cols or cols[-1] != col - 1 else ""
        xml += f'<c{ref} s="{style}"><v>{col}</v></c>'.encode()
        cols.append(col)
    sheet = SheetXml(f'<worksheet xmlns="{NS}"><sheetData><row r="7">'.encode() + xml
                     + b"</row></sheetData></worksheet>")
    parsed = sheet.cells(7)
    assert sheet.cell_info(7, asked) == {
        c: (int(parsed[c].get("s")), None, str(c)) for c in asked if c in parsed}
    sheet.edit_cells(7, asked, lambda found: {c: f'<c r="{col_letter(c)}7"><v>new</v></c>'
                                              for c in asked})
    after = sheet.cells(7)
    assert sorted(after) == sorted(set(parsed) | set(asked))
    assert all(after[c].findtext(f"{{{NS}}}v") == ("new" if c in asked else str(c)) for c in after)



@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 12), st.booleans(), st.integers(0, 4)), max_size=8),
       st.lists(st.integers(1, 14), min_size=1, max_size=4, unique=True),
       st.lists(st.integers(1, 16), max_size=3, unique=True), st.booleans())
def test_an_edit_reading_the_row_once_is_the_read_then_the_set(cells, asked, more, spans):
    """edit_cells reads a row's cells once for what it asks and for where the new ones go:
    the row it leaves is the one cell_info then set_cells leave, also for cells it sets
    without having asked for them."""
    xml, cols = (b'<row r="7" spans="1:9">' if spans else b'<row r="7">'), []
    for col, with_ref, style in sorted(dict((c, (c, r, s)) for c, r, s in cells).values()):
        ref = f' r="{col_letter(col)}7"' if with_ref or not cols or cols[-1] != col - 1 else ""
        xml += f'<c{ref} s="{style}"><v>{col}</v></c>'.encode()
        cols.append(col)
    sheet_xml = (f'<worksheet xmlns="{NS}"><sheetData>'.encode() + xml
                 + b"</row></sheetData></worksheet>") if cols or spans else \
        f'<worksheet xmlns="{NS}"><sheetData><row r="7"/></sheetData></worksheet>'.encode()

    def new(found):
        return {c: f'<c r="{col_letter(c)}7"><v>{found[c].value if c in found else "x"}</v></c>'
                for c in [*asked, *more]}
    once, twice = SheetXml(sheet_xml), SheetXml(sheet_xml)
    once.edit_cells(7, asked, new)
    twice.set_cells(7, new(twice.cell_info(7, asked)))
    assert once.to_bytes() == twice.to_bytes()


def test_a_cell_right_of_a_rows_cells_goes_after_them():
    """A value set in a column right of a row's last cell (a blank fingerprint column) is
    written after the row's cells: Excel repairs a row whose cells are out of order (the demo
    book's mask wrote such rows)."""
    sheet = SheetXml(f'<worksheet xmlns="{NS}"><sheetData><row r="7"><c r="A7"/><c r="B7"/>'
                     f'</row></sheetData></worksheet>'.encode())
    sheet.set_cells(7, {1: '<c r="A7"><v>1</v></c>', 27: '<c r="AA7"><v>2</v></c>'})
    assert b'<c r="A7"><v>1</v></c><c r="B7"/><c r="AA7"><v>2</v></c></row>' in sheet.to_bytes()


_HEADS = [b'<row r="%d">', b'<row>', b'<row spans="1:2" r="%d">', b'<row\tr="%d"/>',
          b'<row r="%d"/>', b'<row r="0%d">', b'<row r="0">', b'<rows r="5">', b'<row_ r="7">',
          b'<row r="12345678901234">', b'<row r="%da">', b'<row\nr="%d" x="1">', b' \n',
          b'<c r="A1"><v>1</v></c></row>', b'<row r="">', b'<row r="%d" ', b"<row r='%d'>",
          b"<ro", b"w", b"<row", b"<row\xe4>", b'<row r="%d">\xe5\xae\xa2', b'<rowBreaks/>']


@settings(max_examples=400, deadline=None)
@example([(b"<row", 0, True), (b'<row r="%d">', 5, True), (b'<row r="%d"/>', 6, True)], b"", 5)
@given(st.lists(st.tuples(st.sampled_from(_HEADS), st.integers(0, 2_000_000), st.booleans()),
                max_size=25),
       st.sampled_from([b"", b"x:", b"ns1:"]), st.sampled_from([1, 5, 7, 1 << 24]))
def test_rows_are_found_where_re_finds_them(pieces, prefix, chunk):
    """Where each row starts and its number, read in numpy, are what the pattern below finds
    in any body: odd tags, rows without r (the one after the last), a prefix, a "<row" cut
    between two of the blocks searched at once, a tag left open ("<row<row r=...")."""
    from xltools.xlsx import sheetbody
    body = b"".join((head % n if b"%d" in head else head).replace(
        b"<row", b"<" + (prefix if keep else b"") + b"row") for head, n, keep in pieces)
    found = list(re.finditer(rb"<" + re.escape(prefix) + rb'row\b(?:[^>]*?\sr="(\d+)")?', body))
    rows, row = [], 0
    for m in found:
        row = int(m.group(1)) if m.group(1) else row + 1
        rows.append(row)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sheetbody, "_CHUNK", chunk)
        spans = sheetbody.row_spans(memoryview(body), prefix)
    assert list(spans.rows) == rows
    assert list(spans.starts) == [m.start() for m in found]
    assert list(spans.ends) == [m.start() for m in found[1:]] + [len(body.rstrip())]
