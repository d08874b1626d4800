"""The quarterly tag review (seed: 每季度 review 分类标签,剔除无效标签) and tag renaming.

:func:`tag_usage` reports how often each tag is used (auto / manual), the TagType list values no
tag uses, and stale tags: every one of their rows is older than ``stale_days`` (90) and no enabled
rule gives them, so nobody has used them for a quarter.

:func:`rename_tag` renames a tag everywhere: the TagName of Tags rows and Rules rows, and the
``has_tag(Type, Name)`` / ``tag:Type=Name`` references inside rule conditions.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..changes import CellUpdate, Changeset, Result
from .condition import ConditionError, as_dates, as_text, tokenize
from .tag import AUTO, read_rules

STALE_DAYS = 90


def tag_usage(db, today: dt.date | None = None, stale_days: int = STALE_DAYS) -> Result:
    today_ts = pd.Timestamp(today or dt.date.today()).normalize()
    tags = db.df("Tags")
    t = pd.DataFrame({"TagType": as_text(tags["TagType"]), "TagName": as_text(tags["TagName"]),
                      "auto": as_text(tags["Source"]).str.lower() == AUTO,
                      "created": as_dates(tags["CreateTime"])})
    t = t[t["TagName"] != ""]
    rules, _, _ = read_rules(db)
    ruled = {r.target for r in rules}
    usage = []
    for (ttype, tname), g in t.groupby(["TagType", "TagName"], sort=True):
        newest = g["created"].max()
        usage.append({"TagType": ttype, "TagName": tname, "count": len(g),
                      "auto": int(g["auto"].sum()), "manual": int((~g["auto"]).sum()),
                      "newest": None if pd.isna(newest) else newest.date().isoformat(),
                      "rule": (ttype, tname) in ruled})
    usage.sort(key=lambda u: (-u["count"], u["TagType"], u["TagName"]))
    cutoff = today_ts - pd.Timedelta(days=stale_days)
    stale = [u for u in usage if not u["rule"] and u["newest"] is not None
             and pd.Timestamp(u["newest"]) < cutoff]
    used_types = set(t["TagType"])
    unused_types = [v for v in db.lists.get("TagType", []) if v not in used_types]
    data = {"usage": usage, "unused_types": unused_types, "stale": stale, "stale_days": stale_days}
    zh = (f"共 {len(usage)} 种标签;未使用的标签类型:{'、'.join(unused_types) or '无'};"
          f"超过 {stale_days} 天无人使用且无规则产生的标签 {len(stale)} 种")
    en = (f"{len(usage)} distinct tags; unused tag types: {', '.join(unused_types) or 'none'}; "
          f"{len(stale)} tags unused for {stale_days} days and given by no rule")
    if stale:
        zh += ":" + "、".join(f"{s['TagType']}/{s['TagName']}" for s in stale)
        en += ": " + ", ".join(f"{s['TagType']}/{s['TagName']}" for s in stale)
    return Result(Changeset("tags"), data=data, summary_zh=zh, summary_en=en, problems=False)


def rename_tag(db, old: str, new: str, tag_type: str | None = None) -> Result:
    """Rename TagName ``old`` to ``new`` (only of ``tag_type`` when given) in Tags and Rules.

    ``old`` may also be written ``Type/Name`` or ``Type:Name`` to pick one type.
    """
    if tag_type is None:
        for sep in ("/", ":"):
            if sep in old:
                tag_type, old = (part.strip() for part in old.split(sep, 1))
                break
    old, new = old.strip(), new.strip()
    changes = Changeset("tags")
    note = f"标签改名 {old} -> {new} / tag renamed"
    for table in ("Tags", "Rules"):
        df = db.df(table)
        names = as_text(df["TagName"])
        hit = names == old
        if tag_type:
            hit &= as_text(df["TagType"]) == tag_type
        for row in df.index[hit.to_numpy()]:
            changes.updates.append(CellUpdate(table, int(row), "TagName", df.at[row, "TagName"],
                                              new, note=note))
    rules = db.df("Rules")
    for row, condition in as_text(rules["Condition"]).items():
        rewritten = rename_in_condition(condition, old, new, tag_type)
        if rewritten != condition:
            changes.updates.append(CellUpdate("Rules", int(row), "Condition",
                                              rules.at[row, "Condition"], rewritten, note=note))
    zh = f"标签 {old} 已改名为 {new}:{len(changes.updates)} 个单元格"
    en = f"tag {old} renamed to {new}: {len(changes.updates)} cells"
    return Result(changes, data={"old": old, "new": new, "tag_type": tag_type,
                                 "updated": [{"table": u.table, "row": u.row, "column": u.column}
                                             for u in changes.updates]},
                  summary_zh=zh, summary_en=en, problems=False)


def rename_in_condition(condition: str, old: str, new: str, tag_type: str | None = None) -> str:
    """Rewrite the tag-name arguments of has_tag(...) and tag:Type=Name in one condition.

    >>> rename_in_condition("has_tag(价值, 高价值) and tag:价值=高价值", "高价值", "重点")
    'has_tag(价值, 重点) and tag:价值=重点'
    """
    try:
        tokens = tokenize(condition)
    except ConditionError:
        return condition
    spots = []
    for i, tok in enumerate(tokens):
        lower = tok.text.lower()
        if lower == "has_tag" and i + 5 < len(tokens) and tokens[i + 1].text == "(" \
                and tokens[i + 3].text == ",":
            type_tok, name_tok = tokens[i + 2], tokens[i + 4]
        elif lower == "tag" and tok.kind == "word" and i + 4 < len(tokens) \
                and tokens[i + 1].text == ":" and tokens[i + 3].text in ("=", "=="):
            type_tok, name_tok = tokens[i + 2], tokens[i + 4]
        else:
            continue
        if name_tok.text.strip() == old and (not tag_type or type_tok.text.strip() == tag_type):
            spots.append(name_tok)
    for tok in reversed(spots):
        if tok.kind == "string":     # keep the quotes the person typed
            start, end = tok.pos + 1, tok.pos + 1 + len(tok.text)
        else:
            start, end = tok.pos, tok.pos + len(tok.text)
        condition = condition[:start] + new + condition[end:]
    return condition
