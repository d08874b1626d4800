"""New options on the Lists sheet: a name typed under the Staff column appears in every Owner
dropdown, as when a person types it there in Excel (the ``lst_<List>`` names count the column).

Each value goes into the first empty cell below the column's last option; when the column reaches
the table's last row, the table grows one row the way Excel's "Insert Table Rows" does (whatever
is below moves down in the table's columns only).
"""

from __future__ import annotations

from .. import layout
from ..errors import XlToolsError
from ..xlsx.cells import cell_xml
from ..xlsx.refs import make_cell, split_ref
from . import frames


def add_list_values(writer, additions: dict[str, list[str]]) -> int:
    """Append ``additions`` ({list key: new options}) to tblLists; return how many were added.
    Options already in the column are skipped."""
    from .located import Located

    info = writer.pkg.table(layout.LISTS_TABLE)
    if info is None:
        raise XlToolsError("工作簿没有“字典”表(tblLists),无法添加下拉选项",
                           "the book has no Lists table (tblLists) to add options to")
    (c1, r1), (c2, r2) = split_ref(writer._table_refs.get(info.part, info.ref))
    keys = [frames.list_key(writer.schema, h) for h in info.columns]
    positions = {key: c1 + p for p, key in enumerate(keys) if key}
    loc = Located("Lists", info.name, info.sheet.name, info.sheet.part, info.part, r1, c1, c2,
                  r2 - info.totals_rows, positions)
    writer.located["Lists"] = loc   # its ref is written back, and other moves keep it current
    sheet = writer.sheet(loc.sheet_part)
    added = 0
    for key, values in additions.items():
        col = positions.get(key)
        if col is None:
            raise XlToolsError(f"“字典”表没有 {key} 列", f"the Lists table has no {key} column")
        have = set(writer.db.lists.get(key) or [])
        last = loc.header_row
        for row in range(loc.header_row + 1, loc.last_row + 1):
            if sheet.row_xml(row) is not None and sheet.row_values_present(row, [col]):
                last = row
        for value in dict.fromkeys(str(v).strip() for v in values):
            if not value or value in have:
                continue
            row = last + 1
            if row > loc.last_row:
                if not writer._free_below(loc, 1):
                    writer.insert_rows(loc, 1)
                writer.resize(loc, row)
            cell = cell_xml(make_cell(col, row), value, 0)
            if sheet.row_xml(row) is None:
                sheet.put_row(row, cell)
            else:
                sheet.set_cells(row, {col: cell})
            have.add(value)
            last = row
            added += 1
    return added
