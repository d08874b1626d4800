"""handover, resolve and monthly --gather: what a lead notices."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import openpyxl
import pytest
from team_books import TODAY, Sheet, team_master

from xltools.backend.file import FileBackend
from xltools.errors import BadInputError
from xltools.testing import make_db

NOW = dt.datetime(2026, 11, 20, 12)


def _book():
    customers = [
        {"CustomerID": "C1", "CustomerName": "甲公司", "Owner": "张伟", "Region": "华南"},
        {"CustomerID": "C2", "CustomerName": "乙公司", "Owner": "张伟", "Region": "华北"},
        {"CustomerID": "C3", "CustomerName": "丙公司", "Owner": "李娜", "Region": "华南"},
    ]
    opps = [
        {"OpportunityID": "O1", "CustomerID": "C1", "Stage": "谈判", "Owner": "张伟"},
        {"OpportunityID": "O2", "CustomerID": "C1", "Stage": "成交", "Owner": "张伟"},
        {"OpportunityID": "O3", "CustomerID": "C2", "Stage": "初步接洽", "Owner": "张伟"},
        {"OpportunityID": "O4", "CustomerID": "C3", "Stage": "谈判", "Owner": "李娜"},
    ]
    fups = [
        {"FollowUpID": "F1", "CustomerID": "C1", "Staff": "张伟", "FollowUpTime": NOW - dt.timedelta(days=3)},
        {"FollowUpID": "F2", "CustomerID": "C1", "Staff": "张伟", "FollowUpTime": NOW + dt.timedelta(days=2)},
        {"FollowUpID": "F3", "CustomerID": "C2", "Staff": "张伟", "FollowUpTime": NOW + dt.timedelta(days=5)},
    ]
    return make_db({"Customers": customers, "Opportunities": opps, "FollowUps": fups},
                   lists={"Staff": ["张伟", "李娜", "王强", "公海"]})


def _moved(result):
    return sorted((u.table, u.old, u.new) for u in result.changes.updates)


def test_handover_moves_customers_open_opportunities_and_planned_followups():
    from xltools.team.handover import handover
    result = handover(_book(), "张伟", "李娜", now=NOW)
    moved = {(u.table, u.row) for u in result.changes.updates}
    db = _book()
    assert {db.df(t).at[r, {"Customers": "CustomerID", "Opportunities": "OpportunityID",
                             "FollowUps": "FollowUpID"}[t]] for t, r in moved} == \
        {"C1", "C2", "O1", "O3", "F2", "F3"}     # not the won O2, not the past F1
    assert all(u.new == "李娜" and "handover" in u.note for u in result.changes.updates)


def test_handover_where_narrows_and_strangers_are_refused():
    from xltools.team.handover import handover
    result = handover(_book(), "张伟", "李娜", where="Region=华南", now=NOW)
    assert result.data["customer_ids"] == ["C1"]
    with pytest.raises(BadInputError):
        handover(_book(), "张伟", "路人甲", now=NOW)
    with pytest.raises(BadInputError):
        handover(_book(), "张伟", "张伟", now=NOW)


def test_handover_through_the_cli_is_logged_and_dry_run_writes_nothing(tmp_path):
    master = tmp_path / "team.xlsx"
    team_master(master, customers=60)
    before = master.read_bytes()
    run = [sys.executable, "-m", "xltools", "handover", str(master), "--from", "李娜", "--to",
           "王强", "--json"]
    dry = json.loads(subprocess.run([*run, "--dry-run"], capture_output=True, text=True,
                                    check=True).stdout)
    assert dry["customers"] > 0 and master.read_bytes() == before
    subprocess.run(run, capture_output=True, check=True)
    db = FileBackend(master).load()
    assert "李娜" not in set(db.df("Customers")["Owner"])
    log = db.df("ChangeLog")
    assert (log["Command"] == "handover").sum() >= dry["customers"]


def _conflicts(rows):
    base = {"Status": "待定", "Split": "S1", "Table": "客户基础信息"}
    return make_db({
        "Customers": [{"CustomerID": "C1", "CustomerName": "甲", "Owner": "公海", "CustomerLevel": "普通"},
                      {"CustomerID": "C2", "CustomerName": "乙", "Owner": "张伟"}],
        "Conflicts": [{**base, **r} for r in rows]})


def test_resolve_takes_one_claim_and_settles_the_other():
    from xltools.team.resolve import resolve
    db = _conflicts([
        {"Kind": "认领", "RecordID": "C1", "Column": "负责人", "MasterValue": "公海", "MemberValue": "李娜",
         "Member": "李娜"},
        {"Kind": "认领", "RecordID": "C1", "Column": "负责人", "MasterValue": "公海", "MemberValue": "王强",
         "Member": "王强", "Choice": "采用成员"},
        {"Kind": "冲突", "RecordID": "C1", "Column": "客户等级", "MasterValue": "普通", "MemberValue": "VIP",
         "Member": "李娜", "Choice": "保留主表"},
    ])
    result = resolve(db, today=TODAY)
    data = [u for u in result.changes.updates if u.table == "Customers"]
    assert [(u.column, u.new) for u in data] == [("Owner", "王强")]
    done = sorted(u.row for u in result.changes.updates if u.table == "Conflicts")
    assert done == [2, 3, 4] and result.data["pending"] == 0


def test_resolve_refuses_two_different_takes_and_carries_out_a_deletion():
    from xltools.team.resolve import resolve
    db = _conflicts([
        {"Kind": "认领", "RecordID": "C1", "Column": "负责人", "MemberValue": "李娜", "Member": "李娜",
         "Choice": "采用成员"},
        {"Kind": "认领", "RecordID": "C1", "Column": "负责人", "MemberValue": "王强", "Member": "王强",
         "Choice": "采用成员"},
        {"Kind": "删除", "RecordID": "C2", "Column": None, "Member": "张伟", "Choice": "采用成员"},
    ])
    result = resolve(db, today=TODAY)
    assert result.has_problems and "pick one" in result.issues[0].message_en
    assert [(r.table, r.key) for r in result.changes.removals] == [("Customers", "C2")]
    assert [a.values["CustomerID"] for a in result.changes.appends if a.table == "Archive"] == ["C2"]
    assert not [u for u in result.changes.updates if u.table == "Customers"]


def test_monthly_gathers_first_when_told_where_the_books_are(tmp_path):
    master = tmp_path / "team.xlsx"
    team = team_master(master, customers=60)
    subprocess.run([sys.executable, "-m", "xltools", "split", str(master), "-o",
                    str(tmp_path / "members"), "--member", team["lead"]],
                   capture_output=True, check=True)
    path = tmp_path / "members" / f"{team['lead']}.xlsx"
    wb = openpyxl.load_workbook(path)
    s = Sheet(wb, "客户基础信息")
    cid = s.get(2, "客户ID")
    s.set(2, "备注", "月度合并前改的备注")
    wb.save(path)
    out = subprocess.run([sys.executable, "-m", "xltools", "monthly", str(master), "--gather",
                          str(tmp_path / "members"), "--json"],
                         capture_output=True, text=True, check=False)
    assert out.returncode in (0, 1), out.stderr
    steps = json.loads(out.stdout)["books"][0]["steps"]
    assert steps[0]["op"] == "gather" and steps[0]["changes"] >= 1
    cust = FileBackend(master).load().df("Customers").set_index("CustomerID")
    assert cust.at[cid, "Remarks"] == "月度合并前改的备注"


def test_a_book_from_an_older_split_is_merged_against_its_own_base(tmp_path):
    master = tmp_path / "team.xlsx"
    team = team_master(master, customers=60)
    lead = team["lead"]

    def split(*extra):
        out = subprocess.run([sys.executable, "-m", "xltools", "split", str(master), "-o",
                              str(tmp_path / "members"), "--member", lead, "--json", *extra],
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout)["split"]

    first = split()
    old = tmp_path / "kept" / f"{lead}.xlsx"       # someone kept the first book
    old.parent.mkdir()
    old.write_bytes((tmp_path / "members" / f"{lead}.xlsx").read_bytes())
    wb = openpyxl.load_workbook(master)
    s = Sheet(wb, "客户基础信息")
    row = s.find("负责人", lead)
    x = s.get(row, "客户ID")
    s.set(row, "备注", "主表在第二次分发前改的")
    wb.save(master)
    second = split("--force")
    assert second != first
    wb = openpyxl.load_workbook(old)
    s = Sheet(wb, "客户基础信息")
    s.set(s.find("客户ID", x), "备注", "旧工作簿里改的")
    others = [c for c, o in zip(s.ids("客户ID"), s.ids("负责人")) if o == lead and c != x]
    s.set(s.find("客户ID", others[0]), "优先级", "低-暂缓跟进")
    wb.save(old)
    out = json.loads(subprocess.run([sys.executable, "-m", "xltools", "gather", str(master),
                                     str(old), "--json"], capture_output=True, text=True,
                                    check=False).stdout)
    assert not out["refused"] and out["counts"]["applied"] == 1
    assert [(c["RecordID"], c["Split"]) for c in out["conflicts"]] == [(x, first)]
    cust = FileBackend(master).load().df("Customers").set_index("CustomerID")
    assert cust.at[others[0], "Priority"] == "低-暂缓跟进"
    assert cust.at[x, "Remarks"] == "主表在第二次分发前改的"


def test_a_database_can_be_the_hub(tmp_path):
    """The merge sees only frames: split from and gather into SQLite work like a workbook."""
    book, url = tmp_path / "team.xlsx", f"sqlite:///{tmp_path / 'team.db'}"
    team = team_master(book, customers=60)

    def xl(*args):
        out = subprocess.run([sys.executable, "-m", "xltools", *map(str, args)],
                             capture_output=True, text=True, check=False)
        assert out.returncode in (0, 1), out.stderr
        return out

    xl("db", "init", url)
    xl("db", "push", book, url)
    xl("split", url, "-o", tmp_path / "members", "--member", team["lead"])
    path = tmp_path / "members" / f"{team['lead']}.xlsx"
    wb = openpyxl.load_workbook(path)
    s = Sheet(wb, "客户基础信息")
    cid = s.get(2, "客户ID")
    s.set(2, "备注", "数据库作主表")
    wb.save(path)
    first = json.loads(xl("gather", url, tmp_path / "members", "--json").stdout)
    again = json.loads(xl("gather", url, tmp_path / "members", "--json").stdout)
    assert first["counts"]["applied"] == 1 and again["counts"]["applied"] == 0
    xl("db", "pull", url, "-o", tmp_path / "pulled.xlsx")
    cust = FileBackend(tmp_path / "pulled.xlsx").load().df("Customers").set_index("CustomerID")
    assert cust.at[cid, "Remarks"] == "数据库作主表"


def test_split_never_writes_over_the_master_even_with_force(tmp_path):
    from click.testing import CliRunner

    from xltools.cli import main
    from xltools.team.split import book_name
    from xltools.template import build_template
    from xltools.demo import demo_data
    folder = tmp_path / "team"
    folder.mkdir()
    data = demo_data(n_customers=60)
    name = data.lists["Staff"][1]
    master = folder / book_name(name)          # the master named like a member's book
    build_template(master, data=data)
    before = master.read_bytes()
    result = CliRunner().invoke(main, ["split", str(master), "-o", str(folder), "--force"])
    assert result.exit_code == 2 and "master book" in result.stderr
    assert master.read_bytes() == before
