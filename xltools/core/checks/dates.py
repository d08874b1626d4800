"""Dates that cannot be right: past events dated after today, a next follow-up before the last one."""

from __future__ import annotations

import pandas as pd

from . import CheckSpec, Context, Rule, fixed

ORDER = 20
CHECKS = (
    CheckSpec("future_date", "error", "未来日期", "future date",
              "a past event (CreateTime, FollowUpTime ...) dated after today"),
    CheckSpec("date_order", "error", "日期顺序", "date order", "NextFollowUpTime before LastFollowUpTime"),
)

# Columns that record something that already happened, so they cannot lie in the future.
PAST_EVENTS = {
    "Customers": ("CreateTime", "FirstContactTime", "LastFollowUpTime", "DealDate",
                  "LastRepurchaseDate"),
    "FollowUps": ("FollowUpTime",),
    "Tags": ("CreateTime",),
    "Opportunities": ("CreateTime",),
}
# (later, earlier): the first may not fall before the second on the same row.
ORDERED = {"Customers": (("NextFollowUpTime", "LastFollowUpTime"),)}


def rules(ctx: Context, table_key: str) -> list[Rule]:
    df = ctx.db.df(table_key)
    # End of today: a follow-up logged this afternoon is not "in the future".
    cutoff = pd.Timestamp(ctx.today) + pd.Timedelta(days=1)
    out = []
    for column in PAST_EVENTS.get(table_key, ()):
        if column not in df.columns:
            continue
        zh, en = ctx.label(table_key, column)
        late = ctx.dates(table_key, column) >= cutoff
        out.append(Rule("future_date", table_key, column, lambda s, late=late: ~late.reindex(s.index),
                        fixed(f"「{zh}」晚于今天({ctx.today:%Y-%m-%d})",
                              f"{en} is after today ({ctx.today:%Y-%m-%d})")))
    for later, earlier in ORDERED.get(table_key, ()):
        if later not in df.columns or earlier not in df.columns:
            continue
        (lzh, len_), (ezh, een) = ctx.label(table_key, later), ctx.label(table_key, earlier)
        wrong = ctx.dates(table_key, later) < ctx.dates(table_key, earlier)
        out.append(Rule("date_order", table_key, later, lambda s, w=wrong: ~w.reindex(s.index),
                        fixed(f"「{lzh}」早于「{ezh}」", f"{len_} is before {een}")))
    return out
