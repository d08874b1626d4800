"""The TeamBase table (very hidden sheet): what a split leaves behind, in both kinds of book.

In a member's book:

* one ``split`` row: the split's ID, the member, when, and (in Fingerprint, as JSON) the columns
  each table's fingerprints cover;
* one ``base`` row per record as split: its table, ID and fingerprint (:mod:`.fingerprint`).

In the master:

* one ``split`` row per member of each split (so a book from another master, or a forged one, is
  refused);
* one ``gathered`` row per record a gather took from a member's book: the member's ID, the master's
  ID (different when it was renumbered) and the record's fingerprint as gathered. The next gather
  of the same book merges that record against this newer base, so it applies nothing twice.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.normalize import is_blank
from ..errors import BadInputError
from ..schema import DATA_TABLES
from .fingerprint import decode

SPLIT, BASE, GATHERED = "split", "base", "gathered"


def new_split_id(now: dt.datetime) -> str:
    """``S20261203-191500-4f2a``: when, plus a random tail so two splits never share an ID."""
    return f"S{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def text(value) -> str:
    return "" if is_blank(value) else str(value).strip()


def split_row(split: str, member: str, now: dt.datetime, meta: dict) -> dict:
    return {"Kind": SPLIT, "Split": split, "Member": member, "Table": "", "RecordID": "",
            "MasterID": "", "Fingerprint": json.dumps(meta, ensure_ascii=False), "Time": now}


def base_rows(split: str, member: str, table: str, ids: list[str], fps: list[str],
              kind: str = BASE, master_ids: list[str] | None = None,
              now: dt.datetime | None = None) -> list[dict]:
    """A member book's base rows name only table, record and fingerprint (its one split row says
    the rest: they are most of what split writes); the master's ledger rows say everything."""
    if kind == BASE:
        return [{"Kind": kind, "Table": table, "RecordID": i, "Fingerprint": f}
                for i, f in zip(ids, fps)]
    master_ids = master_ids or ids
    return [{"Kind": kind, "Split": split, "Member": member, "Table": table, "RecordID": i,
             "MasterID": m, "Fingerprint": f, "Time": now}
            for i, m, f in zip(ids, master_ids, fps)]


def frame(db) -> pd.DataFrame:
    """The book's TeamBase rows with text cells (empty when the book has none)."""
    cols = ["Kind", "Split", "Member", "Table", "RecordID", "MasterID", "Fingerprint", "Time"]
    tf = db.tables.get("TeamBase")
    if tf is None or tf.df.empty:
        return pd.DataFrame(columns=cols)
    df = tf.df.reindex(columns=cols)
    for c in cols[:-1]:
        df[c] = [text(v) for v in df[c].tolist()]
    return df


@dataclass
class MemberBase:
    """What a member's book says about its split, and its records as split (hash matrices)."""

    split: str
    member: str
    time: object
    columns: dict[str, list[str]]
    ids: dict[str, pd.Index] = field(default_factory=dict)
    fps: dict[str, list[str]] = field(default_factory=dict)

    def hashes(self, table: str) -> np.ndarray:
        return decode(self.fps.get(table, []), len(self.columns[table]))


def read_member_base(db, book: str) -> MemberBase:
    """The split header and base of a member's book, or a clear refusal."""
    df = frame(db)
    head = df[df["Kind"] == SPLIT]
    if head.empty:
        raise BadInputError(
            f"{book} 不是由 xltools split 生成的成员工作簿(没有分发记录),无法合并",
            f"{book} is not a member book made by xltools split (it has no split record); "
            "nothing to gather")
    if len(head) > 1:  # a master records one split row per member
        raise BadInputError(f"{book} 含有多个分发记录,是主工作簿而不是成员工作簿,无法合并",
                            f"{book} holds several split records: it is a master, not a member "
                            "book; it cannot be gathered")
    first = head.iloc[0]
    try:
        meta = json.loads(first["Fingerprint"])
        columns = {t: list(meta["columns"][t]) for t in DATA_TABLES}
    except (ValueError, KeyError, TypeError):
        raise BadInputError(f"{book} 的分发记录已损坏,无法合并",
                            f"{book}: its split record is damaged; it cannot be gathered") from None
    out = MemberBase(first["Split"], first["Member"], first["Time"], columns)
    rows = df[df["Kind"] == BASE]
    for table in DATA_TABLES:
        part = rows[rows["Table"] == table]
        out.ids[table] = pd.Index(part["RecordID"].tolist(), dtype=object)
        out.fps[table] = part["Fingerprint"].tolist()
    return out


def known_splits(db) -> set[tuple[str, str]]:
    """(split, member) pairs the master handed out."""
    df = frame(db)
    df = df[df["Kind"] == SPLIT]
    return set(zip(df["Split"], df["Member"]))


def ledger(db) -> pd.DataFrame:
    """The master's ``gathered`` rows."""
    df = frame(db)
    return df[df["Kind"] == GATHERED]
