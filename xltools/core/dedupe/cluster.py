"""Matched pairs -> clusters of records that are one customer, and which record survives.

Pairs are joined strongest first (union-find). Two groups are not joined when that would put two
different valid credit codes in one cluster (A~B on the name and B~C on the name, but A and C are
two legal entities), or a pair a reviewer rejected earlier.

The suggested survivor is the **most complete** record (most non-blank fields); among equally
complete ones the **oldest** (earliest CreateTime), then the one higher up the sheet. The most
complete record loses the fewest typed values; the oldest usually carries the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .score import PairScore


@dataclass
class Cluster:
    """Records that look like one customer. ``rows`` are Customers row numbers (as loaded), in
    the same order as ``ids``; the survivor is listed first."""

    ids: list[str]
    rows: list[int]
    survivor: str
    survivor_row: int
    score: float
    reasons: list[str]
    pairs: list[tuple[int, int, PairScore]] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"ids": self.ids, "rows": self.rows, "survivor": self.survivor,
                "score": self.score, "reasons": self.reasons}


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def group(self, root: int) -> list[int]:
        return self.members.get(root, [root])

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        ga, gb = self.group(ra), self.group(rb)
        if len(ga) < len(gb):
            ra, rb, ga, gb = rb, ra, gb, ga
        self.parent[rb] = ra
        self.members[ra] = ga + gb
        self.members.pop(rb, None)


def completeness(customers: pd.DataFrame) -> pd.Series:
    """How many fields each record has filled in (fingerprints not counted)."""
    cols = [c for c in customers.columns if not str(c).endswith("FP")]
    filled = customers[cols].notna()
    text = customers[cols].astype("string").fillna("").apply(lambda s: s.str.strip() != "")
    return (filled & text).sum(axis=1)


MAX_CHECK = 400  # cross pairs checked for contradictions when two groups join


def build_clusters(customers: pd.DataFrame, feat: pd.DataFrame,
                   matches: list[tuple[int, int, PairScore]],
                   rejected: set[frozenset[str]] | None = None,
                   contradicts=None) -> list[Cluster]:
    """Join matched pairs (positions into ``customers``) into clusters, strongest first.

    ``contradicts(i, j)`` says two records cannot be one customer (e.g. 隆辉实业 and 隆辉商贸, both
    matching the abbreviation 隆辉公司); groups holding such a pair are not joined, so a vague record
    cannot chain two different customers together.
    """
    rejected = rejected or set()
    uf = _UnionFind(len(customers))
    codes = feat["code"].to_numpy(dtype=object)
    valid = feat["code_valid"].to_numpy(dtype=bool)
    cids = feat["cid"].to_numpy(dtype=object)

    def conflict(ga: list[int], gb: list[int]) -> bool:
        ca = {codes[i] for i in ga if valid[i]}
        cb = {codes[i] for i in gb if valid[i]}
        if ca and cb and not (ca & cb) and len(ca | cb) > 1:
            return True
        if rejected and any(frozenset((cids[i], cids[j])) in rejected for i in ga for j in gb):
            return True
        if contradicts is not None and len(ga) * len(gb) <= MAX_CHECK:
            return any(contradicts(i, j) for i in ga for j in gb)
        return False

    kept = []
    for i, j, ps in sorted(matches, key=lambda m: -m[2].score):
        ri, rj = uf.find(i), uf.find(j)
        if ri == rj:
            kept.append((i, j, ps))
            continue
        if conflict(uf.group(ri), uf.group(rj)):
            continue
        uf.union(i, j)
        kept.append((i, j, ps))

    by_root: dict[int, list[tuple[int, int, PairScore]]] = {}
    for i, j, ps in kept:
        by_root.setdefault(uf.find(i), []).append((i, j, ps))
    filled = completeness(customers).to_numpy()
    created = pd.to_datetime(customers.get("CreateTime"), errors="coerce") \
        if "CreateTime" in customers.columns else pd.Series(pd.NaT, index=customers.index)
    created = created.fillna(pd.Timestamp.max).to_numpy()
    rows = customers.index.to_numpy()
    clusters = []
    for root, pairs in by_root.items():
        members = sorted(uf.group(root), key=lambda p: (-filled[p], created[p], rows[p]))
        best = max(pairs, key=lambda m: m[2].score)[2]
        reasons = []
        for _, _, ps in sorted(pairs, key=lambda m: -m[2].score):
            if ps.text and ps.text not in reasons:
                reasons.append(ps.text)
        clusters.append(Cluster(
            ids=[str(cids_raw) for cids_raw in customers["CustomerID"].iloc[members].fillna("")],
            rows=[int(rows[p]) for p in members],
            survivor=str(customers["CustomerID"].iloc[members[0]]),
            survivor_row=int(rows[members[0]]), score=best.score, reasons=reasons,
            pairs=pairs))
    clusters.sort(key=lambda c: (-c.score, c.rows[0]))
    return clusters
