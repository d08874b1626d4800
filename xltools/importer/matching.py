"""Which imported rows are customers the book already has, or repeat an earlier row of the same
import: matched on the keyed fingerprints of phone, credit code and e-mail, then through the
dedupe engine's name and phone evidence (those go to the ImportReview sheet, never added twice)."""

from __future__ import annotations

import pandas as pd

from ..core import privacy
from ..core.dedupe.keys import CLEAN, raw_values
from ..core.normalize import compact_text, credit_code, email, is_blank, phone_digits
from ..db import CustomerDB

TABLE = "Customers"
PERSON, COMPANY = "个人", "企业"
KINDS = {"ContactPhone": "phone", "CreditCode": "idcard", "Email": "email"}
FP_COLUMNS = {"ContactPhone": "PhoneFP", "CreditCode": "CreditCodeFP", "Email": "EmailFP"}


def match_keys(df: pd.DataFrame, key: bytes | None) -> pd.DataFrame:
    """Per incoming row: normalised phone, code, e-mail, their fingerprints, and a company's name."""
    out = pd.DataFrame(index=df.index)
    for col, norm, clean in (("ContactPhone", phone_digits, CLEAN["phone"]),
                             ("CreditCode", credit_code, CLEAN["code"]),
                             ("Email", email, CLEAN["email"])):
        vals = df[col] if col in df.columns else pd.Series(None, index=df.index, dtype=object)
        raw = raw_values(vals, norm, clean)      # "" for a blank or masked value
        out[col] = raw
        out[FP_COLUMNS[col]] = privacy.fingerprints(KINDS[col], raw, key, as_is=clean) if key else ""
    names = df["CustomerName"] if "CustomerName" in df.columns else pd.Series("", index=df.index)
    types = df["CustomerType"] if "CustomerType" in df.columns else pd.Series("", index=df.index)
    out["name"] = [compact_text(n).casefold() if t != PERSON else "" for n, t in zip(names, types)]
    return out


REASONS = {"ContactPhone": ("电话相同", "same phone"), "CreditCode": ("信用代码/证件号相同", "same credit code"),
            "Email": ("邮箱相同", "same e-mail"), "name": ("名称相同", "same name")}


def book_lookup(db: CustomerDB) -> dict[str, dict[str, str]]:
    """The book's exact evidence, built once per import: probe column (``ContactPhone``,
    ``CreditCode``, ``Email``, ``name`` or a fingerprint column) -> value -> the first CustomerID
    holding it."""
    book = db.customers
    ids = book["CustomerID"].map(lambda v: "" if is_blank(v) else str(v).strip()).tolist()
    lookup: dict[str, dict[str, str]] = {}
    book_keys = match_keys(book, None)
    for col in ("ContactPhone", "CreditCode", "Email", "name"):
        table = lookup.setdefault(col, {})
        for value, cid in zip(book_keys[col].tolist(), ids):
            if value and cid:
                table.setdefault(value, cid)
        fp = FP_COLUMNS.get(col)
        if fp and fp in book.columns:
            table = lookup.setdefault(fp, {})
            for value, cid in zip(book[fp].tolist(), ids):
                if not is_blank(value) and cid:
                    table.setdefault(str(value).strip(), cid)
    return lookup


def existing_matches(db: CustomerDB, incoming: pd.DataFrame, keys: pd.DataFrame,
                     lookup: dict[str, dict[str, str]] | None = None,
                     book: pd.DataFrame | None = None) -> pd.DataFrame:
    """Incoming rows that look like a customer already in the book: columns CustomerID, reason_zh,
    reason_en (index = incoming rows that match).

    Exact evidence: the same normalised phone, credit code or e-mail (raw, or through the keyed
    fingerprints when the book is masked), or the same company name. When the dedupe module offers
    ``match_against(db, incoming)``, its (fuzzy) matches are added. ``lookup`` and ``book``: the
    :func:`book_lookup` and :func:`book_features` of ``db`` when the caller has them already (an
    import in chunks reads the book once, not once per chunk); an empty ``lookup`` is filled here,
    for the caller's next chunk, once the engine is done: not held through its peak.
    """
    fuzzy = _dedupe_matches(db, incoming, keys, book)
    if lookup is None:
        lookup = book_lookup(db)
    elif not lookup:
        lookup.update(book_lookup(db))
    # With the dedupe engine, a same name alone is its call (it vetoes names whose codes differ).
    exact_cols = ("CreditCode", "ContactPhone", "Email") + (() if fuzzy is not None else ("name",))
    rows = {}
    for col in exact_cols:  # in order of strength: the first match of a row is its reason
        for probe in (col, FP_COLUMNS.get(col)):
            if not probe or probe not in keys.columns:
                continue
            hits = keys[probe].map(lookup.get(probe, {})).dropna()
            zh, en = REASONS[col]
            for idx, cid in hits.items():
                rows.setdefault(idx, (cid, zh, en))
    for idx, match in (fuzzy or {}).items():
        rows.setdefault(idx, match)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["CustomerID", "reason_zh", "reason_en"])


def book_features(db: CustomerDB) -> pd.DataFrame | None:
    """What the dedupe engine reads of the book's customers (None without the engine)."""
    try:
        from ..core.dedupe import book_features as features
    except ImportError:
        return None
    return features(db)


def forget_names() -> None:
    """The dedupe engine's caches of parsed names emptied (an import done matching)."""
    try:
        from ..core.dedupe import forget
    except ImportError:
        return
    forget()


def _dedupe_matches(db: CustomerDB, incoming: pd.DataFrame, keys: pd.DataFrame,
                    book: pd.DataFrame | None = None) -> dict[object, tuple[str, str, str]] | None:
    """The dedupe engine's matches (similar names, pinyin, codes, phones): {incoming row:
    (CustomerID, reason_zh, reason_en)}; None when the engine is not installed."""
    try:
        from ..core.dedupe import COLUMNS, match_against
    except ImportError:
        return None
    # only the columns matching reads: the others' 200,000 rows each are not copied
    probe = incoming[[c for c in db.schema.table(TABLE).keys if c in incoming.columns
                      and c in COLUMNS]].copy()
    for fp in FP_COLUMNS.values():
        probe[fp] = keys[fp].replace("", None) if fp in keys.columns else None
    out = {}
    for m in match_against(db, probe, book=book):
        zh, _, en = m.reasons.partition(" / ")
        out[m.incoming] = (m.customer_id, zh or "相似", en or zh or "similar")
    return out
