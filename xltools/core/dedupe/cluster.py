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

from ..values import as_dates
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
        ga.extend(gb)  # in place, the smaller into the larger: linear overall
        self.members[ra] = ga
        self.members.pop(rb, None)


def completeness(customers: pd.DataFrame) -> pd.Series:
    """How many fields each record has filled in (fingerprints not counted)."""
    cols = [c for c in customers.columns if not str(c).endswith("FP")]
    filled = customers[cols].notna()
    text = customers[cols].astype("string").fillna("")
    typed = pd.DataFrame({c: (text[c].str.strip() != "").astype(bool) for c in cols},
                         index=customers.index)
    return (filled & typed).sum(axis=1)


def _rejected_positions(cids, rejected: set[frozenset[str]]) -> dict[int, list[int]]:
    """Position -> positions of the records a reviewer said are another customer."""
    if not rejected:
        return {}
    where: dict[str, list[int]] = {}
    for i, cid in enumerate(cids):
        where.setdefault(cid, []).append(i)
    out: dict[int, list[int]] = {}
    for pair in rejected:
        a, b = (tuple(pair) * 2)[:2]
        for x, y in ((a, b), (b, a)):
            for i in where.get(x, ()):
                out.setdefault(i, []).extend(where.get(y, ()))
    return out


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
    uf = _UnionFind(len(customers))
    codes = feat["code"].to_numpy(dtype=object)
    valid = feat["code_valid"].to_numpy(dtype=bool)
    # valid codes per group, merged smaller into larger like the groups: a group growing one
    # record at a time (20,000 rows with one code) is never re-read whole. A record not joined
    # yet has its own code, if valid, made when first asked (not 100,000 sets up front; a group
    # holding a valid code always has its set)
    group_codes: dict[int, set] = {}

    def codes_of(r: int, take: bool = False) -> set:
        found = group_codes.pop(r, None) if take else group_codes.get(r)
        return found if found is not None else {codes[r]} if valid[r] else set()

    refused = _rejected_positions(feat["cid"].to_numpy(dtype=object), rejected or set())

    def conflict(ri: int, rj: int) -> bool:
        ca, cb = codes_of(ri), codes_of(rj)
        if ca and cb and ca.isdisjoint(cb):
            return True  # two legal entities
        ga, gb = sorted((uf.group(ri), uf.group(rj)), key=len)
        other = uf.find(gb[0])
        if refused and any(uf.find(k) == other for i in ga for k in refused.get(i, ())):
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
        if conflict(ri, rj):
            continue
        uf.union(i, j)
        root = uf.find(i)
        small, large = sorted((codes_of(ri, take=True), codes_of(rj, take=True)), key=len)
        if large or small:
            large.update(small)
            group_codes[root] = large
        kept.append((i, j, ps))

    by_root: dict[int, list[tuple[int, int, PairScore]]] = {}
    for i, j, ps in kept:
        by_root.setdefault(uf.find(i), []).append((i, j, ps))
    # only the records in a cluster are ranked
    involved = sorted({p for i, j, _ in kept for p in (i, j)})
    filled = dict(zip(involved, completeness(customers.iloc[involved]).tolist()))
    # read as every other part reads a date (an unreadable one ranks last, not as dateutil guesses)
    created = as_dates(customers["CreateTime"], times=True) \
        if "CreateTime" in customers.columns else pd.Series(pd.NaT, index=customers.index)
    created = created.fillna(pd.Timestamp.max).to_numpy()
    rows = customers.index.to_numpy()
    id_raw = customers["CustomerID"].tolist()
    id_cells = customers["CustomerID"].fillna("").tolist()
    clusters = []
    for root, pairs in by_root.items():
        members = sorted(uf.group(root), key=lambda p: (-filled[p], created[p], rows[p]))
        best = max(pairs, key=lambda m: m[2].score)[2]
        reasons = []
        for _, _, ps in sorted(pairs, key=lambda m: -m[2].score):
            if ps.text and ps.text not in reasons:
                reasons.append(ps.text)
        clusters.append(Cluster(
            ids=[str(id_cells[p]) for p in members],
            rows=[int(rows[p]) for p in members],
            survivor=str(id_raw[members[0]]),
            survivor_row=int(rows[members[0]]), score=best.score, reasons=reasons,
            pairs=pairs))
    clusters.sort(key=lambda c: (-c.score, c.rows[0]))
    return clusters
