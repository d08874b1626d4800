"""The database backend on a big team: push, load and the monthly batch on PostgreSQL, against
the file backend on the same data in the same run.

A book of 100,000 customers and 500,000 follow-ups (plus tags and opportunities) is built from
``xltools.demo.synthetic_frames`` with the real template and cached (the same file
``bench_monthly.py`` uses). A throwaway PostgreSQL cluster is started in a temp dir (as
``tests/db_support.py`` does; ``--url`` uses an existing, empty database instead). Each job runs
in its own subprocess, so its peak RSS is its own:

* read floor: fastexcel -> pandas of every sheet (the floor the file benchmarks compare with);
* file load: ``FileBackend(book).load()``; db load: ``DatabaseBackend(url).load()``;
* push: ``db init`` + ``db push`` into the empty database (COPY); push again: the same book
  once more (nothing changes); as its file-side counterpart, writing the same tables as a new
  book from the template (what ``db pull`` does);
* monthly: ``xltools monthly`` on a copy of the book and on the database (one transaction).

Measured on the shared 2-core development machine (100,000 / 500,000, 46 MB book, same run):
fastexcel floor 24.6 s, file load 48.8 s, db load 18.3 s (0.38x the file load); push (init +
COPY) 74.7 s, push again (nothing changes) 62.0 s, writing the same tables as a book 189.7 s;
monthly 292.4 s on the book, 196.7 s on PostgreSQL (0.67x), the same 124,898 changes.

    python benchmarks/bench_db.py                       # 100,000 customers / 500,000 follow-ups
    python benchmarks/bench_db.py --customers 10000     # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from procstat import peak_rss_mb

CACHE = Path(tempfile.gettempdir()) / "xltools-bench"
ROOT = Path(__file__).resolve().parent.parent


def build_book(path: Path, n_customers: int, per_customer: int) -> float:
    from xltools.demo import synthetic_frames
    from xltools.template import build_template
    start = time.perf_counter()
    build_template(path, data=synthetic_frames(n_customers, per_customer, seed=1))
    return time.perf_counter() - start


# ---------------------------------------------------------------- jobs (run in a subprocess)


def _timed(fn) -> dict:
    start = time.perf_counter()
    extra = fn() or {}
    return {"seconds": time.perf_counter() - start, **extra}


def job_floor(book: Path, url: str) -> dict:
    import fastexcel

    def read():
        reader = fastexcel.read_excel(str(book))
        rows = sum(len(reader.load_sheet_by_name(name).to_pandas())
                   for name in reader.sheet_names)
        return {"rows": rows}
    return _timed(read)


def job_file_load(book: Path, url: str) -> dict:
    from xltools.backend.file import FileBackend
    return _timed(lambda: {"rows": sum(len(t.df) for t in FileBackend(book).load()
                                       .tables.values())})


def job_db_load(book: Path, url: str) -> dict:
    from xltools.backend.database import DatabaseBackend
    return _timed(lambda: {"rows": sum(len(t.df) for t in DatabaseBackend(url).load()
                                       .tables.values())})


def job_push(book: Path, url: str) -> dict:
    from xltools.backend.database import DatabaseBackend, init, push
    from xltools.backend.file import FileBackend
    db = FileBackend(book).load()  # reading the book is not the push

    def run():
        init(url)
        report = push(db, DatabaseBackend(url))
        return {"inserted": report["inserted"]}
    return _timed(run)


def job_repush(book: Path, url: str) -> dict:
    from xltools.backend.database import DatabaseBackend, push
    from xltools.backend.file import FileBackend
    db = FileBackend(book).load()
    return _timed(lambda: {k: v for k, v in push(db, DatabaseBackend(url)).items()
                           if k in ("inserted", "updated", "unchanged")})


def job_write_book(book: Path, url: str) -> dict:
    from xltools.backend.database import write_book
    from xltools.backend.file import FileBackend
    db = FileBackend(book).load()
    out = book.with_name("written.xlsx")
    return _timed(lambda: write_book(db, out))


def _monthly(target) -> dict:
    from xltools.catalog import get, operations
    from xltools.cli import run_operation
    operations()
    op = get("monthly")
    params = {p.name: p.default for p in op.params}

    def run():
        result, _ = run_operation(op, target, params)
        return {"changes": result.data["changes"], "open": result.data["open_problems"]}
    return _timed(run)


def job_file_monthly(book: Path, url: str) -> dict:
    return _monthly(book)


def job_db_monthly(book: Path, url: str) -> dict:
    return _monthly(url)


JOBS = {name[4:]: fn for name, fn in globals().items() if name.startswith("job_")}


def _child(job: str, book: str, url: str) -> None:
    result = JOBS[job](Path(book), url)
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def _run(job: str, book: Path, url: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--job", job, "--book", str(book),
                           "--url", url], capture_output=True, text=True,
                          env=os.environ.copy(), check=False, cwd=book.parent)
    if proc.returncode:
        raise SystemExit(f"{job} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--followups", type=int, default=5, help="follow-ups per customer")
    ap.add_argument("--url", help="an existing, empty PostgreSQL database (default: a throwaway "
                                  "cluster)")
    ap.add_argument("--job", help=argparse.SUPPRESS)
    ap.add_argument("--book", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.job:
        _child(args.job, args.book, args.url)
        return
    from xltools.demo import DEMO_SECRET
    os.environ.setdefault("XLTOOLS_SECRET", DEMO_SECRET.decode())
    CACHE.mkdir(exist_ok=True)
    source = CACHE / f"monthly-{args.customers}x{args.followups}.xlsx"
    if not source.exists():
        print(f"built {source.name} in {build_book(source, args.customers, args.followups):.1f} s")
    print(f"book: {args.customers:,} customers, {args.customers * args.followups:,} follow-ups, "
          f"{source.stat().st_size / 1e6:.1f} MB")
    cluster = None
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        url = args.url
        if url is None:
            sys.path.insert(0, str(ROOT / "tests"))
            from db_support import ADMIN_PASSWORD, Cluster
            cluster = Cluster(Path(tempfile.mkdtemp(prefix="xlt-bench-pg-")))
            cluster.start()
            os.environ["PGPASSWORD"] = ADMIN_PASSWORD
            url = cluster.create_database()
        try:
            book = Path(tmp) / "team.xlsx"
            shutil.copyfile(source, book)
            rows = [("read floor (fastexcel)", "floor"), ("file load", "file_load"),
                    ("db push (init + COPY)", "push"), ("db push again", "repush"),
                    ("book write (template)", "write_book"), ("db load", "db_load"),
                    ("file monthly", "file_monthly"), ("db monthly", "db_monthly")]
            results = {}
            for label, job in rows:
                results[job] = r = _run(job, book, url)
                detail = {k: v for k, v in r.items() if k not in ("seconds", "peak_rss_mb")}
                print(f"{label:24} {r['seconds']:8.1f} s  peak {r['peak_rss_mb']:6.0f} MB  "
                      f"{json.dumps(detail, ensure_ascii=False)}")
            print(f"db load / file load: {results['db_load']['seconds'] / results['file_load']['seconds']:.2f}x;"
                  f" db load / read floor: {results['db_load']['seconds'] / results['floor']['seconds']:.2f}x;"
                  f" db monthly / file monthly: "
                  f"{results['db_monthly']['seconds'] / results['file_monthly']['seconds']:.2f}x;"
                  f" push / book write: {results['push']['seconds'] / results['write_book']['seconds']:.2f}x")
        finally:
            if cluster is not None:
                cluster.stop()
                shutil.rmtree(cluster.root, ignore_errors=True)


if __name__ == "__main__":
    main()
