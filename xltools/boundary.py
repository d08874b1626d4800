"""The privacy boundary: whatever leaves the tool carries masked values, unless revealed.

Exports, query files, ``--json`` rows: :func:`masked_rows` masks a person's phone, ID number and
e-mail (a company's credit code is public) and any of them written inside text, whatever state
the book is in (a book never masked still exports masked). ``--reveal`` with the key gives the raw
values instead (:func:`revealed_rows`): the book's own raw values, and the vault's for masked
cells, but only a raw value *bound* to the record as the book holds it now
(:func:`bound_values`: its fingerprint, or else its mask, is what the book holds), so a value
kept for an import that was undone never shows up under another customer who got the same ID.
Every reveal is logged (:func:`log_reveal`) in ``<book>.reveal.log`` beside the book: who, when,
which command, which records, never a value.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from pathlib import Path

import pandas as pd

from .core import privacy
from .core.mask import fingerprint_column, raw_cells
from .core.normalize import is_blank
from .keys import book_key

# A cheap test before the real patterns: an '@', or digits long enough for a phone or ID number.
_MAYBE_PII = r"@|(?<![0-9A-Za-z])\d[\d\s-]{5,}\d"


def masked_rows(db, rows: pd.DataFrame, table: str = "Customers") -> pd.DataFrame:
    """``rows`` (index = Excel rows of ``table``) with every raw personal value masked."""
    out = rows.copy()
    for cell in raw_cells(db, tables=(table,)):
        if cell.changes_value and cell.row in out.index and cell.column in out.columns:
            out.at[cell.row, cell.column] = cell.masked
    kinds = {c.key for c in db.schema.table(table).columns if c.mask}
    for column in out.columns:
        if column in kinds or out[column].dtype.kind != "O":
            continue
        s = out[column]
        maybe = s.map(lambda v: isinstance(v, (str, int, float))).astype(bool)
        maybe &= s.astype(str).str.contains(_MAYBE_PII, regex=True, na=False)
        if maybe.any():
            out.loc[maybe, column] = s[maybe].map(privacy.scrub_value)
    return out


def log_reveal(book, command: str, records: list[str]) -> None:
    """Append one line to ``<book>.reveal.log``: time, OS user, command, record IDs revealed."""
    if book is None:
        return
    book = Path(book)
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some service accounts
        user = "?"
    entry = {"time": dt.datetime.now().isoformat(timespec="seconds"), "user": user,
             "command": command, "book": book.name, "records": records}
    fd = os.open(book.with_name(book.name + ".reveal.log"),
                 os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _record_rows(db, table: str, rid: str) -> list[int]:
    df = db.df(table)
    id_col = db.schema.table(table).id_column or "CustomerID"
    if id_col not in df.columns or rid.startswith("#"):
        return []
    ids = df[id_col].map(lambda v: "" if is_blank(v) else str(v).strip())
    return [int(r) for r in df.index[ids == rid]]


def is_bound(db, table: str, row: int, column: str, raw: str, key: bytes | None) -> bool:
    """True when ``raw`` is what the book holds now in (table, row, column): its fingerprint is
    the row's fingerprint, or (no fingerprint) its mask or scrubbed text is the cell's value."""
    df = db.df(table)
    if column not in df.columns:
        return False
    current = df.at[row, column]
    if is_blank(current):
        return False
    schema_table = db.schema.table(table)
    kind = schema_table.column(column).mask if column in schema_table.keys else None
    if kind:
        fp_col = fingerprint_column(db, table, column, kind)
        if fp_col and not is_blank(df.at[row, fp_col]):
            return key is not None and privacy.fingerprint(kind, raw, key) == str(df.at[row, fp_col])
        return str(current).strip() in (raw, privacy.mask_value(kind, raw))
    return str(current) in (raw, privacy.scrub(raw))


def bound_values(db, table: str, rid: str, cols: dict[str, list[str]], secret: bytes
                 ) -> dict[str, str]:
    """``{column: raw}``: the newest raw value of each column bound to record ``rid`` now."""
    if table not in db.tables or not cols:
        return {}
    key = book_key(db, secret)
    out = {}
    for row in _record_rows(db, table, rid):
        for column, raws in cols.items():
            if column in out:
                continue
            hit = next((r for r in reversed(raws) if is_bound(db, table, row, column, r, key)), None)
            if hit is not None:
                out[column] = hit
    return out


def revealed_rows(db, rows: pd.DataFrame, secret: bytes, command: str,
                  table: str = "Customers") -> pd.DataFrame:
    """``rows`` with the raw values the key holder may see; the reveal is logged."""
    from .vault import Vault, vault_path

    out = rows.copy()
    shown = []
    path = vault_path(db.path) if db.path is not None else None
    if path is not None and path.exists():
        vault = Vault.open(path, secret)          # a wrong key stops here (exit 2)
        key = book_key(db, secret)
        id_col = db.schema.table(table).id_column
        for row in out.index:
            rid = db.df(table).at[row, id_col] if id_col in db.df(table).columns else None
            cols = vault.get(table, "" if is_blank(rid) else str(rid).strip())
            for column, raws in cols.items():
                if column not in out.columns:
                    continue
                hit = next((r for r in reversed(raws)
                            if is_bound(db, table, int(row), column, r, key)), None)
                if hit is not None:
                    out.at[row, column] = hit
                    shown.append(str(rid))
    log_reveal(db.path, command, sorted(set(shown)) or [f"{len(out)} rows"])
    return out


def disclosed(db, rows: pd.DataFrame, *, reveal: bool, command: str) -> pd.DataFrame:
    """What an output may carry: ``rows`` masked, or with ``reveal`` (the key required, a wrong
    one refused, the reveal logged) the raw values bound to each record."""
    if not reveal:
        return masked_rows(db, rows)
    from .secret import require_secret

    return revealed_rows(db, rows, require_secret(), command)


def reveal_param():
    """The ``--reveal`` option of the commands that write customers to a file."""
    from .registry import Param

    return Param("reveal", ("--reveal",), is_flag=True, default=False,
                 help_zh="输出原值(需要密钥;每次查看记入 <工作簿>.reveal.log)。默认输出脱敏值",
                 help_en="Write raw values (needs the key; each reveal is logged in "
                         "<book>.reveal.log). Without it outputs carry masked values")
