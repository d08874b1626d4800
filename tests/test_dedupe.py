"""Dedupe: the variants a sales team types are found, different customers stay apart, and the
review -> merge round trip keeps every follow-up, tag and opportunity."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pandas as pd
import pytest
from stdnum.cn import ric, uscc

from xltools.context import RunContext
from xltools.core.dedupe import find_duplicates, match_against
from xltools.core.dedupe.keys import candidate_pairs, features
from xltools.core.privacy import fingerprint, mask_phone
from xltools.catalog import get
from xltools.testing import make_db

sys.path.insert(0, str(Path(__file__).parent / "data"))
import dedupe_eval  # noqa: E402

TODAY = dt.date(2024, 6, 30)


def code(division="440300", body="MA5F5X12"):
    """A valid 统一社会信用代码 for the division."""
    head = "91" + division + body + "3"
    return head + uscc.calc_check_digit(head)


def person_id(division="110105", birth="19850312", seq="123"):
    head = division + birth + seq
    return head + ric.calc_check_digit(head + "0")  # stdnum's ric wants the full length


def company(cid, name, **kw):
    return {"CustomerID": cid, "CustomerName": name, "CustomerType": "企业", **kw}


def person(cid, name, **kw):
    return {"CustomerID": cid, "CustomerName": name, "CustomerType": "个人", **kw}


def clustered(rows) -> list[set[str]]:
    db = make_db({"Customers": rows})
    return [set(c.ids) for c in find_duplicates(db)]


BASE = "深圳市华腾科技有限公司"


@pytest.mark.parametrize("variant, extra", [
    ("华腾科技（深圳）有限公司", {}),
    ("深圳华腾科技公司", {}),
    ("深圳市 华腾科技 有限公司 ", {}),
    ("深圳市华藤科技有限公司", {}),                       # homophone typo
    ("广东省深圳市华腾科技有限责任公司", {}),
    ("华腾科技(深圳)有限公司", {}),
    ("深圳华腾", {"ContactPhone": "+86 138-1234-5678"}),  # abbreviated: needs the phone too
    ("华腾（深圳）电子", {"CreditCode": code().lower()}),   # credit code in lower case
])
def test_variants_of_one_company_are_found(variant, extra):
    rows = [company("C20240101001", BASE, ContactPhone="13812345678", CreditCode=code()),
            company("C20240301002", variant, **extra)]
    assert clustered(rows) == [{"C20240101001", "C20240301002"}]


def test_full_width_letters_and_digits_match():
    rows = [company("C20240101001", "深圳市ＡＢＣ３Ｄ科技有限公司"),
            company("C20240101002", "深圳市ABC3D科技有限公司")]
    assert clustered(rows) == [{"C20240101001", "C20240101002"}]


@pytest.mark.parametrize("a, b", [
    ("北京华腾科技有限公司", "上海华腾科技有限公司"),          # same name, another city
    ("华腾集团有限公司", "深圳市华腾科技有限公司"),            # parent vs subsidiary
    ("华腾科技有限公司", "华腾科技有限公司广州分公司"),        # head office vs branch
    ("深圳市华腾科技有限公司", "深圳市华胜科技有限公司"),      # one brand character apart
    ("深圳市华腾科技有限公司", "深圳市华腾贸易有限公司"),      # same brand, another trade
    ("朝阳贸易有限公司", "北京朝阳贸易有限公司广州分公司"),
])
def test_different_companies_stay_apart(a, b):
    assert clustered([company("C20240101001", a), company("C20240101002", b)]) == []


def test_two_valid_codes_veto_even_with_same_name_and_phone():
    rows = [company("C20240101001", BASE, CreditCode=code(body="MA5F5X12"), ContactPhone="13812345678"),
            company("C20240101002", BASE, CreditCode=code(body="MA5F5X99"), ContactPhone="13812345678")]
    assert clustered(rows) == []


def test_code_division_keeps_same_name_of_other_city_apart():
    rows = [company("C20240101001", "华腾科技有限公司", CreditCode=code("110105")),
            company("C20240101002", "深圳市华腾科技有限公司")]
    assert clustered(rows) == []


def test_persons_match_on_id_or_phone_not_on_a_common_name():
    pid = person_id()
    rows = [person("C20240101001", "张伟", CreditCode=pid, ContactPhone="13900001111"),
            person("C20240101002", "张 伟", CreditCode=pid.lower(), ContactPhone="13700002222"),
            person("C20240101003", "张伟", ContactPhone="13600003333"),          # namesake
            person("C20240101004", "李娜", ContactPhone="13500004444"),
            person("C20240101005", "李娜", ContactPhone="+86 135-0000-4444")]
    assert set(map(frozenset, clustered(rows))) == {frozenset({"C20240101004", "C20240101005"}),
                                                     frozenset({"C20240101001", "C20240101002"})}


def test_masked_records_match_through_fingerprints():
    key = b"k"
    rows = [company("C20240101001", "深圳华腾公司", ContactPhone=mask_phone("13812345678"),
                    PhoneFP=fingerprint("phone", "13812345678", key)),
            company("C20240101002", "华腾科技（深圳）有限公司", ContactPhone="138****5678",
                    PhoneFP=fingerprint("phone", "+86 138 1234 5678", key)),
            company("C20240101003", "华腾物流有限公司", ContactPhone="138****5678",
                    PhoneFP=fingerprint("phone", "13899995678", key))]
    assert clustered(rows) == [{"C20240101001", "C20240101002"}]


def test_names_with_half_a_surrogate_pair_are_each_read_as_typed():
    # a live Excel cell may hold half an emoji; pandas' hashing took every such name for one,
    # so two different companies were read as one name and proposed as duplicates
    rows = [company("C20240101001", "深圳市华腾科技有限公司\udc80", ContactPhone="13812345678"),
            company("C20240101002", "北京美长贸易有限公司\udc81", ContactPhone="13912345678"),
            company("C20240101003", "北京美长贸易有限公司\udc81",
                    ContactPhone="13712345678")]
    assert clustered(rows) == [{"C20240101002", "C20240101003"}]
    cores = features(make_db({"Customers": rows}).customers)["core"].tolist()
    assert cores == ["华腾科技", "美长贸易", "美长贸易"]


def test_a_pasted_row_with_the_same_customer_id_is_found():
    rows = [company("C20240101001", BASE), company("C20240101001", "华腾")]
    found = find_duplicates(make_db({"Customers": rows}))
    assert [sorted(c.rows) for c in found] == [[2, 3]]


def test_rejected_pairs_are_not_proposed_again():
    rows = [company("C20240101001", BASE), company("C20240101002", "深圳华腾科技公司")]
    db = make_db({"Customers": rows, "RejectedPairs": [
        {"CustomerID1": "C20240101002", "CustomerID2": "C20240101001"}]})
    assert find_duplicates(db) == []


def test_evaluation_set_reaches_the_targets():
    df = dedupe_eval.generate(1500, seed=7)
    db = make_db({"Customers": df})
    found = dedupe_eval.cluster_pairs(find_duplicates(db), db.customers.index)
    p, r, _ = dedupe_eval.precision_recall(found, dedupe_eval.true_pairs(df))
    assert p >= 0.98 and r >= 0.95, (p, r)


def test_blocking_scores_a_small_fraction_of_all_pairs():
    df = dedupe_eval.generate(2000, seed=3)
    blocking = candidate_pairs(features(df))
    truth = dedupe_eval.true_pairs(df)
    pairs = set(zip(blocking.left.tolist(), blocking.right.tolist()))
    assert blocking.n_pairs * 20 < blocking.all_pairs
    assert len(truth & pairs) >= 0.97 * len(truth)


def test_survivor_is_the_most_complete_then_the_oldest():
    rows = [company("C20240101001", BASE, CreateTime=pd.Timestamp("2024-03-01")),
            company("C20240101002", "深圳华腾科技公司", CreateTime=pd.Timestamp("2024-01-01"),
                    ContactPhone="13812345678"),
            company("C20240101003", "华腾科技（深圳）有限公司", CreateTime=pd.Timestamp("2023-12-01"))]
    [c] = find_duplicates(make_db({"Customers": rows}))
    assert c.survivor == "C20240101002"
    rows[1]["ContactPhone"] = None
    [c] = find_duplicates(make_db({"Customers": rows}))
    assert c.survivor == "C20240101003"


def test_match_against_finds_incoming_rows_already_in_the_book():
    db = make_db({"Customers": [company("C20240101001", BASE, ContactPhone="13812345678"),
                                company("C20240101002", "上海华腾科技有限公司")]})
    incoming = pd.DataFrame([{"CustomerName": "华藤科技(深圳)有限公司", "CustomerType": "企业"},
                             {"CustomerName": "杭州新星贸易有限公司", "CustomerType": "企业"}],
                            index=[10, 11])
    matches = match_against(db, incoming)
    assert [(m.incoming, m.customer_id) for m in matches] == [(10, "C20240101001")]


def test_match_against_weighs_a_shared_phone_by_its_kind_as_dedupe_does():
    """An incoming company sharing a book company's landline is a possible switchboard, one
    sharing a mobile is strong evidence, whether the phones are typed alike or through the
    book's fingerprints; the incoming rows sharing no phone need no kind at all."""
    key = b"k" * 32
    db = make_db({"Customers": [
        company("C20240101001", "深圳市华腾科技有限公司", ContactPhone="0755-8888 1234"),
        company("C20240101002", "广州新星贸易有限公司", ContactPhone=mask_phone("13912345678"),
                PhoneFP=fingerprint("phone", "13912345678", key)),
        company("C20240101003", "北京远方实业有限公司", ContactPhone="13712345678")]})
    incoming = pd.DataFrame([
        company(None, "华腾科技(深圳)有限公司", ContactPhone="075588881234"),
        company(None, "新星贸易(广州)有限公司", ContactPhone="+86 139 1234 5678",
                PhoneFP=fingerprint("phone", "13912345678", key)),
        company(None, "远方实业(北京)有限公司", ContactPhone="13612345678")], index=[7, 8, 9])
    reasons = {m.incoming: m.reasons for m in match_against(db, incoming)}
    assert "same landline (may be a switchboard)" in reasons[7]
    assert "same mobile" in reasons[8]
    assert "phone" not in reasons.get(9, "")
    book = features(db.customers)
    kinds = features(incoming, against=book)["phone_kind"].tolist()
    assert kinds == ["landline", "mobile", ""]
    assert features(incoming)["phone_kind"].tolist() == ["landline", "mobile", "mobile"]


# ----------------------------------------------------------------------------- review and merge


def _book():
    customers = [
        company("C20240101001", BASE, CreateTime=pd.Timestamp("2024-01-01"), ContactPhone="13812345678",
                Owner="张三"),
        company("C20240201002", "深圳华腾科技公司", CreateTime=pd.Timestamp("2024-02-01"),
                ContactPhone="+86 138-1234-5678", Email="a@huateng.cn", Region="华南"),
        company("C20240301003", "华腾科技（深圳）有限公司", CreateTime=pd.Timestamp("2024-03-01"),
                Email="new@huateng.cn", Remarks="新", Owner="王五"),
        company("C20240401004", "杭州新星贸易有限公司", CreateTime=pd.Timestamp("2024-04-01")),
        company("C20240501005", "北京远方实业有限公司", CreateTime=pd.Timestamp("2024-05-01")),
        company("C20240501006", "北京远方实业公司", CreateTime=pd.Timestamp("2024-05-02")),
    ]
    ids = [c["CustomerID"] for c in customers]
    follow = [{"FollowUpID": f"F2024060100{i}", "CustomerID": ids[i % len(ids)]} for i in range(12)]
    tags = [{"TagID": f"T2024060100{i}", "CustomerID": ids[i % len(ids)], "TagName": "x"} for i in range(8)]
    opps = [{"OpportunityID": f"O2024060100{i}", "CustomerID": ids[(i * 2) % len(ids)]} for i in range(5)]
    return make_db({"Customers": customers, "FollowUps": follow, "Tags": tags, "Opportunities": opps})


def _apply(db, changes):
    """Apply a changeset to copies of the frames, the way a backend does (updates, removals,
    appends; generated tables replaced)."""
    frames = {k: t.df.copy() for k, t in db.tables.items()}
    for u in changes.updates:
        frames[u.table].loc[u.row, u.column] = u.new
    for r in changes.removals:
        frames[r.table] = frames[r.table].drop(index=r.row)
    for a in changes.appends:
        frames[a.table] = pd.DataFrame(frames[a.table].to_dict("records") + [a.values])
    for rep in changes.replaces:
        frames[rep.table] = pd.DataFrame(rep.rows)
    return make_db({k: f.reset_index(drop=True) for k, f in frames.items()})


def _review(db):
    result = get("dedupe").func(db, RunContext())
    [replace] = result.changes.replaces
    return result, pd.DataFrame(replace.rows)


def test_dedupe_lists_clusters_for_review_with_masked_contacts():
    db = _book()
    result, review = _review(db)
    clusters = result.data["clusters"]
    assert sorted(map(sorted, (c["ids"] for c in clusters))) == [
        ["C20240101001", "C20240201002", "C20240301003"], ["C20240501005", "C20240501006"]]
    assert all(c["reasons"] and c["score"] >= 0.8 for c in clusters)
    assert set(review["Keep"]) == {"是", "否"}
    assert (review.groupby("ClusterID")["Keep"].apply(lambda s: (s == "是").sum()) == 1).all()
    assert "13812345678" not in review["ContactPhone"].tolist()
    assert not result.changes.updates and not result.changes.removals  # customers untouched


def _decide(db, review, decisions):
    review = review.copy()
    for cluster, value in decisions.items():
        first = review.index[review["ClusterID"] == cluster][0]
        review.loc[first, "Decision"] = value
    frames = {k: t.df for k, t in db.tables.items()}
    frames["Review"] = review
    return make_db({k: f.reset_index(drop=True) for k, f in frames.items()})


def test_merge_keeps_every_linked_record_and_archives_the_others():
    db = _book()
    _, review = _review(db)
    big = review.loc[review["CustomerID"] == "C20240101001", "ClusterID"].iloc[0]
    small = next(c for c in review["ClusterID"].unique() if c != big)
    decided = _decide(db, review, {big: "批准"})
    result = get("merge").func(decided, RunContext(today=TODAY))
    after = _apply(decided, result.changes)
    survivor = review.loc[(review["ClusterID"] == big) & (review["Keep"] == "是"), "CustomerID"].iloc[0]

    customers = set(after.customers["CustomerID"])
    assert len(after.customers) == len(db.customers) - 2
    for table in ("FollowUps", "Tags", "Opportunities"):
        assert len(after.df(table)) == len(db.df(table))
        assert set(after.df(table)["CustomerID"]) <= customers
    assert sorted(after.df("Archive")["CustomerID"]) == sorted(
        set(review.loc[review["ClusterID"] == big, "CustomerID"]) - {survivor})
    assert set(after.df("Archive")["MergedInto"]) == {survivor}
    assert list(after.df("Review")["ClusterID"].unique()) == [small]   # undecided stays
    kept = after.customers.set_index("CustomerID").loc[survivor]
    assert survivor == "C20240201002"                 # the most complete record
    assert kept["Email"] == "a@huateng.cn"            # its own values are kept
    assert kept["Owner"] == "王五"                    # blanks: the newest non-empty value wins
    assert kept["Remarks"] == "新"


def test_merge_fill_oldest_and_fingerprint_travels_with_the_phone():
    db = _book()
    frames = {k: t.df.copy() for k, t in db.tables.items()}
    c = frames["Customers"]
    c.loc[2, "ContactPhone"] = None                   # survivor-to-be has no phone ...
    c.loc[3, "PhoneFP"] = "fp-of-c2"                  # ... a donor has one with its fingerprint
    c.loc[3, "Owner"] = "李四"
    c.loc[4, "Owner"] = None
    db = make_db({k: f.reset_index(drop=True) for k, f in frames.items()})
    _, review = _review(db)
    review["Keep"] = ["是" if cid == "C20240301003" else ("否" if cid != "C20240501005" else "是")
                      for cid in review["CustomerID"]]
    big = review.loc[review["CustomerID"] == "C20240301003", "ClusterID"].iloc[0]
    decided = _decide(db, review, {big: "approve"})
    after = _apply(decided, get("merge").func(decided, RunContext(today=TODAY), fill="oldest").changes)
    kept = after.customers.set_index("CustomerID").loc["C20240301003"]
    assert kept["ContactPhone"] == "+86 138-1234-5678" and kept["PhoneFP"] == "fp-of-c2"
    assert kept["Owner"] == "张三"                    # the oldest donor's value


def test_rejected_cluster_is_remembered_and_not_proposed_again():
    db = _book()
    _, review = _review(db)
    small = review.loc[review["CustomerID"] == "C20240501005", "ClusterID"].iloc[0]
    decided = _decide(db, review, {small: "拒绝"})
    result = get("merge").func(decided, RunContext(today=TODAY))
    assert not result.changes.removals
    after = _apply(decided, result.changes)
    assert {frozenset(p) for p in zip(after.df("RejectedPairs")["CustomerID1"],
                                      after.df("RejectedPairs")["CustomerID2"])} == {
        frozenset({"C20240501005", "C20240501006"})}
    again = get("dedupe").func(after, RunContext()).data["clusters"]
    assert all("C20240501005" not in c["ids"] for c in again)
    assert any("C20240101001" in c["ids"] for c in again)


def test_merge_refuses_a_cluster_without_one_kept_record():
    db = _book()
    _, review = _review(db)
    review["Keep"] = "否"
    decided = _decide(db, review, {c: "批准" for c in review["ClusterID"].unique()})
    result = get("merge").func(decided, RunContext(today=TODAY))
    assert not result.changes.removals and len(result.issues) == 2
    assert all(i.message_zh and i.message_en for i in result.issues)


def test_demo_book_planted_duplicates_found_and_hard_negatives_kept_apart():
    import itertools

    from xltools.demo import demo_data

    data = demo_data(n_customers=300, seed=5, today=TODAY)
    db = make_db(data.frames, lists=data.lists)
    found = {frozenset(p) for c in find_duplicates(db) for p in itertools.combinations(c.rows, 2)}

    def pairs(kind):
        groups: dict = {}
        for p in data.planted_of(kind):
            groups.setdefault(p["group"], set()).add(p["row"])
        return {frozenset(p) for g in groups.values() for p in itertools.combinations(sorted(g), 2)}

    assert pairs("duplicate") and pairs("duplicate") <= found
    assert pairs("not_duplicate") and not (pairs("not_duplicate") & found)
