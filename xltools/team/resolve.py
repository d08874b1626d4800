"""``resolve``: carry out the choices a person made on the Conflicts sheet.

Each pending row with a Choice:

* 采用成员 (take the member's): a 冲突/认领 row sets the master's cell to the member's value; a 删除
  row removes the record (a customer goes to the Archive sheet first, as merge does);
* 保留主表 (keep the master's): nothing changes in the data.

The row is then marked 已处理, and so are the other pending rows about the same cell (a choice for
one claim settles the others). Two rows about one cell that both say 采用成员 with different values
are left pending and reported: the person must pick one.
"""

from __future__ import annotations

import datetime as dt

from ..changes import CellUpdate, Changeset, Issue, Result, RowAppend, RowRemove
from ..core.normalize import is_blank
from ..core.values import as_text, cell_value
from ..schema import DATA_TABLES
from .fingerprint import canon
from .gather import CLAIM, CONFLICT, DELETED, DONE

TAKE, KEEP = "take", "keep"
_TAKE_WORDS = {"采用成员", "成员", "采用", "member", "take", "theirs", "yes", "是"}
_KEEP_WORDS = {"保留主表", "主表", "保留", "master", "keep", "mine", "no", "否"}


def choice(value) -> str:
    text = "" if is_blank(value) else str(value).strip().lower()
    return TAKE if text in _TAKE_WORDS else KEEP if text in _KEEP_WORDS else ""


def _table_key(schema, label) -> str | None:
    text = canon(label)
    for key in DATA_TABLES:
        t = schema.table(key)
        if text in (t.key, t.zh, t.en, t.table_name):
            return key
    return None


def _column_key(table, label) -> str | None:
    text = canon(label)
    for c in table.columns:
        if text in (c.key, c.zh, c.en):
            return c.key
    return None


def resolve(db, today: dt.date | None = None) -> Result:
    today = today or dt.date.today()
    conflicts = db.df("Conflicts")
    changes = Changeset("resolve")
    issues: list[Issue] = []
    status = conflicts["Status"].map(canon)
    pending = conflicts[status != DONE]
    picks = pending["Choice"].map(choice)
    rows_of = {t: dict(zip(as_text(db.df(t)[db.schema.table(t).id_column]).str.strip(),
                           db.df(t).index)) for t in DATA_TABLES}
    done: set[int] = set()
    taken = kept = removed = 0

    cells: dict[tuple, list[int]] = {}
    for row, rec in pending.iterrows():
        key = (canon(rec["Table"]), canon(rec["RecordID"]), canon(rec["Column"]), canon(rec["Kind"]))
        cells.setdefault(key, []).append(row)

    for (table_label, record, column_label, kind), rows in cells.items():
        chosen = {r: picks[r] for r in rows if picks[r]}
        if not chosen:
            continue
        table = _table_key(db.schema, table_label)
        takes = [r for r, c in chosen.items() if c == TAKE]
        values = {canon(pending.at[r, "MemberValue"]) for r in takes}
        if len(values) > 1:
            issues.append(Issue("Conflicts", takes[0], "Choice", record, "resolve", "warning",
                                f"{record} 的「{column_label}」有多行选择了 采用成员 且值不同,请只选一行",
                                f"{record} {column_label}: several rows say 采用成员 with different "
                                "values; pick one"))
            continue
        target = rows_of.get(table, {}).get(record) if table else None
        if takes and target is None and kind in (CONFLICT, CLAIM, DELETED):
            issues.append(Issue("Conflicts", takes[0], "RecordID", record, "resolve", "warning",
                                f"主表中找不到记录 {record},未处理", f"record {record} is not in the "
                                "master any more; left pending"))
            continue
        if takes and kind in (CONFLICT, CLAIM):
            col = _column_key(db.schema.table(table), column_label)
            if col is None:
                issues.append(Issue("Conflicts", takes[0], "Column", column_label, "resolve",
                                    "warning", f"没有名为「{column_label}」的列,未处理",
                                    f"no column {column_label!r}; left pending"))
                continue
            new = cell_value(pending.at[takes[0], "MemberValue"])
            member = canon(pending.at[takes[0], "Member"])
            changes.updates.append(CellUpdate(
                table, int(target), col, cell_value(db.df(table).at[target, col]), new,
                note=f"resolve: 采用 {member} 的值 / took {member}'s value"))
            taken += 1
        elif takes and kind == DELETED:
            member = canon(pending.at[takes[0], "Member"])
            if table == "Customers":
                rec = {k: cell_value(v) for k, v in db.df(table).loc[target].items()}
                changes.appends.append(RowAppend("Archive", {**rec, "MergedInto": None,
                                                             "MergedTime": today},
                                                 note=f"resolve: {member} 删除 / deleted"))
            changes.removals.append(RowRemove(table, int(target), record,
                                              note=f"resolve: {member} 删除 / deleted by {member}"))
            removed += 1
        else:
            kept += 1
        # A choice on one row settles the cell: the other pending rows about it are done too.
        done.update(rows if takes else chosen)

    for row in sorted(done):
        changes.updates.append(CellUpdate("Conflicts", int(row), "Status",
                                          cell_value(conflicts.at[row, "Status"]), DONE))
    left = len(pending) - len(done)
    zh = f"处理冲突:采用成员值 {taken} 处,删除记录 {removed} 条,保留主表 {kept} 处;仍待定 {left} 行"
    en = (f"Resolved: took the member's value in {taken} cells, removed {removed} records, kept "
          f"the master's in {kept}; {left} rows still pending")
    return Result(changes, issues=issues,
                  data={"taken": taken, "removed": removed, "kept": kept, "pending": left,
                        "issues": [i.to_json() for i in issues]},
                  summary_zh=zh, summary_en=en, problems=bool(issues))
