"""``xltools summary``: rebuild the Summary sheet as a dashboard (key figures, tables, charts)."""

from __future__ import annotations

from pathlib import Path

from ..core.kpi import period
from ..core.summary import summarize
from ..errors import BadInputError
from ..outputs import FORCE_PARAM, check_output
from ..registry import Param, operation


@operation(
    "summary",
    label_zh="汇总报表", label_en="Summary",
    help_zh="把“汇总”表重建为看板:本月关键指标(客户、新增、跟进、成交与金额、转化率、逾期)及与上月的变化,"
            "行业×等级、区域、阶段、来源、负责人分布,商机漏斗,近30天与每月跟进,休眠与待跟进清单,并附图表;"
            "按 A4 横向排版打印。只改动汇总表。--pdf 经 LibreOffice 另存为 PDF。",
    help_en="Rebuild the Summary sheet as a dashboard: the month's key figures (customers, new, "
            "follow-ups, deals and amount, conversion, overdue) with their change against the "
            "month before; customers by industry x level, region, phase, source and owner; the "
            "opportunity funnel; follow-up activity; dormant and due lists; with charts, laid out "
            "to print on A4 landscape. Touches only the Summary sheet. --pdf prints it to a PDF "
            "through LibreOffice.",
    example="xltools summary customers.xlsx --month 2026-10 --pdf summary.pdf",
    group="reports", icon="ChartInsert",
    params=(Param("month", ("--month",), default=None,
                  help_zh="按过去某月重建(如 2026-10),默认本月",
                  help_en="Rebuild as of a past month (e.g. 2026-10); default: this month"),
            Param("pdf", ("--pdf",), default=None, ask="save",
                  help_zh="同时把汇总表另存为 PDF(需要 LibreOffice)",
                  help_en="Also print the Summary to this PDF (needs LibreOffice)"),
            FORCE_PARAM),
)
def summary(db, ctx, month: str | None = None, pdf: str | None = None, force: bool = False):
    try:
        period(ctx.today, month)
    except ValueError as err:
        raise BadInputError(f"月份无效:{month}(应写作 2026-10,且不晚于本月)",
                            f"bad month: {err}") from None
    result = summarize(db, today=ctx.today, month=month)
    if pdf:
        from ..pdf import sheet_pdf
        if not db.path:
            raise BadInputError("PDF 需要已保存在磁盘上的工作簿", "PDF needs a book saved on disk")
        out = check_output(pdf, inputs=[db.path], force=force)
        rebuild = result.changes.rebuilds[0]
        sheet = summary_sheet_name(db, rebuild)
        sheet_pdf(Path(db.path), sheet, Path(out), db, result.changes)
        result.data["pdf"] = str(out)
        result.summary_zh += f";PDF:{out}"
        result.summary_en += f"; PDF: {out}"
    return result


def summary_sheet_name(db, rebuild) -> str:
    """The name the Summary sheet has (or will have) in the book."""
    from ..xlsx.package import Package
    from ..backend.writer import BookWriter
    with Package(db.path) as pkg:
        found = BookWriter(pkg, db).find_sheet(rebuild.sheet, [rebuild.title_zh, rebuild.title_en,
                                                                 rebuild.sheet])
    if found:
        return found[0]
    return rebuild.title_zh if db.lang == "zh" else rebuild.title_en
