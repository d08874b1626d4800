"""Carry out the decisions made on the review sheet.

For each approved cluster:

1. the survivor's blank fields are filled from the other records, the newest record's non-empty
   value first (``fill="newest"``; ``"oldest"`` or ``"none"`` also possible); a phone, ID number or
   e-mail travels together with its fingerprint;
2. follow-ups, tags and opportunities of the merged-away records are re-pointed to the survivor
   (nothing is deleted: the counts before and after are equal);
3. the merged-away records are appended to the Archive table (MergedInto = the survivor's ID,
   MergedTime = ``today``) and removed from Customers.

Rejected records are remembered in RejectedPairs and not proposed again. Decided clusters leave the
Review table; undecided ones stay. Every change is a CellUpdate, RowAppend or RowRemove, so the
backend logs it and ``xltools undo`` restores the book as it was.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import pandas as pd

from ...changes import CellUpdate, Changeset, Issue, RowAppend, RowRemove, TableReplace
from ..normalize import is_blank
from ..values import as_dates, cell_value
from .review import decision, is_yes

LINKED_TABLES = ("FollowUps", "Tags", "Opportunities")
# A value and its fingerprint move together.
PAIRED = {"ContactPhone": "PhoneFP", "CreditCode": "CreditCodeFP", "Email": "EmailFP"}
FILL_POLICIES = ("newest", "oldest", "none")


@dataclass
class MergePlan:
    changes: Changeset
    merged: list[dict] = field(default_factory=list)      # {"survivor", "merged": [ids]}
    rejected: list[tuple[str, str]] = field(default_factory=list)
    pending: int = 0
    issues: list[Issue] = field(default_factory=list)


def _issue(cluster: str, zh: str, en: str) -> Issue:
    return Issue("Review", None, "ClusterID", cluster, "merge", "warning", zh, en)


class _RowsById:
    """Rows of a table by CustomerID, built once per plan (not a scan of the table per record or
    per cluster: a thousand approved clusters and 500,000 follow-ups)."""

    def __init__(self, db) -> None:
        self.db = db
        self._maps: dict[str, dict[str, list[int]]] = {}

    def __call__(self, table: str, cid: str) -> list[int]:
        if table not in self._maps:
            df = self.db.customers if table == "Customers" else self.db.df(table)
            found: dict[str, list[int]] = {}
            ids = df["CustomerID"].astype("string").str.strip()
            for row, value in zip(df.index.tolist(), ids.tolist()):
                if value is not pd.NA:
                    found.setdefault(value, []).append(row)
            self._maps[table] = found
        return self._maps[table].get(cid, [])


def _locate(customers: pd.DataFrame, review_row: pd.Series, rows_by_id: _RowsById) -> int | None:
    """The Customers row a review row points at: its recorded Row if it still holds that
    CustomerID, else the only row with that CustomerID."""
    cid = str(review_row.get("CustomerID") or "").strip()
    row = review_row.get("Row")
    try:
        row = int(row)
    except (TypeError, ValueError):
        row = None
    if row in customers.index and str(customers.at[row, "CustomerID"]).strip() == cid:
        return row
    hits = rows_by_id("Customers", cid)
    return int(hits[0]) if len(hits) == 1 else None


def plan_merge(db, *, fill: str = "newest", today: _dt.date | None = None) -> MergePlan:
    """Read the Review table's decisions and build the changes (pure)."""
    if fill not in FILL_POLICIES:
        raise ValueError(f"fill must be one of {FILL_POLICIES}")
    today = today or _dt.date.today()
    plan = MergePlan(Changeset("merge"))
    review = db.df("Review") if "Review" in db.tables else pd.DataFrame()
    if review.empty:
        return plan
    customers = db.customers
    known_rejected = _known_rejected(db)
    rows_by_id = _RowsById(db)
    keep_rows: list[dict] = []
    clusters = review["ClusterID"].astype("string").fillna("").str.strip()
    blocks = clusters.groupby(clusters, sort=False).indices
    for cluster_id in dict.fromkeys(clusters):  # in sheet order
        block = review.iloc[blocks[cluster_id]]
        decisions = [decision(v) for v in block["Decision"]]
        default = decisions[0] or next((d for d in decisions if d), "")
        decisions = [d or default for d in decisions]
        if not any(decisions):
            plan.pending += 1
            keep_rows += [_row_dict(r) for _, r in block.iterrows()]
            continue
        rows = [_locate(customers, r, rows_by_id) for _, r in block.iterrows()]
        if any(r is None for r in rows):
            plan.issues.append(_issue(cluster_id, f"复核组 {cluster_id} 的记录已不在客户表中,请重新查重",
                                      f"cluster {cluster_id}: a record is no longer in Customers; run dedupe again"))
            keep_rows += [_row_dict(r) for _, r in block.iterrows()]
            continue
        ids = [str(customers.at[r, "CustomerID"]).strip() for r in rows]
        keep = [is_yes(v) for v in block["Keep"]]
        approved = [i for i, d in enumerate(decisions) if d == "approve"]
        rejected = [i for i, d in enumerate(decisions) if d == "reject"]
        survivors = [i for i in approved if keep[i]]
        if len(approved) >= 2 and len(survivors) != 1:
            plan.issues.append(_issue(cluster_id, f"复核组 {cluster_id} 需要且只能有一条“保留=是”的已批准记录",
                                      f"cluster {cluster_id}: mark exactly one approved record Keep = 是"))
            keep_rows += [_row_dict(r) for _, r in block.iterrows()]
            continue
        for i in rejected:  # remember: this record is not the same customer as the others
            for j in range(len(rows)):
                if j != i and not (j in rejected and j < i):
                    pair = frozenset((ids[i], ids[j]))
                    if ids[i] != ids[j] and pair not in known_rejected:
                        known_rejected.add(pair)
                        plan.rejected.append((ids[i], ids[j]))
                        plan.changes.appends.append(RowAppend("RejectedPairs", {
                            "CustomerID1": ids[i], "CustomerID2": ids[j],
                            "CustomerName1": cell_value(customers.at[rows[i], "CustomerName"]),
                            "CustomerName2": cell_value(customers.at[rows[j], "CustomerName"]),
                            "RejectedTime": today}, note=f"复核拒绝 / rejected in review {cluster_id}"))
        if len(approved) >= 2:
            s = survivors[0]
            others = [i for i in approved if i != s]
            _merge_into(db, plan, rows[s], [rows[i] for i in others], fill, today, cluster_id,
                        rows_by_id)
            plan.merged.append({"cluster": cluster_id, "survivor": ids[s],
                                "merged": [ids[i] for i in others]})
    plan.changes.replaces.append(TableReplace("Review", keep_rows))
    return plan


def _row_dict(r: pd.Series) -> dict:
    return {k: cell_value(v) for k, v in r.items()}


def _known_rejected(db) -> set[frozenset[str]]:
    from . import rejected_pairs
    return rejected_pairs(db)


def _merge_into(db, plan: MergePlan, survivor: int, donors: list[int], fill: str,
                today: _dt.date, cluster_id: str, rows_by_id: _RowsById) -> None:
    customers = db.customers
    changes = plan.changes
    sid = str(customers.at[survivor, "CustomerID"]).strip()
    donor_ids = [str(customers.at[d, "CustomerID"]).strip() for d in donors]
    note = f"合并 {cluster_id}: {', '.join(donor_ids)} -> {sid} / merged"
    # 1. fill the survivor's blanks
    if fill != "none" and donors:
        created = as_dates(customers.loc[donors, "CreateTime"], times=True)  # as validate reads it
        order = sorted(range(len(donors)), key=lambda k: (pd.isna(created.iloc[k]),
                       -(created.iloc[k].value if not pd.isna(created.iloc[k]) else 0)))
        if fill == "oldest":
            order = sorted(range(len(donors)), key=lambda k: (pd.isna(created.iloc[k]),
                           created.iloc[k].value if not pd.isna(created.iloc[k]) else 0))
        fp_columns = set(PAIRED.values())
        for col in customers.columns:
            if col == "CustomerID" or col in fp_columns or not is_blank(customers.at[survivor, col]):
                continue
            for k in order:
                value = customers.at[donors[k], col]
                if is_blank(value):
                    continue
                changes.updates.append(CellUpdate("Customers", survivor, col, None, cell_value(value), note))
                fp = PAIRED.get(col)
                if fp and fp in customers.columns and is_blank(customers.at[survivor, fp]):
                    changes.updates.append(CellUpdate("Customers", survivor, fp,
                                                      None, cell_value(customers.at[donors[k], fp]), note))
                break
    # 2. re-point follow-ups, tags, opportunities
    moving = {d for d in donor_ids if d != sid}
    for table in LINKED_TABLES:
        if table not in db.tables:
            continue
        df = db.df(table)
        if df.empty:
            continue
        for row in sorted(r for d in moving for r in rows_by_id(table, d)):
            changes.updates.append(CellUpdate(table, int(row), "CustomerID", df.at[row, "CustomerID"],
                                              sid, note))
    # 3. archive and remove
    for d, did in zip(donors, donor_ids):
        values = {k: cell_value(v) for k, v in customers.loc[d].items()}
        values.update(MergedInto=sid, MergedTime=today)
        changes.appends.append(RowAppend("Archive", values, note))
        changes.removals.append(RowRemove("Customers", int(d), key=did, note=note))
