"""Team mode at scale: split a 100,000-customer master for 10 members, edit every book, gather.

The master (100k customers, 5 follow-ups each, tags, opportunities; 10 staff, ~3% of customers
in the public pool) is built once with the template builder and cached. Then, in the same run,
each job in a fresh subprocess (so peak RSS is its own):

* ``read``: the fastexcel read of every sheet of the master, the floor any command that reads
  the book is measured against;
* ``split``: ``xltools split MASTER -o DIR`` (10 books, each with its Summary and its base);
* the members' edits (not timed): in every book 1% of its customers get a new remark, the pool
  customers are claimed by two members, 50 new customers with IDs that collide across books and
  a follow-up each, a deleted follow-up — written through the file backend;
* ``gather``: ``xltools gather MASTER DIR`` — with ``--profile`` the same work in-process with
  its parts timed (load master, load books, the three-way merge, write);
* ``gather again``: the second gather, which must change nothing.

    python benchmarks/bench_team.py                      # 100k customers, 10 members
    python benchmarks/bench_team.py --customers 10000    # quicker
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

CACHE = Path(tempfile.gettempdir()) / "xltools-bench-team"
STAFF = ["张伟", "李娜", "王强", "刘洋", "陈静", "杨帆", "赵磊", "孙悦", "周敏", "吴昊"]
POOL_SHARE = 0.03


def build_master(path: Path, n_customers: int) -> None:
    from xltools.demo import synthetic_frames
    from xltools.template import build_template

    data = synthetic_frames(n_customers, 5, seed=1, today=dt.date(2026, 11, 20))
    rng = np.random.default_rng(2)
    owners = np.where(rng.random(n_customers) < POOL_SHARE, "公海", rng.choice(STAFF, n_customers))
    frames = dict(data.frames)
    frames["Customers"] = frames["Customers"].assign(Owner=owners)
    frames["Team"] = pd.DataFrame(
        [{"Staff": s, "Role": "主管" if i == 0 else "销售代表", "Team": "一组" if i < 4 else "二组"}
         for i, s in enumerate(STAFF)])     # one lead of four, nine reps
    build_template(path, lang="zh", data=SimpleNamespace(
        frames=frames, lists={**data.lists, "Staff": [*STAFF, "公海"]}))


def edit_books(folder: Path) -> dict:
    """What ten people do to their books in a month, written through the file backend."""
    from xltools.backend.file import FileBackend
    from xltools.changes import CellUpdate, Changeset, RowAppend, RowRemove

    counts = {"edited": 0, "claims": 0, "new": 0, "deleted": 0}
    for k, path in enumerate(sorted(folder.glob("*.xlsx"))):
        backend = FileBackend(path, command="bench")
        db = backend.load()
        cust = db.df("Customers")
        member = db.df("TeamBase").query("Kind == 'split'")["Member"].iloc[0]
        changes = Changeset("bench")
        mine = cust.index[cust["Owner"] == member]
        for row in mine[::100]:
            changes.updates.append(CellUpdate("Customers", int(row), "Remarks",
                                              cust.at[row, "Remarks"], f"{member} 回访记录"))
            counts["edited"] += 1
        pool = cust.index[cust["Owner"] == "公海"]
        for row in pool[(k // 2) * 5:(k // 2) * 5 + 5]:   # two members claim the same five
            changes.updates.append(CellUpdate("Customers", int(row), "Owner", "公海", member))
            counts["claims"] += 1
        for i in range(5):
            cid = f"C20261121{i + 1:03d}"                     # the same IDs in every book
            changes.appends.append(RowAppend("Customers", {
                "CustomerID": cid, "CustomerName": f"{member}新客户{i}科技有限公司",
                "CustomerType": "企业", "ContactPerson": "王总",
                "ContactPhone": f"139{k:02d}{i:06d}", "Industry": "制造业", "CustomerLevel": "潜在",
                "CooperationPhase": "潜在客户", "Owner": member,
                "CreateTime": dt.datetime(2026, 11, 21)}))
            changes.appends.append(RowAppend("FollowUps", {
                "FollowUpID": f"F20261121{i + 1:03d}", "CustomerID": cid,
                "FollowUpTime": dt.datetime(2026, 11, 21, 10), "Method": "电话", "Staff": member,
                "Content": "首次电话"}))
            counts["new"] += 1
        fups = db.df("FollowUps")
        changes.removals.append(RowRemove("FollowUps", int(fups.index[0])))
        counts["deleted"] += 1
        backend.apply(changes, db)
    return counts


# ---------------------------------------------------------------- jobs (run in a subprocess)


def job_read(master: str, _folder: str) -> dict:
    import fastexcel
    reader = fastexcel.read_excel(master)
    rows = sum(reader.load_sheet(name).to_pandas().shape[0] for name in reader.sheet_names)
    return {"rows": rows}


def _cli(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "xltools", *args, "--json"], capture_output=True,
                         text=True, check=False)
    if out.returncode not in (0, 1):
        raise SystemExit(out.stderr)
    return json.loads(out.stdout)


def job_split(master: str, folder: str) -> dict:
    out = _cli("split", master, "-o", folder)
    return {"books": len(out["books"]), "customers_per_book": [b["Customers"] for b in out["books"]]}


def job_gather(master: str, folder: str) -> dict:
    return _cli("gather", master, folder)["counts"]


def job_profile(master: str, folder: str) -> dict:
    """The gather's parts, in-process, on a copy (the master itself is not changed)."""
    from xltools.backend.file import FileBackend
    from xltools.team.books import expand, open_books
    from xltools.team.gather import plan_gather

    copy = Path(master).with_name("profile-" + Path(master).name)
    shutil.copy(master, copy)
    t = time.perf_counter()
    backend = FileBackend(copy, command="gather")
    db = backend.load()
    db.path = Path(master)
    t_master = time.perf_counter() - t
    t = time.perf_counter()
    books, _ = open_books(db, expand([folder]), db.schema)
    t_books = time.perf_counter() - t
    t = time.perf_counter()
    plan = plan_gather(db, books, dt.datetime.now())
    t_merge = time.perf_counter() - t
    t = time.perf_counter()
    backend.apply(plan.changes, db)
    t_write = time.perf_counter() - t
    copy.unlink()
    return {"load_master_s": round(t_master, 2), "load_books_s": round(t_books, 2),
            "merge_s": round(t_merge, 2), "write_s": round(t_write, 2), **plan.counts}


def job_build(master: str, customers: str) -> dict:
    build_master(Path(master), int(customers))
    return {}


def job_edit(_master: str, folder: str) -> dict:
    return edit_books(Path(folder))


# Every job runs in a process of its own, started from this small one: Linux keeps a process's
# peak RSS across exec, so a job forked from a parent holding the built frames would report the
# parent's memory as its own.
JOBS = {"read": job_read, "split": job_split, "gather": job_gather, "profile": job_profile,
        "build": job_build, "edit": job_edit}


def run_job(name: str, master: Path, folder: Path) -> dict:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--job", name, str(master), str(folder)],
                         check=True, capture_output=True, text=True)
    result = json.loads(out.stdout)
    result["seconds"] = round(time.perf_counter() - t, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--job", nargs=3, metavar=("NAME", "MASTER", "FOLDER"))
    args = parser.parse_args()
    if args.job:
        name, master, folder = args.job
        result = JOBS[name](master, folder)
        # children: the xltools commands run as subprocesses of the job
        rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        result["peak_rss_mb"] = round(rss / 1024)
        print(json.dumps(result, ensure_ascii=False))
        return

    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / f"master-{args.customers}.xlsx"
    if not cached.exists():
        built = run_job("build", cached, Path(str(args.customers)))
        print(f"built {cached} in {built['seconds']:.0f} s", file=sys.stderr)
    work = Path(tempfile.mkdtemp(prefix="bench-team-"))
    master, folder = work / "team.xlsx", work / "members"
    shutil.copy(cached, master)
    try:
        results = {"read": run_job("read", master, folder)}
        results["split"] = run_job("split", master, folder)
        edits = run_job("edit", master, folder)
        results["profile"] = run_job("profile", master, folder)
        results["gather"] = run_job("gather", master, folder)
        results["gather again"] = run_job("gather", master, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    floor = results["read"]["seconds"]
    edits = {k: v for k, v in edits.items() if k not in ("seconds", "peak_rss_mb")}
    print(f"master: {args.customers:,} customers, {len(STAFF)} members; members' edits: {edits}")
    print(f"{'job':<14}{'seconds':>10}{'x read':>9}{'peak RSS MB':>13}")
    for name in ("read", "split", "gather", "gather again"):
        r = results[name]
        print(f"{name:<14}{r['seconds']:>10.1f}{r['seconds'] / floor:>9.1f}{r['peak_rss_mb']:>13,}")
    p = results["profile"]
    print(f"gather's parts: load master {p['load_master_s']} s, load 10 books {p['load_books_s']} s,"
          f" three-way merge {p['merge_s']} s, write {p['write_s']} s")
    print(f"gather: {json.dumps(results['gather'], ensure_ascii=False)}")
    print(f"gather again: {json.dumps(results['gather again'], ensure_ascii=False)}")


if __name__ == "__main__":
    main()
