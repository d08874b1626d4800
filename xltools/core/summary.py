"""The Summary sheet: the team's numbers on one page, rebuilt in place.

Every figure is a value computed here (no formulas), so the sheet reads the same in Excel, WPS and
LibreOffice and a test can check it against its own pandas computation. Sections:

* customers by industry x level, by region, phase, source and owner;
* the opportunity funnel: per stage the opportunities now at that stage and their expected amount,
  how many reached the stage or a later one, and the stage-to-stage conversion (reached next /
  reached this). 输单 (lost) is counted apart: where a lost deal stopped is not recorded;
* customers, deals won (DealStatus 成交-已签单 or CooperationPhase 成交客户), conversion and won
  amount (DealAmount) by source;
* follow-ups of the last 30 days per staff member, and follow-ups per month over the last 12 months;
* dormant customers (no follow-up for Settings DormantDays days) and follow-ups overdue or due
  this week, the first :data:`LIST_LIMIT` of each with a link to the customer's row.

Charts are backend-neutral specs (see :mod:`xltools.xlsx.charts`) whose ranges point into the grid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..changes import Changeset, Result, SheetRebuild
from ..xlsx.refs import make_cell, make_ref
from .values import as_dates, as_numbers, as_text

LIST_LIMIT = 100
WON_STATUS = "成交-已签单"
WON_PHASE = "成交客户"
LOST_STAGE = "输单"
BLANK = {"zh": "(空)", "en": "(blank)"}
CHART_COL = 10            # charts sit from column J, right of the tables
CHART_ROWS = 15           # rows one chart covers (260 px at the default 20 px row height, + gap)


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


@dataclass
class Grid:
    """The sheet being built: rows from A1, bold rows, links, chart specs."""

    lang: str
    rows: list[list] = field(default_factory=list)
    bold: set[int] = field(default_factory=set)
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    charts: list[dict] = field(default_factory=list)
    chart_free_row: int = 1       # charts stack down column J without overlapping

    @property
    def next_row(self) -> int:
        return len(self.rows) + 1

    def line(self, *cells, bold: bool = False) -> int:
        self.rows.append(list(cells))
        if bold:
            self.bold.add(len(self.rows))
        return len(self.rows)

    def table(self, title: str, header: list[str], body: list[list]) -> tuple[int, int, int]:
        """A titled table; returns (header row, first body row, last body row), 1-based."""
        if self.rows:
            self.line()
        self.line(title, bold=True)
        head = self.line(*header, bold=True)
        for values in body:
            self.line(*values)
        return head, head + 1, head + len(body)

    def chart(self, kind: str, title: str, head: int, first: int, last: int, value_cols: list[int],
              anchor_row: int, **extra) -> None:
        if last < first:
            return
        anchor_row = max(anchor_row, self.chart_free_row)
        self.chart_free_row = anchor_row + CHART_ROWS
        self.charts.append({
            "type": kind, "title": title,
            "categories": make_ref(1, first, 1, last),
            "series": [{"name": make_cell(c, head), "values": make_ref(c, first, c, last)}
                       for c in value_cols],
            "anchor": make_cell(CHART_COL, anchor_row), "size": [480, 260], **extra})


def categories(values: pd.Series, listed: list[str], lang: str) -> pd.Series:
    """Text values with blanks named "(空)". Every list value is a category (zero counts show);
    values typed outside the list follow, then blank."""
    text = as_text(values).replace("", BLANK[lang])
    order = list(dict.fromkeys(listed)) + sorted(set(text) - set(listed) - {BLANK[lang]})
    if (text == BLANK[lang]).any():
        order.append(BLANK[lang])
    return pd.Series(pd.Categorical(text, categories=order), index=values.index)


def summarize(db, today: dt.date | None = None) -> Result:
    """Rebuild the Summary sheet (and only it)."""
    today_ts = pd.Timestamp(today or dt.date.today()).normalize()
    lang = db.lang
    g = Grid(lang)
    cust = db.df("Customers")
    opps = db.df("Opportunities")
    fups = db.df("FollowUps")
    data: dict = {}

    g.line(_t(lang, "客户数据汇总", "Customer summary"), bold=True)
    g.line(_t(lang, "统计日期", "As of"), today_ts.date())
    g.line(_t(lang, "客户总数", "Customers"), len(cust))
    data["customers"] = len(cust)

    # Industry x level
    industry = categories(cust["Industry"], db.lists.get("Industry", []), lang)
    level = categories(cust["CustomerLevel"], db.lists.get("CustomerLevel", []), lang)
    pivot = pd.crosstab(industry, level, dropna=False)
    pivot[_t(lang, "合计", "Total")] = pivot.sum(axis=1)
    body = [[str(i), *map(int, r)] for i, r in zip(pivot.index, pivot.to_numpy())]
    head, first, last = g.table(_t(lang, "按行业 × 客户等级", "By industry x level"),
                                [_t(lang, "行业", "Industry"), *map(str, pivot.columns)], body)
    g.chart("column", _t(lang, "各行业客户数", "Customers by industry"), head, first, last,
            [len(pivot.columns) + 1], head)
    data["industry_level"] = {str(i): {str(c): int(v) for c, v in zip(pivot.columns, r)}
                              for i, r in zip(pivot.index, pivot.to_numpy())}

    # One-way counts
    for key, list_key, zh, en, kind in (
            ("Region", "Region", "按区域", "By region", "pie"),
            ("CooperationPhase", "CooperationPhase", "按合作阶段", "By cooperation phase", "column"),
            ("Owner", "Staff", "按负责人", "By owner", "column")):
        counts = categories(cust[key], db.lists.get(list_key, []), lang).value_counts(sort=False)
        label = db.tables["Customers"].headers.get(key, key)
        head, first, last = g.table(_t(lang, zh, en), [label, _t(lang, "客户数", "Customers")],
                                    [[str(k), int(v)] for k, v in counts.items()])
        g.chart(kind, _t(lang, zh, en), head, first, last, [2], head)
        data[key] = {str(k): int(v) for k, v in counts.items()}

    # Source: customers, deals, conversion, amount
    source = categories(cust["Source"], db.lists.get("Source", []), lang)
    won = (as_text(cust["DealStatus"]) == WON_STATUS) | (as_text(cust["CooperationPhase"]) == WON_PHASE)
    amount = as_numbers(cust["DealAmount"]).fillna(0)
    by_source = pd.DataFrame({"source": source, "won": won, "amount": amount.where(won, 0)}) \
        .groupby("source", observed=False).agg(customers=("won", "size"), deals=("won", "sum"),
                                               amount=("amount", "sum"))
    body = [[str(s), int(r.customers), int(r.deals),
             float(round(r.deals / r.customers, 4)) if r.customers else 0.0,
             round(float(r.amount), 2)]
            for s, r in by_source.iterrows()]
    head, first, last = g.table(_t(lang, "客户来源与成交", "Deals by source"),
                                [_t(lang, "客户来源", "Source"), _t(lang, "客户数", "Customers"),
                                 _t(lang, "成交数", "Deals"), _t(lang, "转化率", "Conversion"),
                                 _t(lang, "成交金额", "Won amount")], body)
    g.chart("column", _t(lang, "各来源客户与成交", "Customers and deals by source"), head, first,
            last, [2, 3], head)
    data["source"] = {r[0]: {"customers": r[1], "deals": r[2], "conversion": r[3], "amount": r[4]}
                      for r in body}

    # Funnel
    stages = [s for s in db.lists.get("Stage", []) if s != LOST_STAGE]
    stage = as_text(opps["Stage"])
    expected = as_numbers(opps["ExpectedAmount"]).fillna(0)
    rank = stage.map({s: i for i, s in enumerate(stages)})
    body, funnel = [], {}
    previous = None
    for i, s in enumerate(stages):
        at = stage == s
        reached = int((rank >= i).sum())
        conv = float(round(reached / previous, 4)) if previous else None
        body.append([s, int(at.sum()), round(float(expected[at].sum()), 2), reached, conv])
        funnel[s] = {"count": int(at.sum()), "amount": body[-1][2], "reached": reached,
                     "conversion": conv}
        previous = reached
    lost = stage == LOST_STAGE
    funnel_last = len(body)
    body.append([LOST_STAGE, int(lost.sum()), round(float(expected[lost].sum()), 2), None, None])
    funnel[LOST_STAGE] = {"count": int(lost.sum()), "amount": body[-1][2]}
    head, first, last = g.table(_t(lang, "销售机会漏斗", "Opportunity funnel"),
                                [_t(lang, "商机阶段", "Stage"), _t(lang, "当前数量", "Now at stage"),
                                 _t(lang, "预计金额", "Expected amount"),
                                 _t(lang, "到达数", "Reached"),
                                 _t(lang, "阶段转化率", "Conversion from previous")], body)
    g.chart("bar", _t(lang, "漏斗:到达各阶段的机会", "Funnel: opportunities reaching each stage"),
            head, first, first + funnel_last - 1, [4], head, reverse=True)
    data["funnel"] = funnel

    # Follow-up activity
    f = pd.DataFrame({"staff": as_text(fups["Staff"]), "cust": as_text(fups["CustomerID"]),
                      "day": as_dates(fups["FollowUpTime"])})
    recent = f[(f["day"] <= today_ts) & (f["day"] >= today_ts - pd.Timedelta(days=30))]
    recent = recent.assign(staff=recent["staff"].replace("", BLANK[lang]))
    activity = recent.groupby("staff").agg(followups=("cust", "size"), customers=("cust", "nunique")) \
        .sort_values("followups", ascending=False)
    head, first, last = g.table(_t(lang, "近30天跟进(按跟进人)", "Follow-ups, last 30 days, by staff"),
                                [_t(lang, "跟进人", "Staff"), _t(lang, "跟进次数", "Follow-ups"),
                                 _t(lang, "跟进客户数", "Customers")],
                                [[s, int(r.followups), int(r.customers)] for s, r in activity.iterrows()])
    g.chart("column", _t(lang, "近30天跟进次数", "Follow-ups in the last 30 days"), head, first, last,
            [2], head)
    data["activity_30d"] = {s: {"followups": int(r.followups), "customers": int(r.customers)}
                            for s, r in activity.iterrows()}

    months = pd.period_range(end=today_ts.to_period("M"), periods=12, freq="M")
    per_month = f["day"].dropna().dt.to_period("M").value_counts().reindex(months, fill_value=0)
    head, first, last = g.table(_t(lang, "每月跟进次数(近12个月)", "Follow-ups per month (12 months)"),
                                [_t(lang, "月份", "Month"), _t(lang, "跟进次数", "Follow-ups")],
                                [[str(m), int(n)] for m, n in per_month.items()])
    g.chart("line", _t(lang, "每月跟进趋势", "Follow-ups per month"), head, first, last, [2], head)
    data["followups_per_month"] = {str(m): int(n) for m, n in per_month.items()}

    _customer_lists(db, g, cust, today_ts, data)
    rebuild = SheetRebuild("Summary", "汇总", "Summary", g.rows, widths={1: 22, 2: 14, 3: 14, 4: 14,
                                                                      5: 16, 6: 14, 7: 12, 8: 12},
                           links=g.links, bold_rows=g.bold, charts=g.charts)
    changes = Changeset("summary", rebuilds=[rebuild])
    zh = (f"汇总已更新:{len(cust)} 位客户,{len(opps)} 个销售机会,近30天跟进 {len(recent)} 次,"
          f"图表 {len(g.charts)} 个")
    en = (f"Summary rebuilt: {len(cust)} customers, {len(opps)} opportunities, {len(recent)} "
          f"follow-ups in the last 30 days, {len(g.charts)} charts")
    return Result(changes, data=data, summary_zh=zh, summary_en=en, problems=False)


def _customer_lists(db, g: Grid, cust: pd.DataFrame, today_ts: pd.Timestamp, data: dict) -> None:
    lang = db.lang
    ids = as_text(cust["CustomerID"])
    names = as_text(cust["CustomerName"])
    owners = as_text(cust["Owner"])
    last = as_dates(cust["LastFollowUpTime"])
    nxt = as_dates(cust["NextFollowUpTime"])
    dormant_days = db.setting("DormantDays")
    week_end = today_ts + pd.Timedelta(days=6 - today_ts.weekday())
    idle = (today_ts - last).dt.days
    dormant = last.isna() | (idle > dormant_days)
    due = nxt.notna() & (nxt <= week_end)

    order = idle.fillna(np.inf)[dormant].sort_values(ascending=False, kind="stable").index
    _listing(db, g, _t(lang, f"休眠客户(超过 {dormant_days} 天无跟进)",
                       f"Dormant customers (no follow-up for {dormant_days} days)"),
             [_t(lang, "客户ID", "Customer ID"), _t(lang, "客户名称", "Customer"),
              _t(lang, "负责人", "Owner"), _t(lang, "最后跟进时间", "Last follow-up"),
              _t(lang, "无跟进天数", "Days idle")],
             [[ids[r], names[r], owners[r], None if pd.isna(last[r]) else last[r].date(),
               None if pd.isna(idle[r]) else int(idle[r])] for r in order], order)
    data["dormant"] = int(dormant.sum())

    order = nxt[due].sort_values(kind="stable").index
    _listing(db, g, _t(lang, "逾期及本周待跟进", "Follow-ups overdue or due this week"),
             [_t(lang, "客户ID", "Customer ID"), _t(lang, "客户名称", "Customer"),
              _t(lang, "负责人", "Owner"), _t(lang, "下次跟进时间", "Next follow-up"),
              _t(lang, "状态", "Status")],
             [[ids[r], names[r], owners[r], nxt[r].date(),
               _t(lang, "逾期", "overdue") if nxt[r] < today_ts else _t(lang, "本周", "this week")]
              for r in order], order)
    data["overdue"] = int((due & (nxt < today_ts)).sum())
    data["due_this_week"] = int((due & (nxt >= today_ts)).sum())


def _listing(db, g: Grid, title: str, header: list[str], body: list[list], rows) -> None:
    shown = body[:LIST_LIMIT]
    head, first, _ = g.table(f"{title}:{len(body)}" if g.lang == "zh" else f"{title}: {len(body)}",
                             header, shown)
    for i, row in enumerate(list(rows)[:LIST_LIMIT]):
        g.links[(first + i, 1)] = db.cell_ref("Customers", int(row), "CustomerID")
    if len(body) > LIST_LIMIT:
        g.line(_t(g.lang, f"……另有 {len(body) - LIST_LIMIT} 位未列出", f"... {len(body) - LIST_LIMIT} more"))
