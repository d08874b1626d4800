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

import numpy as np
import pandas as pd

from ..changes import SheetRebuild
from ..xlsx.refs import make_cell, make_ref
from . import followlog
from .values import as_dates, as_numbers, as_text

POOL = "公海"
CLOSED_STAGES = {"成交", "输单"}
DAYS = 14
CLOSE_DAYS = 30
# Overdue items listed per owner and kind (the most recently due): a list a person works through.
# A book with thousands overdue per owner (80,000 rows on a 100k book) listed them all; the
# owner's title still counts every one, and the calendar files (remind -o) hold every one.
LATE_LIMIT = 100
TITLE_COLOUR, HEAD_FILL, MUTED, LATE = "1F3864", "DDEBF7", "595959", "C00000"
WIDTHS = {1: 12, 2: 12, 3: 36, 4: 15, 5: 40, 6: 66}   # one line per item: long text is cut


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _short(text: pd.Series, n: int) -> pd.Series:
    """Each text cut to ``n`` characters (a sheet row stays one line high; the book has it all)."""
    return text.where(text.str.len() <= n, text.str[:n - 1] + "…")


def due_followups(db, today: dt.date | None = None, days: int = DAYS) -> pd.DataFrame:
    """One row per due follow-up, ordered by owner then date: columns owner, row (Excel row of
    the customer), id, name, contact, phone, due (Timestamp), overdue (bool), next_step,
    last_time, last_content."""
    due = _due(db, today, days)
    return due.assign(**_latest_logged(db.df("FollowUps"), due["id"]))


def _due(db, today: dt.date | None, days: int) -> pd.DataFrame:
    """:func:`due_followups` without what the log says (next_step, last_time, last_content)."""
    today_ts = pd.Timestamp(today or dt.date.today()).normalize()
    cust = db.df("Customers")
    due = as_dates(cust["NextFollowUpTime"])
    owner = as_text(cust["Owner"])
    keep = (due.notna() & (due <= today_ts + pd.Timedelta(days=days)) & (owner != "")
            & (owner != POOL)).to_numpy()
    mine = cust[keep]
    out = pd.DataFrame({
        "owner": owner[keep], "row": mine.index, "id": as_text(mine["CustomerID"]),
        "name": as_text(mine["CustomerName"]), "contact": as_text(mine["ContactPerson"]),
        "phone": as_text(mine["ContactPhone"]), "due": due[keep], "overdue": due[keep] < today_ts})
    return out.sort_values(["owner", "due", "id"], kind="stable").reset_index(drop=True)


def _latest_logged(fups: pd.DataFrame, ids: pd.Series) -> dict[str, pd.Series]:
    """For each of ``ids``: next_step, last_time and last_content of the customer's latest
    logged follow-up (by date; on one day, the one lower in the sheet). Only those follow-ups'
    texts are read: the log of a big book holds 500,000 notes, a due list a few thousand."""
    at = followlog.days(fups)
    rows = ids.map(followlog.latest(fups, at.to_numpy()))
    found = rows.notna().to_numpy()
    picked = rows[found].astype(np.int64).to_numpy()

    def column(values: pd.Series, blank) -> pd.Series:
        out = pd.Series(blank, index=ids.index, dtype=values.dtype if blank is pd.NaT else object)
        out[found] = values.to_numpy()
        return out

    return {"next_step": column(as_text(fups["NextStep"].iloc[picked]), ""),
            "last_time": column(at.iloc[picked], pd.NaT),
            "last_content": column(as_text(fups["Content"].iloc[picked]), "")}


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
    keep = keep.to_numpy()
    opps, owner, stage, close = opps[keep], owner[keep], stage[keep], close[keep]
    cust = db.df("Customers")
    names = pd.Series(as_text(cust["CustomerName"]).to_numpy(), index=as_text(cust["CustomerID"]))
    names = names[~names.index.duplicated(keep="last")]     # an ID typed twice: its last name
    ids = as_text(opps["CustomerID"])
    out = pd.DataFrame({"owner": owner, "row": opps.index, "id": as_text(opps["OpportunityID"]),
                        "customer": ids.map(names).fillna(ids), "product": as_text(opps["Product"]),
                        "stage": stage, "amount": as_numbers(opps["ExpectedAmount"]),
                        "close": close, "late": close < today_ts})
    return out.sort_values(["owner", "close", "id"], kind="stable").reset_index(drop=True)


def todo_sheet(db, today: dt.date | None = None, days: int = DAYS,
               close_days: int = CLOSE_DAYS, items: pd.DataFrame | None = None
               ) -> tuple[SheetRebuild, dict]:
    """The To-do sheet: a section per owner (overdue first, then due, then closing deals).
    ``items``: :func:`due_followups` when the caller has it already.

    Each owner's overdue items are listed up to :data:`LATE_LIMIT` per kind, the most recently due
    ones; a line says how many earlier ones are left out (the owner's title counts them all, the
    calendar files hold them all). Everything due within ``days`` / ``close_days`` is listed."""
    lang = db.lang
    today_ts = pd.Timestamp(today or dt.date.today()).normalize()
    fu = _due(db, today, days) if items is None else items
    op = closing_opportunities(db, today, close_days)
    fu_shown, op_shown = fu[_listed(fu, "overdue")], op[_listed(op, "late")]
    if items is None:           # what the log says, for the listed follow-ups only
        fu_shown = fu_shown.assign(**_latest_logged(db.df("FollowUps"), fu_shown["id"]))
    sheet = _Sheet([
        [_t(lang, "待办 · 每位负责人的跟进与商机", "To-do · each owner's follow-ups and deals")],
        [_t(lang, f"统计日期 {today_ts.date()}:逾期及 {days} 天内应跟进的客户,{close_days} 天内预计成交的机会",
            f"As of {today_ts.date()}: follow-ups overdue or due within {days} days, deals "
            f"expected to close within {close_days} days")]])
    sheet.styles.update({(1, 1): {"bold": True, "size": 16, "colour": TITLE_COLOUR},
                         (2, 1): {"colour": MUTED}})
    header = [_t(lang, "类型", "Kind"), _t(lang, "日期", "Date"), _t(lang, "客户 / 机会", "Customer / deal"),
              _t(lang, "客户ID", "Customer ID"), _t(lang, "下一步计划", "Next step"),
              _t(lang, "说明", "Notes")]
    fu_rows, op_rows = _followup_rows(db, fu_shown), _deal_rows(db, op_shown)
    counts, left_out = {}, 0
    for owner in sorted(set(fu["owner"]) | set(op["owner"])):
        mine, deals = fu["owner"] == owner, op["owner"] == owner
        late = int(fu["overdue"][mine].sum())
        n_mine, n_deals = int(mine.sum()), int(deals.sum())
        counts[owner] = {"overdue": late, "due": n_mine - late, "closing": n_deals}
        sheet.add([], [_t(lang, f"{owner}:逾期 {late} · 待跟进 {n_mine - late} · 将到期机会 {n_deals}",
                          f"{owner}: {late} overdue · {n_mine - late} due · {n_deals} deals closing")])
        sheet.styles[(len(sheet.rows), 1)] = {"bold": True, "size": 12, "colour": TITLE_COLOUR}
        sheet.add(list(header))
        for c in range(1, len(header) + 1):
            sheet.styles[(len(sheet.rows), c)] = {"bold": True, "fill": HEAD_FILL}
        mine_rows = fu_rows[(fu_rows["owner"] == owner).to_numpy()]
        hidden = late - int(mine_rows["late"].sum())
        sheet.section(mine_rows, lambda row: db.cell_ref("Customers", row, "CustomerID"), hidden and _t(
            lang, f"……另有 {hidden} 项更早的逾期跟进未列出(共逾期 {late} 项;在“{db.sheet_of('Customers')}”表按"
                  f"“{_header(db, 'NextFollowUpTime')}”筛选可见全部)",
            f"... {hidden} earlier overdue follow-ups not listed ({late} overdue in all: filter "
            f"'{db.sheet_of('Customers')}' by {_header(db, 'NextFollowUpTime')} to see them all)"))
        left_out += hidden
        deal_rows = op_rows[(op_rows["owner"] == owner).to_numpy()]
        hidden = int(op["late"][deals].sum()) - int(deal_rows["late"].sum())
        sheet.section(deal_rows, lambda row: db.cell_ref("Opportunities", row, "OpportunityID"),
                      hidden and _t(lang, f"……另有 {hidden} 个更早逾期的机会未列出",
                                    f"... {hidden} earlier late deals not listed"))
        left_out += hidden
    if not counts:
        sheet.add([], [_t(lang, "没有逾期或即将到期的待办。", "Nothing overdue or due soon.")])
    rows = sheet.rows
    page = {"orientation": "landscape", "fit_width": True, "title_rows": (1, 2),
            "print_area": make_ref(1, 1, len(header), max(len(rows), 1)),
            "freeze": make_cell(1, 3)}
    rebuild = SheetRebuild("Todo", "待办", "To-do", rows, widths=dict(WIDTHS), links=sheet.links,
                           styles=sheet.styles, page=page)
    data = {"owners": counts, "followups": len(fu), "overdue": int(fu["overdue"].sum()),
            "closing": len(op), "not_listed": left_out}
    return rebuild, data


def _header(db, column: str) -> str:
    return db.tables["Customers"].headers.get(column, column)


def _followup_rows(db, fu: pd.DataFrame) -> pd.DataFrame:
    """The sheet's cells of each due follow-up (whole columns at once: a big book has thousands)."""
    lang = db.lang
    last = (_t(lang, "上次", "last") + " " + fu["last_time"].dt.strftime("%Y-%m-%d") + ":"
            + fu["last_content"])
    return pd.DataFrame({
        "kind": np.where(fu["overdue"], _t(lang, "逾期跟进", "overdue"), _t(lang, "待跟进", "follow up")),
        "date": fu["due"].dt.date, "what": fu["name"], "id": fu["id"],
        "next": _short(fu["next_step"], 24),
        "notes": _short(last.where(fu["last_time"].notna(), ""), 40),
        "row": fu["row"], "late": fu["overdue"], "owner": fu["owner"]})


def _deal_rows(db, op: pd.DataFrame) -> pd.DataFrame:
    """The sheet's cells of each closing deal."""
    lang = db.lang
    amount = [" · " + f"{a:,.0f}" if a == a else "" for a in op["amount"]]
    return pd.DataFrame({
        "kind": np.where(op["late"], _t(lang, "机会逾期", "deal late"),
                         _t(lang, "机会将到期", "deal closing")),
        "date": op["close"].dt.date, "what": op["customer"] + " · " + op["product"],
        "id": op["id"], "next": "", "notes": op["stage"] + pd.Series(amount, index=op.index, dtype=object),
        "row": op["row"], "late": op["late"], "owner": op["owner"]})


class _Sheet:
    """The grid being built, with its links and styles by (row, column), 1-based."""

    CELLS = ["kind", "date", "what", "id", "next", "notes"]

    def __init__(self, rows: list[list]):
        self.rows = rows
        self.links: dict[tuple[int, int], str] = {}
        self.styles: dict[tuple[int, int], dict] = {}

    def add(self, *rows: list) -> None:
        self.rows.extend(rows)

    def section(self, items: pd.DataFrame, link, left_out: str = "") -> None:
        """List ``items`` (date order), each linked to ``link(its Excel row)``, after the line
        ``left_out`` when there is one."""
        if left_out:
            self.add(["", "", left_out])
            self.styles[(len(self.rows), 3)] = {"colour": MUTED}
        first = len(self.rows) + 1
        self.rows.extend(items[self.CELLS].to_numpy().tolist())
        numbers = range(first, first + len(items))
        self.links.update({(r, 4): link(int(row)) for r, row in zip(numbers, items["row"])})
        self.styles.update({(r, 1): {"colour": LATE, "bold": True}
                            for r, late in zip(numbers, items["late"]) if late})


def _listed(items: pd.DataFrame, late: str) -> np.ndarray:
    """Which of ``items`` (by owner, in date order) the sheet lists: all but the overdue ones
    beyond :data:`LATE_LIMIT` per owner, the earliest of them."""
    overdue = items[late].to_numpy(dtype=bool)
    from_last = items[overdue].groupby("owner", sort=False).cumcount(ascending=False)
    listed = ~overdue
    listed[np.flatnonzero(overdue)[from_last.to_numpy() < LATE_LIMIT]] = True
    return listed
