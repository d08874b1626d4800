"""The three-way merge on DataFrames (xltools.team.merge) and the fingerprints it compares."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from xltools.team.fingerprint import canonical, cell_hashes, decode, fingerprints
from xltools.team.merge import MemberSide, merge_table

COLS = ["Name", "Owner", "Amount"]


def _base():
    return pd.DataFrame({"Name": ["甲", "乙", "丙", "丁"], "Owner": ["A", "A", "B", "公海"],
                         "Amount": [1.0, 2.0, 3.0, 4.0]}, index=["1", "2", "3", "4"])


def _side(member, frame, base):
    return MemberSide(member, frame, base.index, cell_hashes(base, COLS))


def test_values_read_back_differently_hash_the_same():
    # what openpyxl, LibreOffice or calamine hand back for the same cell
    a = pd.Series([100000, " 华腾 ", dt.datetime(2024, 3, 15), None, 0.5])
    b = pd.Series([100000.0, "华腾", pd.Timestamp("2024-03-15"), "", 0.5])
    assert canonical(a) == canonical(b)
    assert (cell_hashes(a.to_frame("x"), ["x"]) == cell_hashes(b.to_frame("x"), ["x"])).all()
    assert canonical(pd.Series([1.5]))[0] != canonical(pd.Series([15]))[0]


def test_fingerprints_round_trip_and_damaged_ones_look_changed():
    base = _base()
    fps = fingerprints(base, COLS)
    assert (decode(fps, len(COLS)) == cell_hashes(base, COLS)).all()
    assert (decode(["not base64!", fps[0][:-4]], len(COLS)) == 0).all()


def test_one_sided_changes_are_applied_or_kept_and_both_sided_ones_conflict():
    base = _base()
    master = base.copy()
    master.loc["1", "Name"] = "甲(主表)"        # master only
    master.loc["2", "Amount"] = 20.0             # both, differently
    master.loc["3", "Amount"] = 30.0             # both, the same
    mine = base.copy()
    mine.loc["2", "Amount"] = 21.0
    mine.loc["3", "Amount"] = 30.0
    mine.loc["3", "Name"] = "丙(成员)"            # member only
    result = merge_table(master, [_side("A", mine, base)], COLS)
    assert result.apply[["id", "column", "value"]].values.tolist() == [["3", "Name", "丙(成员)"]]
    assert result.conflicts[["id", "column", "value", "master_value", "member"]].values.tolist() \
        == [["2", "Amount", 21.0, 20.0, "A"]]
    assert sorted(result.touched["A"]) == ["2", "3"]


def test_two_members_claiming_one_customer_conflict_one_claim_applies():
    base = _base()
    a, b = base.copy(), base.copy()
    a.loc["4", "Owner"] = "A"
    b.loc["4", "Owner"] = "B"
    both = merge_table(base.copy(), [_side("A", a, base), _side("B", b, base)], COLS)
    assert both.apply.empty
    assert sorted(both.conflicts["member"]) == ["A", "B"]
    assert set(both.conflicts["master_value"]) == {"公海"}
    b.loc["4", "Owner"] = "A"          # both typed the same thing: no conflict
    agreed = merge_table(base.copy(), [_side("A", a, base), _side("B", b, base)], COLS)
    assert agreed.apply[["id", "value"]].values.tolist() == [["4", "A"]]
    assert agreed.conflicts.empty


def test_deleted_new_and_missing_records():
    base = _base()
    master = base.drop(index=["3"])           # the master merged 3 away meanwhile
    mine = base.drop(index=["2"]).copy()      # the member deleted 2
    mine.loc["3", "Name"] = "丙改"
    mine.loc["9"] = ["新客户", "A", 9.0]
    result = merge_table(master, [_side("A", mine, base)], COLS)
    assert result.deleted.values.tolist() == [["2", "A"]]
    assert result.new["A"].index.tolist() == ["9"]
    assert result.missing[["id", "member"]].values.tolist() == [["3", "A"]]
    assert result.apply.empty and result.conflicts.empty


def test_merge_is_vectorised_over_many_records():
    n = 20000
    base = pd.DataFrame({"Name": [f"客户{i}" for i in range(n)], "Owner": ["A"] * n,
                         "Amount": [float(i) for i in range(n)]},
                        index=[f"C{i:06d}" for i in range(n)])
    mine = base.copy()
    mine.iloc[::7, 2] = -1.0
    result = merge_table(base.copy(), [_side("A", mine, base)], COLS)
    assert len(result.apply) == len(range(0, n, 7))
    assert set(result.apply["column"]) == {"Amount"}
