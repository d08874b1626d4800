"""What recovery costs on a big book: the extent scan before every read, the history kept on every
write.

In the same run, each job in a fresh interpreter (peak RSS is the job's own):

* floor: fastexcel reads the customer and follow-up sheets (the floor for reading);
* scan: :func:`xltools.xlsx.extent.far_cells` over every table sheet (what each load adds to
  find the real extent of the sheets);
* load: ``FileBackend.load()`` (the scan included);
* write + history: ten customer cells through ``FileBackend.apply`` (hash of the book, its new
  version kept as a snapshot, atomic replace);
* write alone: the same with ``backups=False`` (temp file and atomic replace only).

    python benchmarks/bench_recovery.py                     # 100k customers, 5 follow-ups each
    python benchmarks/bench_recovery.py --customers 20000   # quicker
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from procstat import peak_rss_mb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_backend import CACHE, _ten_updates, build_book  # noqa: E402


def job_floor(book: str) -> dict:
    import fastexcel
    reader = fastexcel.read_excel(book)
    rows = 0
    for name in reader.sheet_names[:2]:      # 客户基础信息, 客户跟进记录
        rows += reader.load_sheet(name).height
    return {"rows": rows}


def job_scan(book: str) -> dict:
    from xltools.xlsx.extent import far_cells
    from xltools.xlsx.package import Package
    from xltools.xlsx.refs import split_ref
    found = 0
    with Package(book) as pkg:
        for table in {t.name: t for t in pkg.tables.values()}.values():
            (_, _), (col, row) = split_ref(table.ref)
            found += far_cells(pkg.chunks(table.sheet.part), row + 10_000, col + 16) is not None
    return {"far": found}


def job_load(book: str) -> dict:
    from xltools.backend.file import FileBackend
    db = FileBackend(book).load()
    return {"customers": len(db.customers)}


def _apply(book: str, backups: bool) -> dict:
    from xltools.backend.file import FileBackend
    backend = FileBackend(book, command="bench", backups=backups)
    db = backend.load()
    changes = _ten_updates(db)
    t = time.perf_counter()
    backend.apply(changes, db)
    return {"timed_seconds": time.perf_counter() - t}


JOBS = {"floor": job_floor, "scan": job_scan, "load": job_load,
        "write + history": lambda b: _apply(b, True), "write alone": lambda b: _apply(b, False)}


def run_job(name: str, book: Path) -> dict:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--job", name, str(book)], check=True,
                         capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["seconds"] = result.pop("timed_seconds", None) or time.perf_counter() - t
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--followups", type=int, default=5, help="follow-ups per customer")
    ap.add_argument("--job", nargs=2, metavar=("NAME", "BOOK"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.job:
        result = JOBS[args.job[0]](args.job[1])
        result["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return
    CACHE.mkdir(exist_ok=True)
    source = CACHE / f"book-{args.customers}-{args.followups}.xlsx"
    if not source.exists():
        build_book(source, args.customers, args.followups)
    print(f"book: {source.stat().st_size / 1e6:.1f} MB, {args.customers:,} customers, "
          f"{args.customers * args.followups:,} follow-ups")
    work = CACHE / "recovery-work"
    results = {}
    for name in JOBS:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        book = work / "team.xlsx"
        shutil.copyfile(source, book)
        results[name] = run_job(name, book)
    shutil.rmtree(work, ignore_errors=True)
    floor, alone = results["floor"]["seconds"], results["write alone"]["seconds"]
    print(f"\n{'job':18} {'seconds':>8} {'RSS MB':>8} {'vs':>14}")
    for name, r in results.items():
        base, label = (alone, "write alone") if name.startswith("write") else (floor, "fastexcel")
        print(f"{name:18} {r['seconds']:8.2f} {r['peak_rss_mb']:8.0f} {r['seconds'] / base:7.2f}x {label}")


if __name__ == "__main__":
    main()
