"""Raw personal data left in the book: a readable phone, 身份证号 or e-mail in a column whose
schema says ``mask``. One warning per cell, pointing at ``xltools mask``.

Company credit codes are public and stay readable; only a person's ID number counts here.
"""

from __future__ import annotations

import pandas as pd

from .. import cncodes
from ..normalize import phone_digits
from . import CheckSpec, Context, Rule, fixed
from .codes import code_kinds
from .phones import phone_statuses
from .values import masked

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
    raw = ~ctx.blank(table_key, column) & ~masked(s)
    if kind == "phone":
        status = phone_statuses(ctx, table_key, column)
        digits = s[raw & (status == "invalid")].map(phone_digits)
        shaped = pd.Series(False, index=s.index)
        shaped[digits.index] = digits.str.len() >= 7
        return raw & (status.isin(["mobile", "landline"]) | shaped)
    if kind == "email":
        return raw & ctx.text(table_key, column).str.contains("@", regex=False)
    if kind == "idcard":
        id_shaped = cncodes.normalised_codes(s).map(cncodes.ric_like).astype(bool)
        if table_key == "Customers" and column == "CreditCode":
            return raw & id_shaped & (code_kinds(ctx)["kind"] == "ric")
        return raw & id_shaped
    raise ValueError(f"unknown mask kind {kind!r}")


def rules(ctx: Context, table_key: str) -> list[Rule]:
    table = ctx.db.schema.table(table_key)
    df = ctx.db.df(table_key)
    out = []
    for col in table.columns:
        if not col.mask or col.key not in df.columns:
            continue
        raw = raw_cells(ctx, table_key, col.key, col.mask)
        out.append(Rule("unmasked", table_key, col.key,
                        lambda s, raw=raw: ~raw.reindex(s.index, fill_value=False),
                        fixed(f"「{col.zh}」未脱敏({HINT_ZH})",
                              f"{col.en} is not masked ({HINT_EN})")))
    return out
