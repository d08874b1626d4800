"""``split``: one book per team member, holding their customers and nothing of anyone else's.

A member's book (``DIR/<name>.xlsx``) is a fresh book from the template (so no part of the
master that might hold other members' data — ChangeLog, Archive, Review, pivot caches, notes —
comes along), filled with:

* the customers the member's role lets them see (:mod:`.roles`) and the public-pool (公海)
  customers they may claim; those customers' follow-ups, tags and opportunities;
* the master's Rules, Settings, Team and Lists (the dropdowns stay the team's);
* their own Summary dashboard and To-do sheet (their due follow-ups), rebuilt on their customers;
* on a very hidden sheet, the split's ID and a fingerprint of every record as split
  (:mod:`.base`), the base gather merges against.

Records without an ID, or whose ID is used twice, stay out of member books (gather could not tell
them apart); ``split`` reports them so validate's findings can be fixed first.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from ..core.values import as_text
from ..schema import DATA_TABLES
from . import base as team_base
from .fingerprint import fingerprints
from .roles import Member, owners_seen

SHARED_TABLES = ("Rules", "Settings", "Team")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass
class MemberPlan:
    member: Member
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class SplitPlan:
    split: str
    time: dt.datetime
    members: list[MemberPlan]
    skipped: dict[str, int]          # table -> records without a usable ID
    master_rows: list[dict]          # TeamBase rows the master keeps


def book_name(member: str) -> str:
    """A member's file name: their name with the characters file systems refuse replaced."""
    return (_UNSAFE.sub("_", member).strip(" .") or "member") + ".xlsx"


def usable_ids(df: pd.DataFrame, id_column: str) -> pd.Series:
    """Per row: its ID as text, or "" when blank or used by more than one row."""
    ids = as_text(df[id_column]).str.strip()
    return ids.where(~ids.duplicated(keep=False), "")


def plan_split(db, members: list[Member], now: dt.datetime) -> SplitPlan:
    """What each member's book holds; pure (no files)."""
    split = team_base.new_split_id(now)
    pool = db.setting("PoolOwner", str).strip()
    columns = {t: db.schema.table(t).keys for t in DATA_TABLES}
    ids = {t: usable_ids(db.df(t), db.schema.table(t).id_column) for t in DATA_TABLES}
    fps = {t: pd.Series(fingerprints(db.df(t), columns[t]), index=db.df(t).index, dtype=object)
           for t in DATA_TABLES}
    skipped = {t: int((ids[t] == "").sum()) for t in DATA_TABLES}
    parent = {t: as_text(db.df(t)["CustomerID"]).str.strip() for t in DATA_TABLES}
    customers = db.df("Customers")
    owners = as_text(customers["Owner"]).str.strip()
    plans, master_rows = [], []
    meta = {"columns": columns, "master": db.path.name if db.path else ""}
    for who in members:
        seen = owners_seen(db, who)
        mine = pd.Series(True, index=customers.index) if seen is None else \
            owners.isin(seen) | (owners == pool)
        mine &= ids["Customers"] != ""
        cids = set(ids["Customers"][mine])
        plan = MemberPlan(who)
        rows = [team_base.split_row(split, who.name, now, {**meta, "role": who.role})]
        for t in DATA_TABLES:
            df = db.df(t)
            keep = mine if t == "Customers" else parent[t].isin(cids) & (ids[t] != "")
            plan.frames[t] = df.loc[keep, columns[t]]
            plan.counts[t] = int(keep.sum())
            rows += team_base.base_rows(split, who.name, t, ids[t][keep].tolist(),
                                        fps[t][keep].tolist())
        for t in SHARED_TABLES:
            if t in db.tables:
                plan.frames[t] = db.df(t)[db.schema.table(t).keys]
        plan.frames["TeamBase"] = pd.DataFrame(rows)
        plans.append(plan)
        master_rows.append(team_base.split_row(split, who.name, now, {"role": who.role}))
    return SplitPlan(split, now, plans, skipped, master_rows)


def write_member_book(path: Path, db, plan: MemberPlan, today: dt.date | None = None) -> None:
    """Write one member's book at ``path`` and rebuild its Summary and To-do (due list) sheets
    on its own customers."""
    from ..backend.file import FileBackend
    from ..core.summary import summarize
    from ..core.todo import todo_sheet
    from ..template import build_template

    build_template(path, lang=db.lang, data=SimpleNamespace(frames=plan.frames, lists=db.lists),
                   schema=db.schema)
    backend = FileBackend(path, command="split", schema=db.schema, backups=False)
    book = backend.load()
    changes = summarize(book, today=today).changes
    changes.rebuilds.append(todo_sheet(book, today)[0])
    backend.apply(changes, book)
