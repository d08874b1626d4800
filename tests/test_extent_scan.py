"""The scan for far cells (xlsx/extent.py) screens each chunk with RE2 before ``re`` looks for
what matched: whatever the limits, the chunking and where a stray cell sits, it finds what a
reference-by-reference reading of the sheet finds."""

import random
import re

import pytest

from xltools.xlsx import extent
from xltools.xlsx.refs import col_index, col_letter

REF = re.compile(rb'r="([A-Z]*)(\d+)"')


@pytest.fixture(autouse=True, params=["screened", "as sized"])
def screening(request, monkeypatch):
    """Every chunk asked of RE2 (these sheets are small: a chunk this small is left to re), and
    as the scan sizes them."""
    if request.param == "screened":
        monkeypatch.setattr(extent, "_SCREEN_FROM", 0)


def _exactly(xml: bytes, row_limit: int, col_limit: int):
    far_row = far_col = 0
    for m in REF.finditer(xml):
        row = int(m.group(2))
        col = col_index(m.group(1).decode()) if m.group(1) else 0
        if row > row_limit or col > col_limit:
            far_row, far_col = max(far_row, row), max(far_col, col)
    return (far_row, far_col) if far_row or far_col else None


def _sheet(rng: random.Random, rows: int, cols: int, strays: list[tuple[int, int]]) -> bytes:
    cells = {(r, c) for r in range(1, rows + 1) for c in range(1, cols + 1) if rng.random() < 0.7}
    by_row: dict[int, list[int]] = {}
    for r, c in sorted(cells | set(strays)):
        by_row.setdefault(r, []).append(c)
    body = "".join(f'<row r="{r}">' + "".join(f'<c r="{col_letter(c)}{r}"><v>{r * c}</v></c>'
                                              for c in cs) + "</row>"
                   for r, cs in sorted(by_row.items()))
    return f"<worksheet><sheetData>{body}</sheetData></worksheet>".encode()


def test_the_screened_scan_finds_what_reading_every_reference_finds():
    rng = random.Random(5)
    for _ in range(40):
        rows, cols = rng.randrange(5, 60), rng.randrange(1, 60)
        strays = [(rng.choice([rng.randrange(1, 200), 1_048_576, rows + rng.randrange(1, 30)]),
                   rng.choice([rng.randrange(1, cols + 1), rng.randrange(1, 16_385),
                               cols + rng.randrange(1, 40)]))
                  for _ in range(rng.randrange(0, 3))]
        xml = _sheet(rng, rows, cols, strays)
        row_limit, col_limit = rng.randrange(1, rows + 40), rng.randrange(1, cols + 40)
        cuts = sorted(rng.sample(range(1, len(xml)), rng.randrange(0, 12)))
        chunks = [xml[a:b] for a, b in zip([0, *cuts], [*cuts, len(xml)])]
        assert extent.far_cells(chunks, row_limit, col_limit) == \
            _exactly(xml, row_limit, col_limit), (row_limit, col_limit, strays)


def test_a_formula_is_seen_in_any_chunk_and_across_a_cut():
    for xml in (b'<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>',
                b'<row r="1"><x:c r="A1"><x:f t="shared" si="0"/></x:c></row>'):
        for cut in range(1, len(xml)):
            chunks = [xml[:cut], xml[cut:]]
            found = extent._has_formula(chunks[0]) or extent._has_formula(chunks[1]) or \
                extent._FORMULA.search(chunks[0][-64:] + chunks[1][:64]) is not None
            assert found
    assert not extent._has_formula(b'<row r="1"><c r="A1" t="s"><v>3</v></c></row>')
    rows = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>3</v></c></row>' % (r, r)
                    for r in range(1, 5000))
    assert len(rows) > extent._SCREEN_FROM and not extent._has_formula(rows)   # RE2's chunk
    for formula in (b'<c r="B9"><f>A9*2</f></c>', b'<x:c r="B9"><x:f>A9</x:f></x:c>',
                    b'<c r="B9"><f\t t="shared" si="1"/></c>'):
        assert extent._has_formula(rows + formula) and extent._has_formula(formula + rows)


def test_a_cell_just_past_either_limit_is_found():
    for col_limit in (1, 25, 26, 27, 51, 52, 701, 702, 703, 16_383):
        for row_limit in (9, 10, 99_999, 110_001):
            inside = f'<row r="1"><c r="A1"/><c r="{col_letter(col_limit)}{row_limit}"/></row>'
            right = f'<row r="2"><c r="{col_letter(col_limit + 1)}2"/></row>'
            below = f'<row r="{row_limit + 1}"><c r="A{row_limit + 1}"/></row>'
            assert extent.far_cells([inside.encode()], row_limit, col_limit) is None
            assert extent.far_cells([(inside + right).encode()], row_limit, col_limit) == \
                (2, col_limit + 1)
            assert extent.far_cells([right.encode()], row_limit, col_limit) == (2, col_limit + 1)
            assert extent.far_cells([(inside + below).encode()], row_limit, col_limit) == \
                (row_limit + 1, 1)
