"""``xltools summary``: rebuild the Summary sheet (figures and native charts)."""

from __future__ import annotations

from ..core.summary import summarize
from ..registry import operation


@operation(
    "summary",
    label_zh="汇总报表", label_en="Summary",
    help_zh="重建“汇总”表:行业×等级、区域、阶段、来源、负责人分布,商机漏斗,来源成交率,"
            "近30天跟进,休眠与待跟进清单,并附图表。只改动汇总表。",
    help_en="Rebuild the Summary sheet: customers by industry x level, region, phase, source and "
            "owner; the opportunity funnel; deals by source; follow-up activity; dormant and due "
            "lists; with charts. Touches only the Summary sheet.",
    example="xltools summary customers.xlsx",
    group="reports", icon="ChartInsert",
)
def summary(db, today=None):
    return summarize(db, today=today)
