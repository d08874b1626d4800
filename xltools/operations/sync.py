"""``xltools sync``: follow-up log -> LastFollowUpTime / NextFollowUpTime; due and dormant lists."""

from __future__ import annotations

from ..core.sync import sync as run_sync
from ..registry import operation


@operation(
    "sync",
    label_zh="同步跟进", label_en="Sync follow-ups",
    help_zh="用跟进记录更新客户的最后跟进时间和下次跟进时间,并列出逾期、本周待跟进和休眠客户。",
    help_en="Set each customer's last and next follow-up from the follow-up log; list overdue, "
            "due-this-week and dormant customers per owner.",
    example="xltools sync customers.xlsx --json",
    group="customers", icon="DataRefreshAll",
)
def sync(db, ctx):
    return run_sync(db, today=ctx.today)
