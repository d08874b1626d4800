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
import numpy as np
import pandas as pd

from . import followlog, kpi
from ..changes import Changeset, Result
from .dashboard import COUNT, MONEY, PERCENT, Block, layout
from .values import as_dates, as_numbers, as_text

LIST_LIMIT = 10           # rows of each customer list on the dashboard (the To-do sheet has all)
LOST_STAGE = "输单"
BLANK = {"zh": "(空)", "en": "(blank)"}


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def categories(values: pd.Series, listed: list[str], lang: str) -> pd.Series:
    """Text values with blanks named "(空)". Every list value is a category (zero counts show);
    values typed outside the list follow, then blank."""
    codes, found = pd.factorize(as_text(values).replace("", BLANK[lang]))
    found = list(found)         # (the values' distinct texts: one pass over a big book's column)
    order = list(dict.fromkeys(listed)) + sorted(set(found) - set(listed) - {BLANK[lang]})
    if BLANK[lang] in found:
        order.append(BLANK[lang])
    place = {v: i for i, v in enumerate(order)}
    remap = np.array([place[v] for v in found] + [-1], dtype=np.int64)   # -1: none at all
    return pd.Series(pd.Categorical.from_codes(remap[codes], categories=order), index=values.index)


def summarize(db, today: dt.date | None = None, month: str | None = None) -> Result:
    """Rebuild the Summary sheet (and only it), as of ``month`` ('2026-10') or today."""
    p = kpi.period(today, month)
    today_ts = p.as_of
    lang = db.lang
    cust = db.df("Customers")
    opps = db.df("Opportunities")
    fups = db.df("FollowUps")
    if not p.current:
        created = as_dates(cust["CreateTime"])
        cust = cust[created.isna() | (created <= today_ts)]
        opp_created = as_dates(opps["CreateTime"])
        opps = opps[opp_created.isna() | (opp_created <= today_ts)]
        fups = fups[as_dates(fups["FollowUpTime"]).fillna(today_ts) <= today_ts]
    data: dict = {"customers": len(cust), "month": str(p.month), "as_of": today_ts.date().isoformat()}
    blocks: list[Block] = []
    count_fmt = {j: COUNT for j in range(1, 12)}

    # Industry x level
    industry = categories(cust["Industry"], db.lists.get("Industry", []), lang)
    level = categories(cust["CustomerLevel"], db.lists.get("CustomerLevel", []), lang)
    pivot = pd.crosstab(industry, level, dropna=False)
    pivot[_t(lang, "合计", "Total")] = pivot.sum(axis=1)
    body = [[str(i), *map(int, r)] for i, r in zip(pivot.index, pivot.to_numpy())]
    blocks.append(Block(_t(lang, "按行业 × 客户等级", "By industry x level"),
                        [_t(lang, "行业", "Industry"), *map(str, pivot.columns)], body, count_fmt,
                        {"type": "column", "title": _t(lang, "各行业客户数", "Customers by industry"),
                         "values": [len(pivot.columns)]}))
    data["industry_level"] = {str(i): {str(c): int(v) for c, v in zip(pivot.columns, r)}
                              for i, r in zip(pivot.index, pivot.to_numpy())}

    # One-way counts
    for key, list_key, zh, en, kind in (
            ("Region", "Region", "按区域", "By region", "pie"),
            ("CooperationPhase", "CooperationPhase", "按合作阶段", "By cooperation phase", "column"),
            ("Owner", "Staff", "按负责人", "By owner", "column")):
        counts = categories(cust[key], db.lists.get(list_key, []), lang).value_counts(sort=False)
        label = db.tables["Customers"].headers.get(key, key)
        blocks.append(Block(_t(lang, zh, en), [label, _t(lang, "客户数", "Customers")],
                            [[str(k), int(v)] for k, v in counts.items()], count_fmt,
                            {"type": kind, "title": _t(lang, zh, en), "values": [1]}))
        data[key] = {str(k): int(v) for k, v in counts.items()}

    # Source: customers, deals, conversion, amount
    source = categories(cust["Source"], db.lists.get("Source", []), lang)
    cols = kpi.columns(db)
    won = cols["won"][cust.index]
    amount = as_numbers(cust["DealAmount"]).fillna(0)
    by_source = pd.DataFrame({"source": source, "won": won, "amount": amount.where(won, 0)}) \
        .groupby("source", observed=False).agg(customers=("won", "size"), deals=("won", "sum"),
                                               amount=("amount", "sum"))
    body = [[str(s), int(r.customers), int(r.deals),
             float(round(r.deals / r.customers, 4)) if r.customers else 0.0,
             round(float(r.amount), 2)]
            for s, r in by_source.iterrows()]
    blocks.append(Block(_t(lang, "客户来源与成交", "Deals by source"),
                        [_t(lang, "客户来源", "Source"), _t(lang, "客户数", "Customers"),
                         _t(lang, "成交数", "Deals"), _t(lang, "转化率", "Conversion"),
                         _t(lang, "成交金额", "Won amount")], body,
                        {1: COUNT, 2: COUNT, 3: PERCENT, 4: MONEY},
                        {"type": "column", "values": [1, 2],
                         "title": _t(lang, "各来源客户与成交", "Customers and deals by source")}))
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
    funnel_rows = len(body)
    body.append([LOST_STAGE, int(lost.sum()), round(float(expected[lost].sum()), 2), None, None])
    funnel[LOST_STAGE] = {"count": int(lost.sum()), "amount": body[-1][2]}
    blocks.append(Block(_t(lang, "销售机会漏斗", "Opportunity funnel"),
                        [_t(lang, "商机阶段", "Stage"), _t(lang, "当前数量", "Now at stage"),
                         _t(lang, "预计金额", "Expected amount"), _t(lang, "到达数", "Reached"),
                         _t(lang, "阶段转化率", "Conversion from previous")], body,
                        {1: COUNT, 2: MONEY, 3: COUNT, 4: PERCENT},
                        {"type": "bar", "values": [3], "rows": funnel_rows, "reverse": True,
                         "title": _t(lang, "漏斗:到达各阶段的机会",
                                     "Funnel: opportunities reaching each stage")}))
    data["funnel"] = funnel

    # Follow-up activity
    day = followlog.days(fups)
    recent = ((day <= today_ts) & (day >= today_ts - pd.Timedelta(days=30))).to_numpy()
    # (only the month's follow-ups' staff are read: a big book logs 500,000)
    recent = pd.DataFrame({"staff": as_text(fups["Staff"][recent]).replace("", BLANK[lang]),
                           "cust": followlog.customer_ids(fups)[recent]})
    activity = recent.groupby("staff").agg(followups=("cust", "size"), customers=("cust", "nunique")) \
        .sort_values("followups", ascending=False)
    blocks.append(Block(_t(lang, "近30天跟进(按跟进人)", "Follow-ups, last 30 days, by staff"),
                        [_t(lang, "跟进人", "Staff"), _t(lang, "跟进次数", "Follow-ups"),
                         _t(lang, "跟进客户数", "Customers")],
                        [[s, int(r.followups), int(r.customers)] for s, r in activity.iterrows()],
                        count_fmt, {"type": "column", "values": [1],
                                    "title": _t(lang, "近30天跟进次数", "Follow-ups in the last 30 days")}))
    data["activity_30d"] = {s: {"followups": int(r.followups), "customers": int(r.customers)}
                            for s, r in activity.iterrows()}

    months = pd.period_range(end=today_ts.to_period("M"), periods=12, freq="M")
    month_of = day.to_numpy().astype("datetime64[M]")
    per_month = pd.Series([int((month_of == np.datetime64(str(m), "M")).sum()) for m in months],
                          index=months)
    blocks.append(Block(_t(lang, "每月跟进次数(近12个月)", "Follow-ups per month (12 months)"),
                        [_t(lang, "月份", "Month"), _t(lang, "跟进次数", "Follow-ups")],
                        [[str(m), int(n)] for m, n in per_month.items()], count_fmt,
                        {"type": "line", "values": [1],
                         "title": _t(lang, "每月跟进趋势", "Follow-ups per month")}))
    data["followups_per_month"] = {str(m): int(n) for m, n in per_month.items()}

    blocks += _customer_lists(db, cust, today_ts, data)
    head = kpi.header(db, p, cols)
    data["kpi"] = head
    rebuild = layout(_title(lang, p), _subtitle(lang, p), _kpis(lang, head), blocks,
                     chart_order=[5, 7, 4, 1, 0, 3], lang=lang)
    changes = Changeset("summary", rebuilds=[rebuild])
    zh = (f"汇总已更新({p.month}):{len(cust)} 位客户,{len(opps)} 个销售机会,近30天跟进 "
          f"{len(recent)} 次,图表 {len(rebuild.charts)} 个")
    en = (f"Summary rebuilt ({p.month}): {len(cust)} customers, {len(opps)} opportunities, "
          f"{len(recent)} follow-ups in the last 30 days, {len(rebuild.charts)} charts")
    return Result(changes, data=data, summary_zh=zh, summary_en=en, problems=False)


def _title(lang: str, p: kpi.Period) -> str:
    return _t(lang, f"客户数据看板 · {p.month.year}年{p.month.month}月",
              f"Customer dashboard · {p.month.strftime('%B %Y')}")


def _subtitle(lang: str, p: kpi.Period) -> str:
    return _t(lang, f"统计日期 {p.as_of.date()},与上月({p.previous().month})相比",
              f"As of {p.as_of.date()}, compared with {p.previous().month}")


def _kpis(lang: str, head: dict) -> list[tuple]:
    """(label, value, change, value format, change format) for each key figure."""
    labels = {"customers": ("客户总数", "Customers"), "new": ("本月新增", "New this month"),
              "followups": ("本月跟进", "Follow-ups"), "deals": ("本月成交", "Deals"),
              "amount": ("成交金额", "Deal amount"), "conversion": ("成交转化率", "Conversion"),
              "overdue": ("逾期未跟进", "Overdue")}
    before = pd.Period(head["previous_month"], freq="M").strftime("%b")     # "Nov"
    out = []
    for key in kpi.KEYS:
        fmt = PERCENT if key == "conversion" else MONEY
        if lang == "zh":
            change_fmt = f'"较上月 ▲"{fmt};"较上月 ▼"{fmt};"较上月持平"'
        else:       # short: the key-figure cells are two columns wide
            change_fmt = f'"▲"{fmt}" vs {before}";"▼"{fmt}" vs {before}";"same as {before}"'
        out.append((_t(lang, *labels[key]), head["now"][key], head["change"][key], fmt, change_fmt))
    return out


def _customer_lists(db, cust: pd.DataFrame, today_ts: pd.Timestamp, data: dict) -> list[Block]:
    lang = db.lang
    # (the lists show a few customers: only theirs are folded, not a big book's every name)
    ids, names, owners = (_Folded(cust[c]) for c in ("CustomerID", "CustomerName", "Owner"))
    last = as_dates(cust["LastFollowUpTime"])
    nxt = as_dates(cust["NextFollowUpTime"])
    dormant_days = db.setting("DormantDays")
    week_end = today_ts + pd.Timedelta(days=6 - today_ts.weekday())
    idle = (today_ts - last).dt.days
    dormant = last.isna() | (idle > dormant_days)
    due = nxt.notna() & (nxt <= week_end)
    header = [_t(lang, "客户名称", "Customer"), _t(lang, "负责人", "Owner")]

    order = idle.fillna(np.inf)[dormant].sort_values(ascending=False, kind="stable").index
    dormant_block = _listing(db, _t(lang, f"休眠客户(超过 {dormant_days} 天无跟进)",
                                    f"Dormant customers (no follow-up for {dormant_days} days)"),
                             header + [_t(lang, "最后跟进", "Last follow-up"),
                                       _t(lang, "无跟进天数", "Days idle")],
                             [[names[r] or ids[r], owners[r],
                               None if pd.isna(last[r]) else last[r].date(),
                               None if pd.isna(idle[r]) else int(idle[r])]
                              for r in order[:LIST_LIMIT]], order)
    data["dormant"] = int(dormant.sum())

    order = nxt[due].sort_values(kind="stable").index
    due_block = _listing(db, _t(lang, "逾期及本周待跟进", "Follow-ups overdue or due this week"),
                         header + [_t(lang, "下次跟进", "Next follow-up"), _t(lang, "状态", "Status")],
                         [[names[r] or ids[r], owners[r], nxt[r].date(),
                           _t(lang, "逾期", "overdue") if nxt[r] < today_ts else _t(lang, "本周", "this week")]
                          for r in order[:LIST_LIMIT]], order)
    data["overdue"] = int((due & (nxt < today_ts)).sum())
    data["due_this_week"] = int((due & (nxt >= today_ts)).sum())
    return [dormant_block, due_block]


class _Folded:
    """A column whose cells are folded (:func:`as_text`) one at a time, as they are looked up."""

    def __init__(self, column: pd.Series):
        self.column = column

    def __getitem__(self, row) -> str:
        return as_text(self.column[[row]]).iloc[0]


def _listing(db, title: str, header: list[str], shown: list[list], rows) -> Block:
    """The first :data:`LIST_LIMIT` of ``rows`` (``shown``: their cells), titled with the count."""
    lang = db.lang
    total = len(rows)
    links = {i: db.cell_ref("Customers", int(row), "CustomerID")
             for i, row in enumerate(list(rows[:LIST_LIMIT]))}
    note = ""
    if total > LIST_LIMIT:
        note = _t(lang, f"……另有 {total - LIST_LIMIT} 位,见“待办”表",
                  f"... {total - LIST_LIMIT} more: see the To-do sheet")
    return Block(f"{title}:{total}" if lang == "zh" else f"{title}: {total}", header, shown,
                 {3: COUNT}, links=links, note=note)
