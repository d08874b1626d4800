#!/usr/bin/python3
"""Open workbooks in a running headless LibreOffice, recalculate everything, print the results of
every formula cell on the named sheets as JSON: ``[{sheet: {"B7": value or "#ERR<code>"}}]``.

    /usr/bin/python3 tests/lo_recalc.py --pipe NAME --sheet 报表 --sheet 客户基础信息 BOOK.xlsx ...

Run with the system Python (python3-uno). The documents are closed unsaved.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import lo_probe

FORMULA_CELLS = 16     # com.sun.star.sheet.CellFlags.FORMULA


def recalc_book(desktop, path: str, sheets: list[str]) -> dict:
    import uno

    url = uno.systemPathToFileUrl(os.path.abspath(path))
    doc = desktop.loadComponentFromURL(url, "_blank", 0, (
        lo_probe._prop("Hidden", True), lo_probe._prop("ReadOnly", True)))
    if doc is None:
        return {"error": f"LibreOffice could not load {path}"}
    try:
        doc.calculateAll()
        out = {}
        for name in sheets:
            sheet = doc.Sheets.getByName(name)
            values = {}
            ranges = sheet.queryContentCells(FORMULA_CELLS)
            for address in ranges.getRangeAddresses():
                for row in range(address.StartRow, address.EndRow + 1):
                    for col in range(address.StartColumn, address.EndColumn + 1):
                        cell = sheet.getCellByPosition(col, row)
                        ref = f"{lo_probe.col_letter(col)}{row + 1}"
                        values[ref] = lo_probe.formula_result(cell)
            out[name] = values
        return out
    finally:
        doc.close(True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("books", nargs="+")
    ap.add_argument("--pipe", required=True)
    ap.add_argument("--sheet", action="append", default=[])
    args = ap.parse_args()
    desktop = lo_probe.connect(args.pipe)
    json.dump([recalc_book(desktop, b, args.sheet) for b in args.books], sys.stdout,
              ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)      # pyuno may crash tearing down its bridge after a complete report
