"""File backend vs openpyxl on a big book: load, and small in-place updates.

A book of 100,000 customers and 500,000 follow-ups (plus tags and opportunities) is built once
with XlsxWriter from ``xltools.demo.synthetic_frames`` and cached (not in constant_memory mode:
XlsxWriter does not write tables there). Then, in
the same run:

* load: ``FileBackend.load()`` (calamine, coerced DataFrames) vs an openpyxl-based load
  (``openpyxl.load_workbook(read_only=False)`` + the shared ``frames.table_frame``);
* update 10 customer cells, and rebuild the Summary sheet: ``FileBackend.apply()`` (backup,
  rewrite of the changed parts only, raw copy of the rest, atomic replace) vs the naive
  baseline, ``openpyxl.load_workbook()`` + change + ``save()``.

Each job runs in a fresh subprocess so peak RSS is the job's own.

    python benchmarks/bench_backend.py                    # 100k / 5 follow-ups each
    python benchmarks/bench_backend.py --customers 20000  # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import xlsxwriter

from xltools.context import RunContext
from xltools.schema import load_schema

CACHE = Path(tempfile.gettempdir()) / "xltools-bench"


def build_book(path: Path, n_customers: int, per_customer: int) -> None:
    """Managed tables at A1 of their sheets, as the template lays them out."""
    from xltools.demo import synthetic_frames
    schema = load_schema()
    data = synthetic_frames(n_customers, per_customer, seed=1)
    wb = xlsxwriter.Workbook(str(path))
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for key, df in data.frames.items():
        table = schema.table(key)
        ws = wb.add_worksheet(table.zh)
        cols = [c for c in table.columns]
        ws.add_table(0, 0, max(1, len(df)), len(cols) - 1, {
            "name": table.table_name, "columns": [{"header": c.zh} for c in cols]})
        ws.write_row(0, 0, [c.zh for c in cols])
        values = [df[c.key].tolist() if c.key in df else [None] * len(df) for c in cols]
        for r in range(len(df)):
            for c, col in enumerate(cols):
                v = values[c][r]
                if v is None or pd.isna(v):
                    continue
                if isinstance(v, pd.Timestamp):
                    ws.write_datetime(r + 1, c, v.to_pydatetime(), date_fmt)
                elif isinstance(v, str):
                    ws.write_string(r + 1, c, v)
                else:
                    ws.write_number(r + 1, c, float(v))
    for key in ("ChangeLog", "Settings"):
        table = schema.table(key)
        ws = wb.add_worksheet(table.zh)
        ws.add_table(0, 0, 1, len(table.columns) - 1, {
            "name": table.table_name, "columns": [{"header": c.zh} for c in table.columns]})
    summary = wb.add_worksheet("汇总")
    summary.write(0, 0, "客户数据汇总")
    wb.define_name("xlt_Summary", "='汇总'!$A$1")
    wb.define_name("xlt_Lang", '="zh"')
    wb.close()


# ---------------------------------------------------------------- jobs (run in a subprocess)


def job_load_ours(book: str) -> dict:
    from xltools.backend.file import FileBackend
    db = FileBackend(book).load()
    return {"customers": len(db.customers), "followups": len(db.df("FollowUps"))}


def job_load_openpyxl(book: str) -> dict:
    import openpyxl

    from xltools.backend import frames
    schema = load_schema()
    wb = openpyxl.load_workbook(book, read_only=False)
    out = {}
    for ws in wb.worksheets:
        for name, ref in ws.tables.items():      # openpyxl: table name -> ref
            try:
                t = schema.table(name)
            except KeyError:
                continue
            grid = [[c.value for c in row] for row in ws[ref]]
            tf = frames.table_frame(t, grid, table_name=name, sheet=ws.title, ref=ref)
            out[t.key] = len(tf.df)
    return {"customers": out.get("Customers"), "followups": out.get("FollowUps")}


def _ten_updates(db):
    from xltools.changes import CellUpdate, Changeset
    rows = db.customers.index[::max(1, len(db.customers) // 10)][:10]
    return Changeset("bench", updates=[CellUpdate("Customers", int(r), "Remarks", None, f"bench {r}")
                                       for r in rows])


def job_update_ours(book: str) -> dict:
    from xltools.backend.file import FileBackend
    backend = FileBackend(book)
    db = backend.load()
    changes = _ten_updates(db)
    t = time.perf_counter()
    backend.apply(changes, db)
    return {"apply_seconds": time.perf_counter() - t}


def job_update_openpyxl(book: str) -> dict:
    import openpyxl
    wb = openpyxl.load_workbook(book)
    ws = wb[load_schema().table("Customers").zh]
    col = load_schema().table("Customers").keys.index("Remarks") + 1
    step = max(1, (ws.max_row - 1) // 10)
    for r in range(2, ws.max_row + 1, step)[:10]:
        ws.cell(r, col).value = f"bench {r}"
    wb.save(book)
    return {}


def job_summary_ours(book: str) -> dict:
    from xltools.backend.file import FileBackend
    from xltools.catalog import get
    backend = FileBackend(book)
    db = backend.load()
    changes = get("summary").func(db, RunContext()).changes
    t = time.perf_counter()
    backend.apply(changes, db)
    return {"apply_seconds": time.perf_counter() - t}


def job_summary_openpyxl(book: str) -> dict:
    """The naive way: the same Summary grid written with openpyxl (load + write + save)."""
    import openpyxl

    from xltools.backend.file import FileBackend
    from xltools.catalog import get
    db = FileBackend(book).load()
    grid = get("summary").func(db, RunContext()).changes.rebuilds[0].rows
    t = time.perf_counter()
    wb = openpyxl.load_workbook(book)
    ws = wb["汇总"]
    ws.delete_rows(1, ws.max_row)
    for row in grid:
        ws.append([v if not isinstance(v, pd.Timestamp) else v.to_pydatetime() for v in row])
    wb.save(book)
    return {"timed_seconds": time.perf_counter() - t}


JOBS = {name[4:]: fn for name, fn in globals().items() if name.startswith("job_")}


def run_job(name: str, book: Path) -> dict:
    """Run one job in a fresh interpreter; seconds (whole job unless it times itself), peak RSS."""
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
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    CACHE.mkdir(exist_ok=True)
    source = CACHE / f"book-{args.customers}-{args.followups}.xlsx"
    if not source.exists():
        t = time.perf_counter()
        build_book(source, args.customers, args.followups)
        print(f"built {source} in {time.perf_counter() - t:.1f} s")
    print(f"book: {source.stat().st_size / 1e6:.1f} MB, {args.customers:,} customers, "
          f"{args.customers * args.followups:,} follow-ups")
    work = CACHE / "work"
    rows = []
    for label, ours, theirs in (("load", "load_ours", "load_openpyxl"),
                                ("update 10 customer cells", "update_ours", "update_openpyxl"),
                                ("rebuild Summary", "summary_ours", "summary_openpyxl")):
        results = {}
        for name in (ours, theirs):
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
            book = work / "team.xlsx"
            shutil.copyfile(source, book)
            results[name] = run_job(name, book)
        a, b = results[ours], results[theirs]
        a_s = a.get("apply_seconds", a["seconds"])
        rows.append((label, a_s, a["peak_rss_mb"], b["seconds"], b["peak_rss_mb"]))
    shutil.rmtree(work, ignore_errors=True)
    print(f"\n{'job':26} {'ours s':>8} {'RSS MB':>8} {'openpyxl s':>11} {'RSS MB':>8} {'ratio':>7}")
    for label, a_s, a_m, b_s, b_m in rows:
        print(f"{label:26} {a_s:8.2f} {a_m:8.0f} {b_s:11.2f} {b_m:8.0f} {b_s / a_s:6.0f}x")
    print("\n(update/rebuild 'ours' = FileBackend.apply alone: backup + rewrite + atomic replace;"
          " its RSS includes the load before it. openpyxl = load + change + save.)")


if __name__ == "__main__":
    if "--job" in sys.argv:
        os.environ.setdefault("XLTOOLS_BENCH", "1")
    main()
