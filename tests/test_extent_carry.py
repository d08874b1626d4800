"""What a load learns of a sheet it scans whole (no formula cell; nothing after its cells that
could name another sheet) follows the sheet into the file the writer rewrites, so the next step
of a batch need not read it again: and what is carried is what a fresh scan of the new file finds."""

from __future__ import annotations

import zipfile

from backend_books import user_book

from xltools.backend.file import FileBackend
from xltools.changes import CellMark, CellUpdate, Changeset, RowRemove
from xltools.xlsx import extent
from xltools.xlsx.package import Package


def _facts(path) -> dict[str, tuple[bool, bool]]:
    with Package(path) as pkg:
        return {i.part: (extent.formula_free(pkg, i.part), extent.names_no_sheet(pkg, i.part))
                for i in pkg.worksheets}


def _fresh_scan(path) -> dict[str, tuple[bool, bool]]:
    """The facts as a load of the file finds them, with nothing remembered."""
    extent._FORMULA_FREE.clear()
    extent._NAMES_NO_SHEET.clear()
    FileBackend(path).load()
    return _facts(path)


def test_a_rewritten_sheet_keeps_what_a_fresh_scan_would_find(tmp_path):
    path = user_book(tmp_path / "team.xlsx", n_customers=60)
    backend = FileBackend(path)
    db = backend.load()
    scanned = {p for p, (free, _) in _facts(path).items() if free}
    assert scanned                                   # the load found formula-free table sheets
    ids = db.df("Tags")["CustomerID"]
    backend.apply(Changeset("test", updates=[
        CellUpdate("Customers", 3, "Remarks", None, "回访 =SUM(A1)"),
        CellUpdate("Customers", 4, "CustomerName", None, "=HYPERLINK(\"#Lists!A1\",\"x\")")],
        removals=[RowRemove("Tags", int(ids.index[0]))],
        marks=[CellMark("Customers", 5, "Industry", "问题", "error")]), db)
    with zipfile.ZipFile(path) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()
    carried = _facts(path)
    assert {p for p, (free, _) in carried.items() if free} == scanned   # nothing read again
    assert carried == _fresh_scan(path)
