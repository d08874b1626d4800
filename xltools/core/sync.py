"""Carry the follow-up log over to the Customers table, and list who needs a call.

* LastFollowUpTime becomes the date of the customer's latest follow-up (FollowUps rows dated after
  ``today`` are plans, not contacts, and are ignored).
* NextFollowUpTime becomes the NextFollowUpTime planned in that latest follow-up, when it planned
  one; otherwise the customer's own value stays.
* Customers without any follow-up keep what they have. Only cells whose value really changes
  become CellUpdates, so a second run changes nothing.

Reports (no changes): follow-ups overdue (NextFollowUpTime before today) and due this week (today
to Sunday) per owner, and dormant customers: no follow-up for Settings DormantDays days (or never).

Dormancy is reported, not written into CooperationPhase: that column is the salesperson's judgement
(a 成交客户 that went quiet is still a won customer), and the default rule R02 already marks the
same customers with the 阶段/休眠客户 tag, which ``xltools tag`` keeps current. The template greys out
rows whose LastFollowUpTime is older than DormantDays.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..changes import CellUpdate, Changeset, Result
from . import followlog
from .values import as_dates, as_text


def day_texts(stamps: pd.Series) -> np.ndarray:
    """Each date as ``2024-03-15`` text, None for NaT, for a JSON payload (numpy's formatter:
    pandas' strftime took 0.1 s per 100,000)."""
    text = np.datetime_as_string(stamps.to_numpy(dtype="datetime64[ns]"), unit="D").astype(object)
    text[stamps.isna().to_numpy()] = None
    return text


def latest_followups(db, today: pd.Timestamp) -> pd.DataFrame:
    """One row per CustomerID: ``last`` (date of the latest follow-up up to today) and ``next``
    (the NextFollowUpTime that follow-up planned, NaT if none)."""
    f = db.df("FollowUps")
    time = followlog.times(f).to_numpy()      # with its time of day (two contacts on one day)
    # among several on the same moment, the one entered last (lower in the sheet)
    where = followlog.latest(f, time, time < (today + pd.Timedelta(days=1)).to_datetime64())
    rows = where.to_numpy()
    return pd.DataFrame({"last": pd.Series(time[rows], index=where.index).dt.normalize(),
                         "next": as_dates(f["NextFollowUpTime"].iloc[rows]).set_axis(where.index)})


def sync(db, today: dt.date | None = None) -> Result:
    """Update LastFollowUpTime / NextFollowUpTime and report overdue, due and dormant customers."""
    today_ts = pd.Timestamp(today or dt.date.today()).normalize()
    customers = db.df("Customers")
    ids = as_text(customers["CustomerID"])
    latest = latest_followups(db, today_ts)
    changes = Changeset("sync")

    new_last = ids.map(latest["last"])
    new_next = ids.map(latest["next"])
    old_last = as_dates(customers["LastFollowUpTime"])
    old_next = as_dates(customers["NextFollowUpTime"])
    rows = customers.index.to_numpy()
    for column, old, new in (("LastFollowUpTime", old_last, new_last),
                             ("NextFollowUpTime", old_next, new_next)):
        differs = (new.notna() & ~(old == new)).to_numpy()
        typed = customers[column].to_numpy()
        for row, was, value in zip(rows[differs], typed[differs], new[differs]):
            changes.updates.append(CellUpdate("Customers", int(row), column, was, value.date(),
                                              note="来自跟进记录 / from the follow-up log"))

    last = new_last.fillna(old_last)
    nxt = new_next.fillna(old_next)
    owners = as_text(customers["Owner"]).replace("", "(无 / none)")
    names = as_text(customers["CustomerName"])
    week_end = today_ts + pd.Timedelta(days=6 - today_ts.weekday())
    dormant_days = db.setting("DormantDays")
    overdue = nxt < today_ts
    due = (nxt >= today_ts) & (nxt <= week_end)
    dormant = last.isna() | ((today_ts - last).dt.days > dormant_days)

    next_text = day_texts(nxt)

    def listing(mask: pd.Series) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        pick = mask.to_numpy()
        for row, owner, cid, name, when in zip(rows[pick].tolist(), owners.to_numpy()[pick],
                                               ids.to_numpy()[pick], names.to_numpy()[pick],
                                               next_text[pick]):
            out.setdefault(owner, []).append({"CustomerID": cid, "CustomerName": name,
                                              "NextFollowUpTime": when, "row": row})
        return dict(sorted(out.items()))

    dormant_rows = customers.index[dormant.to_numpy()]
    data = {"updated": len(changes.updates),
            "last_followup_updates": sum(u.column == "LastFollowUpTime" for u in changes.updates),
            "next_followup_updates": sum(u.column == "NextFollowUpTime" for u in changes.updates),
            "overdue": listing(overdue), "due_this_week": listing(due),
            "week_end": week_end.date().isoformat(),
            "dormant_days": dormant_days,
            "dormant": [{"CustomerID": cid, "LastFollowUpTime": when, "row": r}
                        for r, cid, when in zip(dormant_rows.tolist(), ids[dormant].to_numpy(),
                                                day_texts(last[dormant]))]}
    n_over, n_due = int(overdue.sum()), int(due.sum())
    zh = (f"更新 {len(changes.updates)} 个单元格;逾期未跟进 {n_over} 位,本周待跟进 {n_due} 位,"
          f"休眠(超过 {dormant_days} 天无跟进)客户 {len(dormant_rows)} 位")
    en = (f"{len(changes.updates)} cells updated; {n_over} follow-ups overdue, {n_due} due this "
          f"week, {len(dormant_rows)} dormant customers (no follow-up for {dormant_days} days)")
    return Result(changes, data=data, summary_zh=zh, summary_en=en, problems=False)
