"""The month's key figures and the same figures for the month before (the dashboard's header).

A period is a calendar month, seen as of its last day (or as of today for the running month).
Every figure is computed the same way for both months, from the dates the book records, so a
past month can be rebuilt later (``xltools summary --month 2026-10``):

* customers: created on or before the day (a blank creation date counts as always there; in the
  running month every customer on the sheet counts, a mistyped future date too);
* new: created within the month;
* follow-ups: logged within the month;
* deals and amount: won customers (成交-已签单 or 成交客户) whose deal date is within the month, and
  the sum of their deal amounts;
* conversion: won customers (deal date on or before the day; a won customer without a deal date
  counts from its creation) over customers;
* overdue: customers whose next follow-up date, as known on the day, was before it: the one set
  by their latest follow-up logged on or before the day, or the customer row's own when they have
  no follow-up logged by then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import followlog
from .values import as_dates, as_numbers, as_text

WON_STATUS = "成交-已签单"
WON_PHASE = "成交客户"
KEYS = ("customers", "new", "followups", "deals", "amount", "conversion", "overdue")


@dataclass(frozen=True)
class Period:
    month: pd.Period
    as_of: pd.Timestamp            # the day figures are taken on (month end, or today)
    current: bool = False          # the running month: every customer on the sheet counts

    @property
    def start(self) -> pd.Timestamp:
        return self.month.start_time.normalize()

    def previous(self) -> "Period":
        month = self.month - 1
        return Period(month, month.end_time.normalize())


def period(today: dt.date | None = None, month: str | None = None) -> Period:
    """The month to report: ``month`` ('2026-10') as of its last day, else today's month as of
    today. A month after today's is refused (ValueError)."""
    today_ts = pd.Timestamp(today or dt.date.today()).normalize()
    if not month:
        return Period(today_ts.to_period("M"), today_ts, current=True)
    try:
        wanted = pd.Period(str(month).strip(), freq="M")
    except (ValueError, TypeError):
        raise ValueError(f"month must look like 2026-10: {month!r}") from None
    if wanted > today_ts.to_period("M"):
        raise ValueError(f"month {wanted} has not begun yet (today is {today_ts.date()})")
    if wanted == today_ts.to_period("M"):
        return Period(wanted, today_ts, current=True)
    return Period(wanted, wanted.end_time.normalize())


def columns(db) -> dict:
    """The columns every period reads, converted once."""
    cust, fups = db.df("Customers"), db.df("FollowUps")
    created = as_dates(cust["CreateTime"])
    won = (as_text(cust["DealStatus"]) == WON_STATUS) | (as_text(cust["CooperationPhase"]) == WON_PHASE)
    # The log as integer codes of the customers, in date order (on one day, in sheet order).
    codes, uniques = followlog.customer_codes(fups)
    at = followlog.days(fups).to_numpy()
    keep = np.flatnonzero(~np.isnat(at) & ~(uniques == "")[codes])
    keep = keep[np.argsort(at[keep], kind="stable")]
    ids = as_text(cust["CustomerID"])
    return {"created": created, "won": won, "deal_day": as_dates(cust["DealDate"]).fillna(created),
            "amount": as_numbers(cust["DealAmount"]).fillna(0), "ids": ids,
            "own_next": as_dates(cust["NextFollowUpTime"]), "log_at": at[keep],
            "log_code": codes[keep], "log_next": as_dates(fups["NextFollowUpTime"]).to_numpy()[keep],
            "code": pd.Index(uniques).get_indexer(ids), "codes": len(uniques)}


def figures(db, p: Period, cols: dict | None = None) -> dict[str, float]:
    """The key figures of period ``p`` (keys: :data:`KEYS`)."""
    c = cols or columns(db)
    created, won, deal_day = c["created"], c["won"], c["deal_day"]
    exists = created.isna() | (created <= p.as_of) | p.current
    won_by = won & exists & (deal_day.isna() | (deal_day <= p.as_of))
    won_in = won & deal_day.between(p.start, p.as_of)
    n = int(exists.sum())
    return {
        "customers": n,
        "new": int(created.between(p.start, p.as_of).sum()),
        "followups": int(np.count_nonzero((c["log_at"] >= p.start.to_datetime64())
                                          & (c["log_at"] <= p.as_of.to_datetime64()))),
        "deals": int(won_in.sum()),
        "amount": round(float(c["amount"][won_in].sum()), 2),
        "conversion": round(int(won_by.sum()) / n, 4) if n else 0.0,
        "overdue": overdue_on(c, p.as_of, exists),
    }


def overdue_on(c: dict, day: pd.Timestamp, exists) -> int:
    """How many customers had a next follow-up date before ``day``, as known on ``day``."""
    upto = np.searchsorted(c["log_at"], day.to_datetime64(), side="right")   # logged by then
    codes, nexts = c["log_code"][:upto], c["log_next"][:upto]
    # one slot per logged customer, and a last one for the code -1 (a customer never logged)
    logged = np.zeros(c["codes"] + 1, bool)
    logged[codes] = True
    planned = ~np.isnat(nexts)          # the latest follow-up that planned a next date
    latest = pd.Series(nexts[planned]).groupby(codes[planned]).last()
    next_of = np.full(c["codes"] + 1, np.datetime64("NaT"), dtype="datetime64[ns]")
    next_of[latest.index.to_numpy()] = latest.to_numpy()
    code = c["code"]
    known = np.where(logged[code], next_of[code], c["own_next"].to_numpy())
    return int(np.count_nonzero((known < day.to_datetime64()) & np.asarray(exists, dtype=bool)))


def header(db, p: Period, cols: dict | None = None) -> dict:
    """{"now": figures, "before": figures of the month before, "change": now - before}.
    ``cols``: :func:`columns` when the caller has them."""
    cols = cols or columns(db)
    now, before = figures(db, p, cols), figures(db, p.previous(), cols)
    change = {k: round(now[k] - before[k], 4) for k in KEYS}
    return {"month": str(p.month), "as_of": p.as_of.date().isoformat(),
            "previous_month": str(p.previous().month), "now": now, "before": before,
            "change": change}
