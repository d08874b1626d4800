"""The follow-up log read once per loaded table (core/followlog): a step after another sees the
same answers, and a log edited in memory is read again, never answered from the earlier read."""

import datetime as dt

import pandas as pd

from routine_data import TODAY
from xltools.core import followlog
from xltools.core.sync import sync
from xltools.core.values import as_dates, as_text
from xltools.testing import make_db


def _db():
    customers = [{"CustomerID": "C1"}, {"CustomerID": "C2"}]
    fups = [{"CustomerID": " C1", "FollowUpTime": dt.datetime(2024, 8, 1, 10)},
            {"CustomerID": "C2", "FollowUpTime": "2024年8月3日"},
            {"CustomerID": "C2", "FollowUpTime": "03/04/2024"}]        # no date: not a contact
    return make_db({"Customers": customers, "FollowUps": fups})


def test_the_log_reads_as_the_shared_readers_read_it():
    f = _db().df("FollowUps")
    assert followlog.customer_ids(f).tolist() == as_text(f["CustomerID"]).tolist()
    pd.testing.assert_series_equal(followlog.times(f), as_dates(f["FollowUpTime"], times=True))
    pd.testing.assert_series_equal(followlog.days(f), as_dates(f["FollowUpTime"]))


def test_a_follow_up_edited_in_memory_is_read_again():
    db = _db()
    last = {u.row: u.new for u in sync(db, today=TODAY).changes.updates
            if u.column == "LastFollowUpTime"}
    assert sorted(last.values()) == [dt.date(2024, 8, 1), dt.date(2024, 8, 3)]
    f = db.df("FollowUps")
    rows = f.index.tolist()
    f.at[rows[0], "FollowUpTime"] = dt.datetime(2024, 8, 20, 9)
    f.at[rows[2], "CustomerID"] = "C1"
    f.at[rows[2], "FollowUpTime"] = "2024-08-25"
    last = {u.row: u.new for u in sync(db, today=TODAY).changes.updates
            if u.column == "LastFollowUpTime"}
    assert sorted(last.values()) == [dt.date(2024, 8, 3), dt.date(2024, 8, 25)]


def test_of_two_follow_ups_at_one_moment_the_lower_in_the_sheet_is_the_latest():
    customers = [{"CustomerID": "C1", "Owner": "张伟", "NextFollowUpTime": dt.date(2024, 9, 1)}]
    fups = [{"CustomerID": "C1", "FollowUpTime": dt.datetime(2024, 8, 1, 10), "NextStep": "报价",
             "NextFollowUpTime": dt.date(2024, 9, 20)},
            {"CustomerID": "C1", "FollowUpTime": dt.datetime(2024, 8, 1, 10), "NextStep": "签约",
             "NextFollowUpTime": dt.date(2024, 9, 30)},
            {"CustomerID": "C1", "FollowUpTime": dt.datetime(2024, 7, 1, 10), "NextStep": "拜访",
             "NextFollowUpTime": dt.date(2024, 10, 9)}]
    db = make_db({"Customers": customers, "FollowUps": fups})
    nxt = [u.new for u in sync(db, today=TODAY).changes.updates if u.column == "NextFollowUpTime"]
    assert nxt == [dt.date(2024, 9, 30)]
    from xltools.core.todo import due_followups
    assert due_followups(db, TODAY)["next_step"].tolist() == ["签约"]
