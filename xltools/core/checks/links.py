"""Checks across rows and tables: rows pointing at missing customers, and suspected duplicate
customers (the same credit code or the same phone on two customers).

On a masked book the raw values are gone; the keyed fingerprints (PhoneFP, CreditCodeFP) written by
``xltools mask`` stand in for them. A raw value compares through its fingerprint too when the run
has the key, so a row typed in after the last mask still matches a masked one.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from ..normalize import credit_code, phone_digits
from ..privacy import fingerprints
from . import CheckSpec, Context, Rule, fixed, per_row

ORDER = 60
CHECKS = (
    CheckSpec("reference", "error", "客户不存在", "unknown customer",
              "a follow-up, tag or opportunity whose CustomerID is not in Customers"),
    CheckSpec("duplicate", "warning", "疑似重复", "suspected duplicate",
              "two customers with the same credit code or the same phone (fingerprint)"),
)

LISTED = 5    # other customers a duplicate's message names (then "and N more")
# Customer column -> (its fingerprint column, privacy kind, normaliser, zh name, en name)
DUPLICATE_KEYS = {
    "CreditCode": ("CreditCodeFP", "idcard", credit_code, "信用代码/证件号", "credit code / ID number"),
    "ContactPhone": ("PhoneFP", "phone", phone_digits, "联系电话", "phone"),
}


def rules(ctx: Context, table_key: str) -> list[Rule]:
    out = []
    table = ctx.db.schema.table(table_key)
    df = ctx.db.df(table_key)
    for col in table.columns:
        if col.references and col.key in df.columns:
            ok = ctx.blank(table_key, col.key) | ctx.isin(
                table_key, col.key, _ids(ctx, col.references), name=("ids", col.references))
            out.append(Rule("reference", table_key, col.key, lambda s, ok=ok: ok.reindex(s.index),
                            fixed(f"「{col.zh}」在客户表中不存在", f"{col.en} does not exist in Customers")))
    if table_key == "Customers":
        for column in DUPLICATE_KEYS:
            if column in df.columns:
                out.append(_duplicate_rule(ctx, column))
    return out


def _ids(ctx: Context, table_key: str) -> set[str]:
    """The IDs present in a table (three tables point at Customers: computed once)."""
    id_column = ctx.db.schema.table(table_key).id_column
    return ctx.once(("ids", table_key), lambda: set(
        ctx.text(table_key, id_column)[~ctx.blank(table_key, id_column)]))


def match_keys(ctx: Context, column: str, key: bytes | None) -> pd.Series:
    """What two customers must share to look like one: the fingerprint when there is one (or can be
    made with ``key``), else the normalised raw value; ``""`` when nothing comparable is left."""
    fp_col, kind, normalise, *_ = DUPLICATE_KEYS[column]
    df = ctx.db.customers
    raw = df[column]
    out = pd.Series("", index=df.index, dtype=object)
    fps = ctx.text("Customers", fp_col) if fp_col in df.columns else pd.Series("", index=df.index)
    has_fp = fps != ""
    out[has_fp] = "fp:" + fps[has_fp]
    # raw values without a fingerprint (few, once masked)
    todo = ~has_fp & ~ctx.blank("Customers", column) & ~ctx.masked("Customers", column)
    if key:
        out[todo] = ["fp:" + fp for fp in fingerprints(kind, raw[todo].tolist(), key)]
    else:
        normal = raw[todo].map(normalise)
        out[todo] = ("raw:" + normal).where(normal.str.len() >= 7, "")
    return out


def _duplicate_rule(ctx: Context, column: str) -> Rule:
    df = ctx.db.customers
    _, _, _, zh, en = DUPLICATE_KEYS[column]
    keys = match_keys(ctx, column, ctx.cache.get("key"))
    shared = (keys != "") & keys.duplicated(keep=False)
    names = (ctx.text("Customers", "CustomerID") if "CustomerID" in df.columns
             else pd.Series("", index=df.index))
    missing = names == ""
    if missing.any():                   # no ID: the Excel row
        names = names.where(~missing, "#" + df.index.astype(str))
    # Pairs a reviewer already judged to be different customers are not suspects any more.
    from ..dedupe import rejected_pairs
    judged: dict[str, set[str]] = {}
    for pair in rejected_pairs(ctx.db):
        if len(pair) == 2:
            a, b = pair
            judged.setdefault(a, set()).add(b)
            judged.setdefault(b, set()).add(a)
    details = {}
    for rows in keys[shared].groupby(keys[shared]).groups.values():
        group = [(row, names[row]) for row in rows]
        upper = [name.upper() for _, name in group]
        seen = Counter(upper)
        for (row, _), me in zip(group, upper):
            apart = judged.get(me, set())
            count = len(group) - 1 - sum(seen[name] for name in apart if name in seen)
            if count <= 0:
                continue
            shown = []
            for (other, name), them in zip(group, upper):  # the first few: a switchboard
                if other != row and them not in apart:       # shared by 20,000 is not listed
                    shown.append(name)
                    if len(shown) == LISTED:
                        break
            more_zh = f" 等 {count:,} 个客户" if count > len(shown) else ""
            more_en = f" and {count - len(shown):,} more" if count > len(shown) else ""
            details[row] = (f"疑似重复客户:{zh}与 {'、'.join(shown)}{more_zh}相同",
                            f"suspected duplicate: same {en} as {', '.join(shown)}{more_en}")
    suspects = pd.Series(df.index.isin(list(details)), index=df.index)
    return Rule("duplicate", "Customers", column,
                lambda s: ~suspects.reindex(s.index, fill_value=False), per_row(details))
