"""Team mode end to end: split a demo book for four members (one lead), edit every book the way a
person would (openpyxl: table rows typed and deleted), gather, and check the master cell by cell;
conflicts and 撞单 listed, nothing lost, a second gather a no-op, resolve applies the choices,
LibreOffice opens every book."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest
from team_books import Sheet, team_master

from xltools.backend.file import FileBackend
from xltools.schema import DATA_TABLES, load_schema
from xltools.team.fingerprint import canon

SCHEMA = load_schema()
LEAD, REP1, REP2, OTHER = "张伟", "李娜", "王强", "刘洋"     # 李娜 and 王强 are in the lead's team
COLLIDING_C, COLLIDING_F = "C20261121001", "F20261121001"   # after the demo's last day
SAME_COMPANY = {"客户名称": "深圳市星河云联科技有限公司", "客户类型": "企业", "联系人": "周总",
                "联系电话": "13911112222", "所属行业": "IT服务业", "客户等级": "潜在",
                "合作阶段": "潜在客户", "创建时间": dt.datetime(2026, 11, 19)}


def cli(*args, check=True):
    proc = subprocess.run([sys.executable, "-m", "xltools", *map(str, args)],
                          capture_output=True, text=True, check=False, timeout=900)
    if check:
        assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


def frames(path) -> dict[str, pd.DataFrame]:
    db = FileBackend(path).load()
    return {t: db.df(t).copy() for t in (*DATA_TABLES, "Conflicts", "Review", "TeamBase")}


def grid(df: pd.DataFrame, table: str) -> list[list[str]]:
    """Every cell of a data table as canonical text, in sheet order."""
    keys = SCHEMA.table(table).keys
    return [[canon(v) for v in row] for row in df[keys].itertuples(index=False)]


def other_value(options, current):
    return next(v for v in options if v != current)


def edit(path, change):
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    root = tmp_path_factory.mktemp("team")
    master = root / "team.xlsx"
    team_master(master, customers=150, seed=11, lead=LEAD, team=[REP1, REP2])
    members = root / "members"
    cli("split", master, "-o", members, *[a for m in (LEAD, REP1, REP2, OTHER)
                                          for a in ("--member", m)])
    db = FileBackend(master).load()
    cust = db.df("Customers")
    fups = db.df("FollowUps")
    owned = {m: cust.loc[cust["Owner"] == m, "CustomerID"].tolist() for m in (REP1, REP2, OTHER)}
    pool = cust.loc[cust["Owner"] == "公海", "CustomerID"].tolist()
    pick = {
        "conflict": owned[REP1][0], "member_only": owned[REP1][1],
        "master_edited": owned[REP2][0], "lead_edits": owned[REP2][1],
        "pool1": pool[0], "pool2": pool[1],
        "deleted_fu": fups.loc[fups["CustomerID"].isin(owned[OTHER]), "FollowUpID"].iloc[0],
    }
    assert COLLIDING_C not in set(cust["CustomerID"]) and COLLIDING_F not in set(fups["FollowUpID"])
    level_of = dict(zip(cust["CustomerID"], cust["CustomerLevel"]))
    levels = SCHEMA.list_values("CustomerLevel")
    pick["master_level"] = other_value(levels, level_of[pick["conflict"]])
    pick["member_level"] = other_value([v for v in levels if v != pick["master_level"]],
                                       level_of[pick["conflict"]])

    def master_edits(wb):   # the lead's assistant works in the master meanwhile
        s = Sheet(wb, "客户基础信息")
        s.set(s.find("客户ID", pick["conflict"]), "客户等级", pick["master_level"])
        s.set(s.find("客户ID", pick["master_edited"]), "备注", "主表:已签框架协议")

    def li(wb):
        s = Sheet(wb, "客户基础信息")
        s.set(s.find("客户ID", pick["conflict"]), "客户等级", pick["member_level"])
        s.set(s.find("客户ID", pick["member_only"]), "备注", "李娜:客户要求周三回电")
        s.set(s.find("客户ID", pick["pool1"]), "负责人", REP1)
        s.add({**SAME_COMPANY, "客户ID": COLLIDING_C, "负责人": REP1})
        f = Sheet(wb, "客户跟进记录")
        f.add({"跟进ID": COLLIDING_F, "客户ID": COLLIDING_C, "跟进时间": dt.datetime(2026, 11, 19, 15),
               "跟进方式": "电话", "跟进人": REP1, "跟进内容": "首次电话,约下周拜访"})

    def liu(wb):
        s = Sheet(wb, "客户基础信息")
        s.set(s.find("客户ID", pick["pool1"]), "负责人", OTHER)
        s.set(s.find("客户ID", pick["pool2"]), "负责人", OTHER)
        s.add({"客户ID": COLLIDING_C, "客户名称": "杭州青禾文化传媒有限公司", "客户类型": "企业",
               "联系人": "沈女士", "联系电话": "13722223333", "所属行业": "教育", "客户等级": "潜在",
               "合作阶段": "意向客户", "负责人": OTHER, "创建时间": dt.datetime(2026, 11, 18)})
        f = Sheet(wb, "客户跟进记录")
        f.delete(f.find("跟进ID", pick["deleted_fu"]))
        f.add({"跟进ID": COLLIDING_F, "客户ID": COLLIDING_C, "跟进时间": dt.datetime(2026, 11, 18, 9),
               "跟进方式": "拜访", "跟进人": OTHER, "跟进内容": "上门拜访"})
        t = Sheet(wb, "客户分类标签")
        t.add({"标签ID": "T20261121001", "客户ID": COLLIDING_C, "标签类型": "价值",
               "标签名称": "重点培育", "来源": "manual", "创建时间": dt.datetime(2026, 11, 18)})

    def wang(wb):
        s = Sheet(wb, "客户基础信息")
        s.add({**SAME_COMPANY, "客户ID": "C20261121002", "负责人": REP2})
        f = Sheet(wb, "客户跟进记录")
        f.add({"跟进ID": "F20261121002", "客户ID": pick["master_edited"],
               "跟进时间": dt.datetime(2026, 11, 19, 11), "跟进方式": "微信", "跟进人": REP2,
               "跟进内容": "确认报价"})

    def zhang(wb):   # the lead edits a customer of someone in the team
        s = Sheet(wb, "客户基础信息")
        s.set(s.find("客户ID", pick["lead_edits"]), "优先级", "高-重点跟进")

    shutil.copytree(members, root / "as_split")
    edit(master, master_edits)
    before = frames(master)
    for name, change in ((REP1, li), (OTHER, liu), (REP2, wang), (LEAD, zhang)):
        edit(members / f"{name}.xlsx", change)
    first = json.loads(cli("gather", master, members / "*.xlsx", "--json").stdout)
    after = frames(master)
    return {"root": root, "master": master, "members": members, "pick": pick, "before": before,
            "after": after, "first": first}


def expected_customers(t):
    pick, before, after = t["pick"], t["before"], t["after"]
    exp = before["Customers"].copy()
    by_id = {cid: row for row, cid in exp["CustomerID"].items()}
    exp.at[by_id[pick["member_only"]], "Remarks"] = "李娜:客户要求周三回电"
    exp.at[by_id[pick["lead_edits"]], "Priority"] = "高-重点跟进"
    exp.at[by_id[pick["pool2"]], "Owner"] = OTHER
    # conflict and double claim: the master keeps its values until resolve
    new = after["Customers"].iloc[len(exp):]
    renumbered = new.loc[(new["CustomerName"] == SAME_COMPANY["客户名称"]) & (new["Owner"] == REP1),
                         "CustomerID"].tolist()
    assert len(renumbered) == 1
    typed = {c.zh: c.key for c in SCHEMA.table("Customers").columns}
    rows = [  # book order: 刘洋, 张伟, 李娜, 王强 (file names sorted); the first keeps its ID
        {"CustomerID": COLLIDING_C, "CustomerName": "杭州青禾文化传媒有限公司", "CustomerType": "企业",
         "ContactPerson": "沈女士", "ContactPhone": "13722223333", "Industry": "教育",
         "CustomerLevel": "潜在", "CooperationPhase": "意向客户", "Owner": OTHER,
         "CreateTime": dt.datetime(2026, 11, 18)},
        {**{typed[k]: v for k, v in SAME_COMPANY.items()}, "CustomerID": renumbered[0], "Owner": REP1},
        {**{typed[k]: v for k, v in SAME_COMPANY.items()}, "CustomerID": "C20261121002", "Owner": REP2},
    ]
    exp = pd.concat([exp, pd.DataFrame(rows)], ignore_index=True)
    return exp, renumbered[0]


def test_master_equals_the_expected_result_cell_by_cell(team):
    exp, renumbered = expected_customers(team)
    assert renumbered != COLLIDING_C and renumbered.startswith("C")
    assert grid(team["after"]["Customers"], "Customers") == grid(exp, "Customers")

    pick, before = team["pick"], team["before"]
    fu = before["FollowUps"]   # the deleted follow-up is still there; three new ones at the end
    new_fu = team["after"]["FollowUps"].iloc[len(fu):]
    renumbered_f = new_fu.loc[new_fu["Staff"] == REP1, "FollowUpID"].tolist()
    assert len(renumbered_f) == 1 and renumbered_f[0] != COLLIDING_F
    exp_fu = pd.concat([fu, pd.DataFrame([
        {"FollowUpID": COLLIDING_F, "CustomerID": COLLIDING_C, "FollowUpTime": dt.datetime(2026, 11, 18, 9),
         "Method": "拜访", "Staff": OTHER, "Content": "上门拜访"},
        {"FollowUpID": renumbered_f[0], "CustomerID": renumbered,   # re-pointed to the new ID
         "FollowUpTime": dt.datetime(2026, 11, 19, 15), "Method": "电话", "Staff": REP1,
         "Content": "首次电话,约下周拜访"},
        {"FollowUpID": "F20261121002", "CustomerID": pick["master_edited"],
         "FollowUpTime": dt.datetime(2026, 11, 19, 11), "Method": "微信", "Staff": REP2,
         "Content": "确认报价"}])], ignore_index=True)
    assert grid(team["after"]["FollowUps"], "FollowUps") == grid(exp_fu, "FollowUps")

    exp_tags = pd.concat([before["Tags"], pd.DataFrame([
        {"TagID": "T20261121001", "CustomerID": COLLIDING_C, "TagType": "价值", "TagName": "重点培育",
         "Source": "manual", "CreateTime": dt.datetime(2026, 11, 18)}])], ignore_index=True)
    assert grid(team["after"]["Tags"], "Tags") == grid(exp_tags, "Tags")
    assert grid(team["after"]["Opportunities"], "Opportunities") == \
        grid(before["Opportunities"], "Opportunities")


def test_conflicts_claims_and_deletions_are_listed(team):
    pick = team["pick"]
    rows = team["after"]["Conflicts"]
    got = sorted((r.Kind, r.RecordID, canon(r.Column), canon(r.MasterValue), canon(r.MemberValue),
                  r.Member, r.Status) for r in rows.itertuples())
    assert got == sorted([
        ("冲突", pick["conflict"], "客户等级", pick["master_level"], pick["member_level"], REP1, "待定"),
        ("认领", pick["pool1"], "负责人", "公海", REP1, REP1, "待定"),
        ("认领", pick["pool1"], "负责人", "公海", OTHER, OTHER, "待定"),
        ("删除", pick["deleted_fu"], "", "", "", OTHER, "待定"),
    ])
    assert rows["MemberTime"].notna().all() and rows["Split"].str.startswith("S").all()


def test_the_same_new_company_from_two_members_goes_to_review_with_both_owners(team):
    _, renumbered = expected_customers(team)
    review = team["after"]["Review"]
    assert len(review) == 2 and review["ClusterID"].nunique() == 1
    assert set(review["CustomerID"]) == {renumbered, "C20261121002"}
    assert set(review["Owner"]) == {REP1, REP2}
    assert "撞单" in review["Reasons"].iloc[0]
    assert [c["owner"] for c in team["first"]["collisions"]] == [REP2]
    assert team["first"]["collisions"][0]["matches_owner"] == REP1


def test_nothing_is_lost(team):
    """Against each book as split: every cell a member changed is in the master or listed on
    the Conflicts sheet, every record they added is in the master (renumbered or not), every
    record they deleted is still there."""
    after = team["after"]
    listed = {(r.RecordID, canon(r.MemberValue)) for r in after["Conflicts"].itertuples()}
    for book in sorted(team["members"].glob("*.xlsx")):
        edited = FileBackend(book).load()
        given = FileBackend(team["root"] / "as_split" / book.name).load()
        for t in DATA_TABLES:
            keys, idc = SCHEMA.table(t).keys, SCHEMA.table(t).id_column
            master = {r[keys.index(idc)]: r for r in grid(after[t], t)}
            old = {r[keys.index(idc)]: r for r in grid(given.df(t), t)}
            new = {r[keys.index(idc)]: r for r in grid(edited.df(t), t)}
            assert set(old) - set(new) <= set(master)          # deletions not carried out
            for rid, row in new.items():
                if rid in old:
                    for k, was, now in zip(keys, old[rid], row):
                        if was != now:
                            assert master[rid][keys.index(k)] == now or (rid, now) in listed, \
                                f"{book.name}: {t} {rid} {k}={now!r} lost"
                else:  # added: the same record in the master, perhaps under new IDs
                    rest = [v for k, v in zip(keys, row) if k not in (idc, "CustomerID")]
                    assert any([v for k, v in zip(keys, m) if k not in (idc, "CustomerID")] == rest
                               for m in master.values()), f"{book.name}: new {t} {rid} lost"


def test_a_second_gather_changes_nothing(team):
    before = team["master"].read_bytes()
    again = json.loads(cli("gather", team["master"], team["members"], "--json").stdout)
    assert again["counts"]["applied"] == 0 and again["counts"]["conflicts"] == 0
    assert sum(again["counts"]["new"].values()) == 0 and again["counts"]["collisions"] == 0
    assert team["master"].read_bytes() == before


def test_resolve_applies_the_choices_then_gather_still_changes_nothing(team):
    master, pick = team["master"], team["pick"]
    wb = openpyxl.load_workbook(master)
    s = Sheet(wb, "冲突")
    for row in range(2, s.last_row() + 1):
        kind, member = s.get(row, "类型"), s.get(row, "成员")
        if kind == "冲突" or (kind == "认领" and member == OTHER):
            s.set(row, "选择", "采用成员")
        elif kind == "删除":
            s.set(row, "选择", "保留主表")
    wb.save(master)
    out = json.loads(cli("resolve", master, "--json").stdout)
    assert (out["taken"], out["removed"], out["kept"], out["pending"]) == (2, 0, 1, 0)
    db = FileBackend(master).load()
    cust = db.df("Customers").set_index("CustomerID")
    assert cust.at[pick["conflict"], "CustomerLevel"] == pick["member_level"]
    assert cust.at[pick["pool1"], "Owner"] == OTHER
    assert set(db.df("Conflicts")["Status"]) == {"已处理"}
    assert pick["deleted_fu"] in set(db.df("FollowUps")["FollowUpID"])
    before = master.read_bytes()
    again = json.loads(cli("gather", master, team["members"], "--json").stdout)
    assert again["counts"]["applied"] == 0 and again["counts"]["conflicts"] == 0
    assert master.read_bytes() == before


def test_a_book_from_another_master_is_refused(team, tmp_path):
    other = tmp_path / "other.xlsx"
    team_master(other, customers=40, seed=3)
    cli("split", other, "-o", tmp_path / "m", "--member", LEAD)
    before = team["master"].read_bytes()
    proc = cli("gather", team["master"], tmp_path / "m" / f"{LEAD}.xlsx", "--json")
    out = json.loads(proc.stdout)
    assert proc.returncode == 1 and out["refused"] and "not made from this master" in \
        out["refused"][0]["message_en"]
    assert team["master"].read_bytes() == before


def test_libreoffice_opens_every_book(team, libreoffice):
    books = [team["master"], *sorted(team["members"].glob("*.xlsx"))]
    reports = libreoffice.probe(*books)
    assert len(reports) == len(books)
    for report in reports:
        assert "冲突" in report["sheets"] and "团队" in report["sheets"]
        assert "tblCustomers" in report["database_ranges"]


def test_a_book_saved_by_libreoffice_gathers_to_nothing_new(team, soffice, tmp_path):
    """LibreOffice rewrites every cell, style and the hidden sheet's state when it saves: the
    fingerprints must still match, or a re-saved book would look edited everywhere."""
    book = min(team["members"].glob("*.xlsx"))
    out = tmp_path / "out"
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                    "--headless", "--norestore", "--convert-to", "xlsx:Calc MS Excel 2007 XML",
                    "--outdir", str(out), str(book)], check=True, capture_output=True, timeout=300)
    resaved = tmp_path / "members" / book.name
    resaved.parent.mkdir()
    shutil.copy(out / book.name, resaved)
    before = team["master"].read_bytes()
    again = json.loads(cli("gather", team["master"], resaved, "--json").stdout)
    assert not again["refused"] and again["counts"]["applied"] == 0
    assert again["counts"]["conflicts"] == 0 and sum(again["counts"]["new"].values()) == 0
    assert team["master"].read_bytes() == before
