"""``xltools monthly BOOK...``: the monthly batch in one command (a pipeline operation)."""

from __future__ import annotations

import datetime as dt

from rich.console import Console
from rich.progress import Progress

from ..monthly import STEPS, MonthlyRun, as_result, run_monthly
from ..monthly_report import report_path, write_report
from ..outputs import FORCE_PARAM
from ..registry import Param, operation

_STEP_LIST = " → ".join(op for op, _ in STEPS)


@operation(
    "monthly",
    label_zh="月度处理", label_en="Monthly run",
    help_zh=f"月度批处理:备份后依次运行 {_STEP_LIST},生成带日期的 HTML 报告(本月数据与遗留问题);"
            "仍有问题时退出码为 1。可一次处理多个工作簿。整批在副本上运行,结束时一次性替换原文件。",
    help_en=f"The monthly batch: after a backup, runs {_STEP_LIST} and writes a dated HTML report "
            "(the month's figures and the problems still open); exit 1 while problems remain. "
            "Takes several books. The batch runs on a copy that replaces the book in one step at "
            "the end.",
    example="xltools monthly team/*.xlsx --report reports/",
    group="batch", icon="MonthlyView", many_books=True, pipeline=True,
    params=(Param("report", ("--report",), default=None,
                  help_zh="报告文件或文件夹(默认:工作簿旁 <名称>-月报-YYYY-MM.html)",
                  help_en="Report file or folder (default: <name>-月报-YYYY-MM.html beside the book)"),
            Param("gather", ("--gather",), multiple=True,
                  help_zh="先合并这些成员工作簿(文件夹或文件,可重复;见 gather)",
                  help_en="Gather these member books first (a folder or files, repeatable; see "
                          "gather)"),
            Param("pdf", ("--pdf",), is_flag=True, default=False,
                  help_zh="同时把本月的汇总看板另存为 PDF(报告旁,同名 .pdf;需要 LibreOffice)",
                  help_en="Also print the month's Summary dashboard to a PDF beside the report "
                          "(same name, .pdf; needs LibreOffice)"),
            FORCE_PARAM),
)
def monthly(backend, ctx, report: str | None = None, db=None, force: bool = False,
            gather: tuple[str, ...] = (), pdf: bool = False):
    book, dry_run = ctx.book, ctx.dry_run
    if pdf:                               # before the batch: no LibreOffice, no run
        from ..pdf import require_soffice
        require_soffice()
    path = None
    if book is not None and not dry_run and db is not None:
        # checked before the batch: a refused report path should not cost a whole run
        path = report_path(book, report, MonthlyRun(str(book), dt.datetime.now(), lang=db.lang),
                           force=force)
    console = Console(stderr=True)
    first = (("gather", {"members": tuple(gather)}),) if gather else ()
    if not console.is_terminal:  # a scheduler's log: no progress bar, not even a blank line
        run = run_monthly(backend, ctx, db=db, first=first)
    else:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(str(book or "monthly"), total=len(STEPS))

            def on_step(op_id: str, index: int, total: int) -> None:
                progress.update(task, completed=index, total=total, description=f"{op_id}")

            run = run_monthly(backend, ctx, on_step=on_step, db=db, first=first)
    if book is not None and not dry_run:  # a dry run writes nothing, the report included
        path = path or report_path(book, report, run, force=force)
        write_report(run, path, run.lang)
        if pdf:
            print_dashboard(backend, path.with_suffix(".pdf"), book, force)
    return as_result(run, path)


def print_dashboard(backend, out, book, force: bool) -> None:
    """The Summary of the book as the batch left it (the working copy), printed to ``out``.

    LibreOffice Calc, which the PDF needs anyway, cannot lay out the HTML page with its SVG, so
    the month's PDF is the dashboard itself: key figures, charts and tables on A4 landscape."""
    from pathlib import Path

    from ..changes import SheetRebuild
    from ..monthly_report import is_report
    from ..outputs import check_output
    from ..pdf import sheet_pdf
    from .summary import summary_sheet_name

    copy = getattr(backend, "path", None)
    if copy is None:                      # a database: no sheet to print
        return
    out = check_output(out, inputs=[book, copy], force=force,
                       replaceable=lambda p: is_report(Path(p).with_suffix(".html")))
    db = backend.load()
    name = summary_sheet_name(db, SheetRebuild("Summary", "汇总", "Summary", []))
    sheet_pdf(Path(copy), name, Path(out))
