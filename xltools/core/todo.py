"""Each owner's due list: the To-do (待办) sheet, and the follow-ups ``xltools remind`` puts in
their calendars.

A *due follow-up* is a customer with an owner (not the public pool) whose next follow-up date
(客户基础信息 · 下次跟进时间) is before today (overdue) or within the next ``days`` days. Its next
step and last contact come from the customer's latest logged follow-up. Opportunities still open
(not 成交/输单) whose expected close date is within ``close_days`` days, or already past, are listed
too: a deal about to slip is a to-do as much as a call.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..changes import SheetRebuild
from ..xlsx.refs import make_cell, make_ref
from .values import as_dates, as_numbers, as_text

POOL = "公海"
CLOSED_STAGES = {"成交", "输单"}
DAYS = 14
CLOSE_DAYS = 30
TITLE_COLOUR, HEAD_FILL, MUTED, LATE = "1F3864", "DDEBF7", "595959", "C00000"
WIDTHS = {1: 12, 2: 12, 3: 36, 4: 15, 5: 40, 6: 66}   # one line per item: long text is cut


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _short(text: str, n: int) -> str:
    """``text`` cut to ``n`` characters (a sheet row stays one line high; the book has it all)."""
    return text if len(text) <= n else text[:n - 1] + "…"


def due_followups(db, today: dt.date | None = None, days: int = DAYS) -> pd.DataFrame:
    """One row per due follow-up, ordered by owner then date: columns owner, row (Excel row of
    the customer), id, name, contact, phone, due (Timestamp), overdue (bool), next_step,
    last_time, last_content."""
    today_ts = pd.Timestamp(today or dt.date.today()).normalize()
    cust, fups = db.df("Customers"), db.df("FollowUps")
    due = as_dates(cust["NextFollowUpTime"])
    owner = as_text(cust["Owner"])
    keep = due.notna() & (due <= today_ts + pd.Timedelta(days=days)) & (owner != "") & (owner != POOL)
    ids = as_text(cust["CustomerID"])
    log = pd.DataFrame({"id": as_text(fups["CustomerID"]), "at": as_dates(fups["FollowUpTime"]),
                        "step": as_text(fups["NextStep"]), "content": as_text(fups["Content"])})
    latest = log[log["at"].notna()].sort_values("at", kind="stable").groupby("id").last()
    out = pd.DataFrame({
        "owner": owner, "row": cust.index, "id": ids, "name": as_text(cust["CustomerName"]),
        "contact": as_text(cust["ContactPerson"]), "phone": as_text(cust["ContactPhone"]),
        "due": due, "overdue": due < today_ts,
        "next_step": ids.map(latest["step"]).fillna(""),
        "last_time": ids.map(latest["at"]),
        "last_content": ids.map(latest["content"]).fillna("")})[keep]
    return out.sort_values(["owner", "due", "id"], kind="stable").reset_index(drop=True)


def closing_opportunities(db, today: dt.date | None = None, close_days: int = CLOSE_DAYS
                          ) -> pd.DataFrame:
    """Open opportunities whose expected close date is past or within ``close_days`` days."""
    today_ts = pd.Timestamp(today or dt.date.today()).normalize()
    opps = db.df("Opportunities")
    close = as_dates(opps["ExpectedCloseDate"])
    owner = as_text(opps["Owner"])
    stage = as_text(opps["Stage"])
    keep = close.notna() & (close <= today_ts + pd.Timedelta(days=close_days)) & \
        ~stage.isin(CLOSED_STAGES) & (owner != "") & (owner != POOL)
    names = dict(zip(as_text(db.df("Customers")["CustomerID"]),
                     as_text(db.df("Customers")["CustomerName"])))
    ids = as_text(opps["CustomerID"])
    out = pd.DataFrame({"owner": owner, "row": opps.index, "id": as_text(opps["OpportunityID"]),
                        "customer": ids.map(names).fillna(ids), "product": as_text(opps["Product"]),
                        "stage": stage, "amount": as_numbers(opps["ExpectedAmount"]),
                        "close": close, "late": close < today_ts})[keep]
    return out.sort_values(["owner", "close", "id"], kind="stable").reset_index(drop=True)


def todo_sheet(db, today: dt.date | None = None, days: int = DAYS,
               close_days: int = CLOSE_DAYS) -> tuple[SheetRebuild, dict]:
    """The To-do sheet: a section per owner (overdue first, then due, then closing deals)."""
    lang = db.lang
    today_ts = pd.Timestamp(today or dt.date.today()).normalize()
    fu = due_followups(db, today, days)
    op = closing_opportunities(db, today, close_days)
    rows: list[list] = [
        [_t(lang, "待办 · 每位负责人的跟进与商机", "To-do · each owner's follow-ups and deals")],
        [_t(lang, f"统计日期 {today_ts.date()}:逾期及 {days} 天内应跟进的客户,{close_days} 天内预计成交的机会",
            f"As of {today_ts.date()}: follow-ups overdue or due within {days} days, deals "
            f"expected to close within {close_days} days")]]
    styles = {(1, 1): {"bold": True, "size": 16, "colour": TITLE_COLOUR}, (2, 1): {"colour": MUTED}}
    links: dict[tuple[int, int], str] = {}
    header = [_t(lang, "类型", "Kind"), _t(lang, "日期", "Date"), _t(lang, "客户 / 机会", "Customer / deal"),
              _t(lang, "客户ID", "Customer ID"), _t(lang, "下一步计划", "Next step"),
              _t(lang, "说明", "Notes")]
    counts = {}
    for owner in sorted(set(fu["owner"]) | set(op["owner"])):
        mine, deals = fu[fu["owner"] == owner], op[op["owner"] == owner]
        late = int(mine["overdue"].sum())
        counts[owner] = {"overdue": late, "due": len(mine) - late, "closing": len(deals)}
        rows.append([])
        rows.append([_t(lang, f"{owner}:逾期 {late} · 待跟进 {len(mine) - late} · 将到期机会 {len(deals)}",
                        f"{owner}: {late} overdue · {len(mine) - late} due · {len(deals)} deals closing")])
        styles[(len(rows), 1)] = {"bold": True, "size": 12, "colour": TITLE_COLOUR}
        rows.append(list(header))
        for c in range(1, len(header) + 1):
            styles[(len(rows), c)] = {"bold": True, "fill": HEAD_FILL}
        for r in mine.itertuples():
            kind = _t(lang, "逾期跟进", "overdue") if r.overdue else _t(lang, "待跟进", "follow up")
            last = "" if pd.isna(r.last_time) else \
                _short(f"{_t(lang, '上次', 'last')} {r.last_time.date()}:{r.last_content}", 40)
            rows.append([kind, r.due.date(), r.name, r.id, _short(r.next_step, 24), last])
            links[(len(rows), 4)] = db.cell_ref("Customers", int(r.row), "CustomerID")
            if r.overdue:
                styles[(len(rows), 1)] = {"colour": LATE, "bold": True}
        for r in deals.itertuples():
            kind = _t(lang, "机会逾期", "deal late") if r.late else _t(lang, "机会将到期", "deal closing")
            amount = "" if pd.isna(r.amount) else f" · {r.amount:,.0f}"
            rows.append([kind, r.close.date(), f"{r.customer} · {r.product}", r.id,
                         "", f"{r.stage}{amount}"])
            links[(len(rows), 4)] = db.cell_ref("Opportunities", int(r.row), "OpportunityID")
            if r.late:
                styles[(len(rows), 1)] = {"colour": LATE, "bold": True}
    if not counts:
        rows += [[], [_t(lang, "没有逾期或即将到期的待办。", "Nothing overdue or due soon.")]]
    page = {"orientation": "landscape", "fit_width": True, "title_rows": (1, 2),
            "print_area": make_ref(1, 1, len(header), max(len(rows), 1)),
            "freeze": make_cell(1, 3)}
    rebuild = SheetRebuild("Todo", "待办", "To-do", rows, widths=dict(WIDTHS), links=links,
                           styles=styles, page=page)
    data = {"owners": counts, "followups": len(fu), "overdue": int(fu["overdue"].sum()),
            "closing": len(op)}
    return rebuild, data
