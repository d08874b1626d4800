"""The routines on the demo team's messy book: seed rules, sync, pool and the seed query."""

import datetime as dt

import pandas as pd
import pytest

from routine_data import apply_in_memory
from xltools.core.pool import pool
from xltools.core.query import query
from xltools.core.sync import sync
from xltools.core.tag import tag
from xltools.demo import demo_data
from xltools.schema import load_schema
from xltools.testing import make_db

TODAY = dt.date(2024, 9, 2)


@pytest.fixture()
def demo():
    data = demo_data(n_customers=400, seed=5, today=TODAY)
    frames = dict(data.frames)
    frames["Rules"] = [dict(r) for r in load_schema().rules]
    return data, make_db(frames, lists=data.lists)


def auto_holders(db, tag_type, tag_name):
    t = db.df("Tags")
    t = t[(t["Source"] == "auto") & (t["TagType"] == tag_type) & (t["TagName"] == tag_name)]
    return set(t["CustomerID"])


def manual_holders(db, tag_type, tag_name):
    t = db.df("Tags")
    t = t[(t["Source"] != "auto") & (t["TagType"] == tag_type) & (t["TagName"] == tag_name)]
    return set(t["CustomerID"])


def test_each_seed_rule_tags_exactly_the_expected_customers(demo):
    _, db = demo
    c = db.customers.copy()
    c["cid"] = c["CustomerID"].astype(str).str.strip()
    c = c[c["cid"] != ""]
    last = pd.to_datetime(c["LastFollowUpTime"], errors="coerce").dt.normalize()
    expected = {
        ("价值", "高价值"): set(c.loc[pd.to_numeric(c["AnnualSpend"], errors="coerce") >= 100_000, "cid"]),
        ("阶段", "休眠客户"): set(c.loc[last.isna() | ((pd.Timestamp(TODAY) - last).dt.days > 180), "cid"]),
        ("行业", "IT服务"): set(c.loc[c["Industry"].astype(str).str.strip() == "IT服务业", "cid"]),
    }
    manual_before = {k: manual_holders(db, *k) for k in expected}
    apply_in_memory(db, tag(db, today=TODAY).changes)
    for target, ids in expected.items():
        assert auto_holders(db, *target) == ids - manual_before[target], target
        assert manual_holders(db, *target) == manual_before[target]
    assert tag(db, today=TODAY).changes.data_changes() == 0


def test_sync_then_tag_then_pool_keep_manual_tags_and_settle(demo):
    data, db = demo
    manual = db.df("Tags")[db.df("Tags")["Source"] != "auto"].copy()
    for step in (lambda: sync(db, today=TODAY), lambda: tag(db, today=TODAY, levels=True),
                 lambda: pool(db, apply=True, today=TODAY)):
        apply_in_memory(db, step().changes)
        assert step().changes.data_changes() == 0            # run twice: nothing more to do
        now = db.df("Tags")[db.df("Tags")["Source"] != "auto"]
        pd.testing.assert_frame_equal(now, manual, check_dtype=False)


def test_pool_preview_finds_the_planted_idle_customers(demo):
    data, db = demo
    result = pool(db, today=TODAY)
    listed = {e["CustomerID"] for group in ("due", "due_within_7_days")
              for entries in result.data[group].values() for e in entries}
    planted = {p["id"] for p in data.planted_of("pool_due")}
    assert planted and planted <= listed


def test_seed_query_on_the_demo_book(demo):
    _, db = demo
    apply_in_memory(db, tag(db, today=TODAY).changes)     # so 高价值 tags exist
    c, t, f = db.customers, db.df("Tags"), db.df("FollowUps")
    high = set(t.loc[(t["TagType"] == "价值") & (t["TagName"] == "高价值"), "CustomerID"])
    day = f["FollowUpTime"].dt.normalize()
    recent = set(f.loc[(day <= pd.Timestamp(TODAY))
                       & (day >= pd.Timestamp(TODAY) - pd.Timedelta(days=30)), "CustomerID"])
    mask = ((c["Region"].astype(str).str.strip() == "华南") & (c["Industry"] == "IT服务业")
            & c["CustomerID"].isin(high) & c["CustomerID"].isin(recent))
    got = query(db, "Region=华南 and tag:价值=高价值 and Industry=IT服务业 and followup_within(30)",
                today=TODAY)
    assert set(got["CustomerID"]) == set(c.loc[mask, "CustomerID"])
