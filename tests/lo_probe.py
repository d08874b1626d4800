#!/usr/bin/python3
"""Open workbooks in a real LibreOffice over UNO and print what it sees, as JSON.

Run with the system Python (python3-uno is not importable from a venv):

    /usr/bin/python3 tests/lo_probe.py BOOK.xlsx [BOOK2.xlsx ...]
    /usr/bin/python3 tests/lo_probe.py --pipe NAME BOOK.xlsx   # use a running soffice

Without ``--pipe`` it starts its own ``soffice --headless`` with a throw-away profile and stops it
at the end. For each book it prints: the sheet names; the database ranges (LibreOffice's import of
Excel tables) with their ranges; the header and first data rows of the table ``--table``
(tblCustomers by default) with each cell's content type, value and displayed text; the validation
of each column on its first data row; and the results of formulas written in a scratch sheet for
every workbook name (``=ROWS(lst_Region)``, ``=INDEX(lst_Region;1)``, ``=set_DormantDays`` ...),
which proves the names evaluate. The document is closed unsaved.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

CONNECT_TIMEOUT = 60.0
SCRATCH = "__probe__"


def _prop(name, value):
    from com.sun.star.beans import PropertyValue

    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def col_letter(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def find_soffice() -> str | None:
    for candidate in ("soffice", "libreoffice", "/usr/lib/libreoffice/program/soffice"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def soffice_command(soffice: str, pipe: str, profile: str) -> list[str]:
    """A headless soffice with its own profile (so it never meets a person's LibreOffice or
    another test run) listening for UNO on a named pipe."""
    return [soffice, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
            "--nolockcheck", f"-env:UserInstallation=file://{profile}",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"]


def start_soffice(pipe: str, profile: str, soffice: str | None = None) -> subprocess.Popen:
    soffice = soffice or find_soffice()
    if not soffice:
        raise RuntimeError("soffice not found")
    return subprocess.Popen(soffice_command(soffice, pipe, profile), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def stop_soffice(proc: subprocess.Popen, desktop=None) -> None:
    """Ask LibreOffice to quit, then end the process group we started if it lingers."""
    if desktop is not None:
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001 - the bridge dies with the process
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


def connect(pipe: str, timeout: float = CONNECT_TIMEOUT, proc: subprocess.Popen | None = None):
    """The Desktop of the soffice listening on ``pipe``; retries while it starts."""
    import uno
    from com.sun.star.connection import NoConnectException

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + timeout
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except NoConnectException:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"soffice exited with code {proc.returncode}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"no LibreOffice on pipe {pipe} after {timeout:.0f} s") from None
            time.sleep(0.25)


def _enum(value) -> str:
    return getattr(value, "value", str(value))


def cell_info(cell) -> dict:
    kind = _enum(cell.getType())
    info = {"type": kind, "string": cell.getString()}
    if kind == "VALUE":
        info["value"] = cell.getValue()
    elif kind == "FORMULA":
        info["formula"] = cell.getFormula()
    return info


def range_text(doc, address) -> str:
    sheet = doc.Sheets.getByIndex(address.Sheet).Name
    return (f"{sheet}!{col_letter(address.StartColumn)}{address.StartRow + 1}:"
            f"{col_letter(address.EndColumn)}{address.EndRow + 1}")


def probe_book(desktop, path: str, table: str, rows: int, typed=()) -> dict:
    import uno

    url = uno.systemPathToFileUrl(os.path.abspath(path))
    doc = desktop.loadComponentFromURL(url, "_blank", 0, (
        _prop("Hidden", True), _prop("ReadOnly", True), _prop("MacroExecutionMode", 0)))
    if doc is None:
        return {"path": path, "error": "LibreOffice could not load the file"}
    try:
        for target, value in typed:  # what a person types before looking (never saved)
            sheet_name, _, cell = target.rpartition("!")
            doc.Sheets.getByName(sheet_name).getCellRangeByName(cell).setString(value)
        return _probe_doc(doc, path, table, rows)
    finally:
        doc.close(True)


def _probe_doc(doc, path: str, table: str, rows: int) -> dict:
    sheets = doc.Sheets
    out = {"path": path, "sheets": list(sheets.ElementNames), "database_ranges": {},
           "table": None, "validations": {}, "conditional_formats": {}, "names": {}}
    db_ranges = doc.DatabaseRanges
    for name in db_ranges.ElementNames:
        out["database_ranges"][name] = range_text(doc, db_ranges.getByName(name).DataArea)

    if table in db_ranges.ElementNames:
        area = db_ranges.getByName(table).DataArea
        sheet = sheets.getByIndex(area.Sheet)
        last = min(area.EndRow, area.StartRow + rows)
        grid = [[cell_info(sheet.getCellByPosition(c, r))
                 for c in range(area.StartColumn, area.EndColumn + 1)]
                for r in range(area.StartRow, last + 1)]
        out["table"] = {"name": table, "sheet": sheet.Name,
                        "header": [c["string"] for c in grid[0]],
                        "rows": grid[1:]}
        if area.EndRow > area.StartRow:
            for c in range(area.StartColumn, area.EndColumn + 1):
                header = sheet.getCellByPosition(c, area.StartRow).getString()
                v = sheet.getCellByPosition(c, area.StartRow + 1).getPropertyValue("Validation")
                out["validations"][header] = {
                    "type": _enum(v.Type), "formula1": v.getFormula1(),
                    "formula2": v.getFormula2(), "show_input": bool(v.ShowInputMessage),
                    "input_title": v.InputTitle, "input_message": v.InputMessage,
                    "error_message": v.ErrorMessage}
        out["conditional_formats"] = conditional_formats(doc, sheet, area, rows)

    # Evaluate every workbook name in a scratch sheet (not saved).
    names = doc.NamedRanges
    sheets.insertNewByName(SCRATCH, sheets.Count)
    scratch = sheets.getByName(SCRATCH)
    row = 0
    for name in sorted(names.ElementNames):
        content = names.getByName(name).getContent()
        formulas = ({"rows": f"=ROWS({name})", "first": f"=INDEX({name};1)",
                     "last": f"=INDEX({name};ROWS({name}))"}
                    if name.startswith("lst_") else {"value": f"={name}"})
        result = {"content": content}
        for label, formula in formulas.items():
            cell = scratch.getCellByPosition(0, row)
            cell.setFormula(formula)
            doc.calculateAll()
            result[label] = formula_result(cell)
            row += 1
        out["names"][name] = result
    return out


def conditional_formats(doc, sheet, area, rows: int) -> list[dict]:
    """Each conditional format of the table's sheet: its range, its conditions, and whether each
    condition holds on the first data rows (evaluated as a formula in the same row, right of
    the table; the document is not saved)."""
    out = []
    scratch_col = area.EndColumn + 10
    for fmt in sheet.getPropertyValue("ConditionalFormats").getConditionalFormats():
        ranges = fmt.getPropertyValue("Range")
        top = ranges.getRangeAddresses()[0].StartRow
        entries = []
        for i in range(fmt.getCount()):
            entry = fmt.getByIndex(i)
            info = {"style": getattr(entry, "StyleName", ""),
                    "formula": getattr(entry, "Formula1", "")}
            if info["formula"]:
                held = []
                for r in range(area.StartRow + 1, min(area.EndRow, area.StartRow + rows) + 1):
                    # relative to the range's top row; its column references are absolute ($Q2)
                    cell = sheet.getCellByPosition(scratch_col, r)
                    shifted = shift_rows(info["formula"], r - top)
                    cell.setFormula("=" + api_separators(shifted))
                    doc.calculateAll()
                    held.append(formula_result(cell))
                    cell.setString("")
                info["rows"] = held
            entries.append(info)
        out.append({"range": ranges.getRangeAddressesAsString(), "entries": entries})
    return out


_REF = re.compile(r"(?<![A-Za-z0-9_.$])(\$?[A-Z]{1,3})(\d+)(?![A-Za-z0-9_(])")


def shift_rows(formula: str, by: int) -> str:
    """Move the relative row references of a condition written for the range's first row
    (``$Q2``) down ``by`` rows, as the spreadsheet does for each cell of the range."""
    return _REF.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + by}", formula)


def api_separators(formula: str) -> str:
    """Conditions come back with Excel's ``,`` between arguments; setFormula wants ``;``."""
    out, quoted = [], False
    for ch in formula:
        if ch == '"':
            quoted = not quoted
        out.append(";" if ch == "," and not quoted else ch)
    return "".join(out)


def formula_result(cell):
    """A number, a string, or ``#ERR<code>`` (com.sun.star.sheet.FormulaResult: 1 value,
    2 string, 4 error)."""
    if cell.getError():
        return f"#ERR{cell.getError()}"
    if cell.getPropertyValue("FormulaResultType2") == 1:
        return cell.getValue()
    return cell.getString()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("books", nargs="+")
    ap.add_argument("--pipe", help="connect to a soffice already listening on this pipe")
    ap.add_argument("--table", default="tblCustomers", help="database range to read rows from")
    ap.add_argument("--rows", type=int, default=5, help="data rows to report")
    ap.add_argument("--timeout", type=int, default=120, help="give up after this many seconds")
    ap.add_argument("--type", action="append", default=[], metavar="SHEET!CELL=TEXT",
                    help="type TEXT into a cell before probing (not saved); repeatable")
    args = ap.parse_args(argv)

    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("probe timed out")))
    signal.alarm(args.timeout)
    proc = profile = desktop = None
    try:
        pipe = args.pipe
        if not pipe:
            profile = tempfile.mkdtemp(prefix="xlt_lo_profile_")
            pipe = f"xlt_probe_{uuid.uuid4().hex[:12]}"
            proc = start_soffice(pipe, profile)
        desktop = connect(pipe, proc=proc)
        typed = [tuple(t.split("=", 1)) for t in args.type]
        report = [probe_book(desktop, b, args.table, args.rows, typed) for b in args.books]
        json.dump(report, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    finally:
        signal.alarm(0)
        if proc is not None:
            stop_soffice(proc, desktop)
        if profile:
            shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # pyuno sometimes segfaults while the interpreter tears down its bridge (exit -11 after a
    # complete report); the report is already out, so leave without running that teardown.
    os._exit(code)
