"""The Lists sheet: table ``tblLists`` with one column per dropdown list, and the dynamic
``lst_<list>`` names the dropdowns use (see ``xltools.layout``)."""

from __future__ import annotations

from ..layout import LISTS_TABLE, list_name
from ..schema import Schema
from .names import list_range_formula

TABLE_STYLE = "Table Style Light 9"


def lists_table(schema: Schema, lists: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    """[(list key, options)] in schema order; ``lists`` overrides the schema's options."""
    return [(lst.key, [str(v) for v in lists.get(lst.key, lst.values)]) for lst in schema.lists]


def write_lists(ws, wb, schema: Schema, lang: str, lists: dict[str, list[str]], formats) -> None:
    columns = lists_table(schema, lists)
    text = formats.get(num_format="@")
    n_rows = max([1] + [len(values) for _, values in columns])
    for c, (key, values) in enumerate(columns):
        label = schema.list(key).label(lang)
        width = max(10, sum(2 if ord(ch) >= 0x2E80 else 1 for ch in label) + 4,
                    *(sum(2 if ord(ch) >= 0x2E80 else 1 for ch in v) + 2 for v in values))
        ws.set_column(c, c, min(width, 40), text)
        for r, value in enumerate(values, start=1):
            ws.write_string(r, c, value, text)
        wb.define_name(list_name(key), list_range_formula(ws.name, c))
    ws.add_table(0, 0, n_rows, len(columns) - 1, {
        "name": LISTS_TABLE, "style": TABLE_STYLE,
        "columns": [{"header": schema.list(key).label(lang), "format": text}
                    for key, _ in columns]})
    ws.freeze_panes(1, 0)
