"""The shared-string scan parses only the items that may hold personal data: it must find exactly
what parsing every item would (tricky text included), since what it misses stays unmasked."""

from __future__ import annotations

import html
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.core.privacy import MAY_HOLD, MAY_HOLD_RE2, scrub, scrub_value
from xltools.xlsx.scrub import Masker, _dirty, _dirty_strings
from xltools.xlsx.sharedstrings import SharedStrings

MASKER = Masker(scrub, scrub_value, MAY_HOLD, MAY_HOLD_RE2)
PIECES = ["13900770000", "139 0077 0000", "139-0077-0000", "１３９００７７００００", "139\u30000077\u30000000",
          "C20240315001", "FU2024000123", "wang@example.com", "王经理", "华腾科技", "110101199003071234",
          "91110000600037341M", "电话:13900770000", "138****5678", "12345", "0755-8888 6666",
          "&", "<", "\xa0", " ", "备注", "x13900770000", "2024-03-15"]


def _item(text: str, rng: random.Random) -> bytes:
    """One <si> as a writer might make it: plain, preserved spaces, split in runs, escaped."""
    esc = html.escape(text, quote=False)
    kind = rng.randrange(4)
    if kind == 0:
        return f"<si><t>{esc}</t></si>".encode()
    if kind == 1:
        return f'<si><t xml:space="preserve">{esc}</t></si>'.encode()
    if kind == 2 and len(text) > 1:
        cut = rng.randrange(1, len(text))
        a, b = html.escape(text[:cut], quote=False), html.escape(text[cut:], quote=False)
        return f"<si><r><t>{a}</t></r><r><rPr><sz val=\"11\"/></rPr><t>{b}</t></r></si>".encode()
    refs = "".join(f"&#{ord(c)};" if c.isdigit() else html.escape(c, quote=False) for c in text)
    return f"<si><t>{refs}</t></si>".encode()


def test_the_candidates_hold_every_string_with_personal_data():
    rng = random.Random(7)
    texts = ["".join(rng.sample(PIECES, rng.randrange(1, 4))) for _ in range(3000)] + [""]
    data = (b'<?xml version="1.0"?><sst count="9">' + b"".join(_item(t, rng) for t in texts)
            + b"<si/></sst>")
    sst = SharedStrings(data)
    assert len(sst) == len(texts) + 1
    assert [sst.text(i) for i in range(len(texts))] == texts
    every = [i for i in range(len(sst)) if _dirty(sst.text(i), MASKER)]
    assert 300 < len(every) < len(texts)          # the mix has both kinds
    assert _dirty_strings(sst, MASKER) == every
    # and the point of it: plain IDs and names are not parsed one by one
    assert len(sst.candidates(r"@|(?:^|[^0-9A-Za-z])\p{Nd}")) < len(sst)


def test_not_utf8_falls_back_to_every_item():
    sst = SharedStrings(b"<sst><si><t>\xff13900770000</t></si><si><t>a</t></si></sst>")
    assert sst.candidates("@") == [0, 1]


def test_a_column_is_tested_in_arrow_exactly_as_cell_by_cell():
    import re

    import pandas as pd

    from xltools.core.privacy import may_hold
    rng = random.Random(11)
    texts = ["".join(rng.sample(PIECES, rng.randrange(1, 4))) for _ in range(3000)]
    column = pd.Series(texts + [None, "", "  "], dtype=object)
    expected = [isinstance(t, str) and bool(re.search(MAY_HOLD, t)) for t in column]
    assert may_hold(column).tolist() == expected
    assert 300 < sum(expected) < len(texts)


def test_a_sheet_without_tables_is_parsed_whenever_a_cell_may_count():
    """The quick test that spares parsing a big sheet without tables (a reminders list) must say
    yes for every sheet in which the parsed pass finds something."""
    from lxml import etree

    from xltools.xlsx.scrub import Report, _unmanaged_cells, _worth_parsing
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rng = random.Random(5)
    cells = ['<c r="A{r}" t="inlineStr"><is><t>{text}</t></is></c>', '<c r="B{r}"><v>{number}</v></c>',
             '<c r="C{r}" t="s"><v>{index}</v></c>']
    dirty = {3, 8}
    seen = {True: 0, False: 0}
    for _ in range(400):
        rows = []
        for r in range(1, rng.randrange(2, 6)):
            cell = rng.choice(cells).format(
                r=r, text=html.escape(rng.choice(PIECES), quote=False),
                number=rng.choice(["45366", "46383.5", "13900770000", "1.39007700E+10", "12",
                                   "110101199003071234", "-5"]),
                index=rng.randrange(10))
            rows.append(f'<row r="{r}">{cell}</row>')
        data = f'<worksheet xmlns="{ns}"><sheetData>{"".join(rows)}</sheetData></worksheet>'.encode()
        report = Report()
        _unmanaged_cells(etree.fromstring(data), report, MASKER, dirty)
        counted = report.cells > 0
        seen[counted] += 1
        if counted:
            assert _worth_parsing(data, MASKER, dirty), data
    assert seen[True] > 50 and seen[False] > 20
    plain = (f'<worksheet xmlns="{ns}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>华腾科技'
             f'</t></is></c><c r="B1"><v>45366</v></c><c r="C1" t="s"><v>4</v></c></row>'
             f'</sheetData></worksheet>').encode()
    assert not _worth_parsing(plain, MASKER, dirty)       # and such a sheet is not parsed


# Text made of what the patterns look at: digits (ASCII and full width), the separators and
# prefixes they allow, the letters and stars that bound them, and what an '@' needs.
_ALPHABET = "0123456789０１３９ -+86*XxAa@.\u3000\xa0\n电话"
_TEXTS = st.one_of(st.text(alphabet=_ALPHABET, max_size=40),   # a quarter hold personal data:
                   st.lists(st.sampled_from([*PIECES, "+86", "86 ", "*", "a", "0", "1", "-", " "]),
                            max_size=6).map("".join))


@given(_TEXTS)
@settings(max_examples=3000)
def test_the_quick_test_passes_every_text_the_scrub_changes_and_arrow_agrees(text):
    """What fails the quick test is never looked at again: it must pass every text that holds
    a phone, ID number or e-mail (those the scrub changes), in Python and in Arrow alike."""
    import re

    import pandas as pd

    from xltools.core.privacy import may_hold
    quick = bool(re.search(MAY_HOLD, text))
    if scrub(text) != text:
        assert quick
    assert may_hold(pd.Series([text], dtype=object)).tolist() == [quick]


def test_the_quick_test_lets_ids_dates_and_codes_through_unparsed():
    import re
    for text in ("C20240315001", "F202401290016", "2024-03-15 10:30", "91110000600037341M",
                 "x13900770000", "138****5678", "订单 20240315000123"):
        assert not re.search(MAY_HOLD, text), text


def test_replacing_items_changes_only_those_and_keeps_every_index():
    """mask blanks the strings only its overwritten cells used and masks the dirty ones, spliced
    as bytes: every other item (so every other cell's text) must read exactly as before, and the
    part must stay valid XML, as a tree edit would leave it."""
    from lxml import etree

    from xltools.xlsx.sharedstrings import _replace_in_tree, replace_items
    rng = random.Random(3)
    texts = ["".join(rng.sample(PIECES, rng.randrange(1, 4))) for _ in range(2000)]
    data = (b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats.org'
            b'/spreadsheetml/2006/main" count="9">' + b"".join(_item(t, rng) for t in texts)
            + b"<si/><si ><t>x</t></si>\n</sst>")
    texts += ["", "x"]
    new = {i: rng.choice(["", "139****0000", "a & <b>", " 王 "])
           for i in rng.sample(range(len(texts)), 300)}
    new[len(texts) - 1] = new[len(texts) - 2] = "last"
    new[len(texts) + 5] = "beyond the table: ignored"
    expected = [new.get(i, t) for i, t in enumerate(texts)]
    for out in (replace_items(data, new), _replace_in_tree(data, new)):
        root = etree.fromstring(out)
        items = root.findall("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}si")
        assert ["".join(si.itertext()) for si in items] == expected
        assert root.get("count") == "9"
    spliced, before = SharedStrings(replace_items(data, new)), SharedStrings(data)
    assert all(spliced.item(i) == before.item(i) for i in range(len(texts) - 2) if i not in new)


def test_a_prefixed_shared_string_part_is_edited_as_a_tree():
    from lxml import etree

    from xltools.xlsx.sharedstrings import replace_items
    data = (b'<x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<x:si><x:t>13900770000</x:t></x:si><x:si><x:t>keep</x:t></x:si></x:sst>")
    root = etree.fromstring(replace_items(data, {0: ""}))
    assert ["".join(si.itertext()) for si in root] == ["", "keep"]


def test_a_cell_index_reads_as_a_reader_reads_it():
    """A cell may write its shared-string index with leading zeros; the scan that decides which
    masked strings no cell uses any more must see <v>007</v> as item 7, or it blanks a string
    a cell still shows."""
    from xltools.xlsx.sharedstrings import CELL_INDEX
    xml = (b'<c r="A1" t="s"><v>007</v></c><c r="A2" t="s" s="3"><v>0</v></c>'
           b'<c r="A3" t="s"><v>12</v></c><c r="A4"><v>5</v></c><c r="A5" t="s"><v>00</v></c>')
    assert CELL_INDEX.findall(xml) == [b"7", b"0", b"12", b"0"]



def test_a_prefixed_sheets_cells_keep_the_strings_they_show():
    """A sheet another program wrote with a namespace prefix (<x:c ...><x:v>7</x:v>) uses its
    shared strings as any other: mask's scrub must not take a string such a cell still shows for
    one only the masked cells held (it blanked it)."""
    from xltools.xlsx import sharedstrings
    from xltools.xlsx.sharedstrings import indexes_used
    prefixed = (b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<x:sheetData><x:row r="1"><x:c r="A1" t="s"><x:v>7</x:v></x:c>'
                b'<x:c r="B1" t="s" s="2">\n<x:v>0012</x:v></x:c><x:c r="C1"><x:v>9</x:v></x:c>'
                b'</x:row></x:sheetData></x:worksheet>')
    assert indexes_used([prefixed], {b"7", b"12", b"9"}) == {b"7", b"12"}
    with pytest.MonkeyPatch.context() as patch:        # screened by RE2 first, as a big sheet
        patch.setattr(sharedstrings, "_SCREEN_FROM", 0)
        assert indexes_used([prefixed[:90], prefixed[90:]], {b"7", b"12", b"9"}) == {b"7", b"12"}


def test_cell_indexes_streamed_in_any_chunks_are_those_of_the_whole_sheet():
    """mask looks for the shared strings a sheet still uses as the sheet inflates, chunk by
    chunk: wherever the chunks are cut, it must find exactly the indexes of the whole sheet."""
    from xltools.xlsx.sharedstrings import CELL_INDEX, indexes_used
    rng = random.Random(9)
    cells = [rng.choice([f'<c r="A{r}" t="s"><v>{rng.randrange(500)}</v></c>',
                         f'<c r="B{r}" s="2" t="s">\n<v>00{rng.randrange(50)}</v></c>',
                         f'<c r="C{r}"><v>{rng.randrange(10**6)}</v></c>', f'<c r="D{r}"/>'])
             for r in range(1, 400)]
    xml = ("<worksheet><sheetData><row>" + "".join(cells) + "</row></sheetData></worksheet>").encode()
    whole = CELL_INDEX.findall(xml)
    assert len(whole) > 150
    for _ in range(50):
        cuts = sorted(rng.sample(range(1, len(xml)), rng.randrange(1, 40)))
        chunks = [xml[a:b] for a, b in zip([0, *cuts], [*cuts, len(xml)])]
        among = set(rng.sample(sorted(set(whole)), 20)) | {b"999", b"7"}
        assert indexes_used(chunks, among) == among & set(whole)


@pytest.mark.parametrize("screen_from, batch", [(0, 64), (0, 5_000), (300, 10**6)])
@pytest.mark.parametrize("among", ["few", "many", "not digits"])
def test_cell_indexes_screened_first_are_those_re_finds(monkeypatch, screen_from, batch, among):
    """A big sheet's chunks are screened by RE2 first, some at a time, and only the chunks it
    flags are read by re: the indexes found are still exactly those of the whole sheet, also
    after whitespace re counts and RE2 does not (\\v), other bytes in a cell's tag, a chunk
    longer than a batch, and for indexes too many (or not digits) to screen."""
    from xltools.xlsx import sharedstrings
    from xltools.xlsx.sharedstrings import CELL_INDEX, indexes_used
    monkeypatch.setattr(sharedstrings, "_SCREEN_FROM", screen_from)
    monkeypatch.setattr(sharedstrings, "_BATCH", batch)
    rng = random.Random(11)
    cells = [rng.choice([f'<c r="A{r}" t="s"><v>{rng.randrange(300)}</v></c>',
                         f'<c r="B{r}" t="s" x="\u5ba2">\x0b<v>0{rng.randrange(300)}</v></c>',
                         f'<c r="C{r}"><v>{rng.randrange(300)}</v></c>', f'<c r="D{r}"/>'])
             for r in range(1, 3000)]
    xml = ("<worksheet><sheetData><row>" + "".join(cells) + "</row></sheetData></worksheet>"
           ).encode()
    whole = set(CELL_INDEX.findall(xml))
    wanted = {"few": {str(i).encode() for i in rng.sample(range(400), 40)},
              "many": {str(i).encode() for i in rng.sample(range(10**7), 4_000)} | {b"7"},
              "not digits": {b"7", b"x1"}}[among]
    for _ in range(5):
        cuts = sorted(rng.sample(range(1, len(xml)), rng.randrange(1, 60)))
        chunks = [xml[a:b] for a, b in zip([0, *cuts], [*cuts, len(xml)])]
        assert indexes_used(chunks, wanted) == wanted & whole
