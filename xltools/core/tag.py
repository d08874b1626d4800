"""Auto tags from the book's Rules sheet, and customer levels from annual spend.

Each enabled rule (Rules sheet: RuleID, Enabled 是/否, Condition, TagType, TagName, Priority) gives its
tag to every customer its condition holds for (condition language: :mod:`xltools.core.condition`).

* New auto tags get ``Source = auto``, a TagID ``T`` + yyyymmdd + sequence, and a Reason showing the
  values that made the rule hold (``R01: AnnualSpend 128000 >= 100000``). The Reason records why
  the tag was given; it is not rewritten while the tag still holds, so a re-run changes nothing.
* An auto tag whose rule no longer holds is removed; so is an auto tag no enabled rule gives
  (the rule was switched off or deleted) and a second auto copy of the same tag.
* Manual tags (any Source other than ``auto``) are never changed or removed; a customer who already
  carries a tag by hand does not get an auto copy of it.
* A rule whose condition cannot be read becomes an Issue pointing at its Rules row and is skipped
  whole: its existing auto tags stay as they are.
* Rules run in Priority order (lower first, blank last); ``has_tag`` sees the tags of rules that
  ran before it in this run and every other tag as it stood before the run.

``levels=True`` also recomputes CustomerLevel from AnnualSpend with the Settings thresholds
(LevelVIP, LevelImportant, LevelNormal; below LevelNormal is 潜在); a blank spend is left alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..changes import CellUpdate, Changeset, Issue, Result, RowAppend, RowRemove
from .ids import next_ids
from .condition import (Columns, ConditionError, Context, as_numbers, as_text, evaluate, explain,
                        parse)

AUTO = "auto"
YES = {"是", "yes", "y", "true", "1", "启用", "on", "√"}


@dataclass
class Rule:
    row: int                 # Excel row on the Rules sheet
    rule_id: str
    condition: str
    tag_type: str
    tag_name: str
    priority: float
    node: object = None

    @property
    def target(self) -> tuple[str, str]:
        return (self.tag_type, self.tag_name)


def read_rules(db) -> tuple[list[Rule], list[Rule], list[Issue]]:
    """The Rules sheet as (enabled rules that parse, rules skipped as unreadable, issues).

    Enabled rules come back in Priority order; each carries its parsed condition.
    """
    rules_df = db.df("Rules")
    columns = Columns.for_customers(db.schema, db.tables["Customers"].extra_columns)
    good, broken, issues = [], [], []
    text = {c: as_text(rules_df[c]) for c in ("RuleID", "Enabled", "Condition", "TagType", "TagName")}
    priority = as_numbers(rules_df["Priority"]).fillna(np.inf)
    for row in rules_df.index:
        if text["Enabled"][row].lower() not in YES:
            continue
        rule = Rule(int(row), text["RuleID"][row] or f"#{row}", text["Condition"][row],
                    text["TagType"][row], text["TagName"][row], float(priority[row]))
        if not rule.tag_type or not rule.tag_name:
            broken.append(rule)
            issues.append(_rule_issue(rule, "TagName", rule.tag_name, "规则缺少标签类型或标签名称",
                                      "the rule has no TagType or TagName"))
            continue
        try:
            rule.node = parse(rule.condition, columns)
        except ConditionError as err:
            broken.append(rule)
            issues.append(_rule_issue(rule, "Condition", rule.condition,
                                      f"规则 {rule.rule_id} 已跳过:{err.zh}",
                                      f"rule {rule.rule_id} skipped: {err.en}"))
            continue
        good.append(rule)
    good.sort(key=lambda r: (r.priority, r.row))
    return good, broken, issues


def _rule_issue(rule: Rule, column: str, value, zh: str, en: str) -> Issue:
    return Issue("Rules", rule.row, column, value, "rule", "error", zh, en)


def tag(db, today: dt.date | None = None, levels: bool = False) -> Result:
    """Apply the Rules sheet to every customer; see the module docstring."""
    today = today or dt.date.today()
    ctx = Context.from_db(db, today)
    rules, broken, issues = read_rules(db)
    changes = Changeset("tag")

    tags = db.df("Tags")
    t = pd.DataFrame({"TagID": as_text(tags["TagID"]), "CustomerID": as_text(tags["CustomerID"]),
                      "TagType": as_text(tags["TagType"]), "TagName": as_text(tags["TagName"]),
                      "auto": as_text(tags["Source"]).str.lower() == AUTO}, index=tags.index)
    targets = {r.target for r in rules}
    protected = {r.target for r in broken} - targets
    # What has_tag sees before any rule runs: manual tags, and auto tags that will survive or be
    # recomputed (not those of switched-off rules, which this run removes).
    keyed = list(zip(t["TagType"], t["TagName"]))
    live = pd.Series([k in targets or k in protected for k in keyed], index=t.index, dtype=bool)
    ctx.tag_holders = _holders(t[~t["auto"] | live])
    manual_holders = _holders(t[~t["auto"]])

    ids = ctx.ids
    has_id = (ids != "").to_numpy()
    matched: dict[tuple[str, str], np.ndarray] = {}
    first_rule: dict[tuple[str, str], list[tuple[Rule, np.ndarray]]] = {}
    rule_counts = []
    for rule in rules:
        holds = evaluate(rule.node, ctx).to_numpy() & has_id
        before = matched.get(rule.target, np.zeros(len(ids), bool))
        first_rule.setdefault(rule.target, []).append((rule, holds & ~before))
        matched[rule.target] = before | holds
        ctx.tag_holders[rule.target] = (manual_holders.get(rule.target, set())
                                        | set(ids[matched[rule.target]]))
        rule_counts.append({"RuleID": rule.rule_id, "TagType": rule.tag_type,
                            "TagName": rule.tag_name, "matched": int(ids[holds].nunique())})

    removed = _removals(t, matched, ids, protected)
    for row in removed.index:
        changes.removals.append(RowRemove("Tags", int(row), key=removed.at[row, "TagID"],
                                          note=f"{removed.at[row, 'why']}"))
    added = _additions(t, removed, matched, first_rule, ctx, today)
    for values in added:
        changes.appends.append(RowAppend("Tags", values, note="自动标签 / auto tag"))

    level_changes = level_updates(db) if levels else []
    changes.updates += level_changes

    data = {"added": [{k: v for k, v in a.items() if k != "Source"} for a in added],
            "removed": [{"TagID": removed.at[r, "TagID"], "CustomerID": removed.at[r, "CustomerID"],
                         "TagType": removed.at[r, "TagType"], "TagName": removed.at[r, "TagName"],
                         "row": int(r)} for r in removed.index],
            "rules": rule_counts,
            "skipped_rules": [{"RuleID": r.rule_id, "row": r.row} for r in broken],
            "levels": [{"CustomerID": str(ids.get(u.row, "")), "old": u.old, "new": u.new,
                        "row": u.row} for u in level_changes]}
    zh = (f"新增自动标签 {len(added)} 个,移除 {len(removed)} 个"
          + (f",更新客户等级 {len(level_changes)} 个" if levels else "")
          + (f";{len(broken)} 条规则无法解析,已跳过" if broken else ""))
    en = (f"{len(added)} auto tags added, {len(removed)} removed"
          + (f", {len(level_changes)} customer levels updated" if levels else "")
          + (f"; {len(broken)} unreadable rules skipped" if broken else ""))
    return Result(changes, issues=issues, data=data, summary_zh=zh, summary_en=en)


def _holders(t: pd.DataFrame) -> dict[tuple[str, str], set[str]]:
    t = t[t["CustomerID"] != ""]
    return {key: set(g["CustomerID"]) for key, g in t.groupby(["TagType", "TagName"], sort=False)}


def _removals(t: pd.DataFrame, matched: dict, ids: pd.Series, protected: set) -> pd.DataFrame:
    """Auto tag rows to remove, with a ``why`` note each."""
    auto = t[t["auto"]].copy()
    holders = {target: set(ids[mask]) for target, mask in matched.items()}
    keep, why = [], []
    for cust, ttype, tname in zip(auto["CustomerID"], auto["TagType"], auto["TagName"]):
        target = (ttype, tname)
        if target in protected:
            keep.append(True)
            why.append("")
        elif target not in holders:
            keep.append(False)
            why.append("没有启用的规则给出此标签 / no enabled rule gives this tag")
        else:
            ok = cust in holders[target]
            keep.append(ok)
            why.append("" if ok else "规则不再成立 / the rule no longer holds")
    auto["why"] = why
    auto["keep"] = keep
    duplicate = auto.duplicated(["CustomerID", "TagType", "TagName"]) & auto["keep"]
    auto.loc[duplicate, "why"] = "重复的自动标签 / duplicate auto tag"
    auto.loc[duplicate, "keep"] = False
    return auto[~auto["keep"]]


def _additions(t, removed, matched, first_rule, ctx: Context, today: dt.date) -> list[dict]:
    """New auto tag rows: customers a rule holds for who do not carry the tag yet."""
    remaining = t.drop(index=removed.index)
    have = _holders(remaining)
    customers = ctx.customers
    ids = ctx.ids
    rows = []
    for target, mask in matched.items():
        already = have.get(target, set())
        new = mask & ~ids.isin(already).to_numpy()
        # one tag per customer ID, even when the ID is listed twice
        new[np.flatnonzero(new)[ids[new].duplicated().to_numpy()]] = False
        if not new.any():
            continue
        reasons = pd.Series(index=customers.index[new], dtype=object)
        for rule, first in first_rule[target]:
            part = new & first
            if part.any():
                frame = customers.loc[part]
                reasons.loc[frame.index] = rule.rule_id + ": " + explain(rule.node, ctx, frame)
        for cust, reason in zip(ids[new], reasons):
            rows.append({"CustomerID": cust, "TagType": target[0], "TagName": target[1],
                         "Source": AUTO, "Reason": reason, "CreateTime": today})
    for values, tag_id in zip(rows, next_ids(t["TagID"], "T", today, len(rows))):
        values["TagID"] = tag_id
    return [{"TagID": r["TagID"], **{k: v for k, v in r.items() if k != "TagID"}} for r in rows]


LEVEL_SETTINGS = ("LevelVIP", "LevelImportant", "LevelNormal")


def level_updates(db) -> list[CellUpdate]:
    """CellUpdates setting CustomerLevel from AnnualSpend and the Settings thresholds."""
    customers = db.df("Customers")
    names = db.schema.list_values("CustomerLevel")          # VIP, 重要, 普通, 潜在
    vip, important, normal = (db.setting(s, float) for s in LEVEL_SETTINGS)
    spend = as_numbers(customers["AnnualSpend"])
    level = pd.Series(np.select([spend >= vip, spend >= important, spend >= normal],
                                names[:3], names[3]), index=customers.index, dtype=object)
    current = as_text(customers["CustomerLevel"])
    change = spend.notna() & (level != current)
    return [CellUpdate("Customers", int(row), "CustomerLevel",
                       customers.at[row, "CustomerLevel"], level[row],
                       note=f"年度消费 {spend[row]:g} / annual spend {spend[row]:g}")
            for row in customers.index[change]]
