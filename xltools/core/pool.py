"""The public pool (公海): customers nobody has followed up for a while go back to it.

A customer is due when its last activity is ``days`` or more days old (Settings PoolDays by
default). Last activity is the latest of LastFollowUpTime, the newest FollowUps row up to today and
CreateTime, so a customer entered yesterday is not due just because nobody has called yet.
Customers already in the pool (Owner = Settings PoolOwner) or without an owner are left out.

``pool(db)`` previews: who is due now and, per owner, who will be due within the next 7 days.
``pool(db, apply=True)`` also sets Owner to the pool owner for the customers due now (CellUpdates,
logged by the backend). With Settings PoolCapPerOwner > 0 the preview lists owners holding more
customers than the cap (nothing is moved for the cap: who gives up whom is a manager's call).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..changes import CellUpdate, Changeset, Result
from .values import as_dates, as_text
from .sync import day_texts, latest_followups

LOOKAHEAD_DAYS = 7


def last_activity(db, today: pd.Timestamp) -> pd.Series:
    """Per customer row: the newest of LastFollowUpTime, its latest follow-up and CreateTime."""
    customers = db.df("Customers")
    ids = as_text(customers["CustomerID"])
    logged = ids.map(latest_followups(db, today)["last"])
    frame = pd.DataFrame({"a": as_dates(customers["LastFollowUpTime"]), "b": logged,
                          "c": as_dates(customers["CreateTime"])})
    return frame.max(axis=1)


def pool(db, days: int | None = None, apply: bool = False, today: dt.date | None = None) -> Result:
    """Preview (and with ``apply`` perform) the return of idle customers to the public pool."""
    today_ts = pd.Timestamp(today or dt.date.today()).normalize()
    days = db.setting("PoolDays") if days is None else int(days)
    pool_owner = db.setting("PoolOwner", str).strip()
    cap = db.setting("PoolCapPerOwner")
    customers = db.df("Customers")
    ids = as_text(customers["CustomerID"])
    names = as_text(customers["CustomerName"])
    owners = as_text(customers["Owner"])
    held = (owners != "") & (owners != pool_owner)
    activity = last_activity(db, today_ts)
    due_date = activity + pd.Timedelta(days=days)
    # No date at all: nothing says the customer is being worked on, so it is due now.
    due_now = held & (due_date.isna() | (due_date <= today_ts))
    soon = held & (due_date > today_ts) & (due_date <= today_ts + pd.Timedelta(days=LOOKAHEAD_DAYS))

    def day(stamps: pd.Series) -> list:
        return day_texts(stamps).tolist()

    def by_owner(mask: pd.Series) -> dict[str, list[dict]]:
        """The customers of ``mask`` per owner, soonest first (columns zipped: a big book's
        pool holds tens of thousands, and a label lookup per field per row added up)."""
        out: dict[str, list[dict]] = {}
        order = due_date[mask].sort_values(na_position="first").index
        for cid, name, owner, last, back, row in zip(
                ids[order].tolist(), names[order].tolist(), owners[order].tolist(),
                day(activity[order]), day(due_date[order]), order.tolist()):
            out.setdefault(owner, []).append({"CustomerID": cid, "CustomerName": name,
                                              "Owner": owner, "LastActivity": last,
                                              "ReturnDate": back, "row": int(row)})
        return dict(sorted(out.items()))

    changes = Changeset("pool")
    if apply:
        note = f"超过 {days} 天无跟进,退回公海 / no follow-up for {days} days, back to the pool"
        pick = due_now.to_numpy()
        changes.updates = [CellUpdate("Customers", row, "Owner", was, pool_owner, note=note)
                           for row, was in zip(customers.index[pick].tolist(),
                                               customers["Owner"].to_numpy()[pick])]

    over_cap = []
    if cap > 0:
        counts = owners[held].value_counts()
        over_cap = [{"Owner": o, "customers": int(n), "cap": cap, "excess": int(n - cap)}
                    for o, n in counts.items() if n > cap]
    data = {"days": days, "pool_owner": pool_owner, "applied": apply,
            "due": by_owner(due_now), "due_within_7_days": by_owner(soon),
            "over_cap": over_cap, "moved": len(changes.updates)}
    n_due, n_soon = int(due_now.sum()), int(soon.sum())
    verb_zh, verb_en = ("已退回公海", "returned to the pool") if apply else ("应退回公海", "due back to the pool")
    zh = f"{n_due} 位客户{verb_zh}(超过 {days} 天无跟进);未来 7 天内还将有 {n_soon} 位"
    en = f"{n_due} customers {verb_en} (no follow-up for {days} days); {n_soon} more within 7 days"
    if over_cap:
        zh += ";超出持有上限:" + "、".join(f"{c['Owner']}(+{c['excess']})" for c in over_cap)
        en += "; over the cap: " + ", ".join(f"{c['Owner']} (+{c['excess']})" for c in over_cap)
    return Result(changes, data=data, summary_zh=zh, summary_en=en, problems=False)
