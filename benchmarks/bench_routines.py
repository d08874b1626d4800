"""Benchmark tag, sync and summary on a big book, against a naive row-by-row baseline.

    python benchmarks/bench_routines.py                 # 100,000 customers, 500,000 follow-ups
    python benchmarks/bench_routines.py --customers 20000 --followups 100000

The baseline does the same job the obvious way (iterate over rows, dicts of per-customer state)
in the same run, so the printed ratios hold on any machine. Loading the workbook is not timed:
these are the pure routines on DataFrames.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import pandas as pd

from xltools.core.summary import summarize
from xltools.core.sync import sync
from xltools.core.tag import tag
from xltools.schema import load_schema
from xltools.testing import make_db

TODAY = dt.date(2024, 9, 2)


def synthetic_db(n: int, m: int, seed: int = 1):
    """``n`` customers and ``m`` follow-ups, built with numpy (no per-row Python)."""
    rng = np.random.default_rng(seed)
    schema = load_schema()
    ids = np.char.add("C2024", np.char.zfill(np.arange(n).astype(str), 7))
    pick = lambda key, size: rng.choice(schema.list_values(key), size)   # noqa: E731
    today = np.datetime64(TODAY)
    customers = pd.DataFrame({
        "CustomerID": ids, "CustomerName": np.char.add("客户", np.arange(n).astype(str)),
        "Industry": pick("Industry", n), "Region": pick("Region", n), "Source": pick("Source", n),
        "CustomerLevel": pick("CustomerLevel", n), "CooperationPhase": pick("CooperationPhase", n),
        "DealStatus": pick("DealStatus", n), "DealAmount": rng.integers(0, 200_000, n).astype(float),
        "AnnualSpend": rng.integers(0, 300_000, n).astype(float),
        "Owner": rng.choice(["张三", "李四", "王五", "赵六", "公海"], n),
        "CreateTime": pd.to_datetime(today - rng.integers(30, 1500, n).astype("timedelta64[D]")),
        "LastFollowUpTime": pd.to_datetime(today - rng.integers(0, 500, n).astype("timedelta64[D]")),
        "NextFollowUpTime": pd.to_datetime(today + rng.integers(-30, 30, n).astype("timedelta64[D]")),
    })
    when = today.astype("datetime64[m]") - rng.integers(0, 500 * 1440, m).astype("timedelta64[m]")
    followups = pd.DataFrame({
        "FollowUpID": np.char.add("F2024", np.char.zfill(np.arange(m).astype(str), 8)),
        "CustomerID": ids[rng.integers(0, n, m)], "FollowUpTime": pd.to_datetime(when),
        "Method": "电话", "Staff": rng.choice(["张三", "李四", "王五", "赵六"], m),
        "NextFollowUpTime": pd.to_datetime(when.astype("datetime64[D]")
                                           + rng.integers(1, 30, m).astype("timedelta64[D]")),
    })
    opps = pd.DataFrame({"CustomerID": ids[rng.integers(0, n, n // 2)],
                         "Stage": pick("Stage", n // 2),
                         "ExpectedAmount": rng.integers(1_000, 90_000, n // 2).astype(float)})
    rules = [dict(r) for r in schema.rules]
    return make_db({"Customers": customers, "FollowUps": followups, "Opportunities": opps,
                    "Rules": rules})


# ------------------------------------------------------------------- naive baselines, row by row


def naive_tag(db):
    today = pd.Timestamp(TODAY)
    added = []
    for _, c in db.customers.iterrows():
        if c["AnnualSpend"] >= 100_000:
            added.append((c["CustomerID"], "高价值"))
        last = c["LastFollowUpTime"]
        if pd.isna(last) or (today - last).days > 180:
            added.append((c["CustomerID"], "休眠客户"))
        if c["Industry"] == "IT服务业":
            added.append((c["CustomerID"], "IT服务"))
    return added


def naive_sync(db):
    latest = {}
    for _, f in db.df("FollowUps").iterrows():
        cur = latest.get(f["CustomerID"])
        if cur is None or f["FollowUpTime"] > cur[0]:
            latest[f["CustomerID"]] = (f["FollowUpTime"], f["NextFollowUpTime"])
    updates = []
    for row, c in db.customers.iterrows():
        if c["CustomerID"] in latest:
            last, nxt = latest[c["CustomerID"]]
            if c["LastFollowUpTime"] != last.normalize():
                updates.append((row, "LastFollowUpTime"))
            if c["NextFollowUpTime"] != nxt:
                updates.append((row, "NextFollowUpTime"))
    return updates


def naive_summary(db):
    counts: dict = {}
    for _, c in db.customers.iterrows():
        for key in ("Industry", "Region", "CooperationPhase", "Source", "Owner"):
            counts[(key, c[key])] = counts.get((key, c[key]), 0) + 1
        counts[("lvl", c["Industry"], c["CustomerLevel"])] = \
            counts.get(("lvl", c["Industry"], c["CustomerLevel"]), 0) + 1
    since = pd.Timestamp(TODAY) - pd.Timedelta(days=30)
    for _, f in db.df("FollowUps").iterrows():
        if f["FollowUpTime"] >= since:
            counts[("staff", f["Staff"])] = counts.get(("staff", f["Staff"]), 0) + 1
    for _, o in db.df("Opportunities").iterrows():
        counts[("stage", o["Stage"])] = counts.get(("stage", o["Stage"]), 0) + 1
    return counts


def timed(func, *args, repeat: int = 3, **kwargs) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--followups", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-repeat", type=int, default=1)
    args = parser.parse_args()
    db = synthetic_db(args.customers, args.followups)
    print(f"{args.customers:,} customers, {args.followups:,} follow-ups "
          f"(best of {args.repeat}; naive best of {args.naive_repeat})")
    print(f"{'routine':<10}{'xltools s':>12}{'naive s':>12}{'naive/xltools':>16}")
    for name, ours, naive in (("tag", lambda: tag(db, today=TODAY), lambda: naive_tag(db)),
                              ("sync", lambda: sync(db, today=TODAY), lambda: naive_sync(db)),
                              ("summary", lambda: summarize(db, today=TODAY),
                               lambda: naive_summary(db))):
        t_ours = timed(ours, repeat=args.repeat)
        t_naive = timed(naive, repeat=args.naive_repeat)
        print(f"{name:<10}{t_ours:>12.2f}{t_naive:>12.2f}{t_naive / t_ours:>15.1f}x")


if __name__ == "__main__":
    main()
