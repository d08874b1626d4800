"""The monthly HTML report: in the book's language throughout, with the month's figures and
inline SVG charts; --pdf prints the month's dashboard beside it."""

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from integration_support import cli, demo_book, load, use_demo_key
from xltools.core import kpi


@pytest.fixture
def ran(tmp_path, monkeypatch):
    use_demo_key(monkeypatch)
    book = tmp_path / "客户数据库.xlsx"
    demo_book(book, customers=80)
    code, out, err = cli("monthly", book)
    assert code in (0, 1), err
    return book, out["books"][0]


def test_a_chinese_report_shows_no_english_keys(ran):
    book, run = ran
    text = Path(run["report"]).read_text(encoding="utf-8")
    cells = set(re.findall(r"<td[^>]*>([^<]*)</td>", text))
    english = {"error", "warning", "Customers", "FollowUps", "Opportunities", "ContactPerson",
               "ContactPhone", "CreditCode", "uscc", "required", "duplicate", "date_order", "list"}
    assert not cells & english, cells & english
    assert "错误" in cells and "客户基础信息" in cells


def test_the_report_carries_the_months_figures_and_charts(ran):
    book, run = ran
    text = Path(run["report"]).read_text(encoding="utf-8")
    head = kpi.header(load(book), kpi.period(dt.date.today()))
    assert f"<b>{head['now']['customers']:,}</b>" in text
    assert f"<b>{head['now']['conversion']:.1%}</b>" in text
    assert f"<b>{head['now']['followups']:,}</b>" in text
    svgs = re.findall(r"<svg.*?</svg>", text, re.DOTALL)
    assert len(svgs) >= 3
    for svg in svgs:                               # each chart is well-formed SVG with marks
        root = etree.fromstring(svg.encode())
        assert root.tag.endswith("svg")
        assert root.findall(".//{http://www.w3.org/2000/svg}rect") or \
            root.findall(".//{http://www.w3.org/2000/svg}polyline")
    assert "每位负责人的待办" in text


@pytest.mark.libreoffice
@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdfinfo")),
                    reason="needs LibreOffice and poppler")
def test_monthly_pdf_is_the_dashboard_beside_the_report(tmp_path, monkeypatch):
    use_demo_key(monkeypatch)
    book = tmp_path / "book.xlsx"
    demo_book(book, customers=80)
    code, out, err = cli("monthly", book, "--pdf")
    assert code in (0, 1), err
    pdf = Path(out["books"][0]["report"]).with_suffix(".pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) <= 3
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "客户数据看板" in text
