"""PDF through headless LibreOffice: one sheet of a book (the Summary), or an HTML report.

LibreOffice prints what the sheet's own page setup says (A4 landscape, fit to width, repeated
titles, page breaks: :mod:`xltools.xlsx.page`). To print one sheet, a temporary copy of the book
hides every other sheet; the copy also carries changes not yet saved (``xltools summary --pdf
--dry-run`` prints the new Summary without writing the book). The book itself is only read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from lxml import etree

from .errors import XlToolsError
from .xlsx.package import Package, q
from .xlsx.zipcopy import write_package

TIMEOUT = 300


class NoLibreOfficeError(XlToolsError):
    """LibreOffice is needed for PDF and is not installed."""


def find_soffice() -> str | None:
    """LibreOffice's soffice: ``XLTOOLS_SOFFICE`` when set (a non-standard install), else the
    PATH and the usual install folders."""
    if os.environ.get("XLTOOLS_SOFFICE") is not None:
        return shutil.which(os.environ["XLTOOLS_SOFFICE"]) or None
    for candidate in ("soffice", "libreoffice", "/usr/lib/libreoffice/program/soffice",
                      "/Applications/LibreOffice.app/Contents/MacOS/soffice",
                      r"C:\Program Files\LibreOffice\program\soffice.exe"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def require_soffice() -> str:
    found = find_soffice()
    if not found:
        raise NoLibreOfficeError(
            "生成 PDF 需要 LibreOffice(免费):请安装后重试(Debian/Ubuntu:apt install "
            "libreoffice-calc-nogui;Windows/macOS:libreoffice.org)",
            "PDF needs LibreOffice (free): install it and try again (Debian/Ubuntu: apt install "
            "libreoffice-calc-nogui; Windows/macOS: libreoffice.org)")
    return found


def convert(source: Path, out: Path, soffice: str | None = None) -> Path:
    """``source`` (a workbook or an HTML file) to the PDF ``out``, through LibreOffice."""
    soffice = soffice or require_soffice()
    with tempfile.TemporaryDirectory(prefix="xltools-pdf-") as tmp:
        run = subprocess.run([soffice, f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}",
                              "--headless", "--norestore", "--convert-to", "pdf", "--outdir",
                              tmp, str(source)], capture_output=True, timeout=TIMEOUT)
        made = Path(tmp) / (source.stem + ".pdf")
        if run.returncode or not made.exists():
            tail = (run.stderr or run.stdout).decode("utf-8", "replace").strip()[-300:]
            raise XlToolsError(f"LibreOffice 未能生成 PDF:{tail}",
                               f"LibreOffice could not make the PDF: {tail}")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(made), out)
    return out


def sheet_pdf(book: Path, sheet: str, out: Path, db=None, changes=None) -> Path:
    """Print sheet ``sheet`` of ``book`` (with ``changes`` applied first, when given) to ``out``."""
    soffice = require_soffice()
    with tempfile.TemporaryDirectory(prefix="xltools-pdf-") as tmp:
        copy = Path(tmp) / ("print" + book.suffix)
        with Package(book) as pkg:
            changed, added = {}, []
            if changes is not None:
                from .backend.writer import BookWriter
                writer = BookWriter(pkg, db)
                writer.apply(changes)
                parts = writer.changed_parts()
                changed, added = dict(parts.changed), list(parts.added)
            name = pkg.workbook_part
            current = changed.get(name) or pkg.read(name)
            changed[name] = only_sheet(current, sheet)
            write_package(book, copy, changed, added)
        return convert(copy, out, soffice)


def only_sheet(workbook_xml: bytes, sheet: str) -> bytes:
    """workbook.xml with every sheet but ``sheet`` hidden (and without their print areas) and
    ``sheet`` the active one."""
    root = etree.fromstring(workbook_xml)
    sheets = root.find(q("sheets"))
    index = None
    for i, el in enumerate(sheets):
        if el.get("name") == sheet:
            index = i
            el.attrib.pop("state", None)
        else:
            el.set("state", "hidden")
    if index is None:
        raise KeyError(sheet)
    for name in list(root.iter(q("definedName"))):   # LibreOffice prints a hidden sheet's print area
        if name.get("name") == "_xlnm.Print_Area" and name.get("localSheetId") != str(index):
            name.getparent().remove(name)
    for view in root.iter(q("workbookView")):
        view.set("activeTab", str(index))
        view.set("firstSheet", str(index))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
