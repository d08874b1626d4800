"""Killing a write at any moment leaves the old book or the new one, never half a book.

A child process applies a changeset and is killed with SIGKILL after a random delay, many times.
Afterwards the book must load and its managed tables must equal either the state before or the
state after the change; once a write has started, its backup must exist.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from backend_books import user_book

from xltools.backend import history
from xltools.backend.file import FileBackend

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")

CHILD = r"""
import sys
import pandas as pd
from xltools.backend.file import FileBackend
from xltools.changes import CellUpdate, Changeset, RowAppend, RowRemove
path = sys.argv[1]
backend = FileBackend(path)
db = backend.load()
rows = list(db.customers.index)
changes = Changeset("crash", updates=[CellUpdate("Customers", r, "Remarks", None, f"改{r}")
                                      for r in rows[:20]],
                    appends=[RowAppend("Customers", {"CustomerID": f"C2099010100{i}",
                                                     "CustomerName": "新", "CustomerType": "企业"})
                             for i in range(3)],
                    removals=[RowRemove("Customers", rows[-1])])
print("start", flush=True)
backend.apply(changes, db)
print("done", flush=True)
"""


def tables(path: Path) -> dict:
    db = FileBackend(path).load()
    return {k: db.df(k).astype(str).to_dict("split") for k in ("Customers", "FollowUps", "Tags")}


def test_a_killed_write_leaves_the_old_or_the_new_book(tmp_path):
    original = user_book(tmp_path / "orig.xlsx", n_customers=120)
    book = tmp_path / "team.xlsx"
    # The two states a reader may find: before and after one complete apply.
    book.write_bytes(original.read_bytes())
    old = tables(book)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", CHILD, str(book)], check=True, env=env,
                   capture_output=True)
    new = tables(book)
    assert new != old

    rng = random.Random(20240601)
    outcomes = {"old": 0, "new": 0}
    for _ in range(40):
        book.write_bytes(original.read_bytes())
        for backup in history.backups(book):
            backup.unlink()
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(book)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert proc.stdout.readline().strip() == b"start"     # loaded; the write begins now
        time.sleep(rng.uniform(0, 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = tables(book)
        assert state in (old, new), "a killed write left a book that is neither old nor new"
        outcomes["old" if state == old else "new"] += 1
        with zipfile.ZipFile(book) as z:
            assert z.testzip() is None                        # every member complete
        # The backup is taken before the book is touched: a changed book always has one.
        if state == new:
            assert history.backups(book), "changed book without a backup"
        for stray in book.parent.glob(".team.xlsx.xltools-tmp-*"):
            stray.unlink()      # a killed writer's temp file; never the book itself
    assert outcomes["old"] and outcomes["new"], outcomes
