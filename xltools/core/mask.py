"""Mask raw personal data in the book and write keyed fingerprints beside it.

Every column whose schema says ``mask`` (ContactPhone, CreditCode, Email in Customers, and any
other table's) is masked where it holds a raw value: ``138****5678``, ``110105********002X``,
``z***@example.com``. A company's 统一社会信用代码 is public and stays as it is. With a key, the
hidden fingerprint column (PhoneFP, CreditCodeFP, EmailFP) gets the HMAC of every raw value, so
dedupe and lookups still match on a masked book. Masking twice changes nothing the second time.

Free text is masked too: a phone, ID number or e-mail written inside any text column of any table
the tool manages (Remarks, follow-up Content, the ChangeLog, Issues, review sheets, the Archive,
columns a person added) is replaced by its mask where it stands (:func:`text_cells`). The key
given here is the book's fingerprint key (:func:`xltools.keys.book_key`), never the raw secret.

This module is pure: :func:`raw_cells` says which cells hold raw values (the operation stores them
in the vault first, see ``xltools.operations.mask``) and :func:`mask` returns the cell updates.

>>> from xltools.testing import make_db
>>> db = make_db({"Customers": [{"CustomerID": "C20240315001", "CustomerType": "个人",
...     "CreditCode": "11010519491231002X", "ContactPhone": "138 1234 5678", "Email": "Wei@qq.com"}]})
>>> [(u.column, u.new) for u in mask(db, b"k").changes.updates if not u.column.endswith("FP")]
[('CreditCode', '110105********002X'), ('ContactPhone', '138****5678'), ('Email', 'w***@qq.com')]
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pandas as pd

from ..changes import CellUpdate, Changeset, Issue, Result
from . import cncodes, privacy
from .checks import Context
from .checks.codes import code_kinds
from .checks.values import blank as blank_cells, masked as masked_cells
from .dedupe.keys import CLEAN
from .normalize import is_blank

# The fingerprint column of each mask kind, unless the table has a "<column>FP" column.
FINGERPRINT_COLUMNS = {"phone": "PhoneFP", "idcard": "CreditCodeFP", "email": "EmailFP"}
# What ChangeLog's Old column says instead of the raw value (the raw value must not enter the book).
OLD_IN_VAULT = "(原值已加密存入保险库 / raw value kept in the vault)"
OLD_DISCARDED = "(原值未保留:没有密钥 / raw value not kept: no key)"
OLD_TEXT = "(原文含个人信息,已脱敏 / text held personal data; masked)"
# Tables whose text is the team's configuration, never personal data.
CONFIG_TABLES = {"Rules", "Settings", "Lists"}


@dataclass(frozen=True)
class RawCell:
    """One cell holding a raw value to mask."""

    table: str
    row: int
    column: str
    kind: str          # phone | idcard | email | text (free text with personal data inside)
    record_id: str     # the row's ID (CustomerID ...), "" when the row has none
    raw: str
    masked: str        # the mask, or the raw value itself for a company code (kept, only fingerprinted)

    @property
    def changes_value(self) -> bool:
        return self.masked != self.raw


def fingerprint_column(db, table_key: str, column: str, kind: str) -> str | None:
    """The hidden column that takes this column's fingerprint, when the table has one."""
    keys = db.schema.table(table_key).keys
    for name in (f"{column}FP", FINGERPRINT_COLUMNS[kind]):
        if name in keys and name in db.df(table_key).columns:
            return name
    return None


def raw_cells(db, today: datetime.date | None = None, tables=None) -> list[RawCell]:
    """Every cell of a ``mask`` column that holds a raw (unmasked, non-blank) value, in any table
    (the Archive of merged customers too), or only in ``tables``."""
    out = []
    for table in db.schema.tables:
        if table.key not in db.tables or (tables is not None and table.key not in tables):
            continue
        df = db.df(table.key)
        id_col = table.id_column or ("CustomerID" if "CustomerID" in df.columns else None)
        for col in table.columns:
            if not col.mask or col.key not in df.columns:
                continue
            # the cells worth a look (neither blank nor masked), found over the whole column;
            # each is still asked is_blank / is_masked below, the one test of what is raw
            s = df[col.key]
            look = ~(blank_cells(s) | masked_cells(s)).to_numpy(dtype=bool)
            if not look.any():
                continue
            person = _person_ids(db, table.key, col.key, today) if col.mask == "idcard" else None
            keeps = (None if person is None else
                     (~person.reindex(df.index, fill_value=True).astype(bool)).to_numpy()[look])
            ids = df[id_col][look] if id_col in df.columns else pd.Series("", index=s.index[look])
            # (zipped columns, not a label lookup per row: 100,000 customers)
            for i, (row, value, rid) in enumerate(zip(s.index[look].tolist(), s[look].tolist(),
                                                      ids.tolist())):
                if is_blank(value) or privacy.is_masked(col.mask, value):
                    continue
                raw = str(value).strip() if not isinstance(value, float) else _number_text(value)
                out.append(RawCell(table.key, int(row), col.key, col.mask,
                                   "" if is_blank(rid) else str(rid).strip(), raw,
                                   raw if keeps is not None and keeps[i] else
                                   _masked(col.mask, value)))
    return out


def text_cells(db) -> list[RawCell]:
    """Every free-text cell (a ``text`` column, or one a person added) of any managed table that
    holds a raw phone, ID number or e-mail somewhere inside; ``masked`` is the scrubbed text."""
    out = []
    for key, tf in db.tables.items():
        if key in CONFIG_TABLES:
            continue
        try:
            table = db.schema.table(key)
        except KeyError:
            continue
        columns = [c.key for c in table.columns
                   if c.type == "text" and not c.mask and c.key != table.id_column
                   and not c.key.endswith("FP")] + list(tf.extra_columns)
        df = tf.df
        id_col = table.id_column or ("CustomerID" if "CustomerID" in df.columns else None)
        for column in [c for c in columns if c in df.columns]:
            for row, value in _maybe_personal(df[column]).items():
                masked = privacy.scrub_value(value)
                if masked is value or masked == value:
                    continue
                rid = df.at[row, id_col] if id_col in df.columns else None
                raw = _number_text(value) if isinstance(value, float) else str(value)
                out.append(RawCell(key, int(row), column, "text",
                                   "" if is_blank(rid) else str(rid).strip(), raw, masked))
    return out


def _maybe_personal(s: pd.Series) -> pd.Series:
    """The cells worth scrubbing: text with an '@' or a long run of digits, or a big whole
    number (a phone typed as a number). A cheap vectorised test before the real patterns."""
    text = s[privacy.may_hold(s)]
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return text                 # text and blanks only (one C pass): no number to look at
    numbers = s[s.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
                      and v == v and abs(v) >= 1e6)]
    return pd.concat([text, numbers]) if len(numbers) else text


def _masked(kind: str, value) -> str:
    """The mask of ``value``; a fragment too short to keep any character becomes ``***``, so the
    next run sees it as masked (masking twice must change nothing)."""
    out = privacy.mask_value(kind, value)
    return out if privacy.is_masked(kind, out) else privacy.MASK_CHAR * 3


def _number_text(value: float) -> str:
    """A phone typed as a number comes back as 13812345678.0; keep the digits."""
    return str(int(value)) if value.is_integer() else str(value)


def _person_ids(db, table_key: str, column: str, today) -> pd.Series:
    """True where an ``idcard`` cell holds a person's ID (mask it), False for a company code."""
    s = db.df(table_key)[column]
    if table_key == "Customers" and column == "CreditCode":
        kinds = code_kinds(Context(db=db, today=today or datetime.date.today()))
        person = (kinds["kind"] == "ric").to_numpy(dtype=bool)
        # and a code on a company's row that is no valid 统一社会信用代码 (its status there) but a
        # valid 身份证号: only those few are read as an ID, not the whole column twice over
        maybe = ~person & (kinds["status"] != "ok").to_numpy(dtype=bool)
        if maybe.any():
            person[maybe] = (cncodes.ric_status(s[maybe], today=today) == "ok").to_numpy(bool)
        return pd.Series(person, index=kinds.index)
    return ~(cncodes.uscc_status(s) == "ok")


def mask(db, key: bytes | None, *, today: datetime.date | None = None,
         vault_name: str | None = None, vault_records: dict | None = None,
         legacy_key: bytes | None = None, cells: list[RawCell] | None = None,
         texts: list[RawCell] | None = None) -> Result:
    """Mask every raw value (see the module docstring); with ``key``, write fingerprints.

    ``vault_name`` is the vault file the raw values went to, for the ChangeLog note; None means
    they were not kept. ``legacy_key`` (a book getting its first salt): fingerprints made with it
    are derived again under ``key`` from the raw values in ``vault_records``
    (``{table: {record: {column: [raw ...]}}}``); those no raw value matches are left and counted.
    ``cells``/``texts``: :func:`raw_cells`/:func:`text_cells` when the caller has them already.
    """
    changes = Changeset("mask")
    issues: list[Issue] = []
    kept = vault_name is not None
    note_zh = f"已脱敏,原值存入 {vault_name}" if kept else "已脱敏,原值未保留(无密钥)"
    note_en = f"masked; raw value in {vault_name}" if kept else "masked; raw value not kept (no key)"
    masked_count = fingerprints = 0
    cells = raw_cells(db, today) if cells is None else cells
    for cell, fp_col, fp, old in zip(cells, *_fingerprinted(db, cells, key)):
        if cell.changes_value:
            changes.updates.append(CellUpdate(cell.table, cell.row, cell.column,
                                              OLD_IN_VAULT if kept else OLD_DISCARDED, cell.masked,
                                              note=f"{note_zh} / {note_en}"))
            masked_count += 1
        if key and fp_col:
            if fp and (is_blank(old) or str(old) != fp):
                changes.updates.append(CellUpdate(cell.table, cell.row, fp_col,
                                                  None if is_blank(old) else old, fp,
                                                  note="指纹 / keyed fingerprint"))
                fingerprints += 1
    texts = text_cells(db) if texts is None else texts
    for cell in texts:
        changes.updates.append(CellUpdate(cell.table, cell.row, cell.column, OLD_TEXT, cell.masked,
                                          note="文中个人信息已脱敏 / personal data in text masked"))
    stale = 0
    if key and legacy_key is not None:
        done = {(u.table, u.row, u.column) for u in changes.updates}
        updates, stale = rederive(db, vault_records or {}, legacy_key, key, skip=done)
        changes.updates += updates
        fingerprints += len(updates)
    summary_zh = [f"脱敏 {masked_count} 个单元格,写入 {fingerprints} 个指纹。"]
    summary_en = [f"Masked {masked_count} cell(s); wrote {fingerprints} fingerprint(s)."]
    if texts:
        summary_zh.append(f"文本中的个人信息:脱敏 {len(texts)} 个单元格。")
        summary_en.append(f"Personal data inside text: {len(texts)} cell(s) masked.")
    if stale:
        summary_zh.append(f"{stale} 个旧指纹无法在保险库中找到原值,未能按新盐值重算。")
        summary_en.append(f"{stale} old fingerprint(s) have no raw value in the vault and could "
                          "not be derived again under the new salt.")
    if not key:
        summary_zh.append("没有密钥:未写指纹(脱敏后无法按电话/证件查重),原值未存入保险库。")
        summary_en.append("No key: no fingerprints (duplicates cannot be matched on masked values) "
                          "and the raw values are not kept in a vault.")
    return Result(changes=changes, issues=issues,
                  data={"masked": masked_count, "text_masked": len(texts),
                        "fingerprints": fingerprints, "stale_fingerprints": stale,
                        "vault": vault_name, "keyed": bool(key)},
                  summary_zh="\n".join(summary_zh), summary_en="\n".join(summary_en),
                  problems=bool(issues))


_CLEAN_KIND = {"idcard": "code", "phone": "phone", "email": "email"}   # privacy's kind -> CLEAN's


def _fingerprinted(db, cells: list[RawCell], key: bytes | None) -> tuple[list, list, list]:
    """Per cell: its fingerprint column (None when it has none), the fingerprint of its raw value
    and the fingerprint the column holds now (both None without a key or column). Worked out a
    column at a time (90,000 company codes of a big book are fingerprinted on each run)."""
    n = len(cells)
    fp_cols, fps, olds = [None] * n, [None] * n, [None] * n
    groups: dict[tuple[str, str, str], list[int]] = {}
    for i, cell in enumerate(cells):
        groups.setdefault((cell.table, cell.column, cell.kind), []).append(i)
    for (table, column, kind), at in groups.items():
        fp_col = fingerprint_column(db, table, column, kind)
        for i in at:
            fp_cols[i] = fp_col
        if not key or not fp_col:
            continue
        new = privacy.fingerprints(kind, [cells[i].raw for i in at], key,
                                   as_is=CLEAN.get(_CLEAN_KIND.get(kind, "")))
        held = db.df(table)[fp_col].loc[[cells[i].row for i in at]].tolist()
        for i, fp, old in zip(at, new, held):
            fps[i], olds[i] = fp, old
    return fp_cols, fps, olds


def rederive(db, vault_records: dict, old_key: bytes, new_key: bytes, *,
             skip=frozenset()) -> tuple[list[CellUpdate], int]:
    """Fingerprints made under ``old_key``, made again under ``new_key`` from the vault's raw
    values (a raw value is used only when its old fingerprint is the one the book holds).
    Returns the updates and how many fingerprints had no matching raw value."""
    updates, stale = [], 0
    for table in db.schema.tables:
        if table.key not in db.tables:
            continue
        df = db.df(table.key)
        id_col = table.id_column or ("CustomerID" if "CustomerID" in df.columns else None)
        for col in table.columns:
            fp_col = fingerprint_column(db, table.key, col.key, col.mask) if col.mask else None
            if not fp_col or (id_col not in df.columns):
                continue
            values = (df[col.key].tolist() if col.key in df.columns else [None] * len(df))
            for row, old, rid, value in zip(df.index.tolist(), df[fp_col].tolist(),
                                            df[id_col].tolist(), values):
                if is_blank(old) or (table.key, int(row), fp_col) in skip:
                    continue
                raws = list(vault_records.get(table.key, {}).get(
                    "" if is_blank(rid) else str(rid).strip(), {}).get(col.key, []))
                if not is_blank(value) and not privacy.is_masked(col.mask, value):
                    raws.append(_number_text(value) if isinstance(value, float) else str(value))
                raw = next((r for r in reversed(raws)
                            if privacy.fingerprint(col.mask, r, old_key) == str(old)), None)
                if raw is None:
                    stale += 1
                    continue
                updates.append(CellUpdate(table.key, int(row), fp_col, old,
                                          privacy.fingerprint(col.mask, raw, new_key),
                                          note="指纹按新密钥重算 / fingerprint derived again"))
    return updates, stale
