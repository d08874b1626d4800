"""What the privacy boundary costs on a big book, as a ratio to reading it with fastexcel.

On the synthetic book of ``bench_scale`` (the template, ``--customers`` customers with 5 follow-ups
each and the planted problems of a used book, some phones raw), in one run:

* **floor**: fastexcel reads every sheet into pandas DataFrames;
* **scan**: counting raw values outside the tables (shared strings, sheets without a table,
  formula caches, notes) - what ``validate`` and ``mask`` add to read the package;
* ``xltools mask`` on the fresh book (masks, scrubs, purges), then ``mask`` again (nothing to do);
* ``xltools export`` of every customer (masked on the way out).

    python benchmarks/bench_privacy.py --customers 20000
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import build_book  # noqa: E402


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def floor(path: Path) -> None:
    import fastexcel
    reader = fastexcel.read_excel(str(path))
    for name in reader.sheet_names:
        reader.load_sheet_by_name(name).to_pandas()


def cli(*args) -> None:
    subprocess.run([sys.executable, "-m", "xltools", *map(str, args)], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=20_000)
    args = ap.parse_args()
    os.environ["XLTOOLS_SECRET"] = "bench-" + secrets.token_urlsafe(48)
    work = Path(tempfile.mkdtemp(prefix="bench-privacy-"))
    try:
        book = work / "team.xlsx"
        built = build_book(book, args.customers, 5)
        print(f"book: {args.customers:,} customers, {book.stat().st_size / 1e6:.1f} MB "
              f"(built in {built:.1f} s)")
        from xltools.backend.privacy_pass import raw_outside_tables
        from xltools.schema import load_schema
        schema = load_schema()
        base = timed(lambda: floor(book))
        rows = [("floor: fastexcel read", base),
                ("scan outside the tables", timed(lambda: raw_outside_tables(book, schema))),
                ("xltools mask (first)", timed(lambda: cli("mask", book))),
                ("xltools mask (again)", timed(lambda: cli("mask", book))),
                ("xltools export (masked)", timed(lambda: cli("export", book, "-o",
                                                              work / "all.csv")))]
        print(f"{'job':28} {'seconds':>8} {'x floor':>8}")
        for name, seconds in rows:
            print(f"{name:28} {seconds:8.2f} {seconds / base:8.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
