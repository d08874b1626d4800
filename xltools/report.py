"""Human-readable output of an operation's result (rich tables on the terminal)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .changes import Result

MAX_ROWS_SHOWN = 40


def print_result(result: Result, lang: str, console: Console | None = None) -> None:
    console = console or Console(highlight=False, soft_wrap=True)
    summary = result.summary_zh if lang == "zh" else result.summary_en
    if summary:
        console.print(summary)
    if not result.issues:
        return
    zh = lang == "zh"
    table = Table(show_lines=False)
    for head in (("级别", "Severity"), ("表", "Table"), ("行", "Row"), ("列", "Column"),
                 ("值", "Value"), ("说明", "Message")):
        table.add_column(head[0] if zh else head[1])
    for issue in result.issues[:MAX_ROWS_SHOWN]:
        table.add_row(issue.severity, issue.table, "" if issue.row is None else str(issue.row),
                      issue.column or "", "" if issue.value is None else str(issue.value)[:30],
                      issue.message_zh if zh else issue.message_en)
    console.print(table)
    hidden = len(result.issues) - MAX_ROWS_SHOWN
    if hidden > 0:
        console.print(f"……另有 {hidden} 条(见 校验结果 表或 --json)" if zh
                      else f"... {hidden} more (see the Issues sheet or --json)")
