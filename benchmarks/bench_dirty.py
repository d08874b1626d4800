"""A legacy book with a problem on almost every cell: how long validate takes, as a ratio to
loading the same book, in one run.

The book is ``xltools.demo.synthetic_frames`` with the habits of a book kept for years without
rules: IDs in an old format, an owner nobody put on the Staff list, regions, levels, phases,
industries and sources typed freely, no contact person, short credit codes, e-mails "none".
That is thirteen problems per customer: 1.3 million at 100,000 customers. Each job runs in its
own process (``bench_scale``'s runner), so peak RSS is its own.

    python benchmarks/bench_dirty.py                     # 100,000 customers
    python benchmarks/bench_dirty.py --customers 20000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_scale  # noqa: E402


def build_legacy_book(path: Path, n_customers: int) -> None:
    from xltools.demo import synthetic_frames
    from xltools.template import build_template
    data = synthetic_frames(n_customers, 1, seed=1)
    c = data.frames["Customers"]
    c["CustomerID"] = "K" + c["CustomerID"].astype(str)
    for column, value in {"Owner": "老王", "Region": "华南区", "Industry": "IT", "CustomerLevel": "A",
                          "CooperationPhase": "跟进中", "ContactPerson": None, "Priority": "高",
                          "Source": "网络", "CreditCode": "123", "Email": "none", "NeedType": "x",
                          "DealStatus": "?"}.items():
        c[column] = value
    build_template(path, data=data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--timeout", type=float, default=1800)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        book = work / "legacy.xlsx"
        build_legacy_book(book, args.customers)
        csv = work / "unused.csv"
        csv.write_text("")
        rows = {job: bench_scale._run(job, book, csv, work, args.timeout)
                for job in ("floor", "info", "validate")}
    load = rows["info"].get("seconds")
    print(f"legacy book, {args.customers:,} customers, ~13 problems each")
    for job, r in rows.items():
        if "seconds" not in r:
            print(f"{job:9s} {r}")
            continue
        ratio = f"{r['seconds'] / load:5.1f}x load" if load else ""
        print(f"{job:9s} {r['seconds']:7.1f} s  {r['peak_rss_mb']:7.0f} MB  {ratio}")


if __name__ == "__main__":
    main()
