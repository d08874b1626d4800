"""An import larger than one chunk (issue 20) gives what a one-chunk import gives.

``xltools import`` works through its rows a chunk at a time (:mod:`xltools.importer.run`). A
user must not be able to tell: the same rows imported with the same IDs, the same rows flagged
(repeats of a row in an earlier chunk, customers the book already has) for the same reasons, the
same ImportReview sheet, summary and vault of raw values. Here the chunk is made 7 rows long and
the file is built so that repeats, blanks and book duplicates fall on both sides of its edges.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import weakref

import openpyxl
import pandas as pd
import pytest
from integration_support import cli, demo_book, load, use_demo_key
from stdnum.cn import uscc

from xltools.importer import Synonyms
from xltools.importer import run as import_run
from xltools.importer.frame import Extracted
from xltools.secret import load_secret
from xltools.testing import make_db
from xltools.vault import Vault, vault_path

CHUNK = 7


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    use_demo_key(monkeypatch)


def code(serial: int) -> str:
    body = f"91440106MA{serial:07d}"
    return body + uscc.calc_check_digit(body)


def existing(book):
    """Two customers of the book: one by its credit code, one by its name."""
    c = load(book).customers
    companies = c[(c["CustomerType"] == "企业") & c["CreditCode"].astype(str).map(uscc.is_valid)]
    return companies.iloc[0], companies.iloc[1]


def write_leads(path, book) -> None:
    by_code, by_name = existing(book)
    rows = []
    for i in range(40):
        rows.append([f"广州市第{i}号科技有限公司", f"联系人{i}", f"139{i:08d}", f"lead{i}@example.cn",
                     code(1000 + i), "IT服务业", "华南"])
    # rows[i] is the file's row i + 2 (the header is row 1); chunks hold 7 rows
    rows[9] = ["另一家公司", "某", "13900000002", "", "", "", ""]        # phone of row 4 (chunk 1)
    rows[16] = ["广州市第4号科技有限公司", "", "", "", "", "", ""]       # name of row 6
    rows[20] = ["", "", "13800138000", "", "", "", ""]                  # no name: review
    rows[21] = ["", "", "", "", "", "", "华东"]                         # nothing: rejected
    rows[27] = ["改名了的公司", "", "", "", by_code["CreditCode"].lower(), "", ""]   # book, by code
    rows[33] = [by_name["CustomerName"], "", "", "", "", "", ""]         # book, by name
    rows[38] = ["又一家", "", "", "lead12@example.cn", "", "", ""]       # e-mail of row 14 (chunk 2)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["客户名称", "联系人", "手机号", "邮箱", "统一社会信用代码", "行业", "区域"])
        w.writerows(rows)


def review_rows(book):
    wb = openpyxl.load_workbook(book, read_only=True)
    ws = wb["导入复核"] if "导入复核" in wb.sheetnames else wb["ImportReview"]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def vault_records(book):
    return Vault.open(vault_path(book), load_secret()).records


def import_into(tmp_path, name, monkeypatch, rows_per_chunk):
    book = tmp_path / f"{name}.xlsx"
    demo_book(book, customers=60)
    leads = tmp_path / "leads.csv"
    if not leads.exists():
        write_leads(leads, book)
    monkeypatch.setattr(import_run, "chunk_size", lambda db: rows_per_chunk)
    code_, out, err = cli("import", book, leads)
    assert code_ == 1, err                              # rows to review: exit 1, book written
    return book, out


def test_an_import_in_chunks_gives_what_one_chunk_gives(tmp_path, monkeypatch):
    one, out_one = import_into(tmp_path, "one", monkeypatch, 10_000)
    many, out_many = import_into(tmp_path, "many", monkeypatch, CHUNK)

    assert out_many == out_one                           # counts, every row's fate, summary
    assert out_many["read"] == 40 and len(out_many["rejected"]) == 1
    flagged = {f["row"]: f for f in out_many["flagged_rows"]}
    assert set(flagged) == {11, 18, 22, 29, 35, 40}      # file rows (header is row 1)
    ids = {r["row"]: r["CustomerID"] for r in out_many["imported_rows"]}
    # a repeat of a row imported in an earlier chunk names that row's new customer
    assert flagged[11]["existing"] == ids[4] and "same phone" in flagged[11]["reason_en"]
    assert flagged[18]["existing"] == ids[6] and "same name" in flagged[18]["reason_en"]
    assert flagged[40]["existing"] == ids[14] and "same e-mail" in flagged[40]["reason_en"]
    by_code, by_name = existing(one)
    assert flagged[29]["existing"] == by_code["CustomerID"]
    assert flagged[35]["existing"] == by_name["CustomerID"]
    # the new IDs run on across the chunks' edges, without a gap or a repeat
    numbers = [int(ids[r][9:]) for r in sorted(ids)]
    assert len(ids) == 33 and numbers == list(range(numbers[0], numbers[0] + 33))
    assert {i[:9] for i in ids.values()} == {f"C{dt.date.today():%Y%m%d}"}

    before = len(load(tmp_path / "one.xlsx").customers)  # the same book after either import
    a, b = load(one).customers, load(many).customers
    assert len(a) == len(b) and a.equals(b) and before == len(a)
    assert review_rows(many) == review_rows(one)
    assert vault_records(many) == vault_records(one)
    assert len(vault_records(many)["Customers"]) == 33                # every new customer's raw phone kept


def test_an_import_in_chunks_reports_every_unreadable_value_once(tmp_path, monkeypatch):
    """Issues (values kept as typed) come in file order whatever the chunking."""
    leads = tmp_path / "dates.csv"
    rows = [[f"公司{i}有限公司", f"139{i:08d}", "2024/3/1" if i % 5 else "下周二"] for i in range(20)]
    with open(leads, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["客户名称", "手机", "创建日期"], *rows])
    outs = []
    for size in (10_000, 3):
        book = tmp_path / f"b{size}.xlsx"
        demo_book(book, customers=40)
        monkeypatch.setattr(import_run, "chunk_size", lambda db, s=size: s)
        code_, out, err = cli("import", book, leads)
        assert code_ in (0, 1), err
        outs.append(out)
    assert outs[0] == outs[1]
    created = load(tmp_path / "b3.xlsx").customers.set_index("CustomerName")["CreateTime"]
    assert str(created["公司0有限公司"]) == "下周二"                       # kept as typed
    assert created["公司1有限公司"] in (dt.date(2024, 3, 1), dt.datetime(2024, 3, 1))


def test_an_import_leaves_the_cycle_collector_running_also_when_a_chunk_fails(monkeypatch):
    """Chunks are worked through with Python's cycle collector paused (xltools.heap.paused):
    it runs again after each chunk, and after one that raised."""
    assert gc.isenabled()
    seen = []

    def failing(self, part):
        seen.append(gc.isenabled())
        raise RuntimeError("a chunk failed")

    monkeypatch.setattr(import_run.ImportRun, "add", failing)
    db = make_db()
    part = Extracted(label="x.csv", frame=pd.DataFrame({"CustomerName": ["甲公司"], "_row": [2]}))
    with pytest.raises(RuntimeError):
        import_run.build_import(db, [part], synonyms=Synonyms.load(db.schema))
    assert seen == [False] and gc.isenabled()


class _Cell(str):
    """A cell as read from a source, which a test can watch being let go (weakref)."""


@pytest.mark.parametrize("chunk", [None, CHUNK])
def test_the_cells_as_read_are_let_go_before_the_rows_are_matched(monkeypatch, chunk):
    """Once a chunk is normalised, the cells as read are not held through its matching with the
    book (a 200,000-row CSV's are ~80 MB): neither by the parts read nor by the normalised
    frame, whose columns were copied out of them."""
    from pathlib import Path

    from xltools.importer.frame import extract
    from xltools.importer.headers import detect_header
    from xltools.importer.sources import SourceSheet

    db = make_db()
    synonyms = Synonyms.load(db.schema)
    grid = [["客户名称", "联系电话", "统一社会信用代码", "行业"]]
    grid += [[_Cell(f"广州市第{i}号科技有限公司"), _Cell(f"139{i:08d}"), _Cell(code(1000 + i)),
              _Cell("IT服务业")] for i in range(3 * CHUNK)]
    part = extract(SourceSheet(Path("leads.csv"), None, grid), detect_header(grid, synonyms))
    cells = [weakref.ref(cell) for row in grid[1:] for cell in row]
    del grid
    matched = import_run.existing_matches
    held = []

    def matching(db, incoming, *args):
        held.append(sum(cell() is not None for cell in cells))
        return matched(db, incoming, *args)

    monkeypatch.setattr(import_run, "existing_matches", matching)
    result, _ = import_run.build_import(db, [part], synonyms=synonyms, chunk_rows=chunk)
    assert result.data["imported"] == 3 * CHUNK
    # (in chunks, a part's later chunks are not read yet: only the chunks' own cells are gone)
    per_chunk = 4 * CHUNK          # (four columns)
    assert held == ([0] if chunk is None else [2 * per_chunk, per_chunk, 0])
