"""Bad input files, every command that reads them: a clear bilingual refusal, exit 2, the file intact.

The corpus is built by ``tests/badfiles.py`` from a small demo book. Each broken or hostile case is
run through every command that opens a book (and ``import``'s SOURCE argument): the command must
exit 2 with one ``中文 / English`` line naming the problem, print no traceback, leave the file
byte-identical and make no backup. Legitimate oddities (reordered headers, hidden rows, 32,767-char
strings, control characters, a stray cell in row 1,048,576 ...) must simply work.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import badfiles
import openpyxl
import pytest
from click.testing import CliRunner
from lxml import etree

from xltools.backend.file import FileBackend
from xltools.changes import CellUpdate, Changeset
from xltools.cli import main
from xltools.template import build_template

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    from xltools.demo import demo_data
    folder = tmp_path_factory.mktemp("corpus")
    good = folder / "good.xlsx"
    build_template(good, lang="zh", data=demo_data(n_customers=60, seed=7))
    out = {"good": good}
    for name, (builder, _) in badfiles.BOOK_CASES.items():
        out[name] = badfiles.build(builder, good, folder / f"{name}.xlsx")
    for name, (builder, suffix, _) in badfiles.source_cases().items():
        out["source:" + name] = badfiles.build(builder, good, folder / f"src_{name}{suffix}")
    csv = folder / "leads.csv"
    csv.write_text("客户名称,手机,联系人\n广州新客户有限公司,13912345678,陈经理\n", encoding="utf-8")
    out["leads"] = csv
    return out


@pytest.fixture(autouse=True)
def _secret(monkeypatch, tmp_path):
    monkeypatch.setenv("XLTOOLS_SECRET", "hardening-test-secret-wVCsjSV3eGl5qC-eNP77DKToXwBOpLcJ3624LAEOyJ8O")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("XLTOOLS_DEBUG", raising=False)


def command(name: str, book: Path, tmp: Path, leads: Path) -> list[str]:
    extra = {
        "pool": ["--apply"],
        "query": ["Region=华南"],
        "export": ["-o", str(tmp / "out.csv")],
        "monthly": ["--report", str(tmp / "reports") + "/"],
        "import": [str(leads)],
    }.get(name, [])
    return [name, str(book), *extra]


COMMANDS = ["info", "validate", "mask", "dedupe", "tag", "sync", "pool", "summary", "query",
            "export", "monthly", "merge", "fill-region", "import"]
REFUSED = [n for n, (_, e) in badfiles.BOOK_CASES.items() if e != badfiles.WORKS]
LEGIT = [n for n, (_, e) in badfiles.BOOK_CASES.items() if e == badfiles.WORKS]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(args: list[str]):
    return CliRunner().invoke(main, args)


def assert_refused(result, words: list[str]) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    line = result.stderr.strip()
    assert "Traceback" not in line and "internal error" not in line, line
    assert line.startswith("xltools: ") and " / " in line and CHINESE.search(line), line
    for word in words:
        assert word in line, (word, line)


@pytest.mark.parametrize("case", REFUSED)
@pytest.mark.parametrize("cmd", COMMANDS)
def test_a_bad_book_is_refused_clearly_and_left_as_it_was(corpus, tmp_path, case, cmd):
    book = tmp_path / "team.xlsx"
    shutil.copyfile(corpus[case], book)
    before = digest(book)
    result = run(command(cmd, book, tmp_path, corpus["leads"]))
    assert_refused(result, badfiles.BOOK_CASES[case][1])
    assert digest(book) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["team.xlsx"], \
        "a refused command left files (backup, temp copy, report, vault) beside the book"


@pytest.mark.parametrize("case", list(badfiles.source_cases()))
def test_a_bad_source_file_is_refused_and_the_book_untouched(corpus, tmp_path, case):
    book = tmp_path / "team.xlsx"
    shutil.copyfile(corpus["good"], book)
    source = tmp_path / corpus["source:" + case].name
    shutil.copyfile(corpus["source:" + case], source)
    before, source_before = digest(book), digest(source)
    result = run(["import", str(book), str(source)])
    assert_refused(result, badfiles.source_cases()[case][2])
    assert source.name in result.stderr
    assert digest(book) == before and digest(source) == source_before


@pytest.mark.parametrize("case", ["zip_bomb", "entity_bomb_sheet", "encrypted", "malformed_sheet_xml",
                                  "corrupt_member"])
def test_a_real_process_exits_2_without_a_traceback(corpus, tmp_path, case):
    book = tmp_path / "team.xlsx"
    shutil.copyfile(corpus[case], book)
    before = digest(book)
    env = {k: v for k, v in os.environ.items() if k != "XLTOOLS_DEBUG"}
    proc = subprocess.run([sys.executable, "-m", "xltools", "mask", str(book)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and CHINESE.search(proc.stderr)
    assert digest(book) == before


# ---------------------------------------------------------------- legitimate oddities


def customers(path: Path):
    return FileBackend(path).load().customers


@pytest.mark.parametrize("case", LEGIT)
@pytest.mark.parametrize("cmd", COMMANDS)
def test_an_odd_but_valid_book_works(corpus, tmp_path, case, cmd):
    book = tmp_path / "team.xlsx"
    shutil.copyfile(corpus[case], book)
    result = run(command(cmd, book, tmp_path, corpus["leads"]))
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    customers(book)                      # still a book we can read
    with zipfile.ZipFile(book) as z:     # and every XML part is well-formed
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(z.read(name))


def test_reordered_headers_read_the_same_customers(corpus):
    good, swapped = customers(corpus["good"]), customers(corpus["reordered_headers"])
    assert list(swapped.columns) == list(good.columns)          # keyed by header, not position
    assert swapped["CustomerName"].tolist() == good["CustomerName"].tolist()
    assert swapped["CustomerID"].tolist() == good["CustomerID"].tolist()


def test_hidden_and_filtered_rows_are_still_customers(corpus):
    assert len(customers(corpus["hidden_and_filtered_rows"])) == len(customers(corpus["good"]))


def test_32767_character_text_survives_a_write(corpus, tmp_path):
    book = tmp_path / "team.xlsx"
    shutil.copyfile(corpus["long_strings"], book)
    assert run(["mask", str(book)]).exit_code == 0
    df = customers(book)
    assert len(badfiles.LONG) == 32767
    assert df["Remarks"].iloc[0] == badfiles.LONG and df["CustomerName"].iloc[1] == badfiles.LONG
    ws = openpyxl.load_workbook(book, read_only=True)["客户基础信息"]
    assert badfiles.LONG in [c.value for c in next(ws.iter_rows(min_row=3, max_row=3))]


def test_control_characters_read_and_written_back_as_valid_xml(corpus, tmp_path):
    book = tmp_path / "team.xlsx"
    shutil.copyfile(corpus["control_characters"], book)
    backend = FileBackend(book)
    db = backend.load()
    first = db.customers.index[0]
    assert db.customers.loc[first, "CustomerName"].startswith("响铃\x07退格\x08")
    hostile = "铃\x07\x00退\x1f 孤立\ud800代理 _x0041_ 完"
    backend.apply(Changeset("t", updates=[CellUpdate("Customers", first, "Remarks", None, hostile)]),
                  db)
    with zipfile.ZipFile(book) as z:       # strict XML 1.0 parse of every part
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(z.read(name))
    # Everything comes back exactly; a lone surrogate (no character at all) as its OOXML escape.
    assert customers(book).loc[first, "Remarks"] == hostile.replace("\ud800", "_xD800_")
    ws = openpyxl.load_workbook(book)["客户基础信息"]
    assert ws.cell(first, 1).value == db.customers.loc[first, "CustomerID"]
    remarks = next(c for c in ws[1] if c.value == "备注").column
    assert ws.cell(first, remarks).value.startswith("铃")


def test_a_stray_cell_in_the_last_row_neither_hangs_nor_eats_memory(corpus, tmp_path):
    """One cell in row 1,048,576: reading must not build the 1,048,576-row grid (~900 MB)."""
    book = tmp_path / "team.xlsx"
    shutil.copyfile(corpus["max_rows_sheet"], book)
    env = {**os.environ, "XLTOOLS_SECRET": "hardening-test-secret-wVCsjSV3eGl5qC-eNP77DKToXwBOpLcJ3624LAEOyJ8O"}
    # The child reports its own peak (VmHWM): a forked child's ru_maxrss would include the size of
    # the pytest process it was forked from, which is large late in a full run.
    peak_file = tmp_path / "peak"
    measure = ("import sys\nfrom xltools.cli import main\ntry:\n    main(sys.argv[1:-1])\n"
               "except SystemExit as e:\n    code = e.code or 0\n"
               "peak = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')]\n"
               "open(sys.argv[-1], 'w').write(peak[0])\nsys.exit(code)\n")
    proc = subprocess.run([sys.executable, "-c", measure, "mask", str(book), "--json",
                           str(peak_file)], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 0, proc.stderr
    peak_kb = int(peak_file.read_text())
    assert peak_kb < 400 * 1024, f"peak RSS {peak_kb // 1024} MB"
    assert len(customers(book)) == len(customers(corpus["good"]))
    with zipfile.ZipFile(book) as z:       # the stray cell is still there after the write
        part = badfiles.part_names(book)["sheet"]
        assert b'r="AB1048576"' in z.read(part)
