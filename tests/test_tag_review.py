"""``xltools tags``: usage counts, stale tags, renaming everywhere."""

import datetime as dt

from routine_data import TODAY
from xltools.core.tags_report import rename_tag, tag_usage
from xltools.testing import make_db

OLD = TODAY - dt.timedelta(days=120)
TAGS = [
    {"TagID": "T1", "CustomerID": "C1", "TagType": "价值", "TagName": "高价值", "Source": "auto", "CreateTime": OLD},
    {"TagID": "T2", "CustomerID": "C2", "TagType": "价值", "TagName": "高价值", "Source": "manual", "CreateTime": TODAY},
    {"TagID": "T3", "CustomerID": "C2", "TagType": "区域", "TagName": "华南地区", "Source": "manual", "CreateTime": OLD},
    {"TagID": "T4", "CustomerID": "C3", "TagType": "区域", "TagName": "华东地区", "Source": "manual", "CreateTime": TODAY},
]
RULES = [{"RuleID": "R01", "Enabled": "是", "Condition": "AnnualSpend >= 100000 and not has_tag(价值, 高价值)",
          "TagType": "价值", "TagName": "高价值"},
         {"RuleID": "R05", "Enabled": "是", "Condition": 'tag:价值="高价值" or Region = 华南',
          "TagType": "区域", "TagName": "华南地区"}]


def test_usage_unused_types_and_stale_tags():
    db = make_db({"Tags": TAGS, "Rules": RULES[:1]})
    data = tag_usage(db, today=TODAY).data
    usage = {(u["TagType"], u["TagName"]): u for u in data["usage"]}
    assert usage[("价值", "高价值")]["count"] == 2 and usage[("价值", "高价值")]["auto"] == 1
    assert [(s["TagType"], s["TagName"]) for s in data["stale"]] == [("区域", "华南地区")]
    assert set(data["unused_types"]) == {"行业", "阶段", "需求", "风险", "其他"}


def test_rename_changes_tags_rules_and_conditions():
    db = make_db({"Tags": TAGS, "Rules": RULES})
    updates = rename_tag(db, "价值/高价值", "重点客户").changes.updates
    cells = {(u.table, u.row, u.column): u.new for u in updates}
    assert cells[("Tags", 2, "TagName")] == cells[("Tags", 3, "TagName")] == "重点客户"
    assert cells[("Rules", 2, "TagName")] == "重点客户"
    assert cells[("Rules", 2, "Condition")] == "AnnualSpend >= 100000 and not has_tag(价值, 重点客户)"
    assert cells[("Rules", 3, "Condition")] == 'tag:价值="重点客户" or Region = 华南'
    assert ("Tags", 4, "TagName") not in cells and ("Rules", 3, "TagName") not in cells
