"""xltools split: what each member's book holds, and what it must not."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest
from team_books import team_master

from xltools.backend.file import FileBackend
from xltools.core.values import as_text


def run(*args, check=True):
    proc = subprocess.run([sys.executable, "-m", "xltools", *map(str, args)],
                          capture_output=True, text=True, check=False, timeout=600)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def split_books(tmp_path_factory):
    root = tmp_path_factory.mktemp("split")
    master = root / "team.xlsx"
    team = team_master(master)
    out = run("split", master, "-o", root / "members", "--json")
    return root, master, team, json.loads(out.stdout)


def test_each_member_gets_their_customers_the_pool_and_nothing_else(split_books):
    _root, master, team, report = split_books
    db = FileBackend(master).load()
    customers = db.df("Customers")
    owners = as_text(customers["Owner"]).str.strip()
    ids = as_text(customers["CustomerID"]).str.strip()
    pool = set(ids[owners == "公海"])
    assert {b["member"] for b in report["books"]} == set(team["staff"])
    for book in report["books"]:
        mdb = FileBackend(book["path"]).load()
        got = as_text(mdb.df("Customers")["Owner"]).str.strip()
        seen = {book["member"]} | (set(team["team"]) if book["member"] == team["lead"] else set())
        assert set(got) <= seen | {"公海"}
        mine = set(as_text(mdb.df("Customers")["CustomerID"]))
        assert mine == set(ids[owners.isin(seen)]) | pool
        for t in ("FollowUps", "Tags", "Opportunities"):
            assert set(as_text(mdb.df(t)["CustomerID"])) <= mine
            expected = as_text(db.df(t)["CustomerID"]).isin(mine).sum()
            assert len(mdb.df(t)) == expected == book[t]
        # shared settings come along; nothing of anyone else does
        assert len(mdb.df("Rules")) == len(db.df("Rules"))
        assert mdb.lists["Staff"] == db.lists["Staff"]
        assert mdb.df("ChangeLog").empty and mdb.df("Archive").empty
        assert mdb.df("Team")["Staff"].tolist() == db.df("Team")["Staff"].tolist()


def test_the_base_sits_on_a_very_hidden_sheet(split_books):
    _root, master, team, report = split_books
    path = report["books"][0]["path"]
    with zipfile.ZipFile(path) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
    assert 'name="团队底稿"' in workbook and 'state="veryHidden"' in workbook
    mdb = FileBackend(path).load()
    base = mdb.df("TeamBase")
    assert (base["Kind"] == "split").sum() == 1
    assert (base["Kind"] == "base").sum() == sum(report["books"][0][t] for t in
                                                 ("Customers", "FollowUps", "Tags", "Opportunities"))
    master_base = FileBackend(master).load().df("TeamBase")
    assert set(master_base["Member"]) == set(team["staff"])
    assert set(master_base["Split"]) == {report["split"]}


def test_the_member_summary_counts_their_customers(split_books):
    _root, _master, _team, report = split_books
    import openpyxl
    book = report["books"][1]
    ws = openpyxl.load_workbook(book["path"], read_only=True)["汇总"]
    rows = [list(r) for r in ws.iter_rows(max_row=40, values_only=True)]
    # the figure under the 客户总数 (customers) heading, wherever the dashboard puts it
    found = [rows[r + 1][c] for r, row in enumerate(rows[:-1]) for c, v in enumerate(row)
             if v == "客户总数"]
    assert found and found[0] == book["Customers"]
    todo = openpyxl.load_workbook(book["path"], read_only=True)["待办"]
    text = " ".join(str(v) for r in todo.iter_rows(values_only=True) for v in r if v is not None)
    assert book["member"] in text      # their own due list


def test_split_refuses_to_overwrite_books_not_yet_gathered(split_books):
    root, master, team, _report = split_books
    before = (root / "members" / f"{team['lead']}.xlsx").read_bytes()
    proc = run("split", master, "-o", root / "members", check=False)
    assert proc.returncode == 2 and "gather" in proc.stderr and "Traceback" not in proc.stderr
    assert (root / "members" / f"{team['lead']}.xlsx").read_bytes() == before


def test_unchanged_books_gather_to_nothing(split_books):
    root, master, _team, _report = split_books
    before = master.read_bytes()
    out = json.loads(run("gather", master, root / "members", "--json").stdout)
    assert out["counts"]["applied"] == 0 and not out["conflicts"] and not out["refused"]
    assert master.read_bytes() == before
