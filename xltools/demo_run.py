"""``xltools demo``: every capability, end to end, on a synthetic team's messy book.

The demo goes through the same code paths as a user's commands (:class:`xltools.Book` with the
file backend): build the book, import a messy trade-show export, run the monthly batch, run the seed's
query and export one region. It prints where to look.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from rich.console import Console

from .catalog import get

SEED_QUERY = "Region=华南 and tag:价值=高价值 and Industry=IT服务业 and followup_within(30)"


def run_demo(directory: Path, *, customers: int = 300, lang: str = "zh", quiet: bool = False,
             today: dt.date | None = None) -> dict:
    from .book import Book
    from .demo import DEMO_SECRET, demo_data
    from .demo.export_file import write_messy_export
    from .template import build_template

    console = Console(quiet=quiet, highlight=False)
    zh = lang == "zh"
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    book = directory / ("客户数据库-演示.xlsx" if zh else "customers-demo.xlsx")
    if not os.environ.get("XLTOOLS_SECRET"):
        # The demo book's fingerprints were made with the demo key; use it for this run only.
        os.environ["XLTOOLS_SECRET"] = DEMO_SECRET.decode()

    data = demo_data(n_customers=customers, today=today)
    build_template(book, lang=lang, data=data)
    planted = len(data.planted)
    console.print(f"1. 演示工作簿:{book}({customers} 位客户,预埋 {planted} 个问题)" if zh else
                  f"1. Demo book: {book} ({customers} customers, {planted} planted problems)")

    cust = data.frames["Customers"]
    companies = cust[(cust["CustomerType"] == "企业") & cust["CreditCode"].notna()]
    existing = list(zip(companies["CustomerName"].head(3), companies["CreditCode"].head(3)))
    export = write_messy_export(directory / "展会名单-导出.csv", existing, today=today)

    export_path = directory / ("华南客户.csv" if zh else "south-china-customers.csv")
    steps = [
        ("import", {"sources": (str(export),)}),
        ("monthly", {}),
        ("query", {"expr": SEED_QUERY}),
        ("export", {"output": str(export_path), "where": "Region=华南", "force": True}),
    ]
    report = {"book": str(book), "planted": planted, "steps": {}}
    for n, (op_id, params) in enumerate(steps, start=2):
        op = get(op_id)
        result = Book.open(book).run(op_id, today=today, **params)
        text = result.summary_zh if zh else result.summary_en
        console.print(f"{n}. {op.label(lang)}:" if zh else f"{n}. {op.label(lang)}:")
        for line in (text or "").splitlines():
            console.print(f"   {line}")
        report["steps"][op_id] = result.data

    look = [
        (str(book), "工作簿:校验结果、查重复核、汇总、查询结果、变更日志 各表" if zh else
         "the book: Issues, DedupeReview, Summary, Query and ChangeLog sheets"),
        (report["steps"].get("monthly", {}).get("report") or "", "月度报告" if zh else "monthly report"),
        (str(export_path), "导出的华南客户" if zh else "exported 华南 (South China) customers"),
    ]
    console.print("\n看这里:" if zh else "\nWhere to look:")
    for path, what in look:
        if path:
            console.print(f"  {path}  — {what}")
    return report
