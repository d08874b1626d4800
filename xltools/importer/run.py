"""The whole import, in chunks: every source row is read, checked and accounted for once.

The rows of the sources go through :func:`build_import` a chunk at a time (at most
:data:`CHUNK_ROWS` rows, or as many rows as the book has customers when it has more): each chunk is
normalised, masked and checked against the book and against every earlier row of the import, and
leaves behind only what the result needs (the rows to append, what to review, the counts), so the
working frames of a file of a million rows never exist at once. The result is the one a single pass
gives: the same rows imported with the same IDs, the same rows flagged for the same reasons, the
same ImportReview sheet and summary, with one exception: a near-duplicate name found only by the
sorted-neighbourhood window (:mod:`xltools.core.dedupe.keys`) can be found in one pass and missed
in chunks or the other way round, as the window sees a chunk's rows beside the book's (a 200,000-row
import in 50,000-row chunks flagged 10,435 rows, in one pass 10,414). Only an import larger than
both :data:`CHUNK_ROWS` and the book is cut into chunks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd

from ..changes import Changeset, ColumnAppend, Issue, Result
from ..core.normalize import is_blank
from ..db import CustomerDB
from ..heap import paused
from .frame import ROW, SOURCE, Extracted
from .headers import Synonyms
from .infer import infer
from .matching import (FP_COLUMNS, KINDS, REASONS, book_features, existing_matches,
                       forget_names, match_keys)
from .plan import (_INFERRED_LABELS, OWN_COLUMNS, TABLE, _new_staff, _place_values, _summary,
                   infer_types, mask_frame, next_ids, normalise, remarks, review_sheet)

# Rows per chunk. Each chunk's matching blocks the book's customers again (their features are read
# once per import), so a chunk is never smaller than the book: the repeated work stays at most the
# import's own. Measured on a 100,000-customer book importing 200,000 rows, in one process (plan):
# one chunk 22.7-23.5 s, 100,000-row chunks 24.2-28.7 s, 50,000 26.4 s, 25,000 31-34 s; the whole
# import's peak is the write's (~1.7-1.8 GB either way), so smaller chunks do not lower it.
CHUNK_ROWS = 200_000
_WITHIN = ("CreditCode", "ContactPhone", "Email", "name")   # in order of strength
_SHOWN = ("CustomerName", "ContactPhone", "CreditCode", "Email")  # on the ImportReview sheet


def plan_import(db: CustomerDB, parts: list[Extracted], **kwargs) -> Result:
    """The import of ``parts`` (rows read from the sources) into ``db``'s Customers as a Result.
    The parts' rows are handed over: each part's frame is left empty (:func:`build_import`)."""
    return build_import(db, parts, **kwargs)[0]


def build_import(db: CustomerDB, parts: list[Extracted], *, key: bytes | None = None,
                 owner: str | None = None, today: dt.date | None = None,
                 synonyms: Synonyms | None = None, chunk_rows: int | None = None
                 ) -> tuple[Result, RawValues]:
    """:func:`plan_import`, plus the raw values the masks replaced: {CustomerID: {column: raw}}
    (a :class:`RawValues`), for the vault. Kept out of the Result so they can never reach the
    JSON output or the book. ``chunk_rows``: rows per chunk (default: see :data:`CHUNK_ROWS`).

    The rows are handed over: each part's frame is left empty, and a chunk's cells as read are
    let go once they are normalised (a 200,000-row CSV's are ~80 MB, held through the matching
    otherwise)."""
    today = today or dt.date.today()
    synonyms = synonyms or Synonyms.load(db.schema)
    run = ImportRun(db, key=key, owner=owner, today=today, synonyms=synonyms)
    size = chunk_rows or chunk_size(db)
    for part in parts:
        frame, part.frame = part.frame, part.frame.iloc[:0].copy()   # (a view would keep all)
        starts = range(0, len(frame), size)
        # (one chunk is the frame; several are copies, each freeing its own rows)
        chunks = [frame] if len(starts) == 1 else [frame.iloc[k:k + size].copy() for k in starts]
        del frame
        while chunks:
            with paused():   # (its rows' dicts and tuples outlive it; see xltools.heap)
                run.add(dataclasses.replace(part, frame=chunks.pop(0)))
    return run.result(parts)


def chunk_size(db: CustomerDB) -> int:
    """Rows per chunk for an import into ``db``."""
    return max(CHUNK_ROWS, len(db.customers))


class ImportRun:
    """What the chunks so far left behind, and what a later chunk must be checked against."""

    def __init__(self, db: CustomerDB, *, key, owner, today, synonyms):
        self.db, self.key, self.owner, self.today, self.synonyms = db, key, owner, today, synonyms
        self.issues: list[Issue] = []
        self.changes = Changeset("import")
        self.appended = ColumnAppend(TABLE, {}, [])     # the rows imported so far, as columns
        self.raw: dict[str, list] = {}                # per KINDS column: a raw value masked, or None
        self.lookup: dict[str, dict[str, str]] = {}   # (filled by the first chunk's matching)
        self.book = book_features(db)
        self.read = 0
        self.inferred: dict[str, int] = {}
        self.first_of: dict[str, dict[str, int]] = {col: {} for col in _WITHIN}
        # per row read (by its index): its source and row number; the rows imported and their
        # IDs. Arrays and lists, not a dict, tuple or dict per row: 200,000 of them were 70 MB.
        self.source_of: list = []
        self.row_of = np.zeros(0, dtype=np.int64)
        self.imported_idx = np.zeros(0, dtype=np.int64)
        self.ids: list[str] = []
        self.last_id: str | None = None
        self.flagged: dict[str, list[dict]] = {"existing": [], "repeats": [], "nameless": []}
        self.rejected: list[dict] = []
        self.owners: dict[str, None] = {}
        self.review: list[dict] = []                     # shown values of flagged/rejected rows

    # ------------------------------------------------------------------ one chunk

    def add(self, part: Extracted) -> None:
        """Check and account for the rows of ``part`` (a chunk); its frame is emptied."""
        df = normalise(self.db, part, self.synonyms, self.issues)
        part.frame = part.frame.iloc[:0].copy()   # (the cells as read: df's are worked on)
        if not len(df):
            return
        df.index = pd.RangeIndex(self.read, self.read + len(df))
        self.read += len(df)
        self.source_of += df[SOURCE].tolist()
        self.row_of = np.concatenate([self.row_of, df[ROW].to_numpy()])
        table = self.db.schema.table(TABLE)
        for k in table.keys:
            if k not in df.columns and k not in OWN_COLUMNS:
                df[k] = None
        infer_types(df)
        for column, n in infer(self.db, df, _place_values(df, self.synonyms)).items():
            self.inferred[column] = self.inferred.get(column, 0) + n
        df["Remarks"] = remarks(df)

        keys = match_keys(df, self.key)
        has_name = df["CustomerName"].map(lambda v: not is_blank(v))
        has_id = (keys["ContactPhone"] != "") | (keys["CreditCode"] != "")
        rejected_idx = df.index[~has_name & ~has_id]
        nameless_idx = df.index[~has_name & has_id]
        open_idx = df.index[has_name]
        named = len(open_idx) == len(df)   # (then no copy of every row, held while matching)
        existing = existing_matches(self.db, df if named else df.loc[open_idx],
                                    keys if named else keys.loc[open_idx], self.lookup, self.book)
        forget_names()     # (the names the matching parsed: not held through the rest of the chunk)
        candidates = open_idx[~open_idx.isin(existing.index)]
        repeats = self._repeats(keys, candidates, df)
        imported_idx = candidates[~candidates.isin(list(repeats))]
        ids = self._next_ids(len(imported_idx))
        self.imported_idx = np.concatenate([self.imported_idx, imported_idx.to_numpy(np.int64)])
        self.ids += ids

        masked = mask_frame(self.db, df, self.today)
        self._appends(df, masked, keys, imported_idx, ids)
        self._flag(df, existing, repeats, nameless_idx, rejected_idx)
        if "Owner" in masked.columns:
            self.owners.update(dict.fromkeys(masked.loc[imported_idx, "Owner"].tolist()))
        listed = df.index[df.index.isin(list(repeats)) | df.index.isin(existing.index)
                          | df.index.isin(nameless_idx) | df.index.isin(rejected_idx)]
        shown = masked.loc[listed, list(_SHOWN)]
        self.review += [{SOURCE: s, ROW: r, **dict(zip(_SHOWN, vals))} for s, r, *vals in
                        zip(df.loc[listed, SOURCE], df.loc[listed, ROW], *(shown[k] for k in _SHOWN))]

    def _repeats(self, keys: pd.DataFrame, candidates: pd.Index, df: pd.DataFrame) -> dict:
        """Candidates repeating an earlier candidate of the import (this chunk or an earlier one):
        {row: (earlier row, reason_zh, reason_en)}; the strongest shared key is the reason."""
        out: dict[int, tuple[int, str, str]] = {}
        where = candidates.tolist()
        for col in _WITHIN:
            firsts = self.first_of[col]
            zh, en = REASONS[col]
            for idx, value in zip(where, keys.loc[candidates, col].tolist()):
                if value == "":
                    continue
                first = firsts.setdefault(value, idx)
                if first != idx:
                    out.setdefault(idx, (first, zh, en))
        return out

    def _next_ids(self, count: int) -> list[str]:
        """IDs continuing after the book's (the first chunk) or after the last one given."""
        known = self.db.customers["CustomerID"] if self.last_id is None else pd.Series([self.last_id])
        ids = next_ids(known, self.today, count)
        if ids:
            self.last_id = ids[-1]
        return ids

    def _appends(self, df, masked, keys, imported_idx, ids) -> None:
        """The imported rows (their values in the table's column order, None where blank) added
        to :attr:`appended`, and the raw values their masks replaced; a column at a time."""
        table = self.db.schema.table(TABLE)
        pool_owner = self.owner or self.db.settings.get("PoolOwner") or "公海"
        given = {k: _cells(masked.loc[imported_idx, k]) for k in table.keys if k in masked.columns}
        given["CustomerID"] = ids
        for column, default in (("CreateTime", self.today), ("Owner", pool_owner)):
            given[column] = [default if v is None else v
                             for v in given.get(column, [None] * len(ids))]
        for fp in (FP_COLUMNS.values() if self.key else ()):
            given[fp] = [f or v for f, v in zip(keys.loc[imported_idx, fp].tolist(),
                                                given.get(fp, [None] * len(ids)))]
        block, before = self.appended, len(self.appended)
        for k in dict.fromkeys([*block.columns, *given]):   # (a source may lack a column)
            values = given.get(k) or [None] * len(ids)
            if k in block.columns:
                block.columns[k].extend(values)
            elif any(v is not None for v in values):
                # (a column blank in every row so far is left out, as blank: ~15 of an import's
                # 27, 1.5 MB each for 200,000 rows)
                block.columns[k] = [None] * before + values if before else values
        block.notes += [f"导入 / import: {source} #{number}" for source, number in
                        zip(df.loc[imported_idx, SOURCE].tolist(), df.loc[imported_idx, ROW].tolist())]
        for k in KINDS:     # what the masks replaced, for the vault (as dicts once all is read)
            raws = _cells(df.loc[imported_idx, k]) if k in df.columns else [None] * len(ids)
            self.raw.setdefault(k, [None] * before).extend(
                str(r) if r is not None and str(r) != str(v) else None
                for r, v in zip(raws, given.get(k) or [None] * len(ids)))

    def _flag(self, df, existing, repeats, nameless_idx, rejected_idx) -> None:
        for idx, cid, zh, en in existing.itertuples():
            self.flagged["existing"].append({
                **_where(df, idx), "reason_zh": f"疑似已有客户({zh})",
                "reason_en": f"looks like an existing customer ({en})",
                "reason": f"existing customer: {en}", "existing": cid})
        for idx, (first, zh, en) in repeats.items():
            source, number = self.source_of[first], int(self.row_of[first])
            ref = self._new_id(first) or f"{source} #{number}"
            self.flagged["repeats"].append({
                **_where(df, idx), "reason_zh": f"与本次导入的 {source} 第 {number} 行重复({zh})",
                "reason_en": f"repeats {source} row {number} of this import ({en})",
                "reason": f"repeats an earlier row of this import: {en}", "existing": ref})
        for idx in nameless_idx:
            self.flagged["nameless"].append({
                **_where(df, idx), "reason_zh": "缺少客户名称(有电话或证件号,请补全后录入)",
                "reason_en": "no customer name (has a phone or code: complete it by hand)",
                "reason": "no customer name", "existing": ""})
        self.rejected += [{**_where(df, idx), "reason": "no customer name, credit code or phone",
                           "reason_zh": "没有客户名称、信用代码或电话,无法识别客户"} for idx in rejected_idx]

    def _new_id(self, idx: int) -> str | None:
        """The CustomerID row ``idx`` was imported with (None: not imported)."""
        pos = int(np.searchsorted(self.imported_idx, idx))
        found = pos < len(self.imported_idx) and self.imported_idx[pos] == idx
        return self.ids[pos] if found else None

    # ------------------------------------------------------------------ the result

    def result(self, parts: list[Extracted]) -> tuple[Result, RawValues]:
        if len(self.appended):
            columns = self.appended.columns      # in the table's column order
            self.appended.columns = {k: columns[k] for k in self.db.schema.table(TABLE).keys
                                     if k in columns}
            self.changes.column_appends.append(self.appended)
        flagged = [*self.flagged["existing"], *self.flagged["repeats"], *self.flagged["nameless"]]
        flagged.sort(key=lambda f: (f["source"], f["row"]))
        by_idx = {(f["source"], f["row"]): f for f in flagged}
        shown = pd.DataFrame(self.review, columns=[SOURCE, ROW, *_SHOWN], dtype=object)
        self.changes.rebuilds.append(review_sheet(self.db.lang, shown, shown, by_idx, self.rejected))
        synonyms = self.synonyms
        owners = pd.DataFrame({"Owner": list(self.owners)}, dtype=object)
        # (made now, not as each chunk was: the chunks' frames are gone, and their memory is
        # reused for these 200,000 dicts)
        imported = [{"source": self.source_of[i], "row": int(self.row_of[i]), "CustomerID": cid}
                    for i, cid in zip(self.imported_idx.tolist(), self.ids)]
        data = {"read": self.read, "imported": len(imported), "flagged": len(flagged),
                "rejected": self.rejected, "flagged_rows": flagged, "imported_rows": imported,
                "unmapped": [{"source": p.label, "header": h} for p in parts for h in p.unmapped
                             if not synonyms.is_place(h)],
                "places": [{"source": p.label, "header": h} for p in parts for h in p.unmapped
                           if synonyms.is_place(h)],
                "ignored": [{"source": p.label, "header": h} for p in parts for h in p.ignored],
                "mapped": {p.label: p.mapped for p in parts},
                "skipped": {"blank_rows": sum(p.blank_rows for p in parts),
                            "total_rows": sum(p.total_rows for p in parts)},
                "fingerprints": bool(self.key),
                "inferred": {k: self.inferred[k] for k in _INFERRED_LABELS if k in self.inferred},
                "new_staff": _new_staff(self.db, owners, self.owner)}
        result = Result(changes=self.changes, issues=self.issues, data=data,
                        problems=bool(flagged or self.rejected),
                        summary_zh=_summary(data, "zh"), summary_en=_summary(data, "en"))
        return result, RawValues(self.ids, self.raw)


class RawValues(Mapping):
    """{CustomerID: {column: raw value}}: what the masks of the imported rows replaced, for the
    vault. Held as columns (the IDs, and a list per column: the raw value, or None) and each
    row's dict made as it is read: 200,000 dicts at once were 40 MB at the top of an import.

    >>> raw = RawValues(["C1", "C2", "C3"], {"ContactPhone": ["13812345678", None, None],
    ...                                      "Email": ["a@b.cn", None, "c@d.cn"]})
    >>> dict(raw.items())
    {'C1': {'ContactPhone': '13812345678', 'Email': 'a@b.cn'}, 'C3': {'Email': 'c@d.cn'}}
    >>> len(raw), "C2" in raw, raw["C3"]
    (2, False, {'Email': 'c@d.cn'})
    """

    def __init__(self, ids: list[str], columns: dict[str, list]) -> None:
        self._ids, self._columns = ids, columns
        self._at: dict[str, int] | None = None

    def items(self) -> Iterator[tuple[str, dict[str, str]]]:   # (in import order)
        for cid, *raws in zip(self._ids, *self._columns.values()):
            raw = {k: r for k, r in zip(self._columns, raws) if r is not None}
            if raw:
                yield cid, raw

    def __iter__(self) -> Iterator[str]:
        return (cid for cid, _ in self.items())

    def __len__(self) -> int:
        return sum(1 for _ in self.items())

    def __bool__(self) -> bool:
        return next(self.items(), None) is not None

    def __getitem__(self, cid: str) -> dict[str, str]:
        if self._at is None:
            self._at = {c: pos for pos, c in enumerate(self._ids)}
        raw = {k: column[self._at[cid]] for k, column in self._columns.items()
               if column[self._at[cid]] is not None}
        if not raw:
            raise KeyError(cid)
        return raw


def _cells(column: pd.Series) -> list:
    """The column's values, None for each blank one."""
    if column.isna().all():
        return [None] * len(column)
    return [None if _blank(v) else v for v in column.tolist()]


def _blank(value) -> bool:
    """:func:`~xltools.core.normalize.is_blank`, answered without a call for None and text
    (nearly every cell of an import)."""
    if value is None:
        return True
    if type(value) is str:
        return not value or value.isspace()
    return is_blank(value)


def _where(df: pd.DataFrame, idx) -> dict:
    return {"source": df.at[idx, SOURCE], "row": int(df.at[idx, ROW])}
