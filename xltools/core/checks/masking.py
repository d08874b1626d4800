"""Raw personal data left in the book: a readable phone, 身份证号 or e-mail in a column whose
schema says ``mask``, or written inside a text column (Remarks, follow-up Content, a column a
person added). One warning per cell, pointing at ``xltools mask``.

Company credit codes are public and stay readable; only a person's ID number counts here.
"""

from __future__ import annotations

import pandas as pd

from .. import cncodes, privacy
from ..normalize import phone_digits
from . import CheckSpec, Context, Rule, fixed
from .codes import code_kinds
from .phones import phone_statuses
from .values import per_distinct, repeats

ORDER = 50
CHECKS = (
    CheckSpec("unmasked", "warning", "未脱敏", "not masked",
              "a raw phone, 身份证号 or e-mail left in the book (\"run mask\")"),
)

HINT_ZH, HINT_EN = "请运行“脱敏”", "run mask"


def raw_cells(ctx: Context, table_key: str, column: str, kind: str) -> pd.Series:
    """True where the column holds readable personal data: what ``xltools mask`` would change.

    A mistyped value counts too (a 身份证号 with a wrong check digit still names a person), as
    long as it is shaped like one: 7+ digits for a phone, 17 digits and a digit or X for an ID
    number, an ``@`` for an e-mail.
    """
    df = ctx.db.df(table_key)
    s = df[column]
    raw = ~ctx.blank(table_key, column) & ~ctx.masked(table_key, column)
    if kind == "phone":
        status = phone_statuses(ctx, table_key, column)
        digits = s[raw & (status == "invalid")].map(phone_digits)
        shaped = pd.Series(False, index=s.index)
        shaped[digits.index] = digits.str.len() >= 7
        return raw & (status.isin(["mobile", "landline"]) | shaped)
    if kind == "email":
        return raw & ctx.text(table_key, column).str.contains("@", regex=False)
    if kind == "idcard":
        id_shaped = cncodes.ric_shaped(cncodes.normalised_codes(s))
        if table_key == "Customers" and column == "CreditCode":
            return raw & id_shaped & (code_kinds(ctx)["kind"] == "ric")
        return raw & id_shaped
    raise ValueError(f"unknown mask kind {kind!r}")


def raw_in_text(s: pd.Series) -> pd.Series:
    """True where a text cell holds a phone, ID number or e-mail somewhere inside. A column that
    repeats its texts (a follow-up's Content: a few phrases 500,000 times) is read once per
    distinct text: the cells are not each converted for Arrow's regular expressions (the first
    conversion of a non-ASCII string encodes it: 0.24 s for such a column)."""
    return per_distinct(s, _raw_in_text) if repeats(s) else _raw_in_text(s)


def _raw_in_text(s: pd.Series) -> pd.Series:
    maybe = privacy.may_hold(s)
    out = pd.Series(False, index=s.index, dtype=bool)
    if maybe.any():
        found = [privacy.scrub(v) != v for v in s[maybe]]
        out[maybe[maybe].index] = found
    return out


def rules(ctx: Context, table_key: str) -> list[Rule]:
    table = ctx.db.schema.table(table_key)
    df = ctx.db.df(table_key)
    out = []
    texts = [c for c in table.columns if c.type == "text" and not c.mask
             and c.key != table.id_column and not c.key.endswith("FP")]
    for col in texts:
        if col.key in df.columns:
            out.append(Rule("unmasked", table_key, col.key, lambda s: ~raw_in_text(s),
                            fixed(f"「{col.zh}」中有未脱敏的电话、证件号或邮箱({HINT_ZH})",
                                  f"{col.en} holds a raw phone, ID number or e-mail ({HINT_EN})")))
    for extra in ctx.db.tables[table_key].extra_columns:
        if extra in df.columns:
            out.append(Rule("unmasked", table_key, extra, lambda s: ~raw_in_text(s),
                            fixed(f"「{extra}」中有未脱敏的电话、证件号或邮箱({HINT_ZH})",
                                  f"{extra} holds a raw phone, ID number or e-mail ({HINT_EN})")))
    for col in table.columns:
        if not col.mask or col.key not in df.columns:
            continue
        raw = raw_cells(ctx, table_key, col.key, col.mask)
        out.append(Rule("unmasked", table_key, col.key,
                        lambda s, raw=raw: ~raw.reindex(s.index, fill_value=False),
                        fixed(f"「{col.zh}」未脱敏({HINT_ZH})",
                              f"{col.en} is not masked ({HINT_EN})")))
    return out
