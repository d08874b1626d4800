"""Turn one source grid into rows keyed by our column names.

Blank rows and total rows (合计, 小计, Total ...) are dropped and counted. Columns that map to no key
are not lost: their non-blank values go to Remarks as "原列名: 值". When two columns map to one key
(手机 and 座机 both mean ContactPhone) the first non-blank value wins and the others go to Remarks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from ..core.normalize import compact_text, is_blank
from ..xlsx.refs import col_letter
from .headers import Header
from .sources import SourceSheet

SOURCE, ROW, EXTRAS = "_source", "_row", "_extras"
_TOTAL = re.compile(r"^(合计|总计|小计|共计|总合计|累计|total|subtotal|grandtotal|sum)($|[^\w]|\d)", re.I)


@dataclass
class Extracted:
    """The rows of one source sheet, keyed, with what was skipped and what was not mapped."""

    label: str
    frame: pd.DataFrame
    blank_rows: int = 0
    total_rows: int = 0
    unmapped: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)   # source header -> key
    factors: dict[str, int] = field(default_factory=dict)  # key -> unit of its column (万 = 10000)


def is_total_row(cells: list) -> bool:
    """A 合计/小计/Total line: its first non-blank cell starts with such a word."""
    for v in cells:
        if not is_blank(v):
            return bool(_TOTAL.match(compact_text(v)))
    return False


def extract(sheet: SourceSheet, header: Header) -> Extracted:
    """Keyed rows of ``sheet`` below ``header``; index = position, ``_row`` = the source row number."""
    width = len(header.keys)
    labels = [lab or f"列{col_letter(i + 1)}" for i, lab in enumerate(header.labels)]
    rows, numbers = [], []
    out = Extracted(label=sheet.label, frame=pd.DataFrame())
    for r in range(header.data_start, len(sheet.grid)):
        cells = list(sheet.grid[r][:width]) + [None] * (width - len(sheet.grid[r]))
        if all(is_blank(v) for v in cells):
            out.blank_rows += 1
            continue
        if is_total_row(cells):
            out.total_rows += 1
            continue
        rows.append(cells)
        numbers.append(r + 1)
    raw = pd.DataFrame(rows, columns=range(width), dtype=object)

    frame = pd.DataFrame(index=raw.index)
    extras = [[] for _ in range(len(raw))]
    by_key: dict[str, list[int]] = {}
    for i, key in enumerate(header.keys):
        if key:
            by_key.setdefault(key, []).append(i)
            out.mapped[labels[i]] = key
        elif header.ignored[i]:
            out.ignored.append(labels[i])
        else:
            out.unmapped.append(labels[i])
            _collect(extras, raw[i], labels[i], None)
    for key, cols in by_key.items():
        first = raw[cols[0]].copy()
        for c in cols[1:]:
            first = first.where(~first.map(is_blank), raw[c])
        frame[key] = first
        out.factors[key] = header.factors[cols[0]]
        for c in cols[1:]:
            # A second column's value that did not become the cell's value is kept in Remarks.
            _collect(extras, raw[c].where(raw[c].astype(str) != frame[key].astype(str)), labels[c], key)
    frame[SOURCE] = sheet.label
    frame[ROW] = numbers
    frame[EXTRAS] = extras
    out.frame = frame
    return out


def _collect(extras: list[list], values: pd.Series, label: str, key: str | None) -> None:
    """Add (label, value, key) for each non-blank value; ``key`` says how to mask it later."""
    for pos, v in enumerate(values.tolist()):
        if not is_blank(v):
            extras[pos].append((label, v, key))
