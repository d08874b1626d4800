"""Running a command twice changes nothing the second time (issue 6), through the CLI and the
real file backend; manual tags survive every command; the Summary sheet has native charts that a
real spreadsheet program draws.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import pandas as pd
import pytest
from integration_support import (
    assert_same_tables,
    changelog_rows,
    cli,
    demo_book,
    load,
    tables,
    use_demo_key,
)

CHART_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    use_demo_key(monkeypatch)


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "book.xlsx"
    demo_book(path, customers=60)
    return path


def manual_tags(book) -> set[tuple]:
    tags = load(book).df("Tags")
    manual = tags[tags["Source"].astype(str).str.strip() == "manual"]
    cols = ["TagID", "CustomerID", "TagType", "TagName", "Reason"]
    return {tuple("" if pd.isna(v) else str(v) for v in r)
            for r in manual[cols].itertuples(index=False)}


@pytest.mark.parametrize("command", [["tag"], ["tag", "--levels"], ["sync"], ["summary"]])
def test_second_run_changes_nothing(book, command):
    code, first, _ = cli(*command, book)
    assert code in (0, 1), first
    after_first, log_rows = tables(book), changelog_rows(book)
    code, second, _ = cli(*command, book)
    assert code in (0, 1)
    assert changelog_rows(book) == log_rows                 # nothing new logged ...
    assert_same_tables(after_first, tables(book))           # ... and nothing changed
    if command[0] == "tag":
        assert (second["added"], second["removed"]) == ([], [])


def test_the_first_run_did_change_the_demo_book(book):
    """So the test above compares a settled book, not one nothing ever touches."""
    log_rows = changelog_rows(book)
    for command in (["sync"], ["tag", "--levels"]):
        cli(*command, book)
    assert changelog_rows(book) > log_rows


@pytest.mark.parametrize("command", [
    ["tag"], ["tag", "--levels"], ["sync"], ["summary"], ["mask"], ["fill-region"], ["pool"],
    ["dedupe"], ["validate"], ["monthly"], ["merge"]])
def test_manual_tags_survive_every_command(book, command):
    manual = manual_tags(book)
    assert manual, "the demo book has manual tags"
    cli(*command, book)
    cli(*command, book)
    assert manual_tags(book) == manual


def summary_parts(book) -> tuple[list[str], list[str]]:
    """(chart parts, chart titles) of the book's package, and the Summary sheet's drawing."""
    with zipfile.ZipFile(book) as z:
        names = z.namelist()
        charts = sorted(n for n in names if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        titles = []
        for name in charts:
            title = re.search(rb"<c:title>.*?</c:title>", z.read(name), re.DOTALL)
            if title:
                titles.append("".join(t.decode() for t in re.findall(rb"<a:t>(.*?)</a:t>",
                                                                      title.group(0))))
    return charts, titles


def summary_sheet_charts(book) -> list[str]:
    """The chart parts the Summary sheet's drawing points at."""
    from xltools.xlsx.package import Package
    db = load(book)
    with Package(book) as pkg:
        sheet = pkg.sheet(db.schema.sheet("Summary").title(db.lang))
        return sorted(chart for drawing in pkg.drawing_parts(sheet.part)
                      for chart in pkg.rel_targets(drawing, CHART_REL))


@pytest.mark.libreoffice
def test_summary_charts_are_in_the_book_and_libreoffice_draws_them(book, tmp_path, soffice):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    code, out, _ = cli("summary", book)
    assert code == 0
    charts, titles = summary_parts(book)
    assert len(charts) >= 3 and len(titles) == len(charts)
    assert summary_sheet_charts(book) == charts           # all drawn on the Summary sheet
    cli("summary", book)
    assert summary_parts(book)[0] == charts               # rebuilt, not piled up

    profile = tmp_path / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
                   check=True, capture_output=True, timeout=300)
    text = subprocess.run(["pdftotext", str(tmp_path / "book.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    missing = [t for t in titles if re.sub(r"\s+", "", t) not in flat]
    assert not missing, f"chart titles not drawn: {missing}"
    assert str(out["customers"]) in text.split()
    for owner in out["Owner"]:                              # the figures are on the page
        assert owner in flat
