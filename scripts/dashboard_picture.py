#!/usr/bin/env python3
"""Make docs/summary.png, the README's picture of the Summary dashboard, from the demo book.

    python scripts/dashboard_picture.py            # needs LibreOffice and poppler-utils

Builds the demo book in a temporary folder, syncs its follow-ups and rebuilds its Summary (as the
monthly batch would), prints the Summary to PDF through headless LibreOffice (``xltools summary
--pdf``) and renders page 1 with pdftoppm. The demo data is dated relative to today, so each run
shows this month.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "summary.png"
DPI = 110


def xltools(*args) -> None:
    subprocess.run([sys.executable, "-m", "xltools", *map(str, args)], check=True, cwd=ROOT)


def main() -> int:
    if not shutil.which("pdftoppm"):
        sys.exit("pdftoppm (poppler-utils) is needed: apt install poppler-utils")
    with tempfile.TemporaryDirectory(prefix="xltools-picture-") as tmp:
        book, pdf = Path(tmp) / "客户数据库-演示.xlsx", Path(tmp) / "summary.pdf"
        xltools("new", book, "--demo")
        xltools("sync", book)
        xltools("summary", book, "--pdf", pdf)
        stem = Path(tmp) / "page"
        subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile",
                        str(pdf), str(stem)], check=True)
        OUT.parent.mkdir(exist_ok=True)
        shutil.copyfile(stem.with_suffix(".png"), OUT)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
