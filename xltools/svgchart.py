"""Small inline SVG charts for the HTML report: horizontal bars and a line, in the palette the
workbook's charts use (:data:`xltools.xlsx.charts.PALETTE`). Plain SVG 1.1, no script, no
external file: the report stays one page that mails and opens anywhere.
"""

from __future__ import annotations

from html import escape

from .xlsx.charts import colour

WIDTH = 460
ROW = 22
LABEL_W = 110


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value - round(value)) < 1e-9 else f"{value:,.1f}"


def bars(title: str, items: list[tuple[str, float]], series: int = 0) -> str:
    """Horizontal bars, one per (label, value), longest scale to the widest bar."""
    items = [(str(k), float(v or 0)) for k, v in items]
    top = max([v for _, v in items] + [1])
    height = 30 + ROW * len(items)
    span = WIDTH - LABEL_W - 60
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">',
           f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = 26 + i * ROW
        w = span * value / top
        out.append(f'<text x="{LABEL_W - 6}" y="{y + 14}" font-size="12" text-anchor="end">'
                   f'{escape(label[:12])}</text>')
        out.append(f'<rect x="{LABEL_W}" y="{y + 2}" width="{w:.1f}" height="{ROW - 6}" '
                   f'fill="#{colour(series)}"/>')
        out.append(f'<text x="{LABEL_W + w + 4:.1f}" y="{y + 14}" font-size="12">{_num(value)}</text>')
    out.append("</svg>")
    return "".join(out)


def line(title: str, items: list[tuple[str, float]]) -> str:
    """A line over categories (months), with each point's value."""
    items = [(str(k), float(v or 0)) for k, v in items]
    height, left, bottom = 220, 36, 180
    top = max([v for _, v in items] + [1])
    step = (WIDTH - left - 20) / max(len(items) - 1, 1)
    points = [(left + i * step, bottom - (bottom - 40) * v / top) for i, (_, v) in enumerate(items)]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">',
           f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
           f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - 10}" y2="{bottom}" stroke="#999"/>']
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="#{colour(0)}" stroke-width="2"/>')
    for (x, y), (label, value) in zip(points, items):
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#{colour(0)}"/>')
        out.append(f'<text x="{x:.1f}" y="{y - 6:.1f}" font-size="10" text-anchor="middle">'
                   f'{_num(value)}</text>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 14}" font-size="10" text-anchor="middle">'
                   f'{escape(label[-5:])}</text>')
    out.append("</svg>")
    return "".join(out)
