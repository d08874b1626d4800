"""``gather``: the members' books back into the master, three-way, nothing lost, nothing twice.

:func:`plan_gather` takes the master and the members' books as loaded (:class:`MemberBook`) and
returns a :class:`~xltools.changes.Changeset`; it opens no file, so any backend can be the hub.

Per data table (:mod:`.merge`): member-only changes are applied, master-only changes kept, changes
on both sides (or by two members) become rows on the Conflicts sheet while the master keeps its
value. Then:

* new records (in a book, not in its base): an ID already used in the master or by another
  member's new record is renumbered, and the member's follow-ups, tags and opportunities that
  point at a renumbered customer are re-pointed;
* 撞单: a new customer that dedupe's matcher (:func:`xltools.core.dedupe.match_against`, hashed
  fingerprints included) finds among another owner's customers, or another member's new ones, is
  added but put on the DedupeReview sheet next to the other, both owners named, for the lead to
  merge or keep apart;
* records a member deleted stay in the master and are listed (Conflicts, kind 删除);
* what was taken from each book is remembered on the master's TeamBase (:mod:`.base`), so a
  second gather of the same books changes nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from types import SimpleNamespace

import pandas as pd

from ..changes import CellUpdate, Changeset, RowAppend, TableReplace
from ..core.dedupe import find_duplicates, match_against
from ..core.dedupe.review import NO, YES
from ..core.ids import next_ids
from ..core.normalize import is_blank
from ..core.privacy import mask_email, mask_idcard, mask_phone
from ..core.values import as_text, cell_value
from ..schema import DATA_TABLES
from . import base as team_base
from .fingerprint import canon, decode, fingerprints
from .merge import MemberSide, TableMerge, merge_table

PENDING, DONE = "待定", "已处理"
CONFLICT, CLAIM, DELETED, MISSING = "冲突", "认领", "删除", "主表已无"


@dataclass
class MemberBook:
    """One member's book as loaded: its CustomerDB, its base, when it was saved, where it is."""

    db: object
    base: team_base.MemberBase
    saved: dt.datetime | None
    name: str


@dataclass
class GatherPlan:
    changes: Changeset
    counts: dict = field(default_factory=dict)
    collisions: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    deleted: list[dict] = field(default_factory=list)


def _by_id(df: pd.DataFrame, id_column: str) -> pd.DataFrame:
    """Rows indexed by ID; blank or repeated IDs get a key of their own (``~row``) so the rows
    count as new records instead of disappearing."""
    ids = as_text(df[id_column]).str.strip()
    bad = (ids == "") | ids.duplicated(keep="first")
    keys = ids.where(~bad, "~" + df.index.astype(str))
    out = df.copy()
    out.index = pd.Index(keys.tolist(), dtype=object)
    out["_row"] = df.index
    return out


def plan_gather(master, books: list[MemberBook], now: dt.datetime,
                today: dt.date | None = None) -> GatherPlan:
    today = today or now.date()
    changes = Changeset("gather")
    plan = GatherPlan(changes)
    ledger = team_base.ledger(master)
    pool = master.setting("PoolOwner", str).strip()
    ledger_rows: dict[tuple, dict] = {
        (r["Split"], r["Member"], r["Table"], r["RecordID"]): r
        for r in ledger.to_dict("records")}
    renamed: dict[str, dict[str, str]] = {b.base.member: {} for b in books}  # Customers old->new
    used = {t: set(as_text(master.df(t)[master.schema.table(t).id_column]).str.strip())
            for t in DATA_TABLES}
    new_rows: dict[str, list[tuple[str, dict]]] = {t: [] for t in DATA_TABLES}
    results: dict[str, TableMerge] = {}
    sides_of: dict[str, dict[str, MemberSide]] = {}

    for table in DATA_TABLES:
        schema_table = master.schema.table(table)
        idc = schema_table.id_column
        mframe = _by_id(master.df(table), idc)
        sides = []
        for book in books:
            columns = book.base.columns[table]
            frame = _by_id(book.db.df(table), idc)
            base_ids, hashes = book.base.ids[table], book.base.hashes(table)
            base_fp = pd.Series(team_base_fps(book, table), index=base_ids, dtype=object)
            # A newer base for what an earlier gather already took from this book.
            mine = ledger[(ledger["Split"] == book.base.split) & (ledger["Member"] == book.base.member)
                          & (ledger["Table"] == table)]
            if len(mine):
                mapping = dict(zip(mine["RecordID"], mine["MasterID"]))
                frame = frame.rename(index=mapping)
                over = pd.Series(mine["Fingerprint"].tolist(), index=mine["MasterID"].tolist())
                base_fp = pd.concat([base_fp[~base_fp.index.isin(over.index)], over])
                base_ids = pd.Index(base_fp.index.tolist(), dtype=object)
                hashes = decode(base_fp.tolist(), len(columns))
            sides.append(MemberSide(book.base.member, frame, base_ids, hashes))
        columns = books[0].base.columns[table] if books else schema_table.keys
        result = merge_table(mframe, sides, columns)
        results[table] = result
        sides_of[table] = {s.member: s for s in sides}
        _apply_cells(changes, master, table, mframe, result, books, plan)

    conflict_rows = _existing_conflicts(master)
    names = CustomerNames(master)
    numbers = itertools.count(len(conflict_rows) + 1)

    def listed(row: dict) -> bool:
        """Put ``row`` on the Conflicts sheet unless an earlier gather listed it already."""
        if _seen(conflict_rows, row):
            return False
        row["ConflictID"] = f"K{next(numbers):04d}"
        changes.appends.append(RowAppend("Conflicts", row))
        return True

    for table in DATA_TABLES:
        result = results[table]
        for rec in result.conflicts.to_dict("records"):
            kind = CLAIM if rec["column"] == "Owner" and canon(rec["master_value"]) == pool \
                else CONFLICT
            row = _conflict(names, master, table, rec["id"], rec["column"], kind, rec["master_value"],
                            rec["value"], _book(books, rec["member"]))
            if listed(row):
                plan.conflicts.append(row)
        for rec in result.deleted.to_dict("records"):
            row = _conflict(names, master, table, rec["id"], "", DELETED, None, None,
                            _book(books, rec["member"]))
            row["Note"] = (f"{rec['member']} 在自己的工作簿中删除了这条记录;主表保留 / "
                           f"deleted in {rec['member']}'s book; kept in the master")
            if listed(row):
                plan.deleted.append(row)
        for rec in result.missing.to_dict("records"):
            row = _conflict(names, master, table, rec["id"], "", MISSING, None, None,
                            _book(books, rec["member"]))
            row["Note"] = (f"成员修改了 {', '.join(rec['columns'])},但主表中已没有这条记录(已合并或归档)"
                           f" / changed by the member, but the master no longer has it")
            listed(row)

    # New records, parents first, so children follow their renumbered customers.
    for table in DATA_TABLES:
        schema_table = master.schema.table(table)
        idc, prefix = schema_table.id_column, schema_table.id_prefix
        for book in books:
            new = results[table].new.get(book.base.member)
            if new is None or new.empty:
                continue
            keys = new.index.tolist()
            clash = [k for k in keys if k.startswith("~") or k in used[table]]
            fresh = iter(next_ids(pd.Series(sorted(used[table] | set(keys)), dtype=object),
                                  prefix, today, len(clash)))
            mapping = {k: (next(fresh) if k in clash else k) for k in keys}
            used[table] |= set(mapping.values())
            if table == "Customers":
                renamed[book.base.member] = {k: v for k, v in mapping.items() if k != v}
            for key, rec in zip(keys, new.drop(columns=["_row"]).to_dict("records")):
                values = {k: cell_value(v) for k, v in rec.items() if k in schema_table.keys}
                values[idc] = mapping[key]
                if table != "Customers":
                    cid = canon(values.get("CustomerID"))
                    values["CustomerID"] = renamed[book.base.member].get(cid, values.get("CustomerID"))
                note = f"gather {book.base.member}"
                if mapping[key] != key and not key.startswith("~"):
                    note += f": {key} → {mapping[key]}"
                changes.appends.append(RowAppend(table, values, note=note))
                new_rows[table].append((book.base.member, {**values, "_member_id": key}))

    plan.collisions = _collisions(master, new_rows["Customers"], books, pool, changes)
    _remember(master, changes, books, results, sides_of, new_rows, ledger_rows, now)
    plan.counts = {
        "applied": len(changes.updates),
        "new": {t: len(new_rows[t]) for t in DATA_TABLES},
        "renumbered": sum(1 for t in DATA_TABLES for _, r in new_rows[t]
                          if r["_member_id"] != r[master.schema.table(t).id_column]),
        "conflicts": len(plan.conflicts), "deleted": len(plan.deleted),
        "collisions": len(plan.collisions),
    }
    return plan


def team_base_fps(book: MemberBook, table: str) -> list[str]:
    return book.base.fps.get(table, [])


def _book(books: list[MemberBook], member: str) -> MemberBook:
    return next(b for b in books if b.base.member == member)


def _apply_cells(changes: Changeset, master, table: str, mframe: pd.DataFrame,
                 result: TableMerge, books: list[MemberBook], plan: GatherPlan) -> None:
    if result.apply.empty:
        return
    rows = mframe["_row"]
    for rec in result.apply.to_dict("records"):
        row = int(rows.loc[rec["id"]])
        split = _book(books, rec["member"]).base.split
        changes.updates.append(CellUpdate(
            table, row, rec["column"], cell_value(master.df(table).at[row, rec["column"]]),
            cell_value(rec["value"]), note=f"gather {rec['member']} ({split})"))


class CustomerNames:
    """The customer name a record of any data table belongs to, looked up in dicts built once."""

    def __init__(self, master):
        customers = master.df("Customers")
        self.names = dict(zip(as_text(customers["CustomerID"]).str.strip(),
                              as_text(customers["CustomerName"])))
        self.owner_of: dict[str, dict[str, str]] = {}
        self.master = master

    def __call__(self, table: str, record_id: str) -> str:
        if table == "Customers":
            return self.names.get(record_id, "")
        if table not in self.owner_of:
            df = self.master.df(table)
            idc = self.master.schema.table(table).id_column
            self.owner_of[table] = dict(zip(as_text(df[idc]).str.strip(),
                                            as_text(df["CustomerID"]).str.strip()))
        return self.names.get(self.owner_of[table].get(record_id, ""), "")


def _conflict(names: CustomerNames, master, table: str, record_id: str, column: str, kind: str,
              master_value, member_value, book: MemberBook) -> dict:
    schema_table = master.schema.table(table)
    label = schema_table.column(column).label(master.lang) if column else ""
    return {"ConflictID": "", "Kind": kind, "Table": schema_table.title(master.lang),
            "RecordID": record_id, "Name": names(table, record_id),
            "Column": label, "MasterValue": cell_value(master_value),
            "MemberValue": cell_value(member_value), "Member": book.base.member,
            "MemberTime": book.saved, "Choice": None, "Status": PENDING,
            "Split": book.base.split, "Note": ""}


def _existing_conflicts(master) -> set[tuple]:
    df = master.df("Conflicts")
    return {_conflict_key(r) for r in df.to_dict("records")}


def _conflict_key(row: dict) -> tuple:
    return tuple(canon(row.get(k)) for k in ("Kind", "Split", "Member", "Table", "RecordID",
                                               "Column", "MemberValue"))


def _seen(existing: set[tuple], row: dict) -> bool:
    key = _conflict_key(row)
    if key in existing:
        return True
    existing.add(key)
    return False


def _collisions(master, new_customers: list[tuple[str, dict]], books: list[MemberBook],
                pool: str, changes: Changeset) -> list[dict]:
    """撞单: new customers that look like another owner's customer (in the master, or new from
    another member) go to DedupeReview. Two calls of dedupe's matcher, however many members."""
    if not new_customers:
        return []
    keys = master.schema.table("Customers").keys
    existing = master.df("Customers")[keys].copy()
    existing["_row"] = existing.index
    next_row = int(existing.index.max()) + 1 if len(existing) else 2
    incoming = pd.DataFrame([{k: r.get(k) for k in keys} for _, r in new_customers])
    incoming["_member"] = [m for m, _ in new_customers]
    incoming["_row"] = range(next_row, next_row + len(incoming))   # where the appends land
    owner = [canon(o) or m for o, m in zip(incoming["Owner"], incoming["_member"])]
    incoming["_owner"] = owner
    pairs = []   # (theirs, new, score, reasons)
    for m in match_against(SimpleNamespace(customers=existing[keys].reset_index(drop=True)),
                           incoming[keys]):
        new, other = incoming.loc[m.incoming], existing.iloc[m.row]
        if canon(other["Owner"]) != new["_owner"]:
            pairs.append((other, new, m.score, m.reasons))
    for cluster in find_duplicates(SimpleNamespace(customers=incoming[keys]), rejected=set()):
        rows = sorted(cluster.rows)          # the first typed (earlier book) is "theirs"
        first = incoming.loc[rows[0]]
        for r in rows[1:]:
            if incoming.at[r, "_owner"] != first["_owner"]:
                pairs.append((first, incoming.loc[r], cluster.score, "; ".join(cluster.reasons)))
    found, clusters = [], []
    for other, new, score, reasons in pairs:
        clusters.append((other, new, SimpleNamespace(score=score, reasons=reasons)))
        found.append({"customer_id": new["CustomerID"], "name": new.get("CustomerName"),
                      "member": new["_member"], "owner": new["_owner"],
                      "matches": other["CustomerID"],
                      "matches_owner": canon(other.get("Owner")) or pool,
                      "score": score, "reasons": reasons})
    if clusters:
        review = master.df("Review")
        rows = [dict(r) for r in review.to_dict("records")]
        numbers = pd.to_numeric(as_text(review["ClusterID"]).str.extract(r"(\d+)$")[0],
                                errors="coerce")
        n = int(numbers.max()) if numbers.notna().any() else 0
        for other, new, m in clusters:
            n += 1
            for k, rec in enumerate((other, new)):
                rows.append(_review_row(f"D{n:03d}", rec, k, m))
        changes.replaces.append(TableReplace("Review", rows))
    return found


def _review_row(cluster: str, rec: pd.Series, k: int, match) -> dict:
    created = rec.get("CreateTime")
    return {
        "ClusterID": cluster, "CustomerID": str(rec.get("CustomerID") or ""),
        "Row": int(rec["_row"]) if "_row" in rec and not is_blank(rec["_row"]) else None,
        "CustomerName": canon(rec.get("CustomerName")),
        "CustomerType": canon(rec.get("CustomerType")),
        "CreditCode": mask_idcard(rec.get("CreditCode")),
        "ContactPerson": canon(rec.get("ContactPerson")),
        "ContactPhone": mask_phone(rec.get("ContactPhone")),
        "Email": mask_email(rec.get("Email")),
        "Owner": canon(rec.get("_owner")) or canon(rec.get("Owner")),
        "CreateTime": None if is_blank(created) else pd.Timestamp(created).date(),
        "Filled": int(sum(not is_blank(v) for k, v in rec.items() if not str(k).startswith("_"))),
        "Score": round(match.score, 2) if k == 0 else None,
        "Reasons": ("撞单 / two owners: " + match.reasons) if k == 0 else "",
        "Keep": YES if k == 0 else NO, "Decision": "",
    }


def _remember(master, changes: Changeset, books: list[MemberBook], results: dict,
              sides_of: dict, new_rows: dict, ledger_rows: dict, now: dt.datetime) -> None:
    """Upsert the master's ``gathered`` rows: every record taken from a book, as it is there."""
    before = len(ledger_rows)
    touched_any = False
    for table in DATA_TABLES:
        for book in books:
            member, split = book.base.member, book.base.split
            side = sides_of[table][member]
            touched = results[table].touched.get(member, [])
            columns = book.base.columns[table]
            if touched:
                frame = side.frame.loc[touched]
                member_ids = frame.index.tolist()
                reverse = {r["MasterID"]: r["RecordID"] for r in ledger_rows.values()
                           if r["Split"] == split and r["Member"] == member and r["Table"] == table}
                for mid, fp in zip(member_ids, fingerprints(frame, columns)):
                    rid = reverse.get(mid, mid)
                    old = ledger_rows.get((split, member, table, rid))
                    if old is not None and old["Fingerprint"] == fp:
                        continue
                    ledger_rows[(split, member, table, rid)] = {
                        "Kind": team_base.GATHERED, "Split": split, "Member": member,
                        "Table": table, "RecordID": rid, "MasterID": mid, "Fingerprint": fp,
                        "Time": now}
                    touched_any = True
        idc = master.schema.table(table).id_column
        for book in books:   # fingerprinted as the records stand in the book, a book at a time
            member = book.base.member
            recs = [rec for m, rec in new_rows[table] if m == member]
            if not recs:
                continue
            rids = [rec["_member_id"] for rec in recs]
            fps = fingerprints(sides_of[table][member].frame.loc[rids], book.base.columns[table])
            for rid, rec, fp in zip(rids, recs, fps):
                ledger_rows[(book.base.split, member, table, rid)] = {
                    "Kind": team_base.GATHERED, "Split": book.base.split, "Member": member,
                    "Table": table, "RecordID": rid, "MasterID": rec[idc], "Fingerprint": fp,
                    "Time": now}
                touched_any = True
    if not touched_any and len(ledger_rows) == before:
        return
    rows = [r for r in team_base.frame(master).to_dict("records")
            if r["Kind"] != team_base.GATHERED] + list(ledger_rows.values())
    changes.replaces.append(TableReplace("TeamBase", rows))
