"""Every command on a realistic big book, as a ratio to reading the same file with fastexcel.

The book is the template filled by ``xltools.demo.synthetic_frames`` (owners on the Lists sheet)
with the problem mix of a used book planted on top (``xltools.demo.problems``: about 2% of rows
with a real problem, three quarters of the regions disagreeing with the credit code).

Then, in one run, each job in its own subprocess (so its peak RSS is its own), on a fresh copy:

* **floor**: fastexcel reads every sheet into pandas DataFrames (the speed of the file format);
* ``xltools info`` (the load), ``validate --no-mark``, ``summary`` (rebuilds the Summary sheet
  in place), ``monthly`` (the whole batch) and ``import`` of a CSV of ``2 x customers`` rows
  (200,000 at full size) into the book.

Each line prints seconds, peak RSS and both as a ratio to the floor. The goals of issue 20:
load <= 1.5x, validate <= 2x, summary <= 2x, monthly <= 5x and <= 1.5 GB, import <= 30 s and
<= 1 GB. ``--timeout`` kills a job that runs too long (reported as such, not as a time).

    python benchmarks/bench_scale.py                       # 100,000 customers, 500,000 follow-ups
    python benchmarks/bench_scale.py --customers 20000     # quicker, while developing
    python benchmarks/bench_scale.py --jobs floor,info      # some jobs only
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
JOBS = ("floor", "info", "validate", "summary", "monthly", "import")


# ---------------------------------------------------------------- the book


def build_book(path: Path, n_customers: int, per_customer: int) -> float:
    from xltools.demo import synthetic_frames
    from xltools.demo.problems import plant_problems
    from xltools.template import build_template
    start = time.perf_counter()
    data = plant_problems(synthetic_frames(n_customers, per_customer, seed=1))
    build_template(path, data=data)
    return time.perf_counter() - start


def build_csv(path: Path, rows: int) -> None:
    """A lead list as a trade fair exports it: Chinese headers, phones raw, some rows broken."""
    from xltools.demo import synthetic_frames
    cust = synthetic_frames(rows, 1, seed=11).frames["Customers"]
    out = cust[["CustomerName", "ContactPerson", "Industry", "Region", "CreditCode"]].copy()
    out.columns = ["客户名称", "联系人", "行业", "区域", "统一社会信用代码"]
    out["联系电话"] = [f"1{3 + i % 6}{i:09d}"[:11] for i in range(len(out))]
    out.to_csv(path, index=False, encoding="utf-8-sig")


# ---------------------------------------------------------------- jobs (run in a subprocess)


def job_floor(book: Path, _: Path) -> dict:
    import fastexcel
    start = time.perf_counter()
    reader = fastexcel.read_excel(str(book))
    rows = 0
    for name in reader.sheet_names:
        rows += len(reader.load_sheet_by_name(name).to_pandas())
    return {"seconds": time.perf_counter() - start, "rows": rows}


def _cli(args: list[str]) -> dict:
    from xltools.cli import main
    start = time.perf_counter()
    try:
        main(args, standalone_mode=False)
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    return {"seconds": time.perf_counter() - start, "exit": code}


def job_command(job: str, book: Path, csv: Path) -> dict:
    import xltools.cli  # noqa: F401  (imports are not the command's time, as the floor's
    from xltools.catalog import operations  # `import fastexcel` is not the floor's; the
    operations()                            # operation plugins are imported by the CLI)
    args = {"info": ["info", str(book)],
            "validate": ["validate", str(book), "--no-mark"],
            "summary": ["summary", str(book)],
            "monthly": ["monthly", str(book)],
            "import": ["import", str(book), str(csv)]}[job]
    return _cli(args + ["--json"])


def _child(job: str, book: str, csv: str) -> None:
    if job == "floor":
        result = job_floor(Path(book), Path(csv))
    else:
        import contextlib
        # the JSON goes where a user's would (a file, a pipe), not into this process's memory
        with open(os.devnull, "w", encoding="utf-8") as null, contextlib.redirect_stdout(null):
            result = job_command(job, Path(book), Path(csv))
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def _run(job: str, source: Path, csv: Path, work: Path, timeout: float) -> dict:
    book = work / f"{job}.xlsx"
    shutil.copyfile(source, book)
    try:
        proc = subprocess.run([sys.executable, __file__, "--job", job, "--book", str(book),
                               "--csv", str(csv)], capture_output=True, text=True,
                              env=os.environ.copy(), check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"killed": timeout}
    if proc.returncode:
        return {"failed": proc.stderr.strip().splitlines()[-1:]}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result.get("exit") == 2:           # the command refused: say why, not just a time
        result["why"] = " ".join(proc.stderr.strip().splitlines()[-2:])[:300]
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--followups", type=int, default=5, help="follow-ups per customer")
    ap.add_argument("--jobs", default=",".join(JOBS))
    ap.add_argument("--timeout", type=float, default=1800, help="seconds before a job is killed")
    ap.add_argument("--job", help=argparse.SUPPRESS)
    ap.add_argument("--book", help=argparse.SUPPRESS)
    ap.add_argument("--csv", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.job:
        _child(args.job, args.book, args.csv)
        return
    from xltools.demo import DEMO_SECRET
    os.environ.setdefault("XLTOOLS_SECRET", DEMO_SECRET.decode())   # the synthetic book's key
    CACHE.mkdir(exist_ok=True)
    source = CACHE / f"scale-{args.customers}x{args.followups}.xlsx"
    csv = CACHE / f"scale-import-{2 * args.customers}.csv"
    if not source.exists():
        print(f"built {source.name} in {build_book(source, args.customers, args.followups):.1f} s")
    jobs = [j for j in args.jobs.split(",") if j]
    if "import" in jobs and not csv.exists():
        build_csv(csv, 2 * args.customers)
    print(f"book: {args.customers:,} customers, {args.customers * args.followups:,} follow-ups, "
          f"{source.stat().st_size / 1e6:.1f} MB; import: {2 * args.customers:,} CSV rows")
    if "floor" not in jobs:
        jobs.insert(0, "floor")
    print("| job | seconds | x floor | peak MB | x floor | exit |\n|---|---:|---:|---:|---:|---:|")
    floor = None
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        for job in jobs:
            r = _run(job, source, csv, Path(tmp), args.timeout)
            if "seconds" not in r:
                print(f"| {job} | {r} | | | |", flush=True)
                continue
            floor = floor or r
            print(f"| {job} | {r['seconds']:.1f} | {r['seconds'] / floor['seconds']:.2f} | "
                  f"{r['peak_rss_mb']:,.0f} | {r['peak_rss_mb'] / floor['peak_rss_mb']:.2f} | "
                  f"{r.get('exit', '')} |" + (f" {r['why']}" if r.get("why") else ""),
                  flush=True)


if __name__ == "__main__":
    main()
