"""The three-way merge of one table, pure, on DataFrames: master, each member's book, their bases.

For every record a member's book shares with its base and with the master, and every column:

* changed only in the member's book (member hash != base hash, master hash == base hash) → applied;
* changed only in the master → kept (nothing to do);
* changed in both, to the same value → nothing to do;
* changed in both, differently → a conflict; the master keeps its value;
* changed by two members to different values (two claims of one pool customer) → a conflict for
  each, the master keeps its value.

All of it is array arithmetic on hash matrices (:mod:`xltools.team.fingerprint`); only the cells
that changed become rows. Records in the base but not in the member's book were deleted there;
records in the book but not in its base are new. Works with any backend: it sees only frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .fingerprint import cell_hashes


@dataclass
class MemberSide:
    """One member's book, one table: ``frame`` indexed by record ID (columns = keys), and the base
    as hashes: ``base_ids`` and a matching (len(base_ids), len(columns)) matrix."""

    member: str
    frame: pd.DataFrame
    base_ids: pd.Index
    base: np.ndarray


@dataclass
class TableMerge:
    """What merging one table gives.

    ``apply``: id, column, value, member — cells to set in the master (member: the first who did).
    ``conflicts``: id, column, value, member, master_value — one row per member proposal.
    ``deleted``: id, member — base records missing from the member's book, still in the master.
    ``missing``: id, member, columns — records a member changed that the master no longer has.
    ``new``: member -> the member's records that are in neither its base nor the master.
    ``touched``: member -> IDs whose fingerprint differs from the base (the ledger keeps them).
    """

    apply: pd.DataFrame
    conflicts: pd.DataFrame
    deleted: pd.DataFrame
    missing: pd.DataFrame
    new: dict[str, pd.DataFrame] = field(default_factory=dict)
    touched: dict[str, list[str]] = field(default_factory=dict)


_PROPOSAL = ["id", "column", "value", "hash", "member", "master_changed"]


def unique_index(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its first row per ID (a duplicated ID is validate's problem, not ours)."""
    return frame[~frame.index.duplicated(keep="first")]


def merge_table(master: pd.DataFrame, sides: list[MemberSide], columns: list[str]) -> TableMerge:
    """Merge every member's side of one table into ``master`` (indexed by record ID)."""
    master = unique_index(master)
    proposals, deleted, missing = [], [], []
    new: dict[str, pd.DataFrame] = {}
    touched: dict[str, list[str]] = {}
    for side in sides:
        frame = unique_index(side.frame)
        in_base = frame.index.isin(side.base_ids)
        new[side.member] = frame[~in_base]
        gone = side.base_ids[~side.base_ids.isin(frame.index)]
        gone = gone[gone.isin(master.index)]
        deleted.append(pd.DataFrame({"id": gone, "member": side.member}))

        kept = frame[in_base]
        if kept.empty:
            touched[side.member] = []
            continue
        hm = cell_hashes(kept, columns)
        hb = side.base[side.base_ids.get_indexer(kept.index)]
        member_changed = hm != hb
        rows_changed = member_changed.any(axis=1)
        touched[side.member] = kept.index[rows_changed].tolist()
        # Only rows the member changed need the master's hashes: the rest is "master only".
        kept, hm, hb, member_changed = (kept[rows_changed], hm[rows_changed], hb[rows_changed],
                                        member_changed[rows_changed])
        pos = master.index.get_indexer(kept.index)
        absent = pos < 0
        if absent.any():
            missing.append(pd.DataFrame({
                "id": kept.index[absent], "member": side.member,
                "columns": [[columns[j] for j in np.flatnonzero(r)]
                            for r in member_changed[absent]]}))
        present = pos >= 0
        hmaster = np.zeros_like(hm)
        hmaster[present] = cell_hashes(master.iloc[pos[present]], columns)
        wanted = member_changed & (hm != hmaster) & present[:, None]
        r, c = np.nonzero(wanted)
        if not len(r):
            continue
        values = kept.reindex(columns=columns).to_numpy(dtype=object)
        proposals.append(pd.DataFrame({
            "id": kept.index.to_numpy()[r], "column": np.array(columns, dtype=object)[c],
            "value": values[r, c], "hash": hm[r, c], "member": side.member,
            "master_changed": (hmaster[r, c] != hb[r, c])}))

    props = pd.concat(proposals, ignore_index=True) if proposals else pd.DataFrame(columns=_PROPOSAL)
    apply, conflicts = _decide(props, master)
    return TableMerge(
        apply=apply, conflicts=conflicts,
        deleted=pd.concat(deleted, ignore_index=True) if deleted else
        pd.DataFrame(columns=["id", "member"]),
        missing=pd.concat(missing, ignore_index=True) if missing else
        pd.DataFrame(columns=["id", "member", "columns"]),
        new=new, touched=touched)


def _decide(props: pd.DataFrame, master: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Proposals -> cells to apply (one value, master unchanged) and conflicts (the rest)."""
    if props.empty:
        return (pd.DataFrame(columns=["id", "column", "value", "member"]),
                pd.DataFrame(columns=["id", "column", "value", "member", "master_value"]))
    keys = [props["id"], props["column"]]
    distinct = props.groupby(keys, sort=False)["hash"].transform("nunique")
    master_changed = props.groupby(keys, sort=False)["master_changed"].transform("any")
    clean = (distinct == 1) & ~master_changed.astype(bool)
    agreed = props[clean]
    apply = (agreed.groupby(["id", "column"], sort=False)
             .agg(value=("value", "first"), member=("member", "first"))
             .reset_index())
    conflicts = props[~clean][["id", "column", "value", "member"]].copy()
    if len(conflicts):
        col_pos = {k: master.columns.get_loc(k) for k in conflicts["column"].unique()}
        grid = master.to_numpy(dtype=object)
        rows = master.index.get_indexer(conflicts["id"])
        cols = conflicts["column"].map(col_pos).to_numpy()
        conflicts["master_value"] = grid[rows, cols]
    else:
        conflicts["master_value"] = []
    return apply, conflicts.reset_index(drop=True)
