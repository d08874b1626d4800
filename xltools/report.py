"""Human-readable output of an operation's result (rich tables on the terminal)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .changes import Result

MAX_ROWS_SHOWN = 40


def print_result(result: Result, lang: str, console: Console | None = None) -> None:
    """The summary and the first issues: a table on a terminal; one tab-separated line per issue,
    never wrapped, when the output goes to a file, a pipe or a scheduler's log."""
    console = console or Console(highlight=False, soft_wrap=True)
    summary = result.summary_zh if lang == "zh" else result.summary_en
    if summary:
        console.print(summary, markup=False)
    if not result.issues:
        return
    zh = lang == "zh"
    if not console.is_terminal:
        for issue in result.issues[:MAX_ROWS_SHOWN]:
            console.file.write("\t".join(_cells(issue, zh)) + "\n")  # no wrapping, tabs kept
        _more(console, len(result.issues), zh)
        return
    table = Table(show_lines=False)
    table.add_column("级别" if zh else "Severity", no_wrap=True)
    table.add_column("位置" if zh else "Where", no_wrap=True)
    table.add_column("说明" if zh else "Message")
    for issue in result.issues[:MAX_ROWS_SHOWN]:
        table.add_row(*(Text(cell) for cell in _cells(issue, zh)))
    console.print(table)
    _more(console, len(result.issues), zh)


def _cells(issue, zh: bool) -> tuple[str, str, str]:
    """Severity, where (table row column) and the message with the value it is about."""
    where = issue.table + ("" if issue.row is None else f" {issue.row}")
    where += f" {issue.column}" if issue.column else ""
    message = issue.message_zh if zh else issue.message_en
    if issue.value is not None and str(issue.value) not in message:
        message += f"  [{str(issue.value)[:30]}]"
    return issue.severity, where, message


def _more(console: Console, total: int, zh: bool) -> None:
    hidden = total - MAX_ROWS_SHOWN
    if hidden > 0:
        console.print(f"……另有 {hidden} 条(见 校验结果 表或 --json)" if zh
                      else f"... {hidden} more (see the Issues sheet or --json)")
