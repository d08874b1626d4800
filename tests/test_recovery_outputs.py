"""Issue 14, case 1: outputs never replace a workbook they were not asked to.

Through the CLI: ``export``/``query -o``/``monthly --report``/``new``/``template`` refuse the input
book (under any name), any xltools database, and without ``--force`` any existing file; exit 2, one
bilingual line, every byte of the book as it was.
"""

import os
import shutil

import pytest

from integration_support import demo_book, run, use_demo_key


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "客户数据库.xlsx"
    demo_book(path, customers=40, seed=5)
    return path


@pytest.fixture
def book(pristine, tmp_path, monkeypatch):
    use_demo_key(monkeypatch)
    path = tmp_path / pristine.name
    shutil.copyfile(pristine, path)
    return path


def refused(result, *words):
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert "Traceback" not in result.output and len(line.splitlines()) == 1, line
    assert " / " in line  # Chinese / English
    for word in words:
        assert word in line, line
    return line


@pytest.mark.parametrize("command", [
    ["export", "{book}", "-o", "{book}"],
    ["export", "{book}", "-o", "{book}", "--force"],
    ["query", "{book}", "Region=华南", "-o", "{book}"],
    ["query", "{book}", "Region=华南", "-o", "{book}", "--force"],
    ["monthly", "{book}", "--report", "{book}", "--force"],
])
def test_the_input_book_is_never_an_output(book, command):
    before = book.read_bytes()
    result = run(*(part.format(book=book) for part in command))
    refused(result, "input workbook")
    assert book.read_bytes() == before
    assert sorted(p.name for p in book.parent.iterdir()) == [book.name]  # no backup, no stray


def test_the_book_under_another_name_is_refused(book, tmp_path):
    link = tmp_path / "link.xlsx"
    link.symlink_to(book)
    hard = tmp_path / "hard.xlsx"
    os.link(book, hard)
    before = book.read_bytes()
    for other in (link, hard, tmp_path / "." / book.name):
        refused(run("export", book, "-o", other, "--force"), "input workbook")
    assert book.read_bytes() == before


def test_another_database_is_refused_even_with_force(book, tmp_path):
    other = tmp_path / "另一个团队.xlsx"
    shutil.copyfile(book, other)
    before = other.read_bytes()
    for command in (["export", book, "-o", other, "--force"],
                    ["query", book, "Region=华南", "-o", other, "--force"],
                    ["new", other, "--force"],
                    ["template", "-o", other, "--force"]):
        refused(run(*command), "xltools database")
        assert other.read_bytes() == before


def test_an_existing_file_needs_force(book, tmp_path):
    out = tmp_path / "south.csv"
    out.write_text("someone's notes\n", encoding="utf-8")
    refused(run("export", book, "-o", out, "--where", "Region=华南"), "--force")
    assert out.read_text(encoding="utf-8") == "someone's notes\n"
    ok = run("export", book, "-o", out, "--where", "Region=华南", "--force")
    assert ok.exit_code == 0, ok.output
    assert out.read_text(encoding="utf-8-sig").startswith(("客户ID", "CustomerID"))


def test_a_vault_and_a_backup_folder_are_never_outputs(book, tmp_path):
    vault = tmp_path / "客户数据库.xlsx.vault"
    vault.write_text('{"format": "xltools-vault", "version": 1}', encoding="utf-8")
    refused(run("export", book, "-o", vault.with_suffix(".vault"), "--force"), "database")
    import sqlite3
    with sqlite3.connect(tmp_path / "team.db") as con:
        con.execute("create table customers (id text)")
    refused(run("export", book, "-o", tmp_path / "team.db", "--force"), "database")
    inside = tmp_path / ".xltools-backups" / "x.csv"
    inside.parent.mkdir()
    refused(run("export", book, "-o", inside), "backup folder")


def test_monthly_report_over_someone_elses_file_needs_force_but_replaces_its_own(book, tmp_path):
    mine = tmp_path / "notes.html"
    mine.write_text("<p>my notes</p>", encoding="utf-8")
    before = book.read_bytes()
    refused(run("monthly", book, "--report", mine), "--force")
    assert mine.read_text(encoding="utf-8") == "<p>my notes</p>"
    assert book.read_bytes() == before  # refused before the batch ran
    report = tmp_path / "reports" / "r.html"
    for _ in range(2):  # the second run replaces the first run's report without --force
        result = run("monthly", book, "--report", report)
        assert result.exit_code in (0, 1), result.output
    assert "xltools monthly" in report.read_text(encoding="utf-8")
