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
    """Run the demo; the public demo key, when it is used, is set for this run only."""
    from .secret import ENV_VAR
    before = os.environ.get(ENV_VAR)
    try:
        return _run_demo(directory, customers=customers, lang=lang, quiet=quiet, today=today)
    finally:
        if before is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = before


def _run_demo(directory: Path, *, customers: int, lang: str, quiet: bool,
              today: dt.date | None) -> dict:
    from .book import Book
    from .demo import DEMO_SECRET, demo_data
    from .demo.export_file import write_messy_export
    from .template import build_template

    console = Console(quiet=quiet, highlight=False, soft_wrap=True)  # a log gets whole lines
    zh = lang == "zh"
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    book = directory / ("客户数据库-演示.xlsx" if zh else "customers-demo.xlsx")
    from .secret import ENV_VAR, load_secret
    own_key = load_secret()  # the user's key (environment or key file): the demo masks with it
    if own_key is None:
        # No key yet: the public demo key for this run, and at the end how to reveal with it.
        os.environ[ENV_VAR] = DEMO_SECRET.decode()

    data = demo_data(n_customers=customers, today=today, secret=own_key or DEMO_SECRET)
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
        (str(book), "工作簿:校验结果、查重复核、汇总、待办、查询结果、变更日志 各表" if zh else
         "the book: Issues, DedupeReview, Summary, To-do, Query and ChangeLog sheets"),
        (report["steps"].get("monthly", {}).get("report") or "", "月度报告" if zh else "monthly report"),
        (str(export_path), "导出的华南客户" if zh else "exported 华南 (South China) customers"),
    ]
    console.print("\n看这里:" if zh else "\nWhere to look:")
    for path, what in look:
        if path:
            console.print(f"  {path}  — {what}")
    report["key"] = "own" if own_key else "demo"
    console.print(_reveal_hint(book, data, own_key is not None, zh), markup=False)
    return report


def _reveal_hint(book: Path, data, own_key: bool, zh: bool) -> str:
    """How to see a masked customer's raw values on the demo book: with the user's own key it
    just works; with the public demo key, the key has to be given to that command."""
    from .demo import DEMO_SECRET
    from .secret import ENV_VAR
    # a customer whose raw phone or ID the monthly mask step put in the vault
    raw = [p["id"] for p in data.planted if p["kind"] == "unmasked" and p["table"] == "Customers"]
    first = raw[0] if raw else str(data.frames["Customers"]["CustomerID"].iloc[0])
    command = f'xltools reveal "{book}" {first}'
    if own_key:
        return (f"\n查看脱敏前的原值(用您自己的密钥):\n  {command}" if zh else
                f"\nTo see raw values behind the masks (with your own key):\n  {command}")
    key = DEMO_SECRET.decode()
    if zh:
        return (f"\n演示使用公开的演示密钥(只用于演示数据)。查看原值:\n  {ENV_VAR}={key} {command}\n"
                f"  (Windows: set {ENV_VAR}={key} 后再运行)\n真实数据请先运行 python -m xltools.secret 生成自己的密钥。")
    return (f"\nThe demo used the public demo key (for demo data only). To see raw values:\n"
            f"  {ENV_VAR}={key} {command}\n  (Windows: set {ENV_VAR}={key} first)\n"
            "For real data, make your own key first: python -m xltools.secret")
