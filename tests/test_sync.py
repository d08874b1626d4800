"""Follow-up sync: dates carried from the log, due lists, dormant customers."""

import datetime as dt

import pandas as pd

from routine_data import TODAY, apply_in_memory, random_db
from xltools.core.sync import sync
from xltools.testing import make_db


def test_last_and_next_follow_up_come_from_the_latest_log_entry():
    db = random_db(seed=5)
    f = db.df("FollowUps")
    log = f[f["FollowUpTime"] < pd.Timestamp(TODAY) + pd.Timedelta(days=1)]
    latest = log.sort_values("FollowUpTime").groupby("CustomerID").tail(1).set_index("CustomerID")
    result = sync(db, today=TODAY)
    apply_in_memory(db, result.changes)
    c = db.customers.set_index("CustomerID")
    for cid, row in latest.iterrows():
        assert pd.Timestamp(c.at[cid, "LastFollowUpTime"]) == row["FollowUpTime"].normalize()
        if row["NextFollowUpTime"] is not None:
            assert c.at[cid, "NextFollowUpTime"] == row["NextFollowUpTime"]
    assert sync(db, today=TODAY).changes.data_changes() == 0      # second run: nothing


def test_customers_without_follow_ups_and_plans_stay_as_they_are():
    customers = [{"CustomerID": "C1", "LastFollowUpTime": dt.date(2024, 1, 1),
                  "NextFollowUpTime": dt.date(2024, 9, 5)},
                 {"CustomerID": "C2", "LastFollowUpTime": dt.date(2024, 8, 1),
                  "NextFollowUpTime": dt.date(2024, 9, 3)}]
    fups = [{"CustomerID": "C2", "FollowUpTime": dt.datetime(2024, 8, 1, 10), "NextFollowUpTime": None},
            {"CustomerID": "C2", "FollowUpTime": dt.datetime(2024, 9, 10, 10),   # future: ignored
             "NextFollowUpTime": dt.date(2024, 10, 1)}]
    result = sync(make_db({"Customers": customers, "FollowUps": fups}), today=TODAY)
    assert result.changes.updates == []
    assert [e["CustomerID"] for e in result.data["due_this_week"]["(无 / none)"]] == ["C1", "C2"]


def test_a_follow_up_time_validation_cannot_read_is_not_the_last_contact():
    """03/04/2024 could be 3 April or 4 March: validation reports it, and sync does not take it
    for the latest contact either; a time typed as text still orders two contacts on one day."""
    customers = [{"CustomerID": "C1"}, {"CustomerID": "C2"}]
    fups = [{"CustomerID": "C1", "FollowUpTime": "2024-02-01", "NextFollowUpTime": "2024-02-20"},
            {"CustomerID": "C1", "FollowUpTime": "03/04/2024", "NextFollowUpTime": "2024-05-01"},
            {"CustomerID": "C2", "FollowUpTime": "2024年8月1日 15:00", "NextFollowUpTime": "2024-08-30"},
            {"CustomerID": "C2", "FollowUpTime": "2024-08-01 09:00", "NextFollowUpTime": "2024-08-09"}]
    db = make_db({"Customers": customers, "FollowUps": fups})
    apply_in_memory(db, sync(db, today=TODAY).changes)
    c = db.customers.set_index("CustomerID")
    assert pd.Timestamp(c.at["C1", "LastFollowUpTime"]) == pd.Timestamp("2024-02-01")
    assert pd.Timestamp(c.at["C1", "NextFollowUpTime"]) == pd.Timestamp("2024-02-20")
    assert pd.Timestamp(c.at["C2", "NextFollowUpTime"]) == pd.Timestamp("2024-08-30")


def test_due_overdue_and_dormant_lists_per_owner():
    customers = [
        {"CustomerID": "C1", "Owner": "张三", "NextFollowUpTime": dt.date(2024, 8, 30),
         "LastFollowUpTime": dt.date(2024, 8, 1)},
        {"CustomerID": "C2", "Owner": "张三", "NextFollowUpTime": dt.date(2024, 9, 8),   # Sunday
         "LastFollowUpTime": dt.date(2024, 3, 1)},
        {"CustomerID": "C3", "Owner": "李四", "NextFollowUpTime": dt.date(2024, 9, 9),   # next week
         "LastFollowUpTime": None},
    ]
    data = sync(make_db({"Customers": customers}), today=TODAY).data
    assert [e["CustomerID"] for e in data["overdue"]["张三"]] == ["C1"]
    assert [e["CustomerID"] for e in data["due_this_week"]["张三"]] == ["C2"]
    assert "李四" not in data["due_this_week"]
    assert [d["CustomerID"] for d in data["dormant"]] == ["C2", "C3"]   # 185 days; never


def test_sync_leaves_tags_and_cooperation_phase_alone():
    db = random_db(seed=9)
    result = sync(db, today=TODAY)
    assert {u.column for u in result.changes.updates} <= {"LastFollowUpTime", "NextFollowUpTime"}
    assert not result.changes.appends and not result.changes.removals
