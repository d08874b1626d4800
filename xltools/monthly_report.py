"""The dated HTML page the monthly batch leaves behind: the month's figures and charts, what each
step did, each owner's to-do count, and what is still open.

Plain HTML with inline styles and inline SVG charts (opens anywhere, mails as one file). It speaks
the book's language throughout: severities, sheet titles, column headers and check names as the
book shows them. Values of masked columns are masked again here, so a report never carries a raw
phone, ID number or e-mail.
"""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path

from . import svgchart
from .core.privacy import mask_value
from .backend.safety import atomic_write
from .monthly import MonthlyRun
from .outputs import check_output
from .schema import load_schema

MAX_ISSUES_LISTED = 500


GENERATOR = '<meta name="generator" content="xltools monthly">'


def default_report_path(book: Path, run: MonthlyRun) -> Path:
    """``<book>-月报-2024-03.html`` beside the book (``-monthly-`` for an English book)."""
    word = "月报" if run.lang == "zh" else "monthly"
    return Path(book).with_name(f"{Path(book).stem}-{word}-{run.started:%Y-%m}.html")


def report_path(book: Path, report: str | None, run: MonthlyRun, *, force: bool = False) -> Path:
    """Where the report goes (``--report`` file or folder, else beside the book), checked by the
    output guard: never the book or another database; an existing file only with ``--force``,
    unless it is an earlier xltools report (a second run in a month replaces its own report)."""
    path = default_report_path(book, run)
    if report:
        target = Path(report)
        path = target / path.name if target.is_dir() or report.endswith(("/", "\\")) else target
    return check_output(path, inputs=[book], force=force, replaceable=is_report)


def is_report(path: Path) -> bool:
    """An HTML page this module wrote (it carries :data:`GENERATOR` in its head)."""
    try:
        with open(path, "rb") as fh:
            return GENERATOR.encode() in fh.read(512)
    except OSError:
        return False


def _masked(table: str, column: str | None, value) -> str:
    if value is None:
        return ""
    try:
        kind = load_schema().table(table).column(column).mask if column else None
    except KeyError:
        kind = None
    return mask_value(kind, value) if kind else str(value)


def _names(lang: str):
    """(sheet title, column label, check label, severity label) readers in ``lang``."""
    from .core.validate import CHECK_LABEL, SEVERITY_LABEL
    schema = load_schema()

    def sheet(key: str) -> str:
        try:
            return schema.table(key).title(lang)
        except KeyError:
            return key

    def column(key: str, col: str | None) -> str:
        try:
            return schema.table(key).column(col).label(lang) if col else ""
        except KeyError:
            return col or ""

    def check(name: str) -> str:
        zh, en = CHECK_LABEL.get(name, (name, name))
        return zh if lang == "zh" else en

    def severity(name: str) -> str:
        return SEVERITY_LABEL.get(lang, SEVERITY_LABEL["en"]).get(name, name)

    return sheet, column, check, severity


def _figures(run: MonthlyRun, zh: bool) -> str:
    """The month's key figures, charts and each owner's to-do, from the summary and remind steps."""
    e = html.escape
    data = {s.op: s.data for s in run.steps}
    summary, todo = data.get("summary") or {}, data.get("remind") or {}
    parts = []
    head = summary.get("kpi")
    if head:
        names = {"customers": ("客户总数", "Customers"), "new": ("本月新增", "New this month"),
                 "followups": ("本月跟进", "Follow-ups"), "deals": ("本月成交", "Deals"),
                 "amount": ("成交金额", "Deal amount"), "conversion": ("成交转化率", "Conversion"),
                 "overdue": ("逾期未跟进", "Overdue")}

        def shown(key, value):
            return f"{value:.1%}" if key == "conversion" else f"{value:,.0f}"

        def change(key, value):
            if not value:
                return "持平" if zh else "same"
            text = f"{abs(value):.1%}" if key == "conversion" else f"{abs(value):,.0f}"
            return ("▲ " if value > 0 else "▼ ") + text
        rows = "".join(
            f"<tr><td>{e(names[k][0] if zh else names[k][1])}</td><td class=n><b>{shown(k, head['now'][k])}"
            f"</b></td><td class=n>{shown(k, head['before'][k])}</td><td class=n>"
            f"{change(k, head['change'][k])}</td></tr>" for k in names if k in head["now"])
        h = ("指标", f"本月({head['month']})", f"上月({head['previous_month']})", "变化") if zh else \
            ("Figure", f"This month ({head['month']})", f"Last month ({head['previous_month']})",
             "Change")
        parts.append(f"<h2>{'本月数据' if zh else 'The month in figures'}</h2><table><tr>"
                     + "".join(f"<th>{e(c)}</th>" for c in h) + f"</tr>{rows}</table>")
    charts = []
    if summary.get("funnel"):
        charts.append(svgchart.bars("销售漏斗:到达各阶段" if zh else "Funnel: reached each stage",
                                    [(k, v.get("reached", 0)) for k, v in summary["funnel"].items()
                                     if v.get("reached") is not None]))
    if summary.get("followups_per_month"):
        charts.append(svgchart.line("每月跟进次数" if zh else "Follow-ups per month",
                                    list(summary["followups_per_month"].items())))
    if summary.get("source"):
        charts.append(svgchart.bars("各来源成交数" if zh else "Deals by source",
                                    [(k, v["deals"]) for k, v in summary["source"].items()], 1))
    if summary.get("Owner"):
        charts.append(svgchart.bars("各负责人客户数" if zh else "Customers by owner",
                                    list(summary["Owner"].items()), 2))
    if charts:
        parts.append('<div class="charts">' + "".join(f"<figure>{c}</figure>" for c in charts)
                     + "</div>")
    owners = todo.get("owners") or {}
    if owners:
        h = ("负责人", "逾期跟进", "待跟进", "将到期机会") if zh else \
            ("Owner", "Overdue", "Due", "Deals closing")
        rows = "".join(f"<tr><td>{e(o)}</td><td class=n>{c['overdue']}</td><td class=n>{c['due']}"
                       f"</td><td class=n>{c['closing']}</td></tr>" for o, c in owners.items())
        parts.append(f"<h2>{'每位负责人的待办' if zh else 'Each owner' + chr(39) + 's to-do'}</h2>"
                     "<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in h) + f"</tr>{rows}</table>"
                     + ("<p>明细见工作簿的“待办”表;xltools remind 工作簿 -o 目录 可生成各人的日历提醒。</p>"
                        if zh else "<p>Details on the book's To-do sheet; <code>xltools remind BOOK "
                        "-o DIR</code> writes each owner's calendar.</p>"))
    return "".join(parts)


def render(run: MonthlyRun, lang: str = "zh") -> str:
    zh = lang == "zh"
    e = html.escape
    sheet, column, check, severity = _names("zh" if zh else "en")
    title = "客户数据库月度报告" if zh else "Customer database: monthly report"
    rows = "".join(
        f"<tr><td>{e(s.label_zh if zh else s.label_en)}</td><td class=n>{s.changes}</td>"
        f"<td>{e(s.summary_zh if zh else s.summary_en).replace(chr(10), '<br>')}</td></tr>"
        for s in run.steps)
    by_check = Counter((i.severity, i.check) for i in run.issues)
    check_rows = "".join(f"<tr><td>{e(severity(sev))}</td><td>{e(check(name))}</td>"
                         f"<td class=n>{n}</td></tr>" for (sev, name), n in by_check.most_common())
    issue_rows = "".join(
        f"<tr><td>{e(severity(i.severity))}</td><td>{e(sheet(i.table))}</td>"
        f"<td class=n>{i.row or ''}</td><td>{e(column(i.table, i.column))}</td>"
        f"<td>{e(_masked(i.table, i.column, i.value)[:60])}</td>"
        f"<td>{e(i.message_zh if zh else i.message_en)}</td></tr>"
        for i in run.issues[:MAX_ISSUES_LISTED])
    more = len(run.issues) - MAX_ISSUES_LISTED
    more_line = (f"<p>……另有 {more} 条,见工作簿的“校验结果”表。</p>" if zh else
                 f"<p>... {more} more on the book's Issues sheet.</p>") if more > 0 else ""
    h_steps = ("步骤", "修改数", "结果") if zh else ("Step", "Changes", "Result")
    h_checks = ("级别", "检查项", "数量") if zh else ("Severity", "Check", "Count")
    h_issues = (("级别", "工作表", "行", "列", "值", "说明") if zh else
                ("Severity", "Sheet", "Row", "Column", "Value", "Message"))
    open_title = (f"遗留问题({len(run.issues)})" if zh else f"Open problems ({len(run.issues)})")
    none_left = "<p>没有遗留问题。</p>" if zh else "<p>No open problems.</p>"
    steps_title = "各步骤结果" if zh else "What each step did"

    def head(cells):
        return "<tr>" + "".join(f"<th>{e(c)}</th>" for c in cells) + "</tr>"

    problems = (f"<h2>{e(open_title)}</h2><table>{head(h_checks)}{check_rows}</table>"
                f"<table>{head(h_issues)}{issue_rows}</table>{more_line}") if run.issues else none_left
    return f"""<!doctype html>
<html lang="{'zh-CN' if zh else 'en'}"><head><meta charset="utf-8">{GENERATOR}<title>{e(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}th{{background:#eef}}
td.n{{text-align:right}}.charts{{display:flex;flex-wrap:wrap;gap:1em}}figure{{margin:0}}</style></head><body>
<h1>{e(title)} · {run.started:%Y-%m}</h1>
<p>{e(run.book)} · {run.started:%Y-%m-%d %H:%M}</p>
{_figures(run, zh)}
<h2>{e(steps_title)}</h2>
<table>{head(h_steps)}{rows}</table>
{problems}
</body></html>
"""


def write_report(run: MonthlyRun, path: Path, lang: str = "zh") -> Path:
    """Write the page atomically: a stopped run leaves the old report or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render(run, lang).encode("utf-8")
    atomic_write(path, lambda tmp: tmp.write_bytes(text))
    return path
