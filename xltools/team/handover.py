"""``handover``: when someone leaves or a territory moves, their work goes to a colleague.

For the customers ``--from`` owns (those ``--where`` selects, if given):

* the customer's Owner becomes ``--to``;
* their open opportunities (stage neither 成交 nor 输单) owned by ``--from`` move too;
* their planned follow-ups (FollowUpTime still ahead) by ``--from`` move too. Follow-ups that
  happened keep who made them: that is history.

Every change is a cell update, so the backend logs it in the ChangeLog, and ``--dry-run`` shows it
without writing.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..changes import CellUpdate, Changeset, Result
from ..core import query as q
from ..core.values import as_dates, as_text
from ..errors import BadInputError
from . import roles

CLOSED_STAGES = {"成交", "输单", "won", "lost"}


def handover(db, from_: str, to: str, where: str | None = None,
             now: dt.datetime | None = None) -> Result:
    now = now or dt.datetime.now()
    giver, taker = str(from_ or "").strip(), str(to or "").strip()
    known = {m.name for m in roles.members(db)} | {db.setting("PoolOwner", str).strip()}
    if not giver or not taker or giver == taker:
        raise BadInputError("请给出两个不同的人:--from 交出方 --to 接手方",
                            "give two different people: --from who hands over, --to who takes over")
    if taker not in known:
        raise BadInputError(f"「{taker}」不是团队成员(见“团队”表与“字典”表的销售人员)",
                            f"{taker!r} is not on the team (see the Team sheet and the Lists "
                            "sheet's Staff)")
    customers = db.df("Customers")
    owners = as_text(customers["Owner"]).str.strip()
    chosen = owners == giver
    if where:
        chosen &= customers.index.isin(q.query(db, where).index)
    ids = set(as_text(customers.loc[chosen, "CustomerID"]).str.strip())
    note = f"handover {giver} → {taker}"
    changes = Changeset("handover")
    for row in customers.index[chosen.to_numpy()]:
        changes.updates.append(CellUpdate("Customers", int(row), "Owner",
                                          customers.at[row, "Owner"], taker, note=note))

    opps = db.df("Opportunities")
    open_opps = (as_text(opps["CustomerID"]).str.strip().isin(ids)
                 & (as_text(opps["Owner"]).str.strip() == giver)
                 & ~as_text(opps["Stage"]).str.strip().str.lower().isin(CLOSED_STAGES))
    for row in opps.index[open_opps.to_numpy()]:
        changes.updates.append(CellUpdate("Opportunities", int(row), "Owner",
                                          opps.at[row, "Owner"], taker, note=note))

    fups = db.df("FollowUps")
    planned = (as_text(fups["CustomerID"]).str.strip().isin(ids)
               & (as_text(fups["Staff"]).str.strip() == giver)
               & (as_dates(fups["FollowUpTime"]) > pd.Timestamp(now)))
    for row in fups.index[planned.to_numpy()]:
        changes.updates.append(CellUpdate("FollowUps", int(row), "Staff",
                                          fups.at[row, "Staff"], taker, note=note))

    counts = {"customers": int(chosen.sum()), "opportunities": int(open_opps.sum()),
              "followups": int(planned.sum())}
    zh = (f"{giver} → {taker}:客户 {counts['customers']} 位,未结束的商机 {counts['opportunities']} 个,"
          f"计划中的跟进 {counts['followups']} 条")
    en = (f"{giver} → {taker}: {counts['customers']} customers, {counts['opportunities']} open "
          f"opportunities, {counts['followups']} planned follow-ups")
    return Result(changes, data={"from": giver, "to": taker, "where": where, **counts,
                                 "customer_ids": sorted(ids)},
                  summary_zh=zh, summary_en=en, problems=False)
