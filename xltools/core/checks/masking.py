"""Raw personal data left in the book: a readable phone, 身份证号 or e-mail in a column whose
schema says ``mask``. One warning per cell, pointing at ``xltools mask``.

Company credit codes are public and stay readable; only a person's ID number counts here.
"""

from __future__ import annotations

import pandas as pd

from .. import cncodes
from . import Context, Rule, fixed
from .codes import code_kinds
from .fields import EMAIL
from .phones import phone_statuses
from .values import masked

HINT_ZH, HINT_EN = "请运行“脱敏”", "run mask"


def raw_cells(ctx: Context, table_key: str, column: str, kind: str) -> pd.Series:
    """True where the column holds a readable, valid value of its mask kind."""
    df = ctx.db.df(table_key)
    s = df[column]
    if kind == "phone":
        return phone_statuses(ctx, table_key, column).isin(["mobile", "landline"])
    if kind == "email":
        return ~ctx.blank(table_key, column) & ~masked(s) \
            & ctx.text(table_key, column).str.match(EMAIL.pattern)
    if kind == "idcard":
        if table_key == "Customers" and column == "CreditCode":
            info = code_kinds(ctx)
            return (info["kind"] == "ric") & (info["status"] == "ok")
        return cncodes.ric_status(s, today=ctx.today) == "ok"
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
