"""Phone columns: a mainland mobile or landline number (checked with ``phonenumbers``), or one of
the masks ``xltools mask`` writes (138****5678, 0755****1234)."""

from __future__ import annotations

import pandas as pd

from .. import cncodes
from . import CheckSpec, Context, Rule, fixed

ORDER = 40
CHECKS = (
    CheckSpec("phone", "error", "电话", "phone",
              "not a mainland mobile or landline number (masked forms are accepted)"),
)


def phone_statuses(ctx: Context, table_key: str, column: str) -> pd.Series:
    """:func:`xltools.core.cncodes.phone_status` of one column, computed once per run."""
    return ctx.once(("phone", table_key, column),
                    lambda: cncodes.phone_status(ctx.db.df(table_key)[column]))


def rules(ctx: Context, table_key: str) -> list[Rule]:
    table = ctx.db.schema.table(table_key)
    df = ctx.db.df(table_key)
    out = []
    for col in table.columns:
        if col.type != "phone" or col.key not in df.columns:
            continue
        invalid = phone_statuses(ctx, table_key, col.key) == "invalid"
        out.append(Rule("phone", table_key, col.key,
                        lambda s, invalid=invalid: ~invalid.reindex(s.index, fill_value=False),
                        fixed(f"「{col.zh}」不是有效的手机号或座机号(手机11位,座机带区号)",
                              f"{col.en} is not a valid mainland mobile (11 digits) or landline "
                              "(with area code) number")))
    return out
