"""Find customers typed more than once, the way a sales team types them.

Excel's Remove Duplicates and OpenRefine's fingerprint clustering catch only exact variants. Here
each record is reduced to comparable keys (:mod:`.names`, :mod:`.keys`), candidate pairs are found
by blocking instead of comparing all n(n-1)/2 pairs, pairs that cannot reach the threshold are set
aside over arrays (:mod:`.prefilter`), each remaining pair gets one score with bilingual reasons
(:mod:`.score`), and matched pairs become clusters with a suggested survivor (:mod:`.cluster`).

>>> from xltools.testing import make_db
>>> db = make_db({"Customers": [
...     {"CustomerID": "C20240101001", "CustomerName": "深圳市华腾科技有限公司", "CustomerType": "企业",
...      "ContactPhone": "13812345678"},
...     {"CustomerID": "C20240301002", "CustomerName": "华藤科技（深圳）有限公司", "CustomerType": "企业",
...      "ContactPhone": "+86 138-1234-5678"},
...     {"CustomerID": "C20240401003", "CustomerName": "上海华腾科技有限公司", "CustomerType": "企业"}]})
>>> [c.ids for c in find_duplicates(db)]
[['C20240101001', 'C20240301002']]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .cluster import Cluster, build_clusters
from .keys import COLUMNS, Blocking, candidate_pairs, features
from .latin import parse_latin
from .names import parse_name
from .prefilter import could_match
from .score import THRESHOLD, PairScore, contradicts, score_pair
from .script import to_simplified

__all__ = ["Cluster", "Match", "find_duplicates", "match_against", "book_features", "forget",
           "score_candidates", "rejected_pairs", "THRESHOLD"]


_COLS = ["cid", "person", "pname", "parsed", "core", "core_py", "code", "code_valid", "code_fp",
         "phone", "phone_fp", "phone_kind", "email", "email_fp", "places", "latin"]


class Records:
    """Feature rows as the dicts :func:`.score.score_pair` takes, built only for the records a
    kept pair or a cluster check needs (not 100,000 dicts up front)."""

    def __init__(self, feat: pd.DataFrame) -> None:
        self._columns = {c: feat[c].tolist() for c in _COLS}
        self._built: dict[int, dict] = {}

    def __getitem__(self, i: int) -> dict:
        try:
            return self._built[i]
        except KeyError:
            return self._built.setdefault(i, {c: v[i] for c, v in self._columns.items()})


def score_candidates(feat: pd.DataFrame, blocking: Blocking, threshold: float = THRESHOLD, *,
                     prefilter: bool = True, records: Records | None = None
                     ) -> list[tuple[int, int, PairScore]]:
    """Score every candidate pair; keep those at or above ``threshold`` (positions, score).

    With ``prefilter`` (the default) pairs whose score cannot reach ``threshold`` are set aside
    over arrays first (:func:`.prefilter.could_match`); the result is the same either way."""
    left, right = blocking.left, blocking.right
    if prefilter and len(left):
        keep = could_match(feat, left, right, threshold)
        left, right = left[keep], right[keep]
    records = records if records is not None else Records(feat)
    out = []
    for i, j in zip(left.tolist(), right.tolist()):
        ps = score_pair(records[i], records[j])
        if ps.score >= threshold:
            out.append((i, j, ps))
    return out


def rejected_pairs(db) -> set[frozenset[str]]:
    """Pairs of customer IDs a reviewer said are different customers (the RejectedPairs table)."""
    if "RejectedPairs" not in db.tables:
        return set()
    df = db.df("RejectedPairs")
    out = set()
    for a, b in zip(df.get("CustomerID1", []), df.get("CustomerID2", [])):
        if isinstance(a, str) and isinstance(b, str) and a.strip() and b.strip():
            out.add(frozenset((a.strip().upper(), b.strip().upper())))
    return out


def find_duplicates(db, rejected: set[frozenset[str]] | None = None, *,
                    threshold: float = THRESHOLD) -> list[Cluster]:
    """Clusters of Customers rows that look like one customer, strongest first.

    ``rejected`` holds pairs of customer IDs never to propose again; by default the book's
    RejectedPairs table. Pure: reads ``db``, changes nothing.
    """
    customers = db.customers
    if rejected is None:
        rejected = rejected_pairs(db)
    if len(customers) < 2:
        return []
    feat = features(customers, among=True)
    records = Records(feat)
    matches = score_candidates(feat, candidate_pairs(feat), threshold, records=records)
    if rejected:
        cids = feat["cid"].to_numpy(dtype=object)
        matches = [m for m in matches if frozenset((cids[m[0]], cids[m[1]])) not in rejected]
    return build_clusters(customers, feat, matches, rejected,
                          contradicts=lambda i, j: contradicts(records[i], records[j]))


@dataclass(frozen=True)
class Match:
    """An incoming row that looks like a customer already in the book."""

    incoming: object          # the incoming DataFrame's index label
    customer_id: str
    row: int                  # the customer's row in the book
    score: float
    reasons: str

    def to_json(self) -> dict:
        return {"incoming": self.incoming if isinstance(self.incoming, (int, str)) else str(self.incoming),
                "customer_id": self.customer_id, "row": self.row, "score": self.score,
                "reasons": self.reasons}


def _matching_columns(frame: pd.DataFrame) -> pd.DataFrame:
    # only the columns matching reads, as objects: features() reads them as cell values anyway,
    # and a typed column next to an all-blank one would make pandas guess the combined dtype
    return frame[[c for c in COLUMNS if c in frame.columns]].astype(object)


def forget() -> None:
    """Let go of the names parsed so far (cached while matching, up to 200,000 of them): an
    import's write need not carry every name its matching read."""
    for cached in (parse_name, parse_latin, to_simplified):
        cached.cache_clear()


def book_features(existing_db) -> pd.DataFrame:
    """What :func:`match_against` reads of the book's customers, for calling it many times on one
    book (an import in chunks): pass it as ``book=`` and the book is read once, not per chunk."""
    return features(_matching_columns(existing_db.customers)).reset_index(drop=True)


def match_against(existing_db, incoming: pd.DataFrame, *, threshold: float = THRESHOLD,
                  book: pd.DataFrame | None = None) -> list[Match]:
    """For each incoming row (columns keyed like Customers) the best existing customer it
    duplicates, if any. Used by import: incoming rows are never matched with each other, so an
    import may be matched a chunk at a time (with ``book`` = :func:`book_features` of the same
    ``existing_db``) and give the same matches."""
    existing = existing_db.customers
    if existing.empty or incoming.empty:
        return []
    if book is None or len(book) != len(existing):
        book = book_features(existing_db)
    feat = pd.concat([book, features(_matching_columns(incoming), against=book)],
                     ignore_index=True)
    side = np.r_[np.zeros(len(existing), bool), np.ones(len(incoming), bool)]
    scored = score_candidates(feat, candidate_pairs(feat, cross=side), threshold)
    best: dict[int, tuple[int, PairScore]] = {}
    for i, j, ps in scored:  # i < j, so i is the existing record
        k = j - len(existing)
        if k not in best or ps.score > best[k][1].score:
            best[k] = (i, ps)
    out = []
    for k in sorted(best):
        i, ps = best[k]
        out.append(Match(incoming=incoming.index[k], customer_id=str(existing["CustomerID"].iloc[i]),
                         row=int(existing.index[i]), score=ps.score, reasons=ps.text))
    return out
