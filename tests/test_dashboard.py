"""The Summary as a dashboard: key figures against the month before, a layout that prints on A4
landscape (checked in LibreOffice's own PDF), formats, charts that survive LibreOffice's save."""

import re
import shutil
import subprocess
import zipfile

import pandas as pd
import pytest
from lxml import etree

from integration_support import cli, demo_book
from routine_data import TODAY, random_db
from test_summary import _series_fills
from xltools.core import kpi
from xltools.core.summary import summarize
from xltools.xlsx.charts import sheet_part_of
from xltools.xlsx.refs import split_ref

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def test_key_figures_match_pandas_for_this_and_last_month():
    db = random_db(n=500, seed=5)
    c, f = db.customers, db.df("FollowUps")
    head = summarize(db, today=TODAY).data["kpi"]
    for key, start, end in (("now", pd.Timestamp("2024-09-01"), pd.Timestamp(TODAY)),
                            ("before", pd.Timestamp("2024-08-01"), pd.Timestamp("2024-08-31"))):
        created = pd.to_datetime(c["CreateTime"], errors="coerce")
        fig = head[key]
        assert fig["customers"] == (created.isna() | (created <= end)).sum()
        assert fig["new"] == created.between(start, end).sum()
        logged = pd.to_datetime(f["FollowUpTime"], errors="coerce").dt.normalize()
        assert fig["followups"] == logged.between(start, end).sum()
    assert head["change"]["new"] == head["now"]["new"] - head["before"]["new"]
    assert 0 <= head["now"]["conversion"] <= 1


def test_a_past_month_is_rebuilt_as_it_was():
    db = random_db(n=300, seed=3)
    result = summarize(db, today=TODAY, month="2024-06")
    created = pd.to_datetime(db.customers["CreateTime"], errors="coerce")
    assert result.data["customers"] == (created.isna() | (created <= "2024-06-30")).sum()
    assert result.data["kpi"]["previous_month"] == "2024-05"
    assert list(result.data["followups_per_month"])[-1] == "2024-06"
    assert result.changes.rebuilds[0].rows[0][0].endswith("2024年6月")
    with pytest.raises(ValueError):
        kpi.period(TODAY, "2024-10")          # not begun yet
    with pytest.raises(ValueError):
        kpi.period(TODAY, "June")


def test_percentages_money_and_page_setup_are_in_the_written_book(tmp_path):
    book = tmp_path / "book.xlsx"
    demo_book(book, customers=80)
    code, out, err = cli("summary", book)
    assert code == 0, err
    with zipfile.ZipFile(book) as z:
        workbook = z.read("xl/workbook.xml").decode()
        styles = z.read("xl/styles.xml").decode()
        parts = {n: z.read(n) for n in z.namelist() if n.endswith((".xml", ".rels"))}
        summary = parts[sheet_part_of(parts, "汇总")]
    assert "_xlnm.Print_Titles" in workbook and "_xlnm.Print_Area" in workbook
    root = etree.fromstring(summary)
    setup = root.find(f"{MAIN}pageSetup")
    assert setup.get("fitToWidth") == "1" and setup.get("fitToHeight") == "0"
    assert root.find(f"{MAIN}sheetPr/{MAIN}pageSetUpPr").get("fitToPage") == "1"
    assert root.find(f"{MAIN}rowBreaks") is not None
    assert 'formatCode="0.0%"' in styles and 'formatCode="#,##0"' in styles


@pytest.mark.libreoffice
@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")
                         and shutil.which("pdfinfo")), reason="needs LibreOffice and poppler")
def test_demo_summary_prints_on_three_landscape_pages_and_survives_libreoffice(tmp_path):
    book = tmp_path / "客户数据库.xlsx"
    demo_book(book)
    pdf = tmp_path / "summary.pdf"
    code, out, err = cli("summary", book, "--pdf", pdf)
    assert code == 0, err
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert pages <= 3 and width > height                           # landscape
    texts = [subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), str(pdf), "-"],
                            capture_output=True, text=True).stdout for p in range(1, pages + 1)]
    assert re.search(r"\d+\.\d%", "".join(texts))                 # percentages shown with %
    assert "0.2754" not in "".join(texts)

    db_result = summarize(__import__("xltools.backend.file", fromlist=["FileBackend"])
                          .FileBackend(book).load())
    rebuild = db_result.changes.rebuilds[0]
    breaks = rebuild.page["breaks"]
    assert pages == len(breaks) + 1              # LibreOffice added no page break of its own
    for chart in rebuild.charts:                 # so a chart between two breaks is on one page
        (_, top), (_, bottom) = split_ref(chart["anchor"] + ":" + chart["to"])
        pages_of = {sum(b < r for b in breaks) for r in (top, bottom)}
        assert len(pages_of) == 1
        assert chart["title"].replace(" ", "") in texts[pages_of.pop()].replace(" ", "")

    # LibreOffice's own save drops the theme: every series still has its own fill
    saved = tmp_path / "lo"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(saved), str(book)],
                   check=True, capture_output=True, timeout=300)
    with zipfile.ZipFile(saved / book.name) as z:
        charts = [z.read(n) for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == len(rebuild.charts)
    for xml in charts:
        fills = _series_fills(xml)
        assert fills and None not in fills


def test_pdf_without_libreoffice_says_so_and_leaves_the_book(tmp_path, monkeypatch):
    book = tmp_path / "book.xlsx"
    demo_book(book, customers=40)
    before = book.read_bytes()
    monkeypatch.setenv("XLTOOLS_SOFFICE", str(tmp_path / "no-soffice"))
    code, out, err = cli("summary", book, "--pdf", tmp_path / "s.pdf")
    assert code == 2 and "LibreOffice" in err and "Traceback" not in err
    assert book.read_bytes() == before and not (tmp_path / "s.pdf").exists()
    code, out, err = cli("summary", book, "--pdf", book)
    assert code == 2 and book.read_bytes() == before
