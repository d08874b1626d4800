#!/usr/bin/env python3
"""Make docs/conflicts.png, the README's picture of the Conflicts sheet, from a demo team.

    python scripts/conflicts_picture.py            # needs LibreOffice and poppler-utils

Builds the demo book, splits it for three members, edits their books with openpyxl the way people
would (the same customer's level changed in the master and by its owner, one pool customer
claimed by two members, a follow-up deleted), gathers them, prints the master's Conflicts sheet
to PDF through headless LibreOffice (:func:`xltools.pdf.sheet_pdf`) and renders page 1 with
pdftoppm.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "conflicts.png"
DPI = 240
MEMBERS = ("张伟", "李娜", "王强")


def xltools(*args) -> None:
    subprocess.run([sys.executable, "-m", "xltools", *map(str, args)], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)


def cells(ws, header: str, value) -> list:
    col = next(c.column for c in ws[1] if c.value == header)
    return [r for r in range(2, ws.max_row + 1) if ws.cell(r, col).value == value], col


def set_cell(path: Path, sheet: str, key_header: str, key, header: str, value) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    (row, *_), _ = cells(ws, key_header, key)
    _, col = cells(ws, header, None)
    ws.cell(row, col).value = value
    wb.save(path)


def content_box(pdf: Path, margin: float = 12) -> tuple[int, int, int, int]:
    """The printed cells of page 1 in pixels at :data:`DPI` (x, y, width, height): the sheet is
    fitted to the page's width, so most of the page is blank."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
                          check=True, capture_output=True, text=True).stdout
    boxes = [tuple(float(v) for v in m) for m in re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', html)]
    x0, y0 = min(b[0] for b in boxes) - margin, min(b[1] for b in boxes) - margin
    x1, y1 = max(b[2] for b in boxes) + margin, max(b[3] for b in boxes) + margin
    scale = DPI / 72
    return (int(x0 * scale), int(y0 * scale), int((x1 - x0) * scale), int((y1 - y0) * scale))


def main() -> int:
    if not shutil.which("pdftoppm"):
        sys.exit("pdftoppm (poppler-utils) is needed: apt install poppler-utils")
    from xltools.backend.file import FileBackend
    from xltools.pdf import sheet_pdf

    with tempfile.TemporaryDirectory(prefix="xltools-picture-") as tmp:
        book, members = Path(tmp) / "客户数据库.xlsx", Path(tmp) / "members"
        xltools("new", book, "--demo", "--customers", "120")
        xltools("split", book, "-o", members, *[a for m in MEMBERS for a in ("--member", m)])
        cust = FileBackend(book).load().df("Customers")
        mine = cust.loc[cust["Owner"] == "李娜", "CustomerID"].tolist()
        pool = cust.loc[cust["Owner"] == "公海", "CustomerID"].tolist()
        set_cell(book, "客户基础信息", "客户ID", mine[0], "客户等级", "VIP")
        set_cell(members / "李娜.xlsx", "客户基础信息", "客户ID", mine[0], "客户等级", "重要")
        set_cell(book, "客户基础信息", "客户ID", mine[1], "合作阶段", "成交客户")
        set_cell(members / "李娜.xlsx", "客户基础信息", "客户ID", mine[1], "合作阶段", "流失客户")
        for who in ("李娜", "王强"):
            set_cell(members / f"{who}.xlsx", "客户基础信息", "客户ID", pool[0], "负责人", who)
        wb = openpyxl.load_workbook(members / "王强.xlsx")
        wb["客户跟进记录"].delete_rows(2)
        wb.save(members / "王强.xlsx")
        xltools("gather", book, members)
        pdf = Path(tmp) / "conflicts.pdf"
        sheet_pdf(book, "冲突", pdf)
        stem = Path(tmp) / "page"
        x, y, w, h = content_box(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile",
                        "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h),
                        str(pdf), str(stem)], check=True)
        OUT.parent.mkdir(exist_ok=True)
        shutil.copyfile(stem.with_suffix(".png"), OUT)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
