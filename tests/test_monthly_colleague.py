"""A colleague saves the book (from Excel, which ignores our lock) while `monthly` works on its
copy: monthly must not swap its copy over the colleague's save."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import openpyxl
from integration_support import demo_book, load

from xltools.demo import DEMO_SECRET

COLLEAGUE = "深圳市同事新增客户有限公司"


def colleague_save(book, out):
    """The book as a colleague saves it after adding a customer (made beforehand, so the save
    itself is one rename, as Excel's is)."""
    wb = openpyxl.load_workbook(book)
    ws = wb["客户基础信息"]
    t = ws.tables["tblCustomers"]
    last = int(t.ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    ws.cell(last + 1, 1, "C20991231001")
    ws.cell(last + 1, 2, COLLEAGUE)
    t.ref = t.ref.split(":")[0] + ":" + t.ref.split(":")[1].rstrip("0123456789") + str(last + 1)
    t.autoFilter.ref = t.ref
    wb.save(out)


def test_a_save_during_monthly_is_never_overwritten(tmp_path):
    book = tmp_path / "book.xlsx"
    demo_book(book, customers=300)
    saved = tmp_path / "colleague.xlsx"
    colleague_save(book, saved)
    env = {**os.environ, "XLTOOLS_SECRET": DEMO_SECRET.decode()}
    run = subprocess.Popen([sys.executable, "-m", "xltools", "monthly", str(book), "--json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(".book.xltools-work-") for p in tmp_path.iterdir()):
        assert run.poll() is None, run.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    os.replace(saved, book)                      # the colleague's save lands mid-run
    colleague_bytes = book.read_bytes()
    out, err = run.communicate(timeout=300)
    assert run.returncode == 2, (out, err)
    assert "其他程序保存" in err and "saved by another program" in err
    assert book.read_bytes() == colleague_bytes
    assert COLLEAGUE in set(load(book).customers["CustomerName"])
    assert not [p for p in tmp_path.iterdir() if "xltools-work" in p.name]
