"""Lay the Summary out as a dashboard that prints on A4 landscape.

The sheet is a grid of two panels, columns A-G and I-O (H is a narrow gutter), scaled to one page
wide. Printed pages hold :data:`PAGE_ROWS` rows below the two title rows, which repeat on every
page. Page 1: the title, the month's key figures with their change against the month before, and
six charts, three across; then the tables, packed into the two panels page by page.
Page breaks are set by hand between pages, so no chart or table is cut in two (a table longer
than a page, which a demo-sized book never has, continues on the next page).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..changes import SheetRebuild
from ..xlsx.refs import make_cell, make_ref

PANELS = (1, 9)                 # first column of the left and right panels
PANEL_COLS = 7
LAST_COL = PANELS[1] + PANEL_COLS - 1
WIDTHS = {1: 24, **{c: 10 for c in range(2, 8)}, 8: 2, 9: 24, **{c: 10 for c in range(10, 16)}}
TITLE_ROWS = 2
PAGE_ROWS = 38                  # rows below the titles that fit one A4 landscape page at this width
CHART_ROWS = 16                 # a chart's height in rows (and a blank row under it)
ROW_HEIGHT = 15                 # points; set on every row so Excel, WPS and LibreOffice agree
TITLE_HEIGHT = 24
KPI_VALUE_HEIGHT = 27
KPI_SLOTS = (1, 3, 5, 7, 9, 11, 13)   # one key figure every two columns
CHART_SLOTS = ((1, 5), (5, 10), (10, 16))   # columns [from, to) of the three charts of a band
CHARTS_PER_PAGE = 6

PERCENT, MONEY, COUNT = "0.0%", "#,##0", "#,##0"
HEAD_FILL, KPI_FILL, TITLE_COLOUR, MUTED = "DDEBF7", "F2F2F2", "1F3864", "595959"


@dataclass
class Block:
    """One titled table of the dashboard, with the chart that draws it."""

    title: str
    header: list[str]
    body: list[list]
    formats: dict[int, str] = field(default_factory=dict)    # column index (0-based) -> format
    chart: dict | None = None   # {"type", "title", "values": [column indexes], "rows": n, ...}
    links: dict[int, str] = field(default_factory=dict)      # body row index -> location
    note: str = ""              # a line under the table

    @property
    def height(self) -> int:
        return 2 + len(self.body) + (1 if self.note else 0)


class Canvas:
    def __init__(self):
        self.rows: list[list] = []
        self.styles: dict[tuple[int, int], dict] = {}
        self.links: dict[tuple[int, int], str] = {}
        self.charts: list[dict] = []
        self.breaks: list[int] = []
        self.merges: list[str] = []

    def put(self, row: int, col: int, value, **style) -> None:
        while len(self.rows) < row:
            self.rows.append([])
        line = self.rows[row - 1]
        while len(line) < col:
            line.append(None)
        line[col - 1] = value
        if style:
            self.styles[(row, col)] = style

    def table(self, block: Block, row: int, col: int) -> dict[int, int]:
        """Draw ``block`` with its title at (row, col); returns {body index: sheet row}."""
        self.put(row, col, block.title, bold=True, colour=TITLE_COLOUR, size=12)
        for j, h in enumerate(block.header):
            self.put(row + 1, col + j, h, bold=True, fill=HEAD_FILL, wrap=True,
                     align="left" if j == 0 else "center")
        placed = {}
        for i, values in enumerate(block.body):
            r = row + 2 + i
            placed[i] = r
            for j, v in enumerate(values):
                fmt = block.formats.get(j)
                self.put(r, col + j, v, **({"num": fmt} if fmt and v is not None else {}))
            if i in block.links:
                self.links[(r, col)] = block.links[i]
        if block.note:
            self.put(row + 2 + len(block.body), col, block.note, colour=MUTED)
        return placed

    def chart(self, block: Block, top: int, columns: tuple[int, int], head: int, col: int) -> None:
        spec = block.chart
        first, n = head + 1, spec.get("rows", len(block.body))
        if n <= 0:
            return
        left, right = columns
        extra = {k: v for k, v in spec.items() if k not in ("type", "title", "values", "rows")}
        self.charts.append({
            "type": spec["type"], "title": spec["title"],
            "categories": make_ref(col, first, col, first + n - 1),
            "series": [{"name": make_cell(col + j, head), "values": make_ref(col + j, first, col + j,
                                                                             first + n - 1)}
                       for j in spec["values"]],
            "anchor": make_cell(left, top), "to": make_cell(right, top + CHART_ROWS - 1),
            "size": [400, (CHART_ROWS - 1) * 20], **extra})


def layout(title: str, subtitle: str, kpis: list[tuple[str, float, float, str, str]],
           blocks: list[Block], chart_order: list[int], lang: str) -> SheetRebuild:
    """The Summary rebuild: ``kpis`` are (label, value, change, value format, change format);
    ``chart_order`` lists the blocks whose charts go on the chart pages, in order."""
    cv = Canvas()
    cv.put(1, 1, title, bold=True, size=16, colour=TITLE_COLOUR)
    cv.put(2, 1, subtitle, colour=MUTED)
    row = TITLE_ROWS + 2
    for slot, (label, value, change, fmt, change_fmt) in zip(KPI_SLOTS, kpis):
        for c in (slot, slot + 1):
            for r in range(row, row + 3):
                cv.put(r, c, None, fill=KPI_FILL)
        cv.put(row, slot, label, fill=KPI_FILL, colour=MUTED)
        cv.put(row + 1, slot, value, num=fmt, bold=True, size=18, fill=KPI_FILL, align="left")
        cv.put(row + 2, slot, change, num=change_fmt, fill=KPI_FILL, colour=MUTED, align="left",
               size=9)
        cv.merges += [make_ref(slot, r, slot + 1, r) for r in (row + 1, row + 2)]  # numbers never spill
    extra_heights = {1: TITLE_HEIGHT, row + 1: KPI_VALUE_HEIGHT}
    chart_top = row + 4

    # The tables go after the chart pages; their rows are known once packed, so pack first.
    chart_pages = max(1, -(-len(chart_order) // CHARTS_PER_PAGE))
    page_starts = [TITLE_ROWS + 1 + PAGE_ROWS * k for k in range(1, chart_pages)]
    table_start = TITLE_ROWS + 1 + PAGE_ROWS * chart_pages
    placed = _pack(cv, blocks, table_start)
    for k, b in enumerate(chart_order):
        page, slot = divmod(k, CHARTS_PER_PAGE)
        base = chart_top if page == 0 else page_starts[page - 1]
        head, col = placed[b]
        cv.chart(blocks[b], base + (slot // 3) * CHART_ROWS, CHART_SLOTS[slot % 3], head, col)
    breaks = sorted(set(page_starts + [table_start] + cv.breaks))
    last_row = len(cv.rows)
    heights = {r: extra_heights.get(r, ROW_HEIGHT) for r in range(1, last_row + 1)}
    page = {"orientation": "landscape", "fit_width": True, "title_rows": (1, TITLE_ROWS),
            "print_area": make_ref(1, 1, LAST_COL, last_row),
            "breaks": [b - 1 for b in breaks if 1 < b <= last_row], "freeze": make_cell(1, TITLE_ROWS + 1),
            "merges": cv.merges}
    return SheetRebuild("Summary", "汇总", "Summary", cv.rows, widths=dict(WIDTHS), links=cv.links,
                        charts=cv.charts, styles=cv.styles, page=page, heights=heights)


def _pack(cv: Canvas, blocks: list[Block], start: int) -> dict[int, tuple[int, int]]:
    """Place the tables in the two panels from ``start``, page by page; {index: (header row, col)}."""
    page_top = start
    bottoms = [start, start]              # next free row of each panel
    placed = {}
    for i, block in enumerate(blocks):
        page_end = page_top + PAGE_ROWS - 1
        side = min((0, 1), key=lambda s: bottoms[s])
        if bottoms[side] + block.height - 1 > page_end and block.height <= PAGE_ROWS:
            page_top = max(page_end + 1, max(bottoms))
            cv.breaks.append(page_top)
            bottoms = [page_top, page_top]
            side = 0
        top = bottoms[side]
        cv.table(block, top, PANELS[side])
        placed[i] = (top + 1, PANELS[side])
        bottoms[side] = top + block.height + 1
    return placed
