"""The dated HTML page the monthly batch leaves behind: what each step did, and what is still open.

Plain HTML with inline styles (opens anywhere, mails as one file). Values of masked columns are
masked again here, so a report never carries a raw phone, ID number or e-mail.
"""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path

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


def render(run: MonthlyRun, lang: str = "zh") -> str:
    zh = lang == "zh"
    e = html.escape
    title = "客户数据库月度报告" if zh else "Customer database: monthly report"
    rows = "".join(
        f"<tr><td>{e(s.label_zh if zh else s.label_en)}</td><td class=n>{s.changes}</td>"
        f"<td>{e(s.summary_zh if zh else s.summary_en).replace(chr(10), '<br>')}</td></tr>"
        for s in run.steps)
    by_check = Counter((i.severity, i.check) for i in run.issues)
    check_rows = "".join(f"<tr><td>{e(sev)}</td><td>{e(check)}</td><td class=n>{n}</td></tr>"
                         for (sev, check), n in by_check.most_common())
    issue_rows = "".join(
        f"<tr><td>{e(i.severity)}</td><td>{e(i.table)}</td><td class=n>{i.row or ''}</td>"
        f"<td>{e(i.column or '')}</td><td>{e(_masked(i.table, i.column, i.value)[:60])}</td>"
        f"<td>{e(i.message_zh if zh else i.message_en)}</td></tr>"
        for i in run.issues[:MAX_ISSUES_LISTED])
    more = len(run.issues) - MAX_ISSUES_LISTED
    more_line = (f"<p>……另有 {more} 条,见工作簿的“校验结果”表。</p>" if zh else
                 f"<p>... {more} more on the book's Issues sheet.</p>") if more > 0 else ""
    h_steps = ("步骤", "修改数", "结果") if zh else ("Step", "Changes", "Result")
    h_checks = ("级别", "检查项", "数量") if zh else ("Severity", "Check", "Count")
    h_issues = (("级别", "表", "行", "列", "值", "说明") if zh else
                ("Severity", "Table", "Row", "Column", "Value", "Message"))
    open_title = (f"遗留问题({len(run.issues)})" if zh else f"Open problems ({len(run.issues)})")
    none_left = "<p>没有遗留问题。</p>" if zh else "<p>No open problems.</p>"

    def head(cells):
        return "<tr>" + "".join(f"<th>{e(c)}</th>" for c in cells) + "</tr>"

    problems = (f"<h2>{e(open_title)}</h2><table>{head(h_checks)}{check_rows}</table>"
                f"<table>{head(h_issues)}{issue_rows}</table>{more_line}") if run.issues else none_left
    return f"""<!doctype html>
<html lang="{'zh-CN' if zh else 'en'}"><head><meta charset="utf-8">{GENERATOR}<title>{e(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}th{{background:#eef}}
td.n{{text-align:right}}</style></head><body>
<h1>{e(title)} · {run.started:%Y-%m}</h1>
<p>{e(run.book)} · {run.started:%Y-%m-%d %H:%M}</p>
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
