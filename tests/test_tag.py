"""Auto tags: the seed's three rules, manual tags left alone, re-runs change nothing."""

import re

import pandas as pd

from routine_data import TODAY, apply_in_memory, random_db
from xltools.core.tag import tag
from xltools.testing import make_db


def expected_by_pandas(db):
    """The seed rules, computed independently: customer IDs that should carry each tag."""
    c = db.customers
    ids = c["CustomerID"].astype(str)
    spend = pd.to_numeric(c["AnnualSpend"], errors="coerce")
    last = pd.to_datetime(c["LastFollowUpTime"].map(lambda v: v if v is not None else pd.NaT),
                          format="mixed", errors="coerce").dt.normalize()
    idle = (pd.Timestamp(TODAY) - last).dt.days
    industry = c["Industry"].map(lambda v: "" if v is None else str(v).strip())
    return {("价值", "高价值"): set(ids[spend >= 100_000]),
            ("阶段", "休眠客户"): set(ids[(idle > 180) | last.isna()]),
            ("行业", "IT服务"): set(ids[industry == "IT服务业"])}


def holders(db, auto=None):
    t = db.df("Tags")
    if auto is not None:
        t = t[(t["Source"] == "auto") == auto]
    return {key: set(g["CustomerID"]) for key, g in t.groupby(["TagType", "TagName"])}


def test_seed_rules_tag_exactly_the_customers_pandas_finds():
    db = random_db()
    manual_before = db.df("Tags")[db.df("Tags")["Source"] == "manual"].copy()
    manual_holders = holders(db, auto=False)
    result = tag(db, today=TODAY)
    for a in result.changes.appends:        # no auto copy of a tag the customer has by hand
        target = (a.values["TagType"], a.values["TagName"])
        assert a.values["CustomerID"] not in manual_holders.get(target, set())
    assert not result.issues
    apply_in_memory(db, result.changes)
    expected = expected_by_pandas(db)
    manual = holders(db, auto=False)
    auto = holders(db, auto=True)
    for target, ids in expected.items():
        # every customer the rule holds for carries the tag, by hand or automatically ...
        assert ids <= auto.get(target, set()) | manual.get(target, set())
        # ... and no auto tag is left where the rule does not hold
        assert auto.get(target, set()) <= ids
    # auto tags no rule gives are gone; manual rows are exactly as before
    assert set(auto) <= set(expected)
    after_manual = db.df("Tags")[db.df("Tags")["Source"] == "manual"]
    pd.testing.assert_frame_equal(after_manual, manual_before)


def test_second_run_changes_nothing():
    db = random_db(seed=11)
    apply_in_memory(db, tag(db, today=TODAY, levels=True).changes)
    again = tag(db, today=TODAY, levels=True)
    assert again.changes.data_changes() == 0
    assert again.data["added"] == [] and again.data["removed"] == []


def test_new_tags_carry_source_reason_and_unique_ids():
    db = random_db(seed=3)
    result = tag(db, today=TODAY)
    added = [a.values for a in result.changes.appends]
    assert added and all(a["Source"] == "auto" and a["CreateTime"] == TODAY for a in added)
    ids = [a["TagID"] for a in added] + list(db.df("Tags")["TagID"])
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"T20240902\d{3,}", a["TagID"]) for a in added)
    spend_reasons = [a["Reason"] for a in added if a["TagName"] == "高价值"]
    for reason in spend_reasons:
        m = re.fullmatch(r"R01: AnnualSpend ([\d.e+]+) >= 100000", reason)
        assert m and float(m.group(1)) >= 100_000


def rules_db(rules, customers, tags=()):
    return make_db({"Customers": customers, "Rules": rules, "Tags": list(tags)})


CUSTOMERS = [{"CustomerID": "C1", "AnnualSpend": 150000, "Industry": "IT服务业"},
             {"CustomerID": "C2", "AnnualSpend": 1000, "Industry": "制造业"}]


def test_unreadable_rule_is_reported_with_its_row_and_skipped_whole():
    rules = [{"RuleID": "R01", "Enabled": "是", "Condition": "AnnualSpend >= 100000",
              "TagType": "价值", "TagName": "高价值", "Priority": 10},
             {"RuleID": "R09", "Enabled": "是", "Condition": "Industry == == IT",
              "TagType": "行业", "TagName": "IT服务", "Priority": 5}]
    tags = [{"TagID": "T20240101001", "CustomerID": "C2", "TagType": "行业", "TagName": "IT服务",
             "Source": "auto"}]
    result = tag(rules_db(rules, CUSTOMERS, tags), today=TODAY)
    [issue] = result.issues
    assert (issue.table, issue.row, issue.column) == ("Rules", 3, "Condition")
    assert "R09" in issue.message_en and "position" in issue.message_en
    # the good rule still ran; the broken rule's tag was neither added nor removed
    assert [(a.values["CustomerID"], a.values["TagName"]) for a in result.changes.appends] == \
        [("C1", "高价值")]
    assert result.changes.removals == []


def test_switched_off_rule_loses_its_auto_tags_but_manual_ones_stay():
    rules = [{"RuleID": "R01", "Enabled": "否", "Condition": "AnnualSpend >= 100000",
              "TagType": "价值", "TagName": "高价值"}]
    tags = [{"TagID": "T1", "CustomerID": "C1", "TagType": "价值", "TagName": "高价值", "Source": "auto"},
            {"TagID": "T2", "CustomerID": "C2", "TagType": "价值", "TagName": "高价值", "Source": "manual"}]
    result = tag(rules_db(rules, CUSTOMERS, tags), today=TODAY)
    assert [r.key for r in result.changes.removals] == ["T1"]


def test_rule_stops_holding_removes_the_auto_tag():
    rules = [{"RuleID": "R01", "Enabled": "是", "Condition": "AnnualSpend >= 100000",
              "TagType": "价值", "TagName": "高价值"}]
    tags = [{"TagID": "T1", "CustomerID": "C2", "TagType": "价值", "TagName": "高价值", "Source": "auto"},
            {"TagID": "T2", "CustomerID": "C1", "TagType": "价值", "TagName": "高价值", "Source": "auto"}]
    result = tag(rules_db(rules, CUSTOMERS, tags), today=TODAY)
    assert [r.key for r in result.changes.removals] == ["T1"]
    assert result.changes.appends == []          # C1 already has it


def test_has_tag_sees_tags_given_earlier_in_the_same_run():
    rules = [{"RuleID": "R02", "Enabled": "是", "Condition": "has_tag(价值, 高价值) and Industry = IT服务业",
              "TagType": "风险", "TagName": "重点IT", "Priority": 20},
             {"RuleID": "R01", "Enabled": "是", "Condition": "AnnualSpend >= 100000",
              "TagType": "价值", "TagName": "高价值", "Priority": 10}]
    result = tag(rules_db(rules, CUSTOMERS), today=TODAY)
    assert sorted(a.values["TagName"] for a in result.changes.appends) == ["重点IT", "高价值"]


def test_levels_follow_the_settings_thresholds():
    customers = [{"CustomerID": f"C{i}", "AnnualSpend": s, "CustomerLevel": "普通"}
                 for i, s in enumerate([250000, 30000, 29999.5, 0, None, 5])]
    db = make_db({"Customers": customers}, settings={"LevelVIP": "200000"})
    result = tag(db, today=TODAY, levels=True)
    new = {u.row: u.new for u in result.changes.updates}
    assert new == {2: "VIP", 3: "重要", 5: "潜在"}     # 29999.5 and 5 stay 普通; blank untouched
