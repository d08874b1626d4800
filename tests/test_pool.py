"""Public pool: idle customers go back to 公海 only with --apply."""

import datetime as dt

import pandas as pd

from routine_data import TODAY, apply_in_memory, random_db
from xltools.core.pool import pool
from xltools.testing import make_db


def test_due_customers_match_pandas_and_apply_moves_only_them():
    db = random_db(seed=21)
    c = db.customers
    f = db.df("FollowUps")
    f = f[f["FollowUpTime"] < pd.Timestamp(TODAY) + pd.Timedelta(days=1)]
    logged = c["CustomerID"].map(f.groupby("CustomerID")["FollowUpTime"].max().dt.normalize())
    typed = pd.to_datetime(c["LastFollowUpTime"], format="mixed", errors="coerce")
    activity = pd.concat([typed, logged, pd.to_datetime(c["CreateTime"])], axis=1).max(axis=1)
    held = c["Owner"].isin(["张三", "李四", "王五"])
    expected = set(c.loc[held & (activity <= pd.Timestamp(TODAY) - pd.Timedelta(days=45)),
                         "CustomerID"])

    preview = pool(db, days=45, today=TODAY)
    assert preview.changes.updates == []                    # a preview changes nothing
    found = {e["CustomerID"] for entries in preview.data["due"].values() for e in entries}
    assert found == expected

    applied = pool(db, days=45, apply=True, today=TODAY)
    assert {db.customers.at[u.row, "CustomerID"] for u in applied.changes.updates} == expected
    assert {u.new for u in applied.changes.updates} == {"公海"}
    tags_before = db.df("Tags").copy()
    apply_in_memory(db, applied.changes)
    pd.testing.assert_frame_equal(db.df("Tags"), tags_before)
    assert pool(db, days=45, apply=True, today=TODAY).changes.updates == []


def test_preview_lists_who_returns_within_seven_days_and_owners_over_the_cap():
    customers = [
        {"CustomerID": "C1", "Owner": "张三", "LastFollowUpTime": TODAY - dt.timedelta(days=25)},
        {"CustomerID": "C2", "Owner": "张三", "LastFollowUpTime": TODAY - dt.timedelta(days=22)},
        {"CustomerID": "C3", "Owner": "张三", "LastFollowUpTime": TODAY - dt.timedelta(days=10)},
        {"CustomerID": "C4", "Owner": "公海", "LastFollowUpTime": TODAY - dt.timedelta(days=300)},
        {"CustomerID": "C5", "Owner": "李四", "LastFollowUpTime": TODAY - dt.timedelta(days=30)},
    ]
    db = make_db({"Customers": customers}, settings={"PoolCapPerOwner": "2"})
    data = pool(db, today=TODAY).data                       # PoolDays default 30
    assert [e["CustomerID"] for e in data["due"]["李四"]] == ["C5"]
    assert [e["CustomerID"] for e in data["due_within_7_days"]["张三"]] == ["C1"]
    assert data["due_within_7_days"]["张三"][0]["ReturnDate"] == "2024-09-07"
    assert data["over_cap"] == [{"Owner": "张三", "customers": 3, "cap": 2, "excess": 1}]
