"""Random but plausible books for the routine tests (tag, sync, pool, summary, query).

Messy on purpose: blanks, values outside the lists, dates as text, duplicate follow-ups on a day.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from xltools.testing import make_db

TODAY = dt.date(2024, 9, 2)      # a Monday
INDUSTRIES = ["制造业", "零售业", "IT服务业", "互联网", "金融业", "教育", ""]
REGIONS = ["华北", "华东", "华南", "西南", "", "华南 "]
STAFF = ["张三", "李四", "王五", "公海", ""]


def random_db(n: int = 400, seed: int = 7, followups: int = 1500, tags: int = 300):
    rng = np.random.default_rng(seed)

    def day(lo: int, hi: int):
        return TODAY - dt.timedelta(days=int(rng.integers(lo, hi)))

    customers = []
    for i in range(n):
        last = None if rng.random() < 0.15 else day(0, 400)
        if last is not None and rng.random() < 0.1:
            last = last.strftime("%Y/%m/%d")                # typed as text
        customers.append({
            "CustomerID": f"C2024{i:07d}", "CustomerName": f"客户{i}",
            "Industry": rng.choice(INDUSTRIES), "Region": rng.choice(REGIONS),
            "Source": rng.choice(["展会", "转介绍", "线上广告", "", "朋友"]),
            "CustomerLevel": rng.choice(["VIP", "重要", "普通", "潜在", ""]),
            "CooperationPhase": rng.choice(["潜在客户", "意向客户", "成交客户", "休眠客户"]),
            "DealStatus": rng.choice(["成交-已签单", "流失", "意向-报价中", ""]),
            "DealAmount": float(rng.integers(0, 50_000)),
            "AnnualSpend": (None if rng.random() < 0.05 else
                            float(rng.choice([100_000, 99_999.99, rng.integers(0, 300_000)]))),
            "Owner": rng.choice(STAFF), "CreateTime": day(30, 900),
            "LastFollowUpTime": last,
            "NextFollowUpTime": None if rng.random() < 0.3 else TODAY + dt.timedelta(
                days=int(rng.integers(-20, 20))),
        })
    fups = []
    for j in range(followups):
        when = dt.datetime.combine(day(-5, 420), dt.time(int(rng.integers(8, 19)), 0))
        fups.append({"FollowUpID": f"F2024{j:08d}", "CustomerID": f"C2024{int(rng.integers(0, n)):07d}",
                     "FollowUpTime": when, "Method": "电话", "Staff": rng.choice(STAFF[:3]),
                     "NextFollowUpTime": None if rng.random() < 0.3 else
                     (when + dt.timedelta(days=int(rng.integers(1, 30)))).date()})
    tag_rows = []
    for k in range(tags):
        tag_rows.append({"TagID": f"T20240101{k:03d}", "CustomerID": f"C2024{int(rng.integers(0, n)):07d}",
                         "TagType": rng.choice(["价值", "阶段", "行业", "区域"]),
                         "TagName": rng.choice(["高价值", "休眠客户", "IT服务", "华南地区"]),
                         "Source": rng.choice(["auto", "manual"]), "Reason": "",
                         "CreateTime": day(0, 300)})
    opps = [{"OpportunityID": f"O2024{k:07d}", "CustomerID": f"C2024{int(rng.integers(0, n)):07d}",
             "Stage": rng.choice(["初步接洽", "需求分析", "方案报价", "谈判", "成交", "输单", ""]),
             "ExpectedAmount": float(rng.integers(1_000, 90_000))} for k in range(n // 2)]
    return make_db({"Customers": customers, "FollowUps": fups, "Tags": tag_rows,
                    "Opportunities": opps, "Rules": seed_rules()})


def seed_rules() -> list[dict]:
    from xltools.schema import load_schema
    return [dict(r) for r in load_schema().rules]


def apply_in_memory(db, changes) -> None:
    """Apply a changeset's data changes to ``db``'s DataFrames, the way a backend would."""
    import pandas as pd

    for u in changes.updates:
        df = db.df(u.table)
        if df[u.column].dtype != object:
            df[u.column] = df[u.column].astype(object)
        df.at[u.row, u.column] = u.new
    for table in {r.table for r in changes.removals}:
        rows = [r.row for r in changes.removals if r.table == table]
        frame = db.tables[table]
        frame.df = frame.df.drop(index=rows)
    appends = list(changes.all_appends())
    for table in {a.table for a in appends}:
        frame = db.tables[table]
        new = pd.DataFrame([a.values for a in appends if a.table == table])
        start = (frame.df.index.max() + 1) if len(frame.df) else 2
        new.index = pd.RangeIndex(start, start + len(new))
        frame.df = pd.concat([frame.df, new.reindex(columns=frame.df.columns)])
