"""Dedupe, a person's decisions on the Review sheet, merge and undo, on a real book (issue 5)."""

from __future__ import annotations

import pytest
from integration_support import (
    assert_same_tables,
    cli,
    demo_book,
    load,
    tables,
    use_demo_key,
)

from xltools.backend.file import FileBackend
from xltools.changes import CellUpdate, Changeset

LINKED = ("FollowUps", "Tags", "Opportunities")


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    use_demo_key(monkeypatch)


def decide(book, verdicts: dict[str, str]) -> None:
    """Write a Decision on every row of the given clusters, as a person picks it in Excel."""
    backend = FileBackend(book)
    db = backend.load()
    review = db.df("Review")
    changes = Changeset("test-review")
    for row, cluster in review["ClusterID"].items():
        if cluster in verdicts:
            changes.updates.append(CellUpdate("Review", int(row), "Decision", None,
                                              verdicts[cluster]))
    backend.apply(changes, db)


@pytest.fixture
def reviewed(tmp_path):
    """A demo book after dedupe, every cluster approved; returns (book, review table)."""
    book = tmp_path / "book.xlsx"
    demo_book(book)
    code, out, _ = cli("dedupe", book)
    assert code == 0 and out["clusters"]
    review = load(book).df("Review")
    decide(book, {c: "批准" for c in review["ClusterID"].unique()})
    return book, review


def test_merge_keeps_every_linked_row_and_undo_restores_the_book(reviewed):
    book, review = reviewed
    before = tables(book)
    customers = before["Customers"]
    known = set(customers["CustomerID"])
    pointing = {t: before[t]["CustomerID"].isin(known) for t in LINKED}

    code, out, _ = cli("merge", book)
    assert code == 0
    merged_away = {cid for m in out["merged"] for cid in m["merged"]}
    survivors = {m["survivor"] for m in out["merged"]}
    assert len(out["merged"]) == review["ClusterID"].nunique()
    assert out["pending_clusters"] == 0

    after = tables(book)
    ids_after = set(after["Customers"]["CustomerID"])
    assert survivors <= ids_after
    assert not (merged_away - survivors) & ids_after           # merged-away IDs are gone
    assert len(after["Customers"]) == len(customers) - (len(review) - len(out["merged"]))
    for t in LINKED:                                           # nothing lost, nothing dangling
        assert len(after[t]) == len(before[t]), t
        now = after[t]["CustomerID"]
        assert now[pointing[t].to_numpy()].isin(ids_after).all(), t
        moved = before[t]["CustomerID"].isin(merged_away - survivors).to_numpy()
        assert now[moved].isin(survivors).all(), t
    archive = after["Archive"]                                 # the merged-away rows, whole
    assert len(archive) == len(review) - len(out["merged"])
    by_cluster = {m["survivor"]: set(m["merged"]) for m in out["merged"]}
    for _, row in archive.iterrows():
        assert row["CustomerID"] in by_cluster[row["MergedInto"]]
        original = customers[(customers["CustomerID"] == row["CustomerID"])]
        assert row["CustomerName"] in set(original["CustomerName"])
    assert after["Review"].empty                               # decided clusters leave Review

    code, _, _ = cli("undo", book)
    assert code == 0
    assert_same_tables(before, tables(book))                   # exactly as before the merge


def test_rejected_clusters_are_not_proposed_again(reviewed):
    book, review = reviewed
    clusters = list(dict.fromkeys(review["ClusterID"]))
    # a cluster of distinct IDs (two rows sharing one ID are one customer by definition)
    rejected = next(c for c in clusters
                    if review.loc[review["ClusterID"] == c, "CustomerID"].is_unique)
    approved = [c for c in clusters if c != rejected]
    rejected_ids = set(review.loc[review["ClusterID"] == rejected, "CustomerID"])
    decide(book, {rejected: "拒绝"})

    code, out, _ = cli("merge", book)
    assert code == 0
    assert len(out["merged"]) == len(approved)
    pairs = load(book).df("RejectedPairs")
    remembered = {frozenset(p) for p in zip(pairs["CustomerID1"], pairs["CustomerID2"])}
    assert remembered and all(p <= rejected_ids for p in remembered)

    code, again, _ = cli("dedupe", book)
    assert code == 0
    for cluster in again["clusters"]:
        ids = set(cluster["ids"])
        assert not any(p <= ids for p in remembered), cluster
    assert len(again["clusters"]) == 0                         # the rest was merged
